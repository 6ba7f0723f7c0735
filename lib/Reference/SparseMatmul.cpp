//===- SparseMatmul.cpp - scalar oracle of masked and sparse matmul -------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/SparseMatmul.h"

namespace mx::reference {

void denseMaskedMatmul(const float *w, const uint8_t *mask, const float *x,
                       float *c, int64_t m, int64_t k, int64_t n) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float sum = c[i * n + j];
      for (int64_t l = 0; l < k; ++l) {
        float weight = mask[i * k + l] ? w[i * k + l] : 0.0f;
        float product = weight * x[l * n + j];
        sum = sum + product;
      }
      c[i * n + j] = sum;
    }
}

SegmentedCsr packSegmentedCsr(const float *w, const uint8_t *mask, int64_t m,
                              int64_t k, int64_t kTile) {
  SegmentedCsr csr;
  int64_t segments = k <= kTile ? 1 : (k + kTile - 1) / kTile;
  csr.pos.push_back(0);
  for (int64_t t = 0; t < segments; ++t)
    for (int64_t i = 0; i < m; ++i) {
      int64_t end = (t + 1) * kTile < k ? (t + 1) * kTile : k;
      for (int64_t l = t * kTile; l < end; ++l)
        if (mask[i * k + l]) {
          csr.crd.push_back(static_cast<int32_t>(l));
          csr.values.push_back(w[i * k + l]);
        }
      csr.pos.push_back(static_cast<int32_t>(csr.crd.size()));
    }
  return csr;
}

} // namespace mx::reference
