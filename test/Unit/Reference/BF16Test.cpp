//===- BF16Test.cpp - Tests of the bf16 cast scalar reference ------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Unit tests of mx::ref's f32 <-> bf16 casts (include/mx/Reference/BF16.h).
// Expected values are worked by hand in the comments (bf16 keeps the top 16
// bits of an f32: sign, 8 exponent bits, 7 mantissa bits; the low 16 bits
// are what rounding discards, 0x8000 being exactly half a bf16 step), or
// come from the integer formulas of reference/bf16.md section 2, which the
// value-domain reference does not use.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/BF16.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace mx::ref;

namespace {

constexpr BF16Rounding RNE = BF16Rounding::NearestEven;
constexpr BF16Rounding RTZ = BF16Rounding::TowardZero;
constexpr BF16Rounding SR = BF16Rounding::Stochastic;
constexpr BF16Denormals Keep = BF16Denormals::Preserve;
constexpr BF16Denormals Flush = BF16Denormals::Flush;

uint16_t rne(uint32_t bits, BF16Denormals d = Keep) {
  return f32ToBF16(bits, RNE, d);
}

float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

bool isNaN32(uint32_t bits) { return (bits & 0x7FFFFFFF) > 0x7F800000; }

/// splitmix64, for reproducible random patterns.
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed) {}
  uint32_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<uint32_t>((z ^ (z >> 31)) >> 32);
  }
};

//===----------------------------------------------------------------------===//
// f32 -> bf16, round to nearest even
//===----------------------------------------------------------------------===//

TEST(BF16Reference, NearestEvenExactValues) {
  EXPECT_EQ(rne(0x3F800000), 0x3F80); // 1.0
  EXPECT_EQ(rne(0xC0200000), 0xC020); // -2.5
  EXPECT_EQ(rne(0x00000000), 0x0000); // +0
  EXPECT_EQ(rne(0x80000000), 0x8000); // -0 keeps its sign
  EXPECT_EQ(rne(0x7F800000), 0x7F80); // +Inf
  EXPECT_EQ(rne(0xFF800000), 0xFF80); // -Inf
  EXPECT_EQ(rne(0x7F7F0000), 0x7F7F); // largest finite bf16
  EXPECT_EQ(rne(0x00800000), 0x0080); // 2^-126, smallest normal
  EXPECT_EQ(rne(0x00010000), 0x0001); // 2^-133, smallest bf16 subnormal
}

TEST(BF16Reference, NearestEvenHalfway) {
  // 1 + 2^-8 (0x3F808000) is halfway between 1 (0x3F80, even mantissa) and
  // 1 + 2^-7 (0x3F81): the tie goes to 0x3F80.
  EXPECT_EQ(rne(0x3F808000), 0x3F80);
  // 1 + 3 * 2^-8 is halfway between 0x3F81 (odd) and 0x3F82 (even).
  EXPECT_EQ(rne(0x3F818000), 0x3F82);
  // One f32 ulp either side of the tie decides it.
  EXPECT_EQ(rne(0x3F807FFF), 0x3F80);
  EXPECT_EQ(rne(0x3F808001), 0x3F81);
  EXPECT_EQ(rne(0x3F817FFF), 0x3F81);
  // Negative values round their magnitude the same way.
  EXPECT_EQ(rne(0xBF818000), 0xBF82);
  EXPECT_EQ(rne(0xBF808001), 0xBF81);
  // A carry out of the mantissa moves to the next binade: 2 - 2^-24
  // (0x3FFFFFFF) discards 0xFFFF and becomes 2.0 (0x4000).
  EXPECT_EQ(rne(0x3FFFFFFF), 0x4000);
  // 0x3FFF8000 is halfway between 0x3FFF (odd) and 2.0 (0x4000, even).
  EXPECT_EQ(rne(0x3FFF8000), 0x4000);
}

TEST(BF16Reference, NearestEvenEverydayConstants) {
  // pi = 0x40490FDB: the discarded 0x0FDB is below half, 3.140625.
  EXPECT_EQ(rne(0x40490FDB), 0x4049);
  // 1/3 = 0x3EAAAAAB: the discarded 0xAAAB is above half.
  EXPECT_EQ(rne(0x3EAAAAAB), 0x3EAB);
  // 0.1 = 0x3DCCCCCD: 0xCCCD above half, 0x3DCD.
  EXPECT_EQ(rne(0x3DCCCCCD), 0x3DCD);
}

