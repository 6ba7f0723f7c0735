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
                              int64_t k, int64_t kTile, const uint8_t *codes) {
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
          if (codes)
            csr.codes.push_back(codes[i * k + l]);
        }
      csr.pos.push_back(static_cast<int32_t>(csr.crd.size()));
    }
  return csr;
}

MxRows quantizeMaskedRows(const float *w, const uint8_t *mask, int64_t m,
                          int64_t k, ::mx::ref::Format format) {
  const int64_t block = 32;
  MxRows rows;
  rows.codes.resize(size_t(m * k));
  rows.values.resize(size_t(m * k));
  std::vector<float> masked(block);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t l0 = 0; l0 < k; l0 += block) {
      size_t n = size_t(k - l0 < block ? k - l0 : block);
      for (size_t j = 0; j < n; ++j)
        masked[j] = mask[i * k + l0 + j] ? w[i * k + l0 + j] : 0.0f;
      uint8_t scale = ::mx::ref::quantizeBlock(
          masked.data(), n, format, ::mx::ref::ScaleRule::Floor,
          /*flushSubnormals=*/false, &rows.codes[size_t(i * k + l0)]);
      rows.scales.push_back(scale);
      ::mx::ref::dequantizeBlock(&rows.codes[size_t(i * k + l0)], n, format,
                                 scale, &rows.values[size_t(i * k + l0)]);
    }
  return rows;
}

} // namespace mx::reference
