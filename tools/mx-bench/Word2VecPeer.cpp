//===- Word2VecPeer.cpp - a hand-written HogBatch step (benchmark peer) ---===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The word2vec step as one would write it by hand for speed, with the loop
// structure of pWord2Vec's non-MKL path (Ji et al.): scores as dot products
// with `#pragma omp simd reduction` (vectorized, so reassociated), the two
// gradient products as row updates (axpy) innermost, fixed-size scratch
// arrays instead of allocations. Built with clang -O3 -march=native
// -fopenmp-simd. Same meaning as mx::ref::word2vecStep in FP32 up to the
// reassociation of the score sums (exact sigmoid, saturation at +-6).
//
//===----------------------------------------------------------------------===//

#include "Word2VecPeer.h"

#include <cmath>

namespace {
constexpr int64_t kMaxRows = 32;
constexpr int64_t kMaxDim = 512;
} // namespace

void mx::bench::handWrittenWord2VecStep(float *wih, float *woh, int64_t dim,
                                        const int32_t *ctx, int64_t nctx,
                                        const int32_t *out, const float *meta,
                                        int64_t nout, float alpha) {
  alignas(64) float inM[kMaxRows * kMaxDim], outM[kMaxRows * kMaxDim];
  alignas(64) float inMd[kMaxRows * kMaxDim], outMd[kMaxRows * kMaxDim];
  float g[kMaxRows * kMaxRows];
  for (int64_t b = 0; b < nctx; ++b)
    for (int64_t d = 0; d < dim; ++d)
      inM[b * dim + d] = wih[ctx[b] * dim + d];
  for (int64_t o = 0; o < nout; ++o)
    for (int64_t d = 0; d < dim; ++d)
      outM[o * dim + d] = woh[out[o] * dim + d];
  for (int64_t o = 0; o < nout; ++o)
    for (int64_t b = 0; b < nctx; ++b) {
      float f = 0.0f;
      const float *x = &outM[o * dim], *y = &inM[b * dim];
#pragma omp simd reduction(+ : f)
      for (int64_t d = 0; d < dim; ++d)
        f += x[d] * y[d];
      float label = o == 0 ? 1.0f : 0.0f;
      float s = f > 6.0f ? 1.0f : f < -6.0f ? 0.0f : 1.0f / (1.0f + expf(-f));
      g[o * nctx + b] = ((label - s) * alpha) * meta[o];
    }
  for (int64_t o = 0; o < nout; ++o) {
    float *row = &outMd[o * dim];
    for (int64_t d = 0; d < dim; ++d)
      row[d] = 0.0f;
    for (int64_t b = 0; b < nctx; ++b) {
      float c = g[o * nctx + b];
      const float *x = &inM[b * dim];
#pragma omp simd
      for (int64_t d = 0; d < dim; ++d)
        row[d] += c * x[d];
    }
  }
  for (int64_t b = 0; b < nctx; ++b) {
    float *row = &inMd[b * dim];
    for (int64_t d = 0; d < dim; ++d)
      row[d] = 0.0f;
    for (int64_t o = 0; o < nout; ++o) {
      float c = g[o * nctx + b];
      const float *x = &outM[o * dim];
#pragma omp simd
      for (int64_t d = 0; d < dim; ++d)
        row[d] += c * x[d];
    }
  }
  for (int64_t b = 0; b < nctx; ++b) {
    float *row = &wih[ctx[b] * dim];
    for (int64_t d = 0; d < dim; ++d)
      row[d] += inMd[b * dim + d];
  }
  for (int64_t o = 0; o < nout; ++o) {
    float *row = &woh[out[o] * dim];
    for (int64_t d = 0; d < dim; ++d)
      row[d] += outMd[o * dim + d];
  }
}