TEST(BF16Reference, NearestEvenOverflow) {
  // The largest finite bf16 is 0x7F7F = (2 - 2^-7) * 2^127; the next step
  // would be 2^128, so values from halfway (0x7F7F8000) up round to Inf,
  // ties included because 0x7F7F is odd.
  EXPECT_EQ(rne(0x7F7F7FFF), 0x7F7F);
  EXPECT_EQ(rne(0x7F7F8000), 0x7F80);
  EXPECT_EQ(rne(0x7F7FFFFF), 0x7F80); // FLT_MAX
  EXPECT_EQ(rne(0xFF7F8000), 0xFF80);
  // 0x7F7E8000 is a tie with an even lower neighbour: stays finite.
  EXPECT_EQ(rne(0x7F7E8000), 0x7F7E);
}

TEST(BF16Reference, NearestEvenSubnormals) {
  // f32 subnormals have quantum 2^-149; bf16 subnormals 2^-133 = 0x10000
  // f32 quanta. 0x8000 is half the smallest bf16 subnormal: a tie with 0.
  EXPECT_EQ(rne(0x00008000), 0x0000);
  EXPECT_EQ(rne(0x00008001), 0x0001);
  EXPECT_EQ(rne(0x80008001), 0x8001);
  EXPECT_EQ(rne(0x00000001), 0x0000); // 2^-149
  EXPECT_EQ(rne(0x00018000), 0x0002); // 1.5 * 2^-133: tie, 1 is odd
  EXPECT_EQ(rne(0x00028000), 0x0002); // 2.5 * 2^-133: tie, 2 is even
  // The largest subnormals round up into the normal range.
  EXPECT_EQ(rne(0x007F7FFF), 0x007F);
  EXPECT_EQ(rne(0x007F8000), 0x0080); // tie, 0x7F odd
  EXPECT_EQ(rne(0x007FFFFF), 0x0080);
}

TEST(BF16Reference, Flush) {
  // Every f32 subnormal is a signed zero under the flush policy.
  for (uint32_t bits :
       {0x00000001u, 0x00008000u, 0x00018000u, 0x007FFFFFu, 0x00010000u}) {
    for (BF16Rounding r : {RNE, RTZ, SR}) {
      EXPECT_EQ(f32ToBF16(bits, r, Flush, 0xFFFF), 0x0000) << bits;
      EXPECT_EQ(f32ToBF16(bits | 0x80000000u, r, Flush, 0xFFFF), 0x8000);
    }
  }
  // Normals and zeros are untouched.
  EXPECT_EQ(rne(0x00800000, Flush), 0x0080);
  EXPECT_EQ(rne(0x80800000, Flush), 0x8080);
  EXPECT_EQ(rne(0x3F808001, Flush), 0x3F81);
  EXPECT_EQ(rne(0x80000000, Flush), 0x8000);
}

TEST(BF16Reference, NaNs) {
  // Quiet, sign kept, payload truncated to its top six bits (bits 21..16).
  for (BF16Rounding r : {RNE, RTZ, SR}) {
    for (BF16Denormals d : {Keep, Flush}) {
      EXPECT_EQ(f32ToBF16(0x7FC00000, r, d, 0xFFFF), 0x7FC0);
      EXPECT_EQ(f32ToBF16(0xFFC00000, r, d, 0xFFFF), 0xFFC0);
      // Payload only in the discarded bits: still a NaN, never Inf.
      EXPECT_EQ(f32ToBF16(0x7F800001, r, d, 0xFFFF), 0x7FC0);
      EXPECT_EQ(f32ToBF16(0xFF80FFFF, r, d, 0xFFFF), 0xFFC0);
      // All ones: no wrap-around to -0.
      EXPECT_EQ(f32ToBF16(0x7FFFFFFF, r, d, 0xFFFF), 0x7FFF);
      EXPECT_EQ(f32ToBF16(0xFFFFFFFF, r, d, 0xFFFF), 0xFFFF);
      // Signaling NaNs are made quiet, their top payload bits kept.
      EXPECT_EQ(f32ToBF16(0x7F810000, r, d, 0xFFFF), 0x7FC1);
      EXPECT_EQ(f32ToBF16(0xFFA00000, r, d, 0xFFFF), 0xFFE0);
      EXPECT_EQ(f32ToBF16(0x7FBF8000, r, d, 0xFFFF), 0x7FFF);
    }
  }
}

