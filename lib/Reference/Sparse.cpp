//===- Sparse.cpp - Scalar reference for the AutoSparse ops ---------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/Sparse.h"

#include <cmath>
#include <vector>

namespace mx::ref {

float sparseThreshold(float s) {
  float e = std::exp(-s);
  return 1.0f / (1.0f + e);
}

static bool kept(float w, float tau) { return std::fabs(w) > tau; }

float sparseMaskValue(float w, float tau, MaskMode mode) {
  if (!kept(w, tau))
    return 0.0f;
  if (mode == MaskMode::Hard)
    return w;
  // sign(w) * relu(|w| - tau); the relu is the identity on kept weights.
  float sign = w < 0 ? -1.0f : 1.0f;
  return sign * (std::fabs(w) - tau);
}

void sparseMask(const float *w, size_t n, float s, MaskMode mode, float *out) {
  float tau = sparseThreshold(s);
  for (size_t i = 0; i < n; ++i)
    out[i] = sparseMaskValue(w[i], tau, mode);
}

void gaGrad(const float *g, const float *w, size_t n, float s, float alpha,
            float *out) {
  float tau = sparseThreshold(s);
  for (size_t i = 0; i < n; ++i)
    out[i] = kept(w[i], tau) ? g[i] : alpha * g[i];
}

float sparseMaskGradThreshold(const float *w, const float *g, size_t n,
                              float s) {
  float tau = sparseThreshold(s);
  float acc = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    if (!kept(w[i], tau))
      continue;
    float sign = w[i] < 0 ? -1.0f : 1.0f;
    acc = acc + sign * g[i];
  }
  float slope = tau * (1.0f - tau);
  return -(slope * acc);
}

static std::vector<float> masked(const float *w, size_t n, float s,
                                 MaskMode mode) {
  std::vector<float> out(n);
  sparseMask(w, n, s, mode, out.data());
  return out;
}

/// out (rows x cols, row-major) = A B with A(r, t) = a[r * aRow + t * aDepth]
/// and B(t, c) = b[t * bDepth + c * bCol]; every sum runs over t in
/// increasing order from 0.0f.
static void stridedMatmul(const float *a, int64_t aRow, int64_t aDepth,
                          const float *b, int64_t bDepth, int64_t bCol,
                          int64_t rows, int64_t depth, int64_t cols,
                          float *out) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      float acc = 0.0f;
      for (int64_t t = 0; t < depth; ++t)
        acc = acc + a[r * aRow + t * aDepth] * b[t * bDepth + c * bCol];
      out[r * cols + c] = acc;
    }
}

void maskedMatmul(const float *w, const float *x, int64_t m, int64_t k,
                  int64_t n, float s, MaskMode mode, float *y) {
  std::vector<float> wt = masked(w, m * k, s, mode);
  // y[i, j] = sum over l of wt[i, l] * x[l, j].
  stridedMatmul(wt.data(), k, 1, x, n, 1, m, k, n, y);
}

void maskedMatmulGradInput(const float *w, const float *dy, int64_t m,
                           int64_t k, int64_t n, float s, MaskMode mode,
                           float *dx) {
  std::vector<float> wt = masked(w, m * k, s, mode);
  // dx[l, j] = sum over i of wt[i, l] * dy[i, j].
  stridedMatmul(wt.data(), 1, k, dy, n, 1, k, m, n, dx);
}

void maskedMatmulGradWeight(const float *dy, const float *x, int64_t m,
                            int64_t k, int64_t n, float *g) {
  // g[i, l] = sum over j of dy[i, j] * x[l, j].
  stridedMatmul(dy, n, 1, x, 1, n, m, n, k, g);
}

namespace {
/// Row-major 4-D indexing.
struct Index4 {
  int64_t d1, d2, d3;
  int64_t operator()(int64_t a, int64_t b, int64_t c, int64_t d) const {
    return ((a * d1 + b) * d2 + c) * d3 + d;
  }
};
} // namespace

