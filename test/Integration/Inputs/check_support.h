//===- check_support.h - helpers of the integration checkers ----*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Bit casts, a fixed random generator and the ranked memref descriptor,
// shared by the checkers under test/Integration/*/Inputs (included as
// "../../Inputs/check_support.h").
//
//===----------------------------------------------------------------------===//

#ifndef MX_TEST_INTEGRATION_CHECK_SUPPORT_H
#define MX_TEST_INTEGRATION_CHECK_SUPPORT_H

#include <cstdint>
#include <cstring>

/// The bits of `value`.
inline uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

/// The float with these bits.
inline float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

/// splitmix64: a fixed, platform-independent generator.
struct SplitMix64 {
  uint64_t state;
  explicit SplitMix64(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

/// An MLIR ranked memref descriptor (C interface) of rank N >= 1.
template <int N> struct Desc {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[N];
  int64_t strides[N];
};

#endif // MX_TEST_INTEGRATION_CHECK_SUPPORT_H
