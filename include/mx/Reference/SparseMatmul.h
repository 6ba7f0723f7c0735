//===- SparseMatmul.h - oracle of masked and sparse matmul -*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Plain C++ definitions that the compiled mx.sparse_matmul kernels are
// checked against: the dense masked product (every k, masked weights as
// +0) and the packing of a masked weight matrix into the K-segmented CSR of
// mx.sparse_matmul. Shares no code with the compiler.
//
//===----------------------------------------------------------------------===//

#ifndef MX_REFERENCE_SPARSEMATMUL_H
#define MX_REFERENCE_SPARSEMATMUL_H

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
struct SegmentedCsr {
  std::vector<int32_t> pos; // segments * M + 1
  std::vector<int32_t> crd; // one per kept weight
  std::vector<float> values;
};
SegmentedCsr packSegmentedCsr(const float *w, const uint8_t *mask, int64_t m,
                              int64_t k, int64_t kTile);

} // namespace mx::reference

#endif // MX_REFERENCE_SPARSEMATMUL_H