//===----------------------------------------------------------------------===//
// f32 -> bf16, toward zero and stochastic
//===----------------------------------------------------------------------===//

TEST(BF16Reference, TowardZero) {
  EXPECT_EQ(f32ToBF16(0x3F80FFFF, RTZ, Keep), 0x3F80);
  EXPECT_EQ(f32ToBF16(0xBF80FFFF, RTZ, Keep), 0xBF80);
  EXPECT_EQ(f32ToBF16(0x3FFFFFFF, RTZ, Keep), 0x3FFF);
  EXPECT_EQ(f32ToBF16(0x7F7FFFFF, RTZ, Keep), 0x7F7F); // no overflow
  EXPECT_EQ(f32ToBF16(0x7F800000, RTZ, Keep), 0x7F80); // Inf stays Inf
  EXPECT_EQ(f32ToBF16(0x007FFFFF, RTZ, Keep), 0x007F);
  EXPECT_EQ(f32ToBF16(0x0000FFFF, RTZ, Keep), 0x0000);
  EXPECT_EQ(f32ToBF16(0x8000FFFF, RTZ, Keep), 0x8000);
}

TEST(BF16Reference, StochasticThreshold) {
  // 1 + 2^-9 = 0x3F804000 discards 0x4000, a quarter step: it rounds up
  // exactly when 0x4000 + r reaches 0x10000, i.e. for r >= 0xC000.
  EXPECT_EQ(f32ToBF16(0x3F804000, SR, Keep, 0xBFFF), 0x3F80);
  EXPECT_EQ(f32ToBF16(0x3F804000, SR, Keep, 0xC000), 0x3F81);
  EXPECT_EQ(f32ToBF16(0xBF804000, SR, Keep, 0xC000), 0xBF81); // magnitude
  // Nothing discarded: never rounds, whatever r.
  EXPECT_EQ(f32ToBF16(0x3F800000, SR, Keep, 0xFFFF), 0x3F80);
  // One f32 ulp above a bf16 value rounds up only for r = 0xFFFF.
  EXPECT_EQ(f32ToBF16(0x3F800001, SR, Keep, 0xFFFE), 0x3F80);
  EXPECT_EQ(f32ToBF16(0x3F800001, SR, Keep, 0xFFFF), 0x3F81);
  // Rounding away from the largest finite value gives Inf.
  EXPECT_EQ(f32ToBF16(0x7F7FFFFF, SR, Keep, 0x0000), 0x7F7F);
  EXPECT_EQ(f32ToBF16(0x7F7FFFFF, SR, Keep, 0x0001), 0x7F80);
  EXPECT_EQ(f32ToBF16(0x7F800000, SR, Keep, 0xFFFF), 0x7F80);
  // Subnormals (preserve) use the bf16 subnormal grid.
  EXPECT_EQ(f32ToBF16(0x00004000, SR, Keep, 0xC000), 0x0001);
  EXPECT_EQ(f32ToBF16(0x00004000, SR, Keep, 0xBFFF), 0x0000);
}

TEST(BF16Reference, StochasticIsExactlyUnbiasedOverAllRandomValues) {
  // Over all 2^16 random values an input with discarded fraction f rounds
  // up exactly f times, so the sum of the results is exactly 2^16 * x.
  Rng rng(7);
  for (int trial = 0; trial < 64; ++trial) {
    uint32_t bits = rng.next();
    if ((bits & 0x7F800000) == 0x7F800000 || (bits & 0x7F800000) == 0 ||
        (bits & 0x7FFFFFFF) >= 0x7F7F0000)
      continue; // finite normals below the overflow step
    double sum = 0;
    for (uint32_t r = 0; r < 65536; ++r)
      sum += floatOf(uint32_t(f32ToBF16(bits, SR, Keep, r)) << 16);
    EXPECT_EQ(sum, 65536.0 * floatOf(bits)) << std::hex << bits;
  }
}

