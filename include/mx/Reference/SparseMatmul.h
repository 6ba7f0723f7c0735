//===- SparseMatmul.h - oracle of masked and sparse matmul -*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Plain C++ definitions that the compiled mx.sparse_matmul kernels are
// checked against: the dense masked product (every k, masked weights as
// +0) and the packing of a masked weight matrix into the K-segmented CSR of
// mx.sparse_matmul, with f32 or MX-coded values (the MX rules are those of
// the scalar MX oracle, mx/Reference/MxFormats.h). Shares no code with the
// compiler.
//
//===----------------------------------------------------------------------===//

#ifndef MX_REFERENCE_SPARSEMATMUL_H
#define MX_REFERENCE_SPARSEMATMUL_H

#include "mx/Reference/MxFormats.h"

#include <cstdint>
#include <vector>

namespace mx::reference {

/// c[m][n] += sum over k = 0 .. K-1, ascending, of (mask[m][k] ? w[m][k] : 0)
/// * x[k][n], each product and each sum rounded to f32 (no FMA). w, mask:
/// M x K, x: K x N, c: M x N, all row-major.
void denseMaskedMatmul(const float *w, const uint8_t *mask, const float *x,
                       float *c, int64_t m, int64_t k, int64_t n);

/// K-segmented CSR of the kept weights (mask != 0) of an M x K matrix,
/// segments of kTile columns (the layout of mx.sparse_matmul, docs/abi.md).
/// With `codes` (M x K, one MX code per weight), `codes` holds the codes of
/// the kept weights in the same order as `values`.
struct SegmentedCsr {
  std::vector<int32_t> pos; // segments * M + 1
  std::vector<int32_t> crd; // one per kept weight
  std::vector<float> values;
  std::vector<uint8_t> codes;
};
SegmentedCsr packSegmentedCsr(const float *w, const uint8_t *mask, int64_t m,
                              int64_t k, int64_t kTile,
                              const uint8_t *codes = nullptr);

/// MX quantization of masked weights as mx.sparse_matmul stores them (its
/// description in MxSparseKernelOps.td): masked weights count as +0; each
/// row is quantized in blocks of 32 columns (the last one shorter when 32
/// does not divide K) by mx::ref::quantizeBlock (floor scale rule,
/// subnormals kept).
struct MxRows {
  std::vector<uint8_t> codes;  // M x K, one code per weight
  std::vector<uint8_t> scales; // M x ceil(K / 32), row-major
  std::vector<float> values;   // M x K: the weights' decoded f32 values
};
MxRows quantizeMaskedRows(const float *w, const uint8_t *mask, int64_t m,
                          int64_t k, ::mx::ref::Format format);

} // namespace mx::reference

#endif // MX_REFERENCE_SPARSEMATMUL_H
