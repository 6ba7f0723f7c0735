//===- KTanhPeer.h - peers of the K-TanH benchmarks -------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_BENCH_KTANHPEER_H
#define MX_BENCH_KTANHPEER_H

#include <cstddef>
#include <cstdint>

namespace mx::bench {

enum class Function { Tanh, Sigmoid, Swish, Gelu };

/// Whether SLEEF's AVX-512 functions were compiled in.
bool haveSleef();

void glibcF32(Function fn, const float *x, float *y, size_t n);
void glibcBF16(Function fn, const uint16_t *x, uint16_t *y, size_t n);
void sleefF32(Function fn, const float *x, float *y, size_t n);
void sleefBF16(Function fn, const uint16_t *x, uint16_t *y, size_t n);

} // namespace mx::bench

#endif // MX_BENCH_KTANHPEER_H