TEST(BF16Reference, Lowbias32) {
  // Values from Python big integers (x ^= x >> 16; x = x * 0x7FEB352D mod
  // 2^32; x ^= x >> 15; x = x * 0x846CA68B mod 2^32; x ^= x >> 16).
  EXPECT_EQ(lowbias32(0), 0u);
  EXPECT_EQ(lowbias32(1), 0x688990C0u);
  EXPECT_EQ(lowbias32(2), 0xD1132181u);
  EXPECT_EQ(lowbias32(0x12345678), 0xF5E71C96u);
  EXPECT_EQ(lowbias32(0xFFFFFFFF), 0x6768824Au);
}

TEST(BF16Reference, StochasticBits) {
  // H(s, u) = mix(u + mix(s)) & 0xFFFF, values from Python.
  EXPECT_EQ(stochasticBits(0, 0), 0x0000u); // lowbias32(0) = 0
  EXPECT_EQ(stochasticBits(0, 1), 0x90C0u); // low half of lowbias32(1)
  EXPECT_EQ(stochasticBits(0, 2), 0x2181u); // low half of lowbias32(2)
  EXPECT_EQ(stochasticBits(0, 3), 0xE9DDu);
  EXPECT_EQ(stochasticBits(42, 0), 0xFB49u);
  EXPECT_EQ(stochasticBits(42, 3), 0x5CAEu);
  // The index is taken modulo 2^32.
  EXPECT_EQ(stochasticBits(7, (uint64_t(1) << 32) | 5), 0x14F1u);
  EXPECT_EQ(stochasticBits(7, 5), 0x14F1u);
}

TEST(BF16Reference, StochasticBitsLookUniform) {
  // Mean and the fraction of each high nibble over 2^20 indices, within
  // five standard deviations (deterministic: fixed seeds).
  const int n = 1 << 20;
  for (uint32_t seed : {0u, 1u, 0xDEADBEEFu}) {
    double sum = 0;
    std::vector<int> nibbles(16, 0);
    for (int i = 0; i < n; ++i) {
      uint32_t r = stochasticBits(seed, i);
      ASSERT_LT(r, 65536u);
      sum += r;
      ++nibbles[r >> 12];
    }
    double sigma = 65536.0 / std::sqrt(12.0 * n);
    EXPECT_NEAR(sum / n, 32767.5, 5 * sigma) << seed;
    double p = 1.0 / 16, nibbleSigma = std::sqrt(n * p * (1 - p));
    for (int count : nibbles)
      EXPECT_NEAR(count, n * p, 5 * nibbleSigma) << seed;
  }
  // Different seeds give different streams (about 2^-16 coincidences).
  int same = 0;
  for (int i = 0; i < n; ++i)
    same += stochasticBits(1, i) == stochasticBits(2, i);
  EXPECT_LT(same, 64);
}

TEST(BF16Reference, StochasticMeanOverIndices) {
  // Cast one value at 2^20 indices: the mean result is the value within
  // five standard deviations of a Bernoulli(f) step.
  const int n = 1 << 20;
  for (uint32_t bits :
       {0x3F804000u, 0x3F80C000u, 0xC2F6E979u, 0x00012345u, 0x3EAAAAABu}) {
    float x = floatOf(bits);
    std::vector<uint32_t> input(n, bits);
    std::vector<uint16_t> output(n);
    castF32ToBF16(input.data(), output.data(), n, SR, Keep, 12345, 0);
    double sum = 0;
    for (uint16_t h : output)
      sum += floatOf(uint32_t(h) << 16);
    double lower = floatOf(bits & 0xFFFF0000);
    double step = floatOf((bits & 0xFFFF0000) + 0x10000) - lower;
    double p = (bits & 0xFFFF) / 65536.0;
    double sigma = std::fabs(step) * std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(sum / n, x, 5 * sigma) << std::hex << bits;
  }
}

//===----------------------------------------------------------------------===//
// Cross-checks with the integer formulas of reference/bf16.md
//===----------------------------------------------------------------------===//

