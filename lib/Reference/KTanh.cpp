//===- KTanh.cpp - Scalar reference for K-TanH and its derivatives -------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/KTanh.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

// The derived activations are defined as a sequence of separately rounded
// operations: never let the compiler fuse a multiply and an add.
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace mx {
namespace ref {

namespace {

/// reference/ktanh.md section 1, typed in by hand: t -> (Et, rt, bt).
const KTanhParams kTable[32] = {
    {126, 2, 119}, {126, 4, 122}, {126, 4, 123}, {126, 4, 123},
    {126, 6, 126}, {126, 6, 126}, {126, 6, 126}, {126, 6, 126},
    {125, 1, 1},   {125, 0, -4},  {125, 0, -6},  {125, 0, -7},
    {125, 0, -10}, {125, 0, -12}, {125, 0, -15}, {125, 0, -18},
    {125, 0, 112}, {126, 1, -4},  {126, 1, -1},  {126, 1, 2},
    {126, 1, 3},   {126, 1, 4},   {126, 1, 4},   {126, 1, 4},
    {126, 0, 65},  {126, 1, 72},  {126, 1, 73},  {126, 1, 73},
    {126, 2, 88},  {126, 2, 89},  {126, 2, 89},  {126, 4, 110},
};

[[noreturn]] void fail(const char *what, uint32_t x) {
  std::fprintf(stderr, "mx::ref K-TanH: %s (input 0x%08X)\n", what, x);
  std::abort();
}

float asFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint32_t asBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

bool isNaN32(uint32_t x) { return std::isnan(asFloat(x)); }

/// bf16 (bits) as the f32 it denotes.
uint32_t widen(uint16_t x) { return static_cast<uint32_t>(x) << 16; }

/// f32 (bits, not NaN) rounded to the nearest bf16, ties to even, computed
/// in the value domain: the two bf16 neighbours and their distances.
uint16_t roundToBF16(uint32_t x) {
  if (isNaN32(x))
    fail("roundToBF16 of a NaN", x);
  uint32_t low = x & 0xFFFF0000u; // toward zero
  uint32_t high = low + 0x10000u; // away from zero (may become Inf)
  double v = std::fabs(static_cast<double>(asFloat(x)));
  double lo = std::fabs(static_cast<double>(asFloat(low)));
  if (v == lo)
    return static_cast<uint16_t>(low >> 16);
  // The bf16 spacing at `low`, which is also right when `high` is Inf.
  double spacing = std::fabs(static_cast<double>(asFloat(low | 0xFFFF)) -
                             static_cast<double>(asFloat(low))) *
                   65536.0 / 65535.0;
  double below = v - lo, above = lo + spacing - v;
  bool up = above < below || (above == below && ((low >> 16) & 1) != 0);
  return static_cast<uint16_t>((up ? high : low) >> 16);
}

} // namespace

const KTanhParams &getKTanhParams(unsigned t) {
  if (t >= 32)
    fail("table index out of range", t);
  return kTable[t];
}

uint32_t ktanhF32(uint32_t x, KTanhMantissa mantissa) {
  float v = asFloat(x);
  uint32_t sign = x & 0x80000000u;
  if (std::isnan(v))
    return x | 0x00400000u;
  if (std::fabs(v) < 0.25f)
    return x;
  if (std::fabs(v) > 3.75f)
    return sign | asBits(1.0f);
  uint32_t e = (x >> 23) & 0xFF;
  uint32_t m = x & 0x7FFFFF;
  unsigned t = ((e & 3) << 3) | (m >> 20);
  const KTanhParams &p = getKTanhParams(t);
  int64_t field;
  if (mantissa == KTanhMantissa::BF16) {
    int64_t mi = m >> 16; // the 7 bf16 mantissa bits
    int64_t sum = (mi >> p.rt) + p.bt;
    if (sum < 0 || sum > 127)
      fail("bf16-mantissa sum out of range", x);
    field = sum << 16;
  } else {
    field = (static_cast<int64_t>(m) >> p.rt) + p.bt * int64_t(65536);
    if (field < 0 || field >= (int64_t(1) << 23))
      fail("full-mantissa sum out of range", x);
  }
  return sign | (static_cast<uint32_t>(p.et) << 23) |
         static_cast<uint32_t>(field);
}

uint16_t ktanhBF16(uint16_t x) {
  return static_cast<uint16_t>(ktanhF32(widen(x), KTanhMantissa::BF16) >> 16);
}

uint32_t kactivationF32(KActivation kind, uint32_t x, KTanhMantissa mantissa) {
  if (kind == KActivation::Tanh)
    return ktanhF32(x, mantissa);
  float v = asFloat(x);
  if (std::isnan(v))
    return x | 0x00400000u;
  if ((kind == KActivation::Swish || kind == KActivation::Gelu) &&
      std::isinf(v) && v < 0)
    return 0x80000000u;
  auto tanhOf = [&](float z) {
    return asFloat(ktanhF32(asBits(z), mantissa));
  };
  switch (kind) {
  case KActivation::Sigmoid:
  case KActivation::Swish: {
    float half = v * 0.5f;
    float t = tanhOf(half);
    float scaled = t * 0.5f;
    float sigmoid = scaled + 0.5f;
    if (kind == KActivation::Sigmoid)
      return asBits(sigmoid);
    return asBits(v * sigmoid);
  }
  case KActivation::Gelu: {
    // w = |u| / 2 for the tanh argument u = sqrt(2/pi) (x + 0.044715 x^3),
    // then 0.5 * ktanh(2 w), whose sign handling is not needed: u has x's
    // sign. mantissa(bf16) reads the bf16 truncation of w.
    const float c0 = static_cast<float>(0.5 * std::sqrt(2.0 / M_PI));
    const float c1 = static_cast<float>(0.5 * std::sqrt(2.0 / M_PI) * 0.044715);
    float a = std::fabs(v);
    float square = a * a;
    float p = std::fmaf(square, c1, c0);
    float w = a * p;
    if (mantissa == KTanhMantissa::BF16)
      w = asFloat(asBits(w) & 0xFFFF0000u);
    float twice = w * 2.0f; // exact, or Inf (which saturates)
    float h = tanhOf(twice) * 0.5f;
    float g = std::fmaf(a, h, v * 0.5f);
    // g <= 0 for x <= 0 (h <= 0.5): the sign only turns +0 into -0.
    return asBits(g) | (x & 0x80000000u);
  }
  case KActivation::Tanh:
    break;
  }
  fail("unknown activation", x);
}

uint16_t kactivationBF16(KActivation kind, uint16_t x) {
  if (kind == KActivation::Tanh)
    return ktanhBF16(x);
  if ((x & 0x7FFF) > 0x7F80)
    return static_cast<uint16_t>(x | 0x0040);
  return roundToBF16(kactivationF32(kind, widen(x), KTanhMantissa::BF16));
}

float ktanh(float x, KTanhMantissa mantissa) {
  return asFloat(ktanhF32(asBits(x), mantissa));
}

float kactivation(KActivation kind, float x, KTanhMantissa mantissa) {
  return asFloat(kactivationF32(kind, asBits(x), mantissa));
}

double exactActivation(KActivation kind, double x) {
  switch (kind) {
  case KActivation::Tanh:
    return std::tanh(x);
  case KActivation::Sigmoid:
    // 0.5 + 0.5 tanh(x / 2) has no cancellation for large |x| either.
    return 0.5 + 0.5 * std::tanh(0.5 * x);
  case KActivation::Swish:
    if (std::isinf(x))
      return x > 0 ? x : -0.0;
    return x * (0.5 + 0.5 * std::tanh(0.5 * x));
  case KActivation::Gelu: {
    if (std::isinf(x))
      return x > 0 ? x : -0.0;
    const double c = std::sqrt(2.0 / M_PI);
    return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
  }
  }
  return std::nan("");
}

} // namespace ref
} // namespace mx
