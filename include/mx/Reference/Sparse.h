//===- Sparse.h - Scalar reference for the AutoSparse ops -------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Independent scalar reference ("oracle") for the sparse-masked ops of
// MxSparseOps.td: mx.sparse_mask, mx.ga_grad, mx.sparse_mask_grad_threshold,
// mx.masked_matmul (+ _grad_input, _grad_weight) and mx.masked_conv2d
// (+ _grad_input, _grad_weight). Plain C++17, no LLVM or MLIR; written from
// the paper's formulas (STR's sign(w) * relu(|w| - tau) with an explicit
// mask, direct loops over outputs that skip the zero padding) rather than
// from the lowering, and with the sums in the order the op descriptions
// document, so that compiled kernels can be compared bit for bit. Compile
// with -ffp-contract=off (no fused multiply-add).
//
// Layouts: row-major; matmul W [M, K], X [K, N], Y [M, N]; convolution
// NCHW activations and FCHW weights.
//
//===----------------------------------------------------------------------===//

#ifndef MX_REFERENCE_SPARSE_H
#define MX_REFERENCE_SPARSE_H

#include <cstddef>
#include <cstdint>

namespace mx::ref {

enum class MaskMode { Soft, Hard };

/// tau = sigmoid(s) = 1 / (1 + exp(-s)) in f32 (exactly 0 at s = -3200).
float sparseThreshold(float s);

/// The masked weight w~ for threshold tau: soft sign(w) * relu(|w| - tau),
/// hard w * 1{|w| > tau}; masked weights (and NaN) give +0.
float sparseMaskValue(float w, float tau, MaskMode mode);

/// out[i] = w~(w[i]) for n elements with tau = sparseThreshold(s).
void sparseMask(const float *w, size_t n, float s, MaskMode mode, float *out);

/// Gradient Annealing: out = g * (m + alpha (1 - m)), m = |w| > tau.
void gaGrad(const float *g, const float *w, size_t n, float s, float alpha,
            float *out);

/// dL/ds of the soft mask given g = dL/dw~ (n elements in order).
float sparseMaskGradThreshold(const float *w, const float *g, size_t n,
                              float s);

/// Y = W~ X.
void maskedMatmul(const float *w, const float *x, int64_t m, int64_t k,
                  int64_t n, float s, MaskMode mode, float *y);
/// dX = W~^T dY.
void maskedMatmulGradInput(const float *w, const float *dy, int64_t m,
                           int64_t k, int64_t n, float s, MaskMode mode,
                           float *dx);
/// dL/dW~ = dY X^T.
void maskedMatmulGradWeight(const float *dy, const float *x, int64_t m,
                            int64_t k, int64_t n, float *g);

struct Conv2DShape {
  int64_t n, c, h, w; // input
  int64_t f, kh, kw;  // weight [f, c, kh, kw]
  int64_t strideH = 1, strideW = 1;
  int64_t padH = 0, padW = 0;
  int64_t dilationH = 1, dilationW = 1;
  int64_t outH() const {
    return (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1;
  }
  int64_t outW() const {
    return (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1;
  }
};

/// Y = conv2d(X, W~).
void maskedConv2D(const float *x, const float *w, const Conv2DShape &shape,
                  float s, MaskMode mode, float *y);
/// dX of maskedConv2D.
void maskedConv2DGradInput(const float *dy, const float *w,
                           const Conv2DShape &shape, float s, MaskMode mode,
                           float *dx);
/// dL/dW~ of maskedConv2D.
void maskedConv2DGradWeight(const float *x, const float *dy,
                            const Conv2DShape &shape, float *g);

} // namespace mx::ref

#endif // MX_REFERENCE_SPARSE_H