TEST(BF16Reference, MatchesIntegerFormulasOnRandomPatterns) {
  Rng rng(2024);
  for (int i = 0; i < 2000000; ++i) {
    uint32_t b = rng.next();
    if (i % 4 == 1)
      b = (b & 0xFFFF0000) | 0x8000; // ties
    if (i % 4 == 2)
      b = (b & 0xFFFF0000) | (0x7FFF + (b & 3)); // around ties
    if (isNaN32(b)) {
      uint16_t nan = static_cast<uint16_t>((b >> 16) | 0x40);
      ASSERT_EQ(rne(b), nan);
      continue;
    }
    uint32_t lsb = (b >> 16) & 1;
    ASSERT_EQ(rne(b), static_cast<uint16_t>((b + 0x7FFF + lsb) >> 16))
        << std::hex << b;
    ASSERT_EQ(f32ToBF16(b, RTZ, Keep), static_cast<uint16_t>(b >> 16));
    uint32_t r = rng.next() & 0xFFFF;
    ASSERT_EQ(f32ToBF16(b, SR, Keep, r), static_cast<uint16_t>((b + r) >> 16))
        << std::hex << b << " " << r;
  }
}

//===----------------------------------------------------------------------===//
// bf16 -> f32
//===----------------------------------------------------------------------===//

TEST(BF16Reference, WideningExactValues) {
  EXPECT_EQ(bf16ToF32(0x3F80, Keep), 0x3F800000u); // 1.0
  EXPECT_EQ(bf16ToF32(0xC049, Keep), 0xC0490000u); // -3.140625
  EXPECT_EQ(bf16ToF32(0x8000, Keep), 0x80000000u); // -0
  EXPECT_EQ(bf16ToF32(0x7F80, Keep), 0x7F800000u); // +Inf
  EXPECT_EQ(bf16ToF32(0xFF80, Flush), 0xFF800000u);
  EXPECT_EQ(bf16ToF32(0x0001, Keep), 0x00010000u);  // 2^-133
  EXPECT_EQ(bf16ToF32(0x807F, Keep), 0x807F0000u);  // -127 * 2^-133
  EXPECT_EQ(bf16ToF32(0x0080, Flush), 0x00800000u); // normal: kept
  EXPECT_EQ(bf16ToF32(0x0001, Flush), 0x00000000u);
  EXPECT_EQ(bf16ToF32(0x807F, Flush), 0x80000000u);
}

TEST(BF16Reference, WideningNaNs) {
  EXPECT_EQ(bf16ToF32(0x7FC0, Keep), 0x7FC00000u);
  EXPECT_EQ(bf16ToF32(0xFFFF, Flush), 0xFFFF0000u);
  // Signaling: quiet bit set, payload and sign kept.
  EXPECT_EQ(bf16ToF32(0x7F81, Keep), 0x7FC10000u);
  EXPECT_EQ(bf16ToF32(0xFFBF, Keep), 0xFFFF0000u);
}

TEST(BF16Reference, WideningAllPatterns) {
  // Every pattern: the f32 value is the decoded bf16 value (sign, bias 127,
  // hidden bit), and narrowing it back in any mode gives the pattern again
  // (quietened for signaling NaNs).
  for (uint32_t h = 0; h < 65536; ++h) {
    uint32_t f = bf16ToF32(static_cast<uint16_t>(h), Keep);
    int e = (h >> 7) & 0xFF, m = h & 0x7F;
    bool negative = h >> 15;
    if (e == 0xFF && m != 0) {
      ASSERT_TRUE(isNaN32(f));
      ASSERT_EQ(f >> 16, h | 0x40);
      continue;
    }
    if (e == 0xFF) {
      ASSERT_TRUE(std::isinf(floatOf(f)));
    } else {
      double v = e == 0 ? std::ldexp(m, -133) : std::ldexp(128 + m, e - 134);
      ASSERT_EQ(static_cast<double>(floatOf(f)), negative ? -v : v) << h;
      ASSERT_EQ(std::signbit(floatOf(f)), negative);
    }
    for (BF16Rounding r : {RNE, RTZ, SR})
      ASSERT_EQ(f32ToBF16(f, r, Keep, 0xFFFF), h);
  }
}

} // namespace