void maskedConv2D(const float *x, const float *w, const Conv2DShape &sh,
                  float s, MaskMode mode, float *y) {
  std::vector<float> wt = masked(w, sh.f * sh.c * sh.kh * sh.kw, s, mode);
  int64_t oh = sh.outH(), ow = sh.outW();
  Index4 xi{sh.c, sh.h, sh.w}, wi{sh.c, sh.kh, sh.kw}, yi{sh.f, oh, ow};
  for (int64_t n = 0; n < sh.n; ++n)
    for (int64_t f = 0; f < sh.f; ++f)
      for (int64_t r = 0; r < oh; ++r)
        for (int64_t q = 0; q < ow; ++q) {
          float acc = 0.0f;
          for (int64_t c = 0; c < sh.c; ++c)
            for (int64_t a = 0; a < sh.kh; ++a)
              for (int64_t b = 0; b < sh.kw; ++b) {
                int64_t ih = r * sh.strideH + a * sh.dilationH - sh.padH;
                int64_t iw = q * sh.strideW + b * sh.dilationW - sh.padW;
                if (ih < 0 || ih >= sh.h || iw < 0 || iw >= sh.w)
                  continue; // zero padding
                acc = acc + x[xi(n, c, ih, iw)] * wt[wi(f, c, a, b)];
              }
          y[yi(n, f, r, q)] = acc;
        }
}

void maskedConv2DGradInput(const float *dy, const float *w,
                           const Conv2DShape &sh, float s, MaskMode mode,
                           float *dx) {
  std::vector<float> wt = masked(w, sh.f * sh.c * sh.kh * sh.kw, s, mode);
  int64_t oh = sh.outH(), ow = sh.outW();
  Index4 xi{sh.c, sh.h, sh.w}, wi{sh.c, sh.kh, sh.kw}, yi{sh.f, oh, ow};
  for (int64_t n = 0; n < sh.n; ++n)
    for (int64_t c = 0; c < sh.c; ++c)
      for (int64_t ih = 0; ih < sh.h; ++ih)
        for (int64_t iw = 0; iw < sh.w; ++iw) {
          float acc = 0.0f;
          for (int64_t f = 0; f < sh.f; ++f)
            for (int64_t a = 0; a < sh.kh; ++a)
              for (int64_t b = 0; b < sh.kw; ++b) {
                // The output position reading (ih, iw) through tap (a, b).
                int64_t th = ih + sh.padH - a * sh.dilationH;
                int64_t tw = iw + sh.padW - b * sh.dilationW;
                if (th < 0 || tw < 0 || th % sh.strideH || tw % sh.strideW)
                  continue;
                int64_t r = th / sh.strideH, q = tw / sh.strideW;
                if (r >= oh || q >= ow)
                  continue;
                acc = acc + dy[yi(n, f, r, q)] * wt[wi(f, c, a, b)];
              }
          dx[xi(n, c, ih, iw)] = acc;
        }
}

void maskedConv2DGradWeight(const float *x, const float *dy,
                            const Conv2DShape &sh, float *g) {
  int64_t oh = sh.outH(), ow = sh.outW();
  Index4 xi{sh.c, sh.h, sh.w}, wi{sh.c, sh.kh, sh.kw}, yi{sh.f, oh, ow};
  for (int64_t f = 0; f < sh.f; ++f)
    for (int64_t c = 0; c < sh.c; ++c)
      for (int64_t a = 0; a < sh.kh; ++a)
        for (int64_t b = 0; b < sh.kw; ++b) {
          float acc = 0.0f;
          for (int64_t n = 0; n < sh.n; ++n)
            for (int64_t r = 0; r < oh; ++r)
              for (int64_t q = 0; q < ow; ++q) {
                int64_t ih = r * sh.strideH + a * sh.dilationH - sh.padH;
                int64_t iw = q * sh.strideW + b * sh.dilationW - sh.padW;
                if (ih < 0 || ih >= sh.h || iw < 0 || iw >= sh.w)
                  continue;
                acc = acc + x[xi(n, c, ih, iw)] * dy[yi(n, f, r, q)];
              }
          g[wi(f, c, a, b)] = acc;
        }
}

} // namespace mx::ref
