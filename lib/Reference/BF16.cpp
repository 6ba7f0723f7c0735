//===- BF16.cpp - Scalar reference for f32 <-> bf16 casts -----------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// See BF16.h for the rules. Everything is computed on exact doubles: every
// f32 and bf16 value, their differences within one binade and the
// neighbours of an f32 on the bf16 grid are exactly representable.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/BF16.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace mx::ref;

namespace {

float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

constexpr uint16_t kBF16Inf = 0x7F80;
constexpr uint16_t kBF16QuietBit = 0x0040;
constexpr uint32_t kF32Inf = 0x7F800000;
constexpr uint32_t kF32QuietBit = 0x00400000;

/// The bf16 pattern of a magnitude that lies on the bf16 grid, or of Inf for
/// 2^128 (one spacing above the largest finite bf16).
uint16_t encodeOnGrid(double magnitude, uint16_t sign) {
  if (magnitude >= 0x1p128)
    return sign | kBF16Inf;
  // Exact: a bf16 value is an f32 whose low 16 bits are zero.
  uint32_t bits = bitsOf(static_cast<float>(magnitude));
  return sign | static_cast<uint16_t>(bits >> 16);
}

} // namespace

uint16_t mx::ref::f32ToBF16(uint32_t bits, BF16Rounding rounding,
                            BF16Denormals denormals, uint32_t random) {
  const uint16_t sign = (bits >> 31) ? 0x8000 : 0x0000;
  const float x = floatOf(bits);
  if (std::isnan(x)) {
    // Quiet, sign kept, payload truncated to its top six bits.
    uint16_t payload = static_cast<uint16_t>((bits >> 16) & 0x3F);
    return sign | kBF16Inf | kBF16QuietBit | payload;
  }
  if (std::isinf(x))
    return sign | kBF16Inf;
  if (denormals == BF16Denormals::Flush && std::fpclassify(x) == FP_SUBNORMAL)
    return sign;
  const double magnitude = std::fabs(static_cast<double>(x));
  if (magnitude == 0.0)
    return sign;

  // bf16 keeps 8 significant bits: in the binade [2^e, 2^(e+1)) the grid
  // spacing is 2^(e-7); below 2^-126 (subnormals) it stays 2^-133.
  int frexpExponent;
  std::frexp(magnitude, &frexpExponent); // magnitude = m * 2^fe, m in [.5, 1)
  const int exponent = std::max(frexpExponent - 1, -126);
  const double spacing = std::ldexp(1.0, exponent - 7);
  const double steps = std::floor(magnitude / spacing); // exact
  const double lower = steps * spacing;
  const double upper = lower + spacing;

  double result = lower;
  switch (rounding) {
  case BF16Rounding::NearestEven: {
    const double below = magnitude - lower, above = upper - magnitude;
    if (above < below)
      result = upper;
    else if (above == below && std::fmod(steps, 2.0) != 0.0)
      result = upper; // tie: the even significand is the upper one
    break;
  }
  case BF16Rounding::TowardZero:
    break;
  case BF16Rounding::Stochastic: {
    // The discarded part in units of 2^-16 of the spacing: an integer in
    // [0, 2^16) because f32 has 16 more significand bits than bf16.
    const double fraction = (magnitude - lower) / spacing * 65536.0;
    if (fraction + static_cast<double>(random & 0xFFFF) >= 65536.0)
      result = upper;
    break;
  }
  }
  if (denormals == BF16Denormals::Flush && result < 0x1p-126)
    return sign; // unreachable for normal inputs, kept as the stated rule
  return encodeOnGrid(result, sign);
}

uint32_t mx::ref::bf16ToF32(uint16_t bits, BF16Denormals denormals) {
  const uint32_t sign = static_cast<uint32_t>(bits >> 15) << 31;
  const int exponentField = (bits >> 7) & 0xFF;
  const int mantissa = bits & 0x7F;
  if (exponentField == 0xFF) {
    if (mantissa == 0)
      return sign | kF32Inf;
    return sign | kF32Inf | kF32QuietBit |
           static_cast<uint32_t>(mantissa) << 16;
  }
  double magnitude;
  if (exponentField == 0) {
    if (mantissa == 0 || denormals == BF16Denormals::Flush)
      return sign;
    magnitude = std::ldexp(static_cast<double>(mantissa), -133);
  } else {
    magnitude = std::ldexp(static_cast<double>(128 + mantissa),
                           exponentField - 127 - 7);
  }
  // Exact: 8 significant bits within the f32 range.
  return sign | bitsOf(static_cast<float>(magnitude));
}

uint32_t mx::ref::lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  x ^= x >> 16;
  return x;
}

uint32_t mx::ref::stochasticBits(uint32_t seed, uint64_t index) {
  const uint32_t u = static_cast<uint32_t>(index); // index mod 2^32
  return lowbias32(u + lowbias32(seed)) & 0xFFFF;
}

void mx::ref::castF32ToBF16(const uint32_t *input, uint16_t *output,
                            size_t count, BF16Rounding rounding,
                            BF16Denormals denormals, uint32_t seed,
                            uint64_t firstIndex) {
  for (size_t k = 0; k < count; ++k) {
    uint32_t random = rounding == BF16Rounding::Stochastic
                          ? stochasticBits(seed, firstIndex + k)
                          : 0;
    output[k] = f32ToBF16(input[k], rounding, denormals, random);
  }
}

void mx::ref::castBF16ToF32(const uint16_t *input, uint32_t *output,
                            size_t count, BF16Denormals denormals) {
  for (size_t k = 0; k < count; ++k)
    output[k] = bf16ToF32(input[k], denormals);
}
