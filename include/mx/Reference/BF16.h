//===- BF16.h - Scalar reference for f32 <-> bf16 casts ---------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Independent scalar reference ("oracle") for `mx.cast` between f32 and
// bf16. Plain C++17; depends on nothing of LLVM or MLIR, and shares no code
// with the compiler. It works in the value domain: an input is decoded to a
// double, its two bf16 neighbours are computed from the bf16 grid spacing at
// its exponent, and the rounding rule picks one by comparing exact
// distances. It does not use the `(bits + 0x7FFF + lsb) >> 16` trick the
// lowerings use, so the two check each other.
//
// The rules (the same as the `mx.cast` description in MxOps.td):
//
// f32 -> bf16
//   1. NaN: a quiet NaN with the input's sign and the top six bits of its
//      payload, `sign | 0x7FC0 | payload[22:17]`, whatever the rounding.
//   2. Flush: an f32 subnormal input counts as a zero of the same sign
//      (and a subnormal bf16 result would be flushed too; a normal input
//      never produces one).
//   3. Zeros and infinities are kept. Finite values are rounded onto the
//      bf16 grid (subnormals included):
//        NearestEven  to nearest, ties to the even significand; a result
//                     beyond the largest finite bf16 (0x7F7F) is Inf;
//        TowardZero   the neighbour nearer zero;
//        Stochastic   the neighbour away from zero iff f + r >= 2^16, where
//                     f = (|x| - lower) / spacing * 2^16 is the discarded
//                     fraction in units of 2^-16 of the spacing and r the
//                     random value (0 <= r < 2^16); away from the largest
//                     finite value is Inf.
//
// bf16 -> f32
//   Exact. NaNs stay NaN with sign and payload, made quiet (the f32 quiet
//   bit 0x00400000 is set). Flush: bf16 subnormals become signed zeros.
//
// Stochastic random values (stochasticBits)
//   r(seed, index) = H(seed, index mod 2^32) & 0xFFFF, with unsigned 32-bit
//   arithmetic, H(s, u) = mix(u + mix(s)) and mix Wellons'
//   lowbias32: x ^= x >> 16; x *= 0x7FEB352D; x ^= x >> 15;
//   x *= 0x846CA68B; x ^= x >> 16. The index of an element is its row-major
//   linear index in the tensor being cast. (Two seeds give shifted copies of
//   one stream: H(s2, u) = H(s1, u + mix(s2) - mix(s1)).)
//
//===----------------------------------------------------------------------===//

#ifndef MX_REFERENCE_BF16_H
#define MX_REFERENCE_BF16_H

#include <cstddef>
#include <cstdint>

namespace mx::ref {

enum class BF16Rounding { NearestEven, TowardZero, Stochastic };
enum class BF16Denormals { Preserve, Flush };

/// The bf16 bit pattern of the f32 with bit pattern `bits`. `random` (in
/// [0, 2^16)) is used by BF16Rounding::Stochastic only.
uint16_t f32ToBF16(uint32_t bits, BF16Rounding rounding,
                   BF16Denormals denormals, uint32_t random = 0);

/// The f32 bit pattern of the bf16 with bit pattern `bits`.
uint32_t bf16ToF32(uint16_t bits, BF16Denormals denormals);

/// Wellons' lowbias32 integer hash (a bijection of 32-bit values).
uint32_t lowbias32(uint32_t x);

/// The 16-bit random value that stochastic rounding adds to the element
/// with row-major linear index `index` of a cast with seed `seed`.
uint32_t stochasticBits(uint32_t seed, uint64_t index);

/// Casts `count` f32 patterns; element k has linear index `firstIndex + k`
/// (for stochastic rounding).
void castF32ToBF16(const uint32_t *input, uint16_t *output, size_t count,
                   BF16Rounding rounding, BF16Denormals denormals,
                   uint32_t seed = 0, uint64_t firstIndex = 0);

/// Casts `count` bf16 patterns.
void castBF16ToF32(const uint16_t *input, uint32_t *output, size_t count,
                   BF16Denormals denormals);

} // namespace mx::ref

#endif // MX_REFERENCE_BF16_H
