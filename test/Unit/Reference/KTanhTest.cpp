//===- KTanhTest.cpp - Tests of the K-TanH scalar reference ---------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Unit tests of mx::ref K-TanH (include/mx/Reference/KTanh.h):
//   - hand-worked values (the arithmetic is in the comments) for every
//     region, the table region of each octave, both f32 mantissa variants,
//     and the derived activations;
//   - exhaustive invariants over all 65,536 bf16 inputs (odd symmetry, range,
//     region boundaries, bf16 = f32 bf16-mantissa variant);
//   - accuracy against the exact functions in double precision, asserted at
//     the values reference/ktanh.md reports (tanh) and at the bounds the op
//     descriptions state (sigmoid, swish, GELU). The lowerings are bit-exact
//     with this reference (test/Integration/KTanh), so these are the errors
//     of the compiled kernels too.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/KTanh.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mx::ref;

namespace {

float f(uint32_t bits) {
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

uint32_t bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

float bf(uint16_t h) { return f(static_cast<uint32_t>(h) << 16); }

const KActivation kAll[] = {KActivation::Tanh, KActivation::Sigmoid,
                            KActivation::Swish, KActivation::Gelu};

//===----------------------------------------------------------------------===//
// Hand-worked values
//===----------------------------------------------------------------------===//

TEST(KTanhReference, TableRegionByHand) {
  // 0.25 = 0x3E80: E = 125 (E & 3 = 01), M[22:20] = 0 -> t = 8 = (125, 1, 1);
  // Mi = 0 -> (0 >> 1) + 1 = 1 -> 125 << 7 | 1 = 0x3E81 = 0.251953125.
  EXPECT_EQ(ktanhBF16(0x3E80), 0x3E81);
  EXPECT_EQ(bf(0x3E81), 0.251953125f);
  // 0.5 = 0x3F00: E = 126 (10), t = 16 = (125, 0, 112) -> 0x3E80 + 112 =
  // 0x3EF0 = 0.46875 (tanh 0.5 = 0.4621).
  EXPECT_EQ(ktanhBF16(0x3F00), 0x3EF0);
  // 1.0 = 0x3F80: E = 127 (11), t = 24 = (126, 0, 65) -> 0x3F00 + 65 = 0x3F41
  // = 0.75390625 (tanh 1 = 0.7616).
  EXPECT_EQ(ktanhBF16(0x3F80), 0x3F41);
  // 0.99609375 = 0x3F7F: E = 126, M[22:20] = 7 -> t = 23 = (126, 1, 4);
  // Mi = 0x7F -> 63 + 4 = 67 -> 0x3F43 = 0.76171875 > ktanh(1.0): the
  // documented downward step at 1.0.
  EXPECT_EQ(ktanhBF16(0x3F7F), 0x3F43);
  // 2.0 = 0x4000: E = 128 (00), t = 0 = (126, 2, 119) -> 0x3F00 + 119 =
  // 0x3F77 = 0.96484375 (tanh 2 = 0.9640).
  EXPECT_EQ(ktanhBF16(0x4000), 0x3F77);
  // 3.75 = 0x4070: E = 128, M[22:20] = 7 -> t = 7 = (126, 6, 126); Mi = 0x70
  // -> 1 + 126 = 127 -> 0x3F7F = 0.99609375 (the doc's value at T2).
  EXPECT_EQ(ktanhBF16(0x4070), 0x3F7F);
  // -1.5 = 0xBFC0: E = 127, M[22:20] = 4 -> t = 28 = (126, 2, 88); Mi = 0x40
  // -> 16 + 88 = 104 -> 0xBF68 = -0.90625 (tanh 1.5 = 0.9051).
  EXPECT_EQ(ktanhBF16(0xBFC0), 0xBF68);
  EXPECT_EQ(bf(0xBF68), -0.90625f);
}

TEST(KTanhReference, RegionsAndSpecialValues) {
  EXPECT_EQ(ktanhBF16(0x0000), 0x0000);       // +0
  EXPECT_EQ(ktanhBF16(0x8000), 0x8000);       // -0
  EXPECT_EQ(ktanhBF16(0x0001), 0x0001);       // smallest subnormal
  EXPECT_EQ(ktanhBF16(0x3E7F), 0x3E7F);       // largest below 0.25
  EXPECT_EQ(ktanhBF16(0x4071), 0x3F80);       // just above 3.75: +1
  EXPECT_EQ(ktanhBF16(0xC071), 0xBF80);       // -1
  EXPECT_EQ(ktanhBF16(0x7F80), 0x3F80);       // +Inf -> +1
  EXPECT_EQ(ktanhBF16(0xFF80), 0xBF80);       // -Inf -> -1
  EXPECT_EQ(ktanhBF16(0x7F7F), 0x3F80);       // largest finite
  EXPECT_EQ(ktanhBF16(0x7FC0), 0x7FC0);       // quiet NaN kept
  EXPECT_EQ(ktanhBF16(0xFF81), 0xFFC1);       // signaling -NaN: quieted
  EXPECT_EQ(ktanhF32(0x7F800001, KTanhMantissa::Full), 0x7FC00001u);
  EXPECT_EQ(ktanhF32(0xFFA00000, KTanhMantissa::BF16), 0xFFE00000u);
  EXPECT_EQ(ktanhF32(0x00000001, KTanhMantissa::Full), 0x00000001u);
  EXPECT_EQ(ktanhF32(0x80000000, KTanhMantissa::Full), 0x80000000u);
  // f32 just above 3.75 saturates; 3.75 itself is in the table region:
  // t = 7 = (126, 6, 126), M = 0x700000. bf16 mantissa: (0x70 >> 6) + 126 =
  // 127 -> 0x3F7F0000; full: (0x700000 >> 6) + (126 << 16) = 0x1C000 +
  // 0x7E0000 = 0x7FC000 -> 0x3F7FC000 (0.99993896).
  EXPECT_EQ(ktanhF32(0x40700001, KTanhMantissa::Full), 0x3F800000u);
  EXPECT_EQ(ktanhF32(0x40700000, KTanhMantissa::BF16), 0x3F7F0000u);
  EXPECT_EQ(ktanhF32(0x40700000, KTanhMantissa::Full), 0x3F7FC000u);
  // Identity below 0.25 keeps every f32 bit (no bf16 truncation).
  EXPECT_EQ(ktanhF32(0x3E7FFFFF, KTanhMantissa::BF16), 0x3E7FFFFFu);
}

TEST(KTanhReference, MantissaVariantsByHand) {
  // x = 0x3F5FFFFF (0.87499994): E = 126 (10), M = 0x5FFFFF, M[22:20] = 5 ->
  // t = 21 = (126, 1, 4).
  //   bf16: Mi = 0x5F -> 47 + 4 = 51 -> 0x3F330000 = 0.69921875;
  //   full: (0x5FFFFF >> 1) + (4 << 16) = 0x2FFFFF + 0x40000 = 0x33FFFF ->
  //         0x3F33FFFF = 0.70312494.
  EXPECT_EQ(ktanhF32(0x3F5FFFFF, KTanhMantissa::BF16), 0x3F330000u);
  EXPECT_EQ(ktanhF32(0x3F5FFFFF, KTanhMantissa::Full), 0x3F33FFFFu);
  // Negative bt: x = 0x3F1C0000 (0.609375), t = 17 = (126, 1, -4), M =
  // 0x1C0000: full (0x1C0000 >> 1) - 0x40000 = 0xA0000 -> 0x3F0A0000; bf16
  // Mi = 0x1C -> 14 - 4 = 10 -> the same value (no low bits to keep).
  EXPECT_EQ(ktanhF32(0x3F1C0000, KTanhMantissa::Full), 0x3F0A0000u);
  EXPECT_EQ(ktanhF32(0x3F1C0000, KTanhMantissa::BF16), 0x3F0A0000u);
}

TEST(KTanhReference, DerivedByHand) {
  // sigmoid(0) = 0.5 + 0.5 * ktanh(0) = 0.5; sigmoid(-0) too.
  EXPECT_EQ(kactivation(KActivation::Sigmoid, 0.0f), 0.5f);
  EXPECT_EQ(kactivation(KActivation::Sigmoid, -0.0f), 0.5f);
  // sigmoid(2) = 0.5 + 0.5 * ktanh(1) = 0.5 + 0.5 * 0.75390625 = 0.876953125.
  EXPECT_EQ(kactivation(KActivation::Sigmoid, 2.0f), 0.876953125f);
  // bf16: 0.876953125 = 0x3F608000 is a tie between 0x3F60 and 0x3F61: even
  // 0x3F60 = 0.875.
  EXPECT_EQ(kactivationBF16(KActivation::Sigmoid, 0x4000), 0x3F60);
  // sigmoid(+-Inf) = 1 and 0; sigmoid(-8) = 0.5 - 0.5 = 0 (saturated).
  EXPECT_EQ(kactivation(KActivation::Sigmoid, INFINITY), 1.0f);
  EXPECT_EQ(kactivation(KActivation::Sigmoid, -INFINITY), 0.0f);
  EXPECT_EQ(kactivation(KActivation::Sigmoid, -8.0f), 0.0f);
  // swish(2) = 2 * 0.876953125 = 1.75390625; swish(-Inf) = -0.
  EXPECT_EQ(kactivation(KActivation::Swish, 2.0f), 1.75390625f);
  EXPECT_EQ(bits(kactivation(KActivation::Swish, -INFINITY)), 0x80000000u);
  EXPECT_EQ(kactivation(KActivation::Swish, INFINITY), INFINITY);
  EXPECT_EQ(bits(kactivation(KActivation::Swish, -10.0f)), 0x80000000u);
  // gelu(1): w = 1 * fma(1, c1, c0) = 0.3989423 + 0.0178387 = 0.416781 =
  // 1.667124 * 2^-2, and 2 w = 0.833562 (the tanh argument) is 1.667124 *
  // 2^-1: E = 126, M[22:20] = 5, t = 21 -> (126, 1, 4). Full mantissa:
  // K-TanH(2 w) ~ 0.682404 (tanh: 0.682381), h = half of it, and
  // gelu(1) = fma(1, h, 0.5) ~ 0.841202 (exact tanh-form GELU: 0.841192).
  float w = 1.0f * std::fmaf(1.0f, 0x1.2444f2p-6f, 0x1.988454p-2f);
  float expectedGelu = 0.5f + 0.5f * ktanh(2.0f * w);
  EXPECT_EQ(kactivation(KActivation::Gelu, 1.0f), expectedGelu);
  EXPECT_NEAR(expectedGelu, 0.841202, 2e-6);
  // Negative inputs give results <= 0 with the sign bit set: the K-TanH
  // saturates at 0.5 (2 w > 3.75 from |x| ~ 3.2 on), fma(|x|, 0.5, x / 2)
  // is exactly 0, and the sign makes it -0; -0 and tiny inputs give x / 2.
  EXPECT_EQ(bits(kactivation(KActivation::Gelu, -5.0f)), 0x80000000u);
  EXPECT_EQ(bits(kactivation(KActivation::Gelu, -0.0f)), 0x80000000u);
  EXPECT_EQ(kactivation(KActivation::Gelu, -0x1p-140f), -0x1p-141f);
  EXPECT_EQ(kactivationBF16(KActivation::Gelu, 0x8001), 0x8000); // RNE(-2^-134)
  EXPECT_EQ(kactivationBF16(KActivation::Gelu, 0x8003), 0x8002);
  EXPECT_LT(kactivation(KActivation::Gelu, -1.0f), 0.0f);
  // Saturated GELU is exactly x or -0; overflowing x^3 changes nothing.
  EXPECT_EQ(kactivation(KActivation::Gelu, 10.0f), 10.0f);
  EXPECT_EQ(kactivation(KActivation::Gelu, 1e30f), 1e30f);
  EXPECT_EQ(bits(kactivation(KActivation::Gelu, -10.0f)), 0x80000000u);
  EXPECT_EQ(bits(kactivation(KActivation::Gelu, -INFINITY)), 0x80000000u);
  EXPECT_EQ(kactivation(KActivation::Gelu, INFINITY), INFINITY);
  // NaN: the quiet input NaN for every function.
  for (KActivation kind : kAll) {
    EXPECT_EQ(kactivationF32(kind, 0xFF800123, KTanhMantissa::Full),
              0xFFC00123u);
    EXPECT_EQ(kactivationBF16(kind, 0x7F81), 0x7FC1);
  }
}

//===----------------------------------------------------------------------===//
// Exhaustive bf16 invariants
//===----------------------------------------------------------------------===//

TEST(KTanhReference, ExhaustiveBF16Invariants) {
  for (uint32_t h = 0; h < 65536; ++h) {
    uint16_t x = static_cast<uint16_t>(h);
    uint16_t y = ktanhBF16(x);
    // The bf16 op is the f32 bf16-mantissa op on the widened input.
    ASSERT_EQ(static_cast<uint32_t>(y) << 16,
              ktanhF32(static_cast<uint32_t>(x) << 16, KTanhMantissa::BF16))
        << std::hex << h;
    // Odd symmetry, bit for bit (NaN payloads included).
    ASSERT_EQ(ktanhBF16(x ^ 0x8000), y ^ 0x8000) << std::hex << h;
    float v = bf(x);
    if (std::isnan(v))
      continue;
    float a = std::fabs(v), r = std::fabs(bf(y));
    if (a < 0.25f)
      ASSERT_EQ(y, x);
    else if (a > 3.75f)
      ASSERT_EQ(r, 1.0f);
    else
      ASSERT_TRUE(r >= 0.25f && r < 1.0f) << std::hex << h;
  }
}

//===----------------------------------------------------------------------===//
// Accuracy
//===----------------------------------------------------------------------===//

struct Errors {
  double max = 0, argmax = 0;
  double sum = 0;
  long count = 0;
  /// Largest excess over a pointwise bound (<= 0 when the bound holds).
  double boundExcess = -INFINITY, boundArg = 0;

  void add(double x, double error, bool inMeanRange) {
    if (error > max) {
      max = error;
      argmax = x;
    }
    if (inMeanRange) {
      sum += error;
      ++count;
    }
  }
  void bound(double x, double error, double limit) {
    if (error - limit > boundExcess) {
      boundExcess = error - limit;
      boundArg = x;
    }
  }
  double mean() const { return sum / count; }
};

bool inDocRange(double x) {
  double a = std::fabs(x);
  return a >= std::ldexp(1.0, -8) && a <= 8.0;
}

/// Half a unit in the last place of `y` in bf16 (`bf16`) or f32.
double halfUlp(double y, bool bf16) {
  int e;
  std::frexp(y == 0 ? std::ldexp(1.0, -126) : y, &e);
  return std::ldexp(1.0, std::max(e, -125) - (bf16 ? 8 : 24) - 1);
}

Errors bf16Errors(KActivation kind) {
  Errors errors;
  for (uint32_t h = 0; h < 65536; ++h) {
    double x = bf(static_cast<uint16_t>(h));
    if (!std::isfinite(x))
      continue;
    double y = bf(kactivationBF16(kind, static_cast<uint16_t>(h)));
    errors.add(x, std::fabs(y - exactActivation(kind, x)), inDocRange(x));
  }
  return errors;
}

/// Every 61st f32 bit pattern (both signs), as reference/ktanh.md measures.
Errors f32Errors(KActivation kind, KTanhMantissa mantissa) {
  Errors errors;
  for (uint64_t b = 0; b < 0x7F800000u; b += 61)
    for (uint32_t sign : {0u, 0x80000000u}) {
      double x = f(static_cast<uint32_t>(b) | sign);
      double y = f(kactivationF32(kind, static_cast<uint32_t>(b) | sign,
                                  mantissa));
      errors.add(x, std::fabs(y - exactActivation(kind, x)), inDocRange(x));
    }
  return errors;
}

void report(const char *what, const Errors &e) {
  std::printf("%-28s max %.4g at x = %.6g, mean over [2^-8, 8] %.4g\n", what,
              e.max, e.argmax, e.mean());
}

// reference/ktanh.md section 3: bf16 max 8.9e-3 at x = 0.621, mean 9.7e-4.
TEST(KTanhAccuracy, TanhBF16) {
  Errors e = bf16Errors(KActivation::Tanh);
  report("tanh bf16", e);
  EXPECT_LT(e.max, 8.95e-3);
  EXPECT_GT(e.max, 8.85e-3);
  EXPECT_EQ(e.argmax, 0.62109375);
  EXPECT_LT(e.mean(), 9.75e-4);
  EXPECT_GT(e.mean(), 9.65e-4);
}

// f32 with bf16 mantissa bits only: max 1.18e-2 just below 0.5625, mean
// 1.1e-3; with the full mantissa: max 9.8e-3, mean 8.0e-4.
TEST(KTanhAccuracy, TanhF32) {
  Errors bf16 = f32Errors(KActivation::Tanh, KTanhMantissa::BF16);
  Errors full = f32Errors(KActivation::Tanh, KTanhMantissa::Full);
  report("tanh f32 mantissa(bf16)", bf16);
  report("tanh f32 mantissa(full)", full);
  EXPECT_LT(bf16.max, 1.185e-2);
  EXPECT_GT(bf16.max, 1.175e-2);
  EXPECT_LT(bf16.argmax, 0.5625);
  EXPECT_GT(bf16.argmax, 0.562);
  EXPECT_LT(bf16.mean(), 1.15e-3);
  EXPECT_GT(bf16.mean(), 1.05e-3);
  EXPECT_LT(full.max, 9.85e-3);
  EXPECT_GT(full.max, 9.75e-3);
  EXPECT_LT(full.mean(), 8.05e-4);
  EXPECT_GT(full.mean(), 7.95e-4);
}

// The bounds of mx.ksigmoid's description: half the K-TanH maximum plus
// half an output ulp at 1 (2^-9 for bf16, 2^-25 for f32), as stated there:
// 6.41e-3 (bf16), 5.9e-3 (f32 mantissa(bf16)), 4.92e-3 (f32 mantissa(full)).
TEST(KTanhAccuracy, Sigmoid) {
  Errors bf16 = bf16Errors(KActivation::Sigmoid);
  Errors f32bf16 = f32Errors(KActivation::Sigmoid, KTanhMantissa::BF16);
  Errors full = f32Errors(KActivation::Sigmoid, KTanhMantissa::Full);
  report("sigmoid bf16", bf16);
  report("sigmoid f32 mantissa(bf16)", f32bf16);
  report("sigmoid f32 mantissa(full)", full);
  EXPECT_LE(bf16.max, 6.41e-3);
  EXPECT_LE(f32bf16.max, 5.9e-3);
  EXPECT_LE(full.max, 4.92e-3);
  // Means (measured, stated in docs/design.md).
  EXPECT_LT(bf16.mean(), 1.05e-3);
  EXPECT_LT(f32bf16.mean(), 5.5e-4);
  EXPECT_LT(full.mean(), 4.1e-4);
}

/// Pointwise bounds of the descriptions, checked at every bf16 input:
/// swish: |x| * e_sigmoid(x) + half an output ulp;
/// gelu:  0.5 |x| (e_tanh + |z_f32 - z|) + half an output ulp, e_tanh =
///        1.18e-2 the maximum of the bf16-mantissa K-TanH on f32 inputs (z is
///        an f32, not a bf16) and z the exact GELU argument |u| (z_f32 = 2w).
TEST(KTanhAccuracy, SwishAndGeluPointwiseBF16) {
  Errors swish, gelu;
  for (uint32_t h = 0; h < 65536; ++h) {
    uint16_t x16 = static_cast<uint16_t>(h);
    double x = bf(x16);
    if (!std::isfinite(x))
      continue;
    // Sigmoid error of the f32 value swish multiplies by (before rounding).
    double s = f(kactivationF32(KActivation::Sigmoid,
                                static_cast<uint32_t>(h) << 16,
                                KTanhMantissa::BF16));
    double eSigmoid = std::fabs(s - exactActivation(KActivation::Sigmoid, x));
    double y = bf(kactivationBF16(KActivation::Swish, x16));
    double exact = exactActivation(KActivation::Swish, x);
    swish.add(x, std::fabs(y - exact), inDocRange(x));
    swish.bound(x, std::fabs(y - exact),
                std::fabs(x) * eSigmoid + halfUlp(std::fabs(y), true) +
                    halfUlp(std::fabs(x * s), false));

    // The f32 tanh argument 2w = 2 |x| fma(x^2, c1, c0) against the exact |u|.
    float af = static_cast<float>(std::fabs(x));
    double zf = 2.0 * (af * std::fmaf(af * af, 0x1.2444f2p-6f, 0x1.988454p-2f));
    double z = std::sqrt(2.0 / M_PI) * std::fabs(x + 0.044715 * x * x * x);
    double g = bf(kactivationBF16(KActivation::Gelu, x16));
    double gExact = exactActivation(KActivation::Gelu, x);
    gelu.add(x, std::fabs(g - gExact), inDocRange(x));
    if (std::isfinite(zf))
      gelu.bound(x, std::fabs(g - gExact),
                 0.5 * std::fabs(x) * (1.18e-2 + std::fabs(zf - z)) +
                     halfUlp(std::fabs(g), true) +
                     halfUlp(std::fabs(g), false));
  }
  report("swish bf16", swish);
  report("gelu bf16", gelu);
  EXPECT_LE(swish.boundExcess, 0) << "at x = " << swish.boundArg;
  EXPECT_LE(gelu.boundExcess, 0) << "at x = " << gelu.boundArg;
  // Maxima and means (measured, stated in docs/design.md).
  EXPECT_LT(swish.max, 2.9e-2);
  EXPECT_LT(gelu.max, 1.5e-2);
  EXPECT_LT(swish.mean(), 1.35e-3);
  EXPECT_LT(gelu.mean(), 6.5e-4);
}

TEST(KTanhAccuracy, SwishAndGeluF32) {
  const struct {
    KActivation kind;
    KTanhMantissa mantissa;
    const char *name;
    double maxBound, meanBound;
  } cases[] = {
      {KActivation::Swish, KTanhMantissa::BF16, "swish f32 mantissa(bf16)",
       1.6e-2, 1.15e-3},
      {KActivation::Swish, KTanhMantissa::Full, "swish f32 mantissa(full)",
       8.1e-3, 6.5e-4},
      {KActivation::Gelu, KTanhMantissa::BF16, "gelu f32 mantissa(bf16)",
       7.6e-3, 5.0e-4},
      {KActivation::Gelu, KTanhMantissa::Full, "gelu f32 mantissa(full)",
       4.7e-3, 3.1e-4},
  };
  for (const auto &c : cases) {
    Errors e = f32Errors(c.kind, c.mantissa);
    report(c.name, e);
    EXPECT_LT(e.max, c.maxBound) << c.name;
    EXPECT_LT(e.mean(), c.meanBound) << c.name;
  }
}

} // namespace
