//===- MxFormatsTest.cpp - Tests of the MX scalar reference --------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Unit tests of mx::ref (include/mx/Reference/MxFormats.h). Expected values
// come from facts written here independently of the library: the spec table
// of reference/mx-formats.md section 2, a sign/exponent/mantissa formula with
// each format's bias, brute-force nearest-value searches, and hand-worked
// examples (the arithmetic is in the comments).
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/MxFormats.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <utility>
#include <vector>

using namespace mx::ref;

namespace {

//===----------------------------------------------------------------------===//
// Independent facts
//===----------------------------------------------------------------------===//

/// The spec table (reference/mx-formats.md section 2), typed in by hand.
struct Spec {
  Format format;
  const char *name;
  unsigned bits;
  unsigned exponentBits; // 0 for INT8
  unsigned mantissaBits; // INT8: 6 fraction bits
  int bias;              // unused for INT8
  int emax;
  int emin;
  double maxNormal;
  uint8_t maxCode;  // code of +maxNormal
  uint8_t signMask; // sign bit of the code (0 for INT8)
};

const Spec Specs[] = {
    {Format::E4M3, "e4m3", 8, 4, 3, 7, 8, -6, 448.0, 0x7E, 0x80},
    {Format::E5M2, "e5m2", 8, 5, 2, 15, 15, -14, 57344.0, 0x7B, 0x80},
    {Format::E2M3, "e2m3", 6, 2, 3, 1, 2, 0, 7.5, 0x1F, 0x20},
    {Format::E3M2, "e3m2", 6, 3, 2, 3, 4, -2, 28.0, 0x1F, 0x20},
    {Format::E2M1, "e2m1", 4, 2, 1, 1, 2, 0, 6.0, 0x7, 0x8},
    {Format::Int8, "int8", 8, 0, 6, 0, 0, 0, 127.0 / 64.0, 0x7F, 0x00},
};

const ScaleRule AllRules[] = {ScaleRule::Floor, ScaleRule::Ceil,
                              ScaleRule::RCeil, ScaleRule::Even};

const char *ruleName(ScaleRule r) {
  switch (r) {
  case ScaleRule::Floor:
    return "floor";
  case ScaleRule::Ceil:
    return "ceil";
  case ScaleRule::RCeil:
    return "rceil";
  case ScaleRule::Even:
    return "even";
  }
  return "?";
}

/// Value of a code as (-1)^negative * m * 2^k, or NaN / Inf.
struct Exact {
  enum Kind { Finite, NaN, Inf } kind = Finite;
  bool negative = false;
  int64_t m = 0;
  int k = 0;
  double value() const {
    if (kind == NaN)
      return std::numeric_limits<double>::quiet_NaN();
    double mag = kind == Inf ? std::numeric_limits<double>::infinity()
                             : static_cast<double>(m) * std::pow(2.0, k);
    return negative ? -mag : mag;
  }
};

/// The textbook formula: sign, biased exponent field e, mantissa field f.
/// e == 0: f * 2^(1 - bias - mbits); else (2^mbits + f) * 2^(e - bias - mbits).
Exact specDecode(unsigned code, const Spec &s) {
  Exact x;
  if (s.format == Format::Int8) {
    int v = code >= 128 ? static_cast<int>(code) - 256 : static_cast<int>(code);
    x.negative = v < 0;
    x.m = v < 0 ? -v : v;
    x.k = -6;
    return x;
  }
  x.negative = (code >> (s.bits - 1)) & 1;
  unsigned e = (code >> s.mantissaBits) & ((1u << s.exponentBits) - 1);
  unsigned f = code & ((1u << s.mantissaBits) - 1);
  if (s.format == Format::E4M3 && e == 15 && f == 7) {
    x.kind = Exact::NaN;
    return x;
  }
  if (s.format == Format::E5M2 && e == 31) {
    x.kind = f == 0 ? Exact::Inf : Exact::NaN;
    return x;
  }
  int mbits = static_cast<int>(s.mantissaBits);
  if (e == 0) {
    x.m = f;
    x.k = 1 - s.bias - mbits;
  } else {
    x.m = (int64_t(1) << mbits) + f;
    x.k = static_cast<int>(e) - s.bias - mbits;
  }
  return x;
}

unsigned numCodes(const Spec &s) { return 1u << s.bits; }

/// Non-negative finite values with their codes, sorted by value (built from
/// specDecode, not from the library).
std::vector<std::pair<double, unsigned>> nonNegativeGrid(const Spec &s) {
  std::vector<std::pair<double, unsigned>> grid;
  for (unsigned c = 0; c < numCodes(s) / 2; ++c) {
    Exact x = specDecode(c, s);
    if (x.kind == Exact::Finite)
      grid.emplace_back(x.value(), c);
  }
  std::sort(grid.begin(), grid.end());
  return grid;
}

/// The code of -v given the code of +v.
uint8_t negateCode(unsigned code, const Spec &s) {
  if (s.format == Format::Int8)
    return static_cast<uint8_t>((256 - code) & 0xFF);
  return static_cast<uint8_t>(code | s.signMask);
}

/// Brute force: nearest representable magnitude to |y| over every
/// non-negative code; a tie goes to the code with an even mantissa field (an
/// even k for INT8). Beyond maxNormal the nearest value is maxNormal, which
/// is saturation. The sign convention is applied afterwards.
uint8_t bruteForceEncode(double y, const Spec &s) {
  double a = std::fabs(y);
  unsigned best = 0;
  double bestDistance = std::numeric_limits<double>::infinity();
  for (unsigned c = 0; c < numCodes(s) / 2; ++c) {
    Exact x = specDecode(c, s);
    if (x.kind != Exact::Finite)
      continue;
    double d = std::fabs(x.value() - a);
    bool evenMantissa = (c & 1) == 0;
    if (d < bestDistance || (d == bestDistance && evenMantissa)) {
      best = c;
      bestDistance = d;
    }
  }
  if (!std::signbit(y))
    return static_cast<uint8_t>(best);
  return negateCode(best, s);
}

uint32_t bitsOf(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof(b));
  return b;
}

float floatOf(uint32_t b) {
  float v;
  std::memcpy(&v, &b, sizeof(v));
  return v;
}

bool sameFloat(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  return bitsOf(a) == bitsOf(b);
}

/// Quantize a one-off block and return (scale, codes).
std::pair<uint8_t, std::vector<uint8_t>>
quantize(const std::vector<float> &in, Format f, ScaleRule r = ScaleRule::Floor,
         bool flush = false) {
  std::vector<uint8_t> codes(in.size(), 0xAA);
  uint8_t scale =
      quantizeBlock(in.data(), in.size(), f, r, flush, codes.data());
  return {scale, codes};
}

std::vector<float> dequantize(const std::vector<uint8_t> &codes, Format f,
                              uint8_t scale) {
  std::vector<float> out(codes.size());
  dequantizeBlock(codes.data(), codes.size(), f, scale, out.data());
  return out;
}

//===----------------------------------------------------------------------===//
// Format parameters and decoding
//===----------------------------------------------------------------------===//

TEST(MxReferenceFormat, InfoMatchesSpecTable) {
  for (const Spec &s : Specs) {
    SCOPED_TRACE(s.name);
    const FormatInfo &info = getFormatInfo(s.format);
    EXPECT_STREQ(info.name, s.name);
    EXPECT_EQ(info.bits, s.bits);
    EXPECT_EQ(info.emax, s.emax);
    EXPECT_EQ(info.emin, s.emin);
    EXPECT_EQ(info.mantissaBits, s.mantissaBits);
    EXPECT_EQ(info.maxNormal, s.maxNormal);
    EXPECT_EQ(getSignBit(s.format), s.signMask);
    EXPECT_EQ(decodeElement(s.maxCode, s.format), s.maxNormal);
  }
  EXPECT_EQ(getPackingGroup(Format::E2M1), 2u);
  EXPECT_EQ(getPackingGroup(Format::E2M3), 4u);
  EXPECT_EQ(getPackingGroup(Format::E3M2), 4u);
  EXPECT_EQ(getPackingGroup(Format::E4M3), 1u);
  EXPECT_EQ(getPackingGroup(Format::E5M2), 1u);
  EXPECT_EQ(getPackingGroup(Format::Int8), 1u);
}

TEST(MxReferenceDecode, EveryCodeMatchesFormula) {
  for (const Spec &s : Specs) {
    for (unsigned c = 0; c < numCodes(s); ++c) {
      Exact x = specDecode(c, s);
      double got = decodeElement(static_cast<uint8_t>(c), s.format);
      if (x.kind == Exact::NaN) {
        ASSERT_TRUE(std::isnan(got)) << s.name << " code " << c;
        ASSERT_TRUE(isNaNCode(static_cast<uint8_t>(c), s.format));
        continue;
      }
      ASSERT_FALSE(isNaNCode(static_cast<uint8_t>(c), s.format))
          << s.name << " code " << c;
      ASSERT_EQ(got, x.value()) << s.name << " code " << c;
      // Signed zero: the sign of zero follows the sign bit.
      ASSERT_EQ(std::signbit(got), x.negative) << s.name << " code " << c;
    }
  }
}

TEST(MxReferenceDecode, SpotValuesFromSpecTable) {
  // E4M3: max normal S.1111.110, min subnormal 2^-9, NaN S.1111.111 only.
  EXPECT_EQ(decodeElement(0x7E, Format::E4M3), 448.0);
  EXPECT_EQ(decodeElement(0xFE, Format::E4M3), -448.0);
  EXPECT_EQ(decodeElement(0x01, Format::E4M3), std::ldexp(1.0, -9));
  EXPECT_EQ(decodeElement(0x08, Format::E4M3), std::ldexp(1.0, -6));
  EXPECT_EQ(decodeElement(0x07, Format::E4M3), 0.875 * std::ldexp(1.0, -6));
  EXPECT_EQ(decodeElement(0x38, Format::E4M3), 1.0);
  EXPECT_TRUE(std::isnan(decodeElement(0x7F, Format::E4M3)));
  EXPECT_TRUE(std::isnan(decodeElement(0xFF, Format::E4M3)));
  EXPECT_EQ(decodeElement(0x78, Format::E4M3), 256.0); // not Inf
  // E5M2.
  EXPECT_EQ(decodeElement(0x7B, Format::E5M2), 57344.0);
  EXPECT_EQ(decodeElement(0x7C, Format::E5M2),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(decodeElement(0xFC, Format::E5M2),
            -std::numeric_limits<double>::infinity());
  for (uint8_t c : {0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF})
    EXPECT_TRUE(std::isnan(decodeElement(c, Format::E5M2))) << int(c);
  EXPECT_EQ(decodeElement(0x01, Format::E5M2), std::ldexp(1.0, -16));
  EXPECT_EQ(decodeElement(0x04, Format::E5M2), std::ldexp(1.0, -14));
  EXPECT_EQ(decodeElement(0x3C, Format::E5M2), 1.0);
  // E2M3.
  EXPECT_EQ(decodeElement(0x1F, Format::E2M3), 7.5);
  EXPECT_EQ(decodeElement(0x3F, Format::E2M3), -7.5);
  EXPECT_EQ(decodeElement(0x01, Format::E2M3), 0.125);
  EXPECT_EQ(decodeElement(0x07, Format::E2M3), 0.875);
  EXPECT_EQ(decodeElement(0x08, Format::E2M3), 1.0);
  // E3M2.
  EXPECT_EQ(decodeElement(0x1F, Format::E3M2), 28.0);
  EXPECT_EQ(decodeElement(0x01, Format::E3M2), 0.0625);
  EXPECT_EQ(decodeElement(0x03, Format::E3M2), 0.1875);
  EXPECT_EQ(decodeElement(0x04, Format::E3M2), 0.25);
  // E2M1: the 8 magnitudes, then the negatives.
  const double e2m1[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
  for (unsigned c = 0; c < 8; ++c) {
    EXPECT_EQ(decodeElement(static_cast<uint8_t>(c), Format::E2M1), e2m1[c]);
    EXPECT_EQ(decodeElement(static_cast<uint8_t>(c | 8), Format::E2M1),
              -e2m1[c]);
  }
  EXPECT_TRUE(std::signbit(decodeElement(0x8, Format::E2M1)));
  // INT8.
  EXPECT_EQ(decodeElement(0x7F, Format::Int8), 127.0 / 64);
  EXPECT_EQ(decodeElement(0x80, Format::Int8), -2.0);
  EXPECT_EQ(decodeElement(0x81, Format::Int8), -127.0 / 64);
  EXPECT_EQ(decodeElement(0xFF, Format::Int8), -1.0 / 64);
  EXPECT_EQ(decodeElement(0x40, Format::Int8), 1.0);
  EXPECT_FALSE(std::signbit(decodeElement(0x00, Format::Int8)));
}

TEST(MxReferenceDecode, BitsAboveNarrowWidthsAreIgnored) {
  EXPECT_EQ(decodeElement(0x47, Format::E2M1), 6.0);
  EXPECT_EQ(decodeElement(0xF1, Format::E2M1), 0.5);
  EXPECT_EQ(decodeElement(0xDF, Format::E2M3), 7.5);
  EXPECT_EQ(decodeElement(0x41, Format::E3M2), 0.0625);
}

TEST(MxReferenceDecode, ScaleBytes) {
  // 0x00 is 2^-127, the FP32 subnormal 0x00400000, not zero.
  EXPECT_EQ(decodeScale(0x00), std::ldexp(1.0, -127));
  EXPECT_EQ(bitsOf(static_cast<float>(decodeScale(0x00))), 0x00400000u);
  EXPECT_EQ(decodeScale(0x7F), 1.0);
  EXPECT_EQ(decodeScale(0x80), 2.0);
  EXPECT_EQ(decodeScale(0x7E), 0.5);
  EXPECT_EQ(decodeScale(0xFE), std::ldexp(1.0, 127));
  EXPECT_EQ(bitsOf(static_cast<float>(decodeScale(0xFE))), 0x7F000000u);
  EXPECT_TRUE(std::isnan(decodeScale(0xFF)));
  // Every byte by repeated doubling from 2^-127 = 0.5^127.
  double v = 1.0;
  for (int i = 0; i < 127; ++i)
    v *= 0.5;
  for (unsigned b = 0; b < 0xFF; ++b) {
    ASSERT_EQ(decodeScale(static_cast<uint8_t>(b)), v) << b;
    v *= 2.0;
  }
}

//===----------------------------------------------------------------------===//
// Element encoding
//===----------------------------------------------------------------------===//

TEST(MxReferenceEncode, RoundTripEveryFiniteCode) {
  for (const Spec &s : Specs) {
    for (unsigned c = 0; c < numCodes(s); ++c) {
      Exact x = specDecode(c, s);
      if (x.kind != Exact::Finite)
        continue;
      // INT8 0x80 (-2.0) is outside the symmetric range: it saturates to
      // -127/64 (0x81).
      uint8_t expected = static_cast<uint8_t>(c);
      if (s.format == Format::Int8 && c == 0x80)
        expected = 0x81;
      uint8_t got = encodeElement(
          decodeElement(static_cast<uint8_t>(c), s.format), s.format);
      ASSERT_EQ(got, expected) << s.name << " code " << c;
      // And from the formula's value, not the library's decoder.
      ASSERT_EQ(encodeElement(x.value(), s.format), expected)
          << s.name << " code " << c;
    }
  }
}

TEST(MxReferenceEncode, MidpointsTieToEvenMantissa) {
  for (const Spec &s : Specs) {
    SCOPED_TRACE(s.name);
    auto grid = nonNegativeGrid(s);
    ASSERT_EQ(grid.front().first, 0.0);
    ASSERT_EQ(grid.back().first, s.maxNormal);
    ASSERT_EQ(grid.back().second, s.maxCode);
    for (size_t i = 0; i + 1 < grid.size(); ++i) {
      double lo = grid[i].first, hi = grid[i + 1].first;
      unsigned loCode = grid[i].second, hiCode = grid[i + 1].second;
      // Exactly one neighbour has an even mantissa field (even k for INT8).
      ASSERT_NE(loCode & 1, hiCode & 1) << lo << " " << hi;
      unsigned evenCode = (loCode & 1) == 0 ? loCode : hiCode;
      double mid = lo + (hi - lo) / 2;
      ASSERT_GT(mid, lo);
      ASSERT_LT(mid, hi);
      EXPECT_EQ(encodeElement(mid, s.format), evenCode) << "mid " << mid;
      EXPECT_EQ(encodeElement(std::nextafter(mid, 0.0), s.format), loCode)
          << "below mid " << mid;
      EXPECT_EQ(encodeElement(std::nextafter(mid, 1e9), s.format), hiCode)
          << "above mid " << mid;
      EXPECT_EQ(encodeElement(-mid, s.format), negateCode(evenCode, s));
      EXPECT_EQ(encodeElement(-std::nextafter(mid, 0.0), s.format),
                negateCode(loCode, s));
      EXPECT_EQ(encodeElement(-std::nextafter(mid, 1e9), s.format),
                negateCode(hiCode, s));
      // Quarter points are unambiguous.
      EXPECT_EQ(encodeElement(lo + (hi - lo) / 4, s.format), loCode);
      EXPECT_EQ(encodeElement(hi - (hi - lo) / 4, s.format), hiCode);
    }
  }
}

TEST(MxReferenceEncode, SaturationSignedZeroAndSpecials) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const Spec &s : Specs) {
    SCOPED_TRACE(s.name);
    uint8_t negMax = negateCode(s.maxCode, s);
    // Saturation, never NaN/Inf: beyond max-normal, far beyond, and Inf.
    for (double big : {s.maxNormal * 1.0001, s.maxNormal * 1.5,
                       s.maxNormal * 2.0, 1e300, inf}) {
      EXPECT_EQ(encodeElement(big, s.format), s.maxCode) << big;
      EXPECT_EQ(encodeElement(-big, s.format), negMax) << big;
    }
    // Zero and signed zero.
    EXPECT_EQ(encodeElement(0.0, s.format), 0u);
    EXPECT_EQ(encodeElement(1e-300, s.format), 0u);
    EXPECT_EQ(encodeElement(-0.0, s.format), s.signMask);
    EXPECT_EQ(encodeElement(-1e-300, s.format), s.signMask);
  }
  // E5M2 61440 = 1.875 * 2^15 is halfway to 2^16: IEEE round-to-nearest
  // would give Inf, saturation gives max-normal.
  EXPECT_EQ(encodeElement(61440.0, Format::E5M2), 0x7B);
  EXPECT_EQ(encodeElement(-2.0, Format::Int8), 0x81);
  // NaN: the format's NaN code where there is one, else +0 (documented).
  EXPECT_EQ(encodeElement(nan, Format::E4M3), 0x7F);
  EXPECT_EQ(encodeElement(-nan, Format::E4M3), 0x7F);
  EXPECT_EQ(encodeElement(nan, Format::E5M2), 0x7F);
  EXPECT_EQ(encodeElement(nan, Format::E2M3), 0x00);
  EXPECT_EQ(encodeElement(nan, Format::E3M2), 0x00);
  EXPECT_EQ(encodeElement(nan, Format::E2M1), 0x00);
  EXPECT_EQ(encodeElement(nan, Format::Int8), 0x00);
}

TEST(MxReferenceEncode, Fp4TiesToEven) {
  // reference/mx-formats.md section 3: 0.25->0, 0.75->1, 1.25->1, 1.75->2,
  // 2.5->2, 3.5->4, 5->4. E2M1 codes: 0:0 0.5:1 1:2 1.5:3 2:4 3:5 4:6 6:7.
  const std::pair<double, uint8_t> ties[] = {
      {0.25, 0x0}, {0.75, 0x2}, {1.25, 0x2}, {1.75, 0x4},
      {2.5, 0x4},  {3.5, 0x6},  {5.0, 0x6}};
  for (auto [y, code] : ties) {
    EXPECT_EQ(encodeElement(y, Format::E2M1), code) << y;
    EXPECT_EQ(encodeElement(-y, Format::E2M1), code | 0x8) << -y;
  }
  // Ties-away would give 0.5, 1.5, 3 and 6 instead:
  EXPECT_NE(encodeElement(1.25, Format::E2M1), 0x3);
  EXPECT_NE(encodeElement(5.0, Format::E2M1), 0x7);
}

TEST(MxReferenceEncode, E4M3TiesAndSaturation) {
  // 400 lies halfway between 384 (0 1111 100 = 0x7C) and 416 (0x7D): RNE
  // picks the even mantissa, 384. 464 saturates to 448 (0x7E), not NaN.
  EXPECT_EQ(encodeElement(400.0, Format::E4M3), 0x7C);
  EXPECT_EQ(decodeElement(0x7C, Format::E4M3), 384.0);
  EXPECT_EQ(encodeElement(464.0, Format::E4M3), 0x7E);
  EXPECT_EQ(encodeElement(416.0, Format::E4M3), 0x7D);
  EXPECT_EQ(encodeElement(432.0, Format::E4M3), 0x7E); // tie 416|448 -> 448
  EXPECT_EQ(encodeElement(480.0, Format::E4M3), 0x7E);
  // Subnormal tie: 1.5 * 2^-9 between 2^-9 (0x01) and 2^-8 (0x02) -> 0x02.
  EXPECT_EQ(encodeElement(1.5 * std::ldexp(1.0, -9), Format::E4M3), 0x02);
  // Half the smallest subnormal is a tie with 0: goes to 0 (even).
  EXPECT_EQ(encodeElement(std::ldexp(1.0, -10), Format::E4M3), 0x00);
  EXPECT_EQ(encodeElement(-std::ldexp(1.0, -10), Format::E4M3), 0x80);
}

TEST(MxReferenceEncode, Int8Rounding) {
  // k = RNE(64 y), clamped to [-127, 127].
  EXPECT_EQ(encodeElement(0.5 / 64, Format::Int8), 0x00);  // 0.5 -> 0
  EXPECT_EQ(encodeElement(1.5 / 64, Format::Int8), 0x02);  // 1.5 -> 2
  EXPECT_EQ(encodeElement(2.5 / 64, Format::Int8), 0x02);  // 2.5 -> 2
  EXPECT_EQ(encodeElement(-2.5 / 64, Format::Int8), 0xFE); // -2
  EXPECT_EQ(encodeElement(126.5 / 64, Format::Int8), 0x7E);
  EXPECT_EQ(encodeElement(127.5 / 64, Format::Int8), 0x7F);
  EXPECT_EQ(encodeElement(-127.5 / 64, Format::Int8), 0x81);
  EXPECT_EQ(encodeElement(-0.25 / 64, Format::Int8), 0x00); // no -0
}

TEST(MxReferenceEncode, RandomValuesMatchBruteForce) {
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (const Spec &s : Specs) {
    SCOPED_TRACE(s.name);
    for (int i = 0; i < 20000; ++i) {
      // Magnitudes spread over the format's range and a little beyond.
      double mag = s.maxNormal * std::pow(2.0, -24.0 * unit(rng)) * 1.2;
      double y = (rng() & 1) ? -mag : mag;
      ASSERT_EQ(encodeElement(y, s.format), bruteForceEncode(y, s)) << y;
    }
  }
}

//===----------------------------------------------------------------------===//
// Dequantization
//===----------------------------------------------------------------------===//

TEST(MxReferenceDequantize, EveryCodeTimesEveryScale) {
  for (const Spec &s : Specs) {
    for (unsigned c = 0; c < numCodes(s); ++c) {
      Exact x = specDecode(c, s);
      for (unsigned b = 0; b < 0xFF; ++b) {
        uint8_t code = static_cast<uint8_t>(c);
        float out;
        dequantizeBlock(&code, 1, s.format, static_cast<uint8_t>(b), &out);
        int se = static_cast<int>(b) - 127;
        if (x.kind == Exact::NaN) {
          ASSERT_TRUE(std::isnan(out)) << s.name << " " << c << " " << b;
          continue;
        }
        if (x.kind == Exact::Inf) {
          ASSERT_TRUE(std::isinf(out) && std::signbit(out) == x.negative);
          continue;
        }
        if (x.m == 0) {
          ASSERT_EQ(out, 0.0f);
          ASSERT_EQ(std::signbit(out), x.negative) << s.name << " " << c;
          continue;
        }
        // Value m * 2^(k + se); m has at most 8 significant bits, so the
        // float result is exact unless it is at least 2^128 (overflow).
        int top = 0;
        while ((x.m >> (top + 1)) != 0)
          ++top;
        int exponent = x.k + se;
        ASSERT_GE(exponent, -149); // never below the FP32 subnormal grid
        if (top + exponent >= 128) {
          ASSERT_TRUE(std::isinf(out)) << s.name << " " << c << " " << b;
          ASSERT_EQ(std::signbit(out), x.negative);
          continue;
        }
        double expected = static_cast<double>(x.m) * std::pow(2.0, exponent);
        if (x.negative)
          expected = -expected;
        ASSERT_EQ(static_cast<double>(out), expected)
            << s.name << " code " << c << " scale " << b;
      }
    }
  }
}

TEST(MxReferenceDequantize, NaNScaleMakesWholeBlockNaN) {
  for (const Spec &s : Specs) {
    std::vector<uint8_t> codes = {0x00, 0x01, s.maxCode, s.signMask};
    for (float v : dequantize(codes, s.format, 0xFF))
      EXPECT_TRUE(std::isnan(v)) << s.name;
  }
}

TEST(MxReferenceDequantize, ElementSpecialsSurvive) {
  // E4M3 NaN element stays NaN next to finite ones; E5M2 Inf stays Inf.
  auto e4 = dequantize({0x7F, 0x38, 0xFF}, Format::E4M3, 0x80);
  EXPECT_TRUE(std::isnan(e4[0]));
  EXPECT_EQ(e4[1], 2.0f);
  EXPECT_TRUE(std::isnan(e4[2]));
  auto e5 = dequantize({0x7C, 0xFC, 0x7D, 0x3C}, Format::E5M2, 0x00);
  EXPECT_EQ(e5[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(e5[1], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(e5[2]));
  EXPECT_EQ(bitsOf(e5[3]), 0x00400000u); // 1.0 * 2^-127
  // Overflow: 57344 * 2^127 is beyond FP32 -> Inf; 448 * 2^119 is finite.
  auto big = dequantize({0x7B, 0xFB}, Format::E5M2, 0xFE);
  EXPECT_EQ(big[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(big[1], -std::numeric_limits<float>::infinity());
  auto fine = dequantize({0x7E}, Format::E4M3, 0xF6);
  EXPECT_EQ(static_cast<double>(fine[0]), 448.0 * std::ldexp(1.0, 119));
}

//===----------------------------------------------------------------------===//
// Quantization round trips
//===----------------------------------------------------------------------===//

// For every finite code c (value p) and every shared exponent se the rule
// can produce from finite input, a block whose amax makes the rule choose se
// quantizes p * 2^se back to c:
//   FLOOR, RCEIL: amax = maxNormal * 2^se (floor(log2) = emax + se and
//                 amax / maxNormal = 2^se exactly);
//   CEIL, EVEN:   amax = 2^(emax + se) (a power of two: ceil = floor and
//                 rounding changes nothing), used for |p| <= 2^emax only.
TEST(MxReferenceQuantize, RoundTripEveryCodeEveryScale) {
  for (const Spec &s : Specs) {
    for (ScaleRule r : AllRules) {
      bool powerOfTwoAmax = r == ScaleRule::Ceil || r == ScaleRule::Even;
      for (int se = -127; se <= 127 - s.emax; ++se) {
        double amax = powerOfTwoAmax ? std::ldexp(1.0, s.emax + se)
                                     : std::ldexp(s.maxNormal, se);
        float amaxF = static_cast<float>(amax);
        ASSERT_EQ(static_cast<double>(amaxF), amax);
        for (unsigned c = 0; c < numCodes(s); ++c) {
          Exact x = specDecode(c, s);
          if (x.kind != Exact::Finite)
            continue;
          if (s.format == Format::Int8 && c == 0x80)
            continue; // -2.0 is never produced (symmetric INT8)
          double p = x.value();
          if (powerOfTwoAmax && std::fabs(p) > std::ldexp(1.0, s.emax))
            continue;
          double v = std::ldexp(p, se);
          float vF = static_cast<float>(v);
          ASSERT_EQ(static_cast<double>(vF), v);
          ASSERT_EQ(std::signbit(vF), x.negative);
          auto [scale, codes] = quantize({amaxF, vF, -amaxF}, s.format, r);
          ASSERT_EQ(scale, se + 127)
              << s.name << " " << ruleName(r) << " se " << se;
          ASSERT_EQ(codes[1], c)
              << s.name << " " << ruleName(r) << " se " << se << " p " << p;
          auto out = dequantize(codes, s.format, scale);
          ASSERT_TRUE(sameFloat(out[1], vF));
          ASSERT_EQ(out[0], -out[2]);
        }
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Worked checks from reference/mx-formats.md section 3 and section 5
//===----------------------------------------------------------------------===//

TEST(MxReferenceWorked, E4M3Amax959) {
  // amax 959.56: floor(log2) = 9, se = 9 - 8 = 1, X = 2. 957 / 2 = 478.5
  // saturates to 448 (0x7E) and decodes to 896.
  auto [scale, codes] = quantize({959.56f, 957.0f, -1.0f}, Format::E4M3);
  EXPECT_EQ(scale, 0x80);
  EXPECT_EQ(codes[0], 0x7E);
  EXPECT_EQ(codes[1], 0x7E);
  EXPECT_EQ(codes[2], 0xB0); // -0.5 = 1 0110 000
  auto out = dequantize(codes, Format::E4M3, scale);
  EXPECT_EQ(out[0], 896.0f);
  EXPECT_EQ(out[1], 896.0f);
  EXPECT_EQ(out[2], -1.0f);
}

TEST(MxReferenceWorked, E2M1Amax7) {
  // amax 7 = 1.75 * 2^2: se = 2 - 2 = 0, X = 1, 7 clamps to 6 (0x7).
  auto [scale, codes] = quantize({7.0f, -7.0f}, Format::E2M1);
  EXPECT_EQ(scale, 0x7F);
  EXPECT_EQ(codes[0], 0x7);
  EXPECT_EQ(codes[1], 0xF);
  EXPECT_EQ(dequantize(codes, Format::E2M1, scale)[0], 6.0f);
}

TEST(MxReferenceWorked, Fp4TiesInABlock) {
  // 6 makes X = 1 (se = 2 - 2); then the tie points of section 3.
  std::vector<float> in = {6.0f,  0.25f, 0.75f,  1.25f,  1.75f,  2.5f,
                           3.5f,  5.0f,  -0.25f, -0.75f, -1.25f, -1.75f,
                           -2.5f, -3.5f, -5.0f,  -6.0f};
  std::vector<uint8_t> expected = {0x7, 0x0, 0x2, 0x2, 0x4, 0x4, 0x6, 0x6,
                                   0x8, 0xA, 0xA, 0xC, 0xC, 0xE, 0xE, 0xF};
  auto [scale, codes] = quantize(in, Format::E2M1);
  EXPECT_EQ(scale, 0x7F);
  EXPECT_EQ(codes, expected);
  auto out = dequantize(codes, Format::E2M1, scale);
  std::vector<float> values = {6,     0,  1,  1,  2,  2,  4,  4,
                               -0.0f, -1, -1, -2, -2, -4, -4, -6};
  for (size_t i = 0; i < in.size(); ++i)
    EXPECT_TRUE(sameFloat(out[i], values[i])) << i;
}

TEST(MxReferenceWorked, E4M3TiesInABlock) {
  // amax 464 = 1.8125 * 2^8: se = 0. 400 -> 384 (0x7C), 464 -> 448 (0x7E).
  auto [scale, codes] = quantize({400.0f, 464.0f}, Format::E4M3);
  EXPECT_EQ(scale, 0x7F);
  EXPECT_EQ(codes[0], 0x7C);
  EXPECT_EQ(codes[1], 0x7E);
  auto out = dequantize(codes, Format::E4M3, scale);
  EXPECT_EQ(out[0], 384.0f);
  EXPECT_EQ(out[1], 448.0f);
}

TEST(MxReferenceWorked, AmaxJustBelowPowerOfTwo) {
  // 0x42FFFFFF = (2 - 2^-23) * 2^6 = 127.99999237. FP32 exponent field 133,
  // floor(log2) = 6 exactly (a float log2 would round up to 7).
  //   format  se          y = amax / 2^se        code          decodes to
  //   E4M3    6-8  = -2   511.99997 -> sat 448   0x7E          448/4   = 112
  //   E5M2    6-15 = -9   65535.996 -> sat 57344 0x7B          57344/512 = 112
  //   E2M3    6-2  = 4    7.9999995 -> sat 7.5   0x1F          7.5*16  = 120
  //   E3M2    6-4  = 2    31.999998 -> sat 28    0x1F          28*4    = 112
  //   E2M1    6-2  = 4    7.9999995 -> sat 6     0x7           6*16    = 96
  //   INT8    6-0  = 6    1.9999999: 64y = 127.99999 -> 128 -> clamp 127,
  //                       0x7F, 127/64 * 64 = 127
  const float amax = floatOf(0x42FFFFFFu);
  struct Case {
    Format f;
    uint8_t scale, code;
    float value;
  } cases[] = {
      {Format::E4M3, 125, 0x7E, 112.0f}, {Format::E5M2, 118, 0x7B, 112.0f},
      {Format::E2M3, 131, 0x1F, 120.0f}, {Format::E3M2, 129, 0x1F, 112.0f},
      {Format::E2M1, 131, 0x7, 96.0f},   {Format::Int8, 133, 0x7F, 127.0f}};
  for (const Case &c : cases) {
    SCOPED_TRACE(getFormatInfo(c.f).name);
    auto [scale, codes] = quantize({amax, -amax}, c.f);
    EXPECT_EQ(scale, c.scale);
    EXPECT_EQ(codes[0], c.code);
    EXPECT_EQ(decodeElement(codes[1], c.f), -decodeElement(c.code, c.f));
    auto out = dequantize(codes, c.f, scale);
    EXPECT_EQ(out[0], c.value);
    EXPECT_EQ(out[1], -c.value);
  }
}

TEST(MxReferenceWorked, FltMaxBlocksStayFinite) {
  // FLT_MAX has exponent field 254: FLOOR se = 127 - emax, scale byte
  // 254 - emax, and y = (2 - 2^-23) * 2^emax saturates to maxNormal. INT8
  // must not turn into a NaN block (the float-log2 bug gives se = 128 there).
  // -3e38 = 1.7632 * 2^127 gives y = -1.7632 * 2^emax:
  //   E4M3 -451.4 -> sat -448 (1 1111 110)   E5M2 -57779 -> sat (1 11110 11)
  //   E2M3 -7.05 -> -7.0 (1 11 110)          E3M2 -28.2 -> sat (1 111 11)
  //   E2M1 -7.05 -> sat -6 (1 11 1)          INT8 64y = -112.85 -> -113
  struct Case {
    Format f;
    uint8_t negMaxCode, minus3e38Code;
  } cases[] = {{Format::E4M3, 0xFE, 0xFE}, {Format::E5M2, 0xFB, 0xFB},
               {Format::E2M3, 0x3F, 0x3E}, {Format::E3M2, 0x3F, 0x3F},
               {Format::E2M1, 0xF, 0xF},   {Format::Int8, 0x81, 0x8F}};
  for (const Case &c : cases) {
    const Spec &s = Specs[static_cast<int>(c.f)];
    ASSERT_EQ(s.format, c.f);
    SCOPED_TRACE(s.name);
    std::vector<float> in = {FLT_MAX, -3e38f, 1.0f, -FLT_MAX, 0.0f};
    auto [scale, codes] = quantize(in, s.format);
    EXPECT_EQ(scale, 254 - s.emax);
    std::vector<uint8_t> expected = {s.maxCode, c.minus3e38Code, 0x00,
                                     c.negMaxCode, 0x00};
    EXPECT_EQ(codes, expected);
    for (float v : dequantize(codes, s.format, scale))
      EXPECT_TRUE(std::isfinite(v));
    // Every rule: never a NaN scale, never a NaN/Inf code.
    for (ScaleRule r : AllRules) {
      auto [scale2, codes2] = quantize(in, s.format, r);
      EXPECT_NE(scale2, 0xFF) << ruleName(r);
      for (uint8_t code : codes2)
        EXPECT_TRUE(std::isfinite(decodeElement(code, s.format)))
            << ruleName(r) << " " << int(code);
    }
  }
}

TEST(MxReferenceWorked, FltMaxUnderCeilDequantizesToInf) {
  // A documented hazard of the CEIL-family rules: FLT_MAX gets se =
  // 128 - emax (E4M3: 120, byte 0xF7), y = (1 - 2^-24) * 2^8 rounds to 256
  // (0 1111 000 = 0x78), and 256 * 2^120 = 2^128 overflows FP32 to +Inf.
  // INT8 is clamped to se = 127 instead and stays finite.
  for (ScaleRule r : {ScaleRule::Ceil, ScaleRule::RCeil, ScaleRule::Even}) {
    SCOPED_TRACE(ruleName(r));
    auto [scale, codes] = quantize({FLT_MAX, -FLT_MAX}, Format::E4M3, r);
    EXPECT_EQ(scale, 0xF7);
    EXPECT_EQ(codes[0], 0x78);
    EXPECT_EQ(codes[1], 0xF8);
    auto out = dequantize(codes, Format::E4M3, scale);
    EXPECT_EQ(out[0], std::numeric_limits<float>::infinity());
    EXPECT_EQ(out[1], -std::numeric_limits<float>::infinity());

    auto [scale8, codes8] = quantize({FLT_MAX}, Format::Int8, r);
    EXPECT_EQ(scale8, 0xFE);
    EXPECT_EQ(codes8[0], 0x7F);
    EXPECT_TRUE(std::isfinite(dequantize(codes8, Format::Int8, scale8)[0]));
  }
}

//===----------------------------------------------------------------------===//
// Edge blocks
//===----------------------------------------------------------------------===//

TEST(MxReferenceEdge, AllPositiveZero) {
  for (const Spec &s : Specs) {
    for (ScaleRule r : AllRules) {
      auto [scale, codes] = quantize(std::vector<float>(32, 0.0f), s.format, r);
      EXPECT_EQ(scale, 0x00) << s.name << " " << ruleName(r);
      EXPECT_EQ(codes, std::vector<uint8_t>(32, 0)) << s.name;
      for (float v : dequantize(codes, s.format, scale))
        EXPECT_TRUE(sameFloat(v, 0.0f));
    }
  }
}

TEST(MxReferenceEdge, MixedSignedZero) {
  for (const Spec &s : Specs) {
    SCOPED_TRACE(s.name);
    auto [scale, codes] = quantize({0.0f, -0.0f, -0.0f, 0.0f}, s.format);
    EXPECT_EQ(scale, 0x00);
    std::vector<uint8_t> expected = {0, s.signMask, s.signMask, 0};
    EXPECT_EQ(codes, expected);
    auto out = dequantize(codes, s.format, scale);
    bool int8 = s.format == Format::Int8; // INT8 has no -0
    EXPECT_TRUE(sameFloat(out[0], 0.0f));
    EXPECT_TRUE(sameFloat(out[1], int8 ? 0.0f : -0.0f));
  }
}

// Block {2^-128, -3 * 2^-131, 2^-149, 0x007FFFFF} is all FP32 subnormals:
// amax has exponent field 0, so se = -127 and y = v * 2^127:
//   0.5, -0.1875, 2^-22, 2 - 2^-22.
//   E4M3: 0.5 = 0 0110 000, -0.1875 = -1.5*2^-3 = 1 0100 100, 2^-22 -> 0,
//         1.99999976 -> 2 = 0 1000 000.
//   E5M2: 0 01110 00, 1 01100 10, 0, 0 10000 00.
//   E2M3 (subnormal step 1/8): 0.5 = 0 00 100; 0.1875 = 1.5 steps, tie ->
//         even 2 steps = 1 00 010; 0; 2 = 0 10 000.
//   E3M2 (subnormal step 1/16): 0.5 = 0 010 00; 0.1875 = 3 steps = 1 000 11;
//         0; 2 = 0 100 00.
//   E2M1: 0.5 = 0 00 1; 0.1875 < 0.25 -> -0 = 1 00 0; 0; 2 = 0 10 0.
//   INT8: 32, -12, 0, 127.99998 -> 128 -> 127.
struct SubnormalCase {
  Format f;
  std::vector<uint8_t> codes;
};

const std::vector<float> SubnormalBlock = {
    floatOf(0x00200000u), floatOf(0x800C0000u), floatOf(0x00000001u),
    floatOf(0x007FFFFFu)};

TEST(MxReferenceEdge, Fp32SubnormalsUnflushed) {
  ASSERT_EQ(SubnormalBlock[0], std::ldexp(1.0f, -128));
  ASSERT_EQ(SubnormalBlock[1], -3.0f * std::ldexp(1.0f, -131));
  const SubnormalCase cases[] = {
      {Format::E4M3, {0x30, 0xA4, 0x00, 0x40}},
      {Format::E5M2, {0x38, 0xB2, 0x00, 0x40}},
      {Format::E2M3, {0x04, 0x22, 0x00, 0x10}},
      {Format::E3M2, {0x08, 0x23, 0x00, 0x10}},
      {Format::E2M1, {0x1, 0x8, 0x0, 0x4}},
      {Format::Int8, {0x20, 0xF4, 0x00, 0x7F}},
  };
  for (const SubnormalCase &c : cases) {
    SCOPED_TRACE(getFormatInfo(c.f).name);
    auto [scale, codes] = quantize(SubnormalBlock, c.f);
    EXPECT_EQ(scale, 0x00);
    EXPECT_EQ(codes, c.codes);
    // 0.5 * 2^-127 = 2^-128 comes back exactly.
    auto out = dequantize(codes, c.f, scale);
    EXPECT_EQ(out[0], SubnormalBlock[0]);
  }
}

TEST(MxReferenceEdge, Fp32SubnormalsFlushed) {
  for (const Spec &s : Specs) {
    SCOPED_TRACE(s.name);
    for (ScaleRule r : AllRules) {
      auto [scale, codes] = quantize(SubnormalBlock, s.format, r, true);
      EXPECT_EQ(scale, 0x00);
      std::vector<uint8_t> expected = {0, s.signMask, 0, 0};
      EXPECT_EQ(codes, expected);
    }
    // Flushing only touches subnormals: 1.0 and 2^-126 (min normal) stay.
    auto [scale, codes] =
        quantize({1.0f, floatOf(0x00800000u), floatOf(0x00400000u)}, s.format,
                 ScaleRule::Floor, true);
    auto [scale2, codes2] =
        quantize({1.0f, floatOf(0x00800000u), 0.0f}, s.format);
    EXPECT_EQ(scale, scale2);
    EXPECT_EQ(codes, codes2);
  }
}

TEST(MxReferenceEdge, InfAndNaNBlocks) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<std::vector<float>> blocks = {
      {1.0f, inf, 2.0f},
      {-inf, 0.0f},
      {1.0f, std::numeric_limits<float>::quiet_NaN(), 3.0f},
      {floatOf(0xFFC00001u), 0.0f},       // negative NaN with payload
      {0.0f, 0.0f, floatOf(0x7F800001u)}, // signalling NaN pattern
      {FLT_MAX, inf, -FLT_MAX},
  };
  for (const Spec &s : Specs) {
    for (ScaleRule r : AllRules) {
      for (const auto &block : blocks) {
        auto [scale, codes] = quantize(block, s.format, r);
        EXPECT_EQ(scale, 0xFF) << s.name;
        EXPECT_EQ(codes, std::vector<uint8_t>(block.size(), 0)) << s.name;
        for (float v : dequantize(codes, s.format, scale))
          EXPECT_TRUE(std::isnan(v)) << s.name;
        // Flushing does not hide specials.
        EXPECT_EQ(quantize(block, s.format, r, true).first, 0xFF);
      }
    }
  }
}

TEST(MxReferenceEdge, HugeAndTinyMix) {
  // {2^100, 2^-100, -2^-100, 1.5 * 2^99}: se = 100 - emax, so the entries
  // become 2^emax, ~0, -0 and 1.5 * 2^(emax - 1).
  //   E4M3: 256 = 0 1111 000, 192 = 0 1110 100
  //   E5M2: 2^15 = 0 11110 00, 1.5*2^14 = 0 11101 10
  //   E2M3: 4 = 0 11 000, 3 = 0 10 100
  //   E3M2: 16 = 0 111 00, 12 = 0 110 10
  //   E2M1: 4 = 0 11 0, 3 = 0 10 1
  //   INT8: 1 = 64, 0.75 = 48 (no -0)
  struct Case {
    Format f;
    uint8_t scale;
    std::vector<uint8_t> codes;
  } cases[] = {
      {Format::E4M3, 127 + 92, {0x78, 0x00, 0x80, 0x74}},
      {Format::E5M2, 127 + 85, {0x78, 0x00, 0x80, 0x76}},
      {Format::E2M3, 127 + 98, {0x18, 0x00, 0x20, 0x14}},
      {Format::E3M2, 127 + 96, {0x1C, 0x00, 0x20, 0x1A}},
      {Format::E2M1, 127 + 98, {0x6, 0x0, 0x8, 0x5}},
      {Format::Int8, 127 + 100, {0x40, 0x00, 0x00, 0x30}},
  };
  std::vector<float> in = {std::ldexp(1.0f, 100), std::ldexp(1.0f, -100),
                           -std::ldexp(1.0f, -100),
                           1.5f * std::ldexp(1.0f, 99)};
  for (const Case &c : cases) {
    SCOPED_TRACE(getFormatInfo(c.f).name);
    auto [scale, codes] = quantize(in, c.f);
    EXPECT_EQ(scale, c.scale);
    EXPECT_EQ(codes, c.codes);
    auto out = dequantize(codes, c.f, scale);
    EXPECT_EQ(out[0], in[0]);
    EXPECT_EQ(out[3], in[3]);
    EXPECT_EQ(out[1], 0.0f);
  }
}

//===----------------------------------------------------------------------===//
// Scale rules
//===----------------------------------------------------------------------===//

// Scale bytes (se + 127) worked by hand. FLOOR: floor(log2 amax) - emax.
// CEIL: ceil(log2 amax) - emax. RCEIL: ceil(log2(amax / maxNormal)). EVEN:
// round amax's significand to mbits bits (RNE), then FLOOR.
struct RuleCase {
  Format f;
  float amax;
  uint8_t floorByte, ceilByte, rceilByte, evenByte;
  const char *why;
};

const RuleCase RuleCases[] = {
    {Format::E4M3, 448.0f, 0x7F, 0x80, 0x7F, 0x7F,
     "448 = 1.75*2^8: floor 8-8=0; mantissa != 0 -> ceil 1; 448/448 = 1 -> "
     "rceil 0; 1.75 has 3 bits -> even 0"},
    {Format::E4M3, 480.0f, 0x7F, 0x80, 0x80, 0x7F,
     "480 = 1.875*2^8: 480/448 > 1 -> rceil 1; 1.875 = 1.111b fits 3 bits"},
    {Format::E4M3, 496.0f, 0x7F, 0x80, 0x80, 0x80,
     "496 = 1.1111b*2^8: at 3 bits a tie with odd 111 rounds up to 2*2^8"},
    {Format::E4M3, 256.0f, 0x7F, 0x7F, 0x7F, 0x7F,
     "256 = 2^8: power of two, ceil = floor; 256/448 -> ceil(-0.807) = 0"},
    {Format::E4M3, 1.0f, 0x77, 0x77, 0x77, 0x77,
     "1 = 2^0: -8 for all; 1/448 -> ceil(-8.807) = -8"},
    {Format::E4M3, 0.875f, 0x76, 0x77, 0x76, 0x76,
     "0.875 = 1.75*2^-1: floor -9, ceil -8, 0.875/448 = 2^-9 exactly"},
    {Format::E4M3, -448.0f, 0x7F, 0x80, 0x7F, 0x7F, "sign of amax ignored"},
    {Format::E5M2, 57344.0f, 0x7F, 0x80, 0x7F, 0x7F,
     "57344 = 1.75*2^15: as E4M3 448"},
    {Format::E5M2, 61440.0f, 0x7F, 0x80, 0x80, 0x80,
     "61440 = 1.111b*2^15: 2-bit tie with odd 11 rounds up"},
    {Format::E5M2, 53248.0f, 0x7F, 0x80, 0x7F, 0x7F,
     "53248 = 1.101b*2^15: 2-bit tie with even 10 stays; 53248/57344 < 1"},
    {Format::E2M3, 7.5f, 0x7F, 0x80, 0x7F, 0x7F, "7.5 = 1.875*2^2"},
    {Format::E2M3, 7.75f, 0x7F, 0x80, 0x80, 0x80,
     "7.75 = 1.1111b*2^2: 3-bit tie, odd, up"},
    {Format::E3M2, 28.0f, 0x7F, 0x80, 0x7F, 0x7F, "28 = 1.75*2^4"},
    {Format::E3M2, 30.0f, 0x7F, 0x80, 0x80, 0x80,
     "30 = 1.111b*2^4: 2-bit tie, odd, up"},
    {Format::E2M1, 7.0f, 0x7F, 0x80, 0x80, 0x80,
     "7 = 1.11b*2^2: 1-bit tie with odd 1 rounds up to 2^3; 7/6 > 1"},
    {Format::E2M1, 6.0f, 0x7F, 0x80, 0x7F, 0x7F, "6 = 1.1b*2^2 fits 1 bit"},
    {Format::E2M1, 5.0f, 0x7F, 0x80, 0x7F, 0x7F,
     "5 = 1.01b*2^2: 1-bit tie with even 0 stays; 5/6 < 1"},
    {Format::E2M1, 4.0f, 0x7F, 0x7F, 0x7F, 0x7F, "4 = 2^2; 4/6 -> 0"},
    {Format::Int8, 1.0f, 0x7F, 0x7F, 0x7F, 0x7F,
     "1: emax 0; 64/127 -> ceil(-0.988) = 0"},
    {Format::Int8, 1.5f, 0x7F, 0x80, 0x7F, 0x7F,
     "1.5: ceil 1; 96/127 < 1; 1.1b fits 6 bits"},
    {Format::Int8, 1.9921875f, 0x7F, 0x80, 0x80, 0x80,
     "255/128 = 1.1111111b: > 127/64; 6-bit tie, odd, up to 2"},
    {Format::Int8, 1.984375f, 0x7F, 0x80, 0x7F, 0x7F,
     "127/64 = maxNormal: rceil 0; 1.111111b fits 6 bits"},
    {Format::Int8, 0.5f, 0x7E, 0x7E, 0x7E, 0x7E,
     "0.5: -1; 0.5/1.984 = 0.252 -> ceil(-1.988) = -1"},
    {Format::E4M3, 0.0f, 0x00, 0x00, 0x00, 0x00, "zero -> se = -127"},
    {Format::E2M1, -0.0f, 0x00, 0x00, 0x00, 0x00, "-0 -> se = -127"},
    {Format::E4M3, FLT_MAX, 0xF6, 0xF7, 0xF7, 0xF7,
     "FLT_MAX = (2-2^-23)*2^127: floor 119, ceil 120; /448 = 1.14*2^119 -> "
     "120; 3-bit rounding carries to 2^128 -> 120"},
    {Format::E5M2, FLT_MAX, 0xEF, 0xF0, 0xF0, 0xF0, "floor 112, others 113"},
    {Format::Int8, FLT_MAX, 0xFE, 0xFE, 0xFE, 0xFE,
     "floor 127; the others give 128, clamped to 127"},
};

TEST(MxReferenceScale, HandWorkedRuleCases) {
  for (const RuleCase &c : RuleCases) {
    SCOPED_TRACE(std::string(getFormatInfo(c.f).name) + ": " + c.why);
    EXPECT_EQ(computeScale(c.amax, c.f, ScaleRule::Floor), c.floorByte);
    EXPECT_EQ(computeScale(c.amax, c.f, ScaleRule::Ceil), c.ceilByte);
    EXPECT_EQ(computeScale(c.amax, c.f, ScaleRule::RCeil), c.rceilByte);
    EXPECT_EQ(computeScale(c.amax, c.f, ScaleRule::Even), c.evenByte);
    // quantizeBlock uses the same scale (amax from a block).
    EXPECT_EQ(quantize({c.amax / 2, -c.amax, 0.0f}, c.f, ScaleRule::Ceil).first,
              c.ceilByte);
    EXPECT_EQ(quantize({c.amax / 4, c.amax}, c.f, ScaleRule::RCeil).first,
              c.rceilByte);
  }
}

TEST(MxReferenceScale, SubnormalAmax) {
  // INT8 (emax 0), so the exponent is not always clamped away:
  //   0x00600000 = 1.5*2^-127: floor (E = 0) -> 0x00; ceil(log2) = -126 ->
  //     0x01; 1.5/1.984*2^-127 -> ceil = -127 -> 0x00; even: mantissa field
  //     0x600000 has no bits below bit 17 -> unchanged, E = 0 -> 0x00.
  //   0x007FFFFF = (1-2^-23)*2^-126: ceil -126 -> 0x01; rceil: 0.504*2^-126
  //     -> -126 -> 0x01; even: rounding carries into E = 1 -> -126 -> 0x01.
  //   0x00400000 = 2^-127: a power of two; ceil = -127; rceil
  //     -127.99 -> -127; all 0x00.
  //   0x00000001 = 2^-149: ceil -149 clamps to -127.
  struct Case {
    uint32_t bits;
    uint8_t floorByte, ceilByte, rceilByte, evenByte;
  } cases[] = {{0x00600000u, 0x00, 0x01, 0x00, 0x00},
               {0x007FFFFFu, 0x00, 0x01, 0x01, 0x01},
               {0x00400000u, 0x00, 0x00, 0x00, 0x00},
               {0x00000001u, 0x00, 0x00, 0x00, 0x00}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.bits);
    float a = floatOf(c.bits);
    EXPECT_EQ(computeScale(a, Format::Int8, ScaleRule::Floor), c.floorByte);
    EXPECT_EQ(computeScale(a, Format::Int8, ScaleRule::Ceil), c.ceilByte);
    EXPECT_EQ(computeScale(a, Format::Int8, ScaleRule::RCeil), c.rceilByte);
    EXPECT_EQ(computeScale(a, Format::Int8, ScaleRule::Even), c.evenByte);
  }
  // Formats with emax >= 1 always clamp a subnormal amax to 0x00.
  for (const Spec &s : Specs) {
    if (s.emax == 0)
      continue;
    for (ScaleRule r : AllRules)
      for (uint32_t bits : {0x00000001u, 0x00400000u, 0x007FFFFFu})
        EXPECT_EQ(computeScale(floatOf(bits), s.format, r), 0x00)
            << s.name << " " << ruleName(r) << " " << bits;
  }
  // Min normal 2^-126 with E2M1: -126 - 2 = -128 clamps to -127.
  EXPECT_EQ(computeScale(floatOf(0x00800000u), Format::E2M1, ScaleRule::Floor),
            0x00);
  // A subnormal INT8 block under CEIL: 1.5*2^-127 / 2^-126 = 0.75 -> k = 48.
  auto [scale, codes] =
      quantize({floatOf(0x00600000u)}, Format::Int8, ScaleRule::Ceil);
  EXPECT_EQ(scale, 0x01);
  EXPECT_EQ(codes[0], 48);
}

TEST(MxReferenceScale, SpecialsGiveNaNScale) {
  for (const Spec &s : Specs)
    for (ScaleRule r : AllRules)
      for (uint32_t bits :
           {0x7F800000u, 0xFF800000u, 0x7FC00000u, 0x7F800001u, 0xFFFFFFFFu})
        EXPECT_EQ(computeScale(floatOf(bits), s.format, r), 0xFF)
            << s.name << " " << ruleName(r) << " " << bits;
}

TEST(MxReferenceScale, EvenRuleAvoidsE2M1Overflow) {
  // Under EVEN, amax 7 gets se = 1: 7/2 = 3.5 is a tie 3|4 -> 4 (code 6),
  // and 6/2 = 3 (code 5). Under FLOOR 7 saturates to 6.
  auto [scale, codes] = quantize({7.0f, 6.0f}, Format::E2M1, ScaleRule::Even);
  EXPECT_EQ(scale, 0x80);
  EXPECT_EQ(codes[0], 0x6);
  EXPECT_EQ(codes[1], 0x5);
  auto out = dequantize(codes, Format::E2M1, scale);
  EXPECT_EQ(out[0], 8.0f);
  EXPECT_EQ(out[1], 6.0f);
}

//===----------------------------------------------------------------------===//
// Random blocks against an independent model
//===----------------------------------------------------------------------===//

/// Independent shared exponent for a finite, positive or zero amax, using
/// double arithmetic (ilogb, nearbyint) instead of FP32 bit fields. For EVEN
/// only normal FP32 amax is modelled.
int modelSharedExponent(double amax, const Spec &s, ScaleRule r) {
  if (amax == 0)
    return -127;
  int e = std::ilogb(amax);
  bool powerOfTwo = amax == std::ldexp(1.0, e);
  int se = 0;
  switch (r) {
  case ScaleRule::Floor:
    se = std::max(e, -127) - s.emax; // FP32 subnormals have exponent field 0
    break;
  case ScaleRule::Ceil:
    se = e + (powerOfTwo ? 0 : 1) - s.emax;
    break;
  case ScaleRule::RCeil: {
    // Smallest t with maxNormal * 2^t >= amax.
    int t = e - s.emax - 1;
    while (std::ldexp(s.maxNormal, t) < amax)
      ++t;
    se = t;
    break;
  }
  case ScaleRule::Even: {
    double significand = std::ldexp(amax, -e); // [1, 2)
    double rounded = std::nearbyint(std::ldexp(significand, s.mantissaBits));
    se = e + (rounded == std::ldexp(2.0, s.mantissaBits) ? 1 : 0) - s.emax;
    break;
  }
  }
  return std::min(127, std::max(-127, se));
}

TEST(MxReferenceQuantize, RandomBlocksMatchIndependentModel) {
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (const Spec &s : Specs) {
    for (ScaleRule r : AllRules) {
      for (int trial = 0; trial < 300; ++trial) {
        std::vector<float> block(32);
        int kind = trial % 5;
        double sigma = std::ldexp(1.0, static_cast<int>(unit(rng) * 80) - 40);
        for (float &v : block) {
          double x;
          switch (kind) {
          case 0: // Gaussian
            x = sigma * gauss(rng);
            break;
          case 1: // log-wide: +-2^U(-20, 20)
            x = std::pow(2.0, -20 + 40 * unit(rng)) * ((rng() & 1) ? -1 : 1);
            break;
          case 2: // powers of two and signed zeros
            x = (rng() % 5 == 0)
                    ? 0.0
                    : std::ldexp(1.0, static_cast<int>(rng() % 41) - 20);
            if (rng() & 1)
              x = -x;
            break;
          case 3: // just below a power of two
            x = static_cast<double>(
                floatOf(0x42FFFFFFu - static_cast<uint32_t>(rng() % 8)));
            x = std::ldexp(x, static_cast<int>(rng() % 21) - 10) *
                ((rng() & 1) ? -1 : 1);
            break;
          default: // grid midpoints at X = 1 plus noise
            x = sigma * std::nearbyint(gauss(rng) * 16) / 16;
            break;
          }
          v = static_cast<float>(x);
        }
        double amax = 0;
        for (float v : block)
          amax = std::max(amax, std::fabs(static_cast<double>(v)));
        auto [scale, codes] = quantize(block, s.format, r);
        int se = modelSharedExponent(amax, s, r);
        ASSERT_EQ(scale, se + 127) << s.name << " " << ruleName(r) << " amax "
                                   << amax << " kind " << kind;
        for (size_t i = 0; i < block.size(); ++i) {
          double y = std::ldexp(static_cast<double>(block[i]), -se);
          ASSERT_EQ(codes[i], bruteForceEncode(y, s))
              << s.name << " " << ruleName(r) << " y " << y;
        }
        auto out = dequantize(codes, s.format, scale);
        for (size_t i = 0; i < block.size(); ++i) {
          Exact x = specDecode(codes[i], s);
          ASSERT_EQ(static_cast<double>(out[i]), std::ldexp(x.value(), se));
        }
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Packing
//===----------------------------------------------------------------------===//

TEST(MxReferencePack, PackedBytes) {
  EXPECT_EQ(packedBytes(32, Format::E4M3), 32u);
  EXPECT_EQ(packedBytes(32, Format::E5M2), 32u);
  EXPECT_EQ(packedBytes(32, Format::Int8), 32u);
  EXPECT_EQ(packedBytes(32, Format::E2M3), 24u);
  EXPECT_EQ(packedBytes(32, Format::E3M2), 24u);
  EXPECT_EQ(packedBytes(32, Format::E2M1), 16u);
  EXPECT_EQ(packedBytes(4, Format::E3M2), 3u);
  EXPECT_EQ(packedBytes(2, Format::E2M1), 1u);
  EXPECT_EQ(packedBytes(0, Format::E2M1), 0u);
  EXPECT_EQ(packedBytes(7, Format::E4M3), 7u);
}

TEST(MxReferencePack, Fp4NibbleOrder) {
  // Even index in the low nibble, odd index in the high nibble.
  const uint8_t codes[] = {0x1, 0x2, 0xF, 0x0, 0x0, 0xF, 0x13, 0x8};
  uint8_t bytes[4];
  packCodes(codes, 8, Format::E2M1, bytes);
  EXPECT_EQ(bytes[0], 0x21);
  EXPECT_EQ(bytes[1], 0x0F);
  EXPECT_EQ(bytes[2], 0xF0);
  EXPECT_EQ(bytes[3], 0x83); // bits above the nibble are ignored
  uint8_t back[8];
  unpackCodes(bytes, 8, Format::E2M1, back);
  const uint8_t expected[] = {0x1, 0x2, 0xF, 0x0, 0x0, 0xF, 0x3, 0x8};
  EXPECT_TRUE(std::equal(back, back + 8, expected));
}

TEST(MxReferencePack, Fp6BitOrder) {
  // Group {1, 2, 3, 4}: w = 1 | 2<<6 | 3<<12 | 4<<18 = 0x103081, stored as
  // the little-endian bytes 0x81 0x30 0x10.
  // Group {5, 6, 7, 8}: w = 5 | 6<<6 | 7<<12 | 8<<18 = 0x207185.
  const uint8_t codes[] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint8_t bytes[6];
  packCodes(codes, 8, Format::E3M2, bytes);
  const uint8_t expected[] = {0x81, 0x30, 0x10, 0x85, 0x71, 0x20};
  EXPECT_TRUE(std::equal(bytes, bytes + 6, expected));
  // One all-ones code in each slot: bits [6j, 6j + 6) of w.
  const uint8_t slotBytes[4][3] = {{0x3F, 0x00, 0x00},  // w = 0x00003F
                                   {0xC0, 0x0F, 0x00},  // w = 0x000FC0
                                   {0x00, 0xF0, 0x03},  // w = 0x03F000
                                   {0x00, 0x00, 0xFC}}; // w = 0xFC0000
  for (unsigned j = 0; j < 4; ++j) {
    uint8_t one[4] = {0, 0, 0, 0};
    one[j] = 0x3F;
    uint8_t out[3];
    packCodes(one, 4, Format::E2M3, out);
    EXPECT_TRUE(std::equal(out, out + 3, slotBytes[j])) << j;
    uint8_t back[4];
    unpackCodes(slotBytes[j], 4, Format::E2M3, back);
    EXPECT_TRUE(std::equal(back, back + 4, one)) << j;
  }
}

TEST(MxReferencePack, RandomRoundTrip) {
  std::mt19937 rng(7);
  for (const Spec &s : Specs) {
    SCOPED_TRACE(s.name);
    for (size_t n : {size_t(0), size_t(4), size_t(32), size_t(96)}) {
      std::vector<uint8_t> codes(n);
      for (uint8_t &c : codes)
        c = static_cast<uint8_t>(rng() & ((1u << s.bits) - 1));
      size_t numBytes = n * s.bits / 8;
      std::vector<uint8_t> bytes(numBytes + 4, 0xA5); // guard bytes
      packCodes(codes.data(), n, s.format, bytes.data());
      for (size_t i = numBytes; i < bytes.size(); ++i)
        EXPECT_EQ(bytes[i], 0xA5) << "wrote past the end";
      std::vector<uint8_t> back(n + 4, 0x5A);
      unpackCodes(bytes.data(), n, s.format, back.data());
      EXPECT_TRUE(std::equal(codes.begin(), codes.end(), back.begin()));
      for (size_t i = n; i < back.size(); ++i)
        EXPECT_EQ(back[i], 0x5A) << "wrote past the end";
      // 8-bit formats: identity.
      if (s.bits == 8) {
        EXPECT_TRUE(std::equal(codes.begin(), codes.end(), bytes.begin()));
      }
    }
  }
}

TEST(MxReferencePackDeathTest, CountMustFillWholeBytes) {
  EXPECT_DEATH(packedBytes(3, Format::E2M1), "packing group");
  EXPECT_DEATH(packedBytes(6, Format::E3M2), "packing group");
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

TEST(MxReferenceTensor, TwoBy64AlongAxis1Fp4) {
  // Logical 2x64, blocks of 32 along axis 1. Elements storage 2x32 bytes
  // (row r, byte c/2, low nibble for even c); scales storage 2x2 (row r,
  // block b at r*2 + b). Each block is pattern * 2^s(r, b); the pattern has
  // amax 6, so FLOOR picks se = s(r, b).
  const float pattern[8] = {6, -0.5f, 1, -1.5f, 2, 3, -4, 0};
  const uint8_t patternCodes[8] = {0x7, 0x9, 0x2, 0xB, 0x4, 0x5, 0xE, 0x0};
  const int s[2][2] = {{0, 3}, {-5, 10}};
  std::vector<float> in(2 * 64);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 64; ++c)
      in[r * 64 + c] = std::ldexp(pattern[(c + r) % 8], s[r][c / 32]);

  std::vector<int64_t> shape = {2, 64};
  ASSERT_EQ(tensorElementBytes(shape, 1, Format::E2M1), 64u);
  ASSERT_EQ(tensorScaleBytes(shape, 1, 32), 4u);
  std::vector<uint8_t> elements(64, 0xEE), scales(4, 0xEE);
  quantizeTensor(in.data(), shape, 1, 32, Format::E2M1, ScaleRule::Floor, false,
                 elements.data(), scales.data());

  for (int r = 0; r < 2; ++r)
    for (int b = 0; b < 2; ++b)
      EXPECT_EQ(scales[r * 2 + b], 127 + s[r][b]) << r << " " << b;
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 64; ++c) {
      uint8_t byte = elements[r * 32 + c / 2];
      uint8_t code = (c % 2) ? byte >> 4 : byte & 0xF;
      EXPECT_EQ(code, patternCodes[(c + r) % 8]) << r << " " << c;
    }
  }
  // Explicit bytes: row 0 starts with codes 0x7, 0x9 -> 0x97; row 1 with
  // 0x9, 0x2 -> 0x29.
  EXPECT_EQ(elements[0], 0x97);
  EXPECT_EQ(elements[32], 0x29);

  std::vector<float> out(2 * 64);
  dequantizeTensor(elements.data(), scales.data(), shape, 1, 32, Format::E2M1,
                   out.data());
  for (size_t i = 0; i < in.size(); ++i)
    EXPECT_TRUE(sameFloat(out[i], in[i])) << i;
}

TEST(MxReferenceTensor, SixtyFourBy3AlongAxis0Fp6) {
  // Logical 64x3 (in[k*3 + j]), blocks of 32 along axis 0. Elements storage
  // 48x3 bytes: packed byte p of column j at p*3 + j; FP6 group g = k/4 uses
  // bytes 3g, 3g+1, 3g+2 of its column. Scales storage 2x3: block b of
  // column j at b*3 + j.
  // E3M2 pattern codes: 28 = 0 111 11, -0.25 = 1 001 00, 1 = 0 011 00,
  // -3 = 1 100 10, 0.0625 = 0 000 01, 12 = 0 110 10, -0 = 1 000 00,
  // 5 = 0 101 01.
  const float pattern[8] = {28, -0.25f, 1, -3, 0.0625f, 12, -0.0f, 5};
  const uint8_t patternCodes[8] = {0x1F, 0x24, 0x0C, 0x32,
                                   0x01, 0x1A, 0x20, 0x15};
  const int s[2][3] = {{0, -3, 7}, {2, -120, 100}};
  std::vector<float> in(64 * 3);
  for (int k = 0; k < 64; ++k)
    for (int j = 0; j < 3; ++j)
      in[k * 3 + j] = std::ldexp(pattern[(k + j) % 8], s[k / 32][j]);

  std::vector<int64_t> shape = {64, 3};
  ASSERT_EQ(tensorElementBytes(shape, 0, Format::E3M2), 144u);
  ASSERT_EQ(tensorScaleBytes(shape, 0, 32), 6u);
  std::vector<uint8_t> elements(144, 0xEE), scales(6, 0xEE);
  quantizeTensor(in.data(), shape, 0, 32, Format::E3M2, ScaleRule::Floor, false,
                 elements.data(), scales.data());

  for (int b = 0; b < 2; ++b)
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(scales[b * 3 + j], 127 + s[b][j]) << b << " " << j;
  for (int k = 0; k < 64; ++k) {
    for (int j = 0; j < 3; ++j) {
      int g = k / 4, slot = k % 4;
      uint32_t w = elements[(3 * g) * 3 + j] |
                   elements[(3 * g + 1) * 3 + j] << 8 |
                   elements[(3 * g + 2) * 3 + j] << 16;
      EXPECT_EQ((w >> (6 * slot)) & 0x3F, patternCodes[(k + j) % 8])
          << k << " " << j;
    }
  }
  // Column 0, group 0 holds {0x1F, 0x24, 0x0C, 0x32}: w = 0x1F | 0x24<<6 |
  // 0x0C<<12 | 0x32<<18 = 0xC8C91F -> bytes 0x1F, 0xC9, 0xC8 at rows 0..2.
  EXPECT_EQ(elements[0 * 3 + 0], 0x1F);
  EXPECT_EQ(elements[1 * 3 + 0], 0xC9);
  EXPECT_EQ(elements[2 * 3 + 0], 0xC8);

  std::vector<float> out(64 * 3);
  dequantizeTensor(elements.data(), scales.data(), shape, 0, 32, Format::E3M2,
                   out.data());
  for (size_t i = 0; i < in.size(); ++i)
    EXPECT_TRUE(sameFloat(out[i], in[i])) << i;
}

TEST(MxReferenceTensor, ThreeDMiddleAxisMatchesBlocks) {
  // Shape 2x32x3 blocked along axis 1 by 16: every (o, j) line is
  // in[(o*32 + k)*3 + j]; scales 2x2x3 at (o*2 + b)*3 + j; elements 2x32x3.
  std::mt19937 rng(99);
  std::normal_distribution<float> gauss(0.0f, 3.0f);
  std::vector<int64_t> shape = {2, 32, 3};
  std::vector<float> in(2 * 32 * 3);
  for (float &v : in)
    v = gauss(rng);
  in[(1 * 32 + 20) * 3 + 2] = std::numeric_limits<float>::infinity();
  for (Format f : {Format::E4M3, Format::Int8, Format::E2M1, Format::E2M3}) {
    SCOPED_TRACE(getFormatInfo(f).name);
    size_t lineBytes = packedBytes(32, f);
    std::vector<uint8_t> elements(tensorElementBytes(shape, 1, f));
    std::vector<uint8_t> scales(tensorScaleBytes(shape, 1, 16));
    ASSERT_EQ(elements.size(), 2 * lineBytes * 3);
    ASSERT_EQ(scales.size(), 12u);
    quantizeTensor(in.data(), shape, 1, 16, f, ScaleRule::Floor, false,
                   elements.data(), scales.data());
    for (int o = 0; o < 2; ++o) {
      for (int j = 0; j < 3; ++j) {
        std::vector<float> line(32);
        for (int k = 0; k < 32; ++k)
          line[k] = in[(o * 32 + k) * 3 + j];
        std::vector<uint8_t> codes(32);
        for (int b = 0; b < 2; ++b) {
          uint8_t scale =
              quantizeBlock(line.data() + 16 * b, 16, f, ScaleRule::Floor,
                            false, codes.data() + 16 * b);
          EXPECT_EQ(scales[(o * 2 + b) * 3 + j], scale);
        }
        std::vector<uint8_t> packed(lineBytes);
        packCodes(codes.data(), 32, f, packed.data());
        for (size_t p = 0; p < lineBytes; ++p)
          EXPECT_EQ(elements[(o * lineBytes + p) * 3 + j], packed[p]);
      }
    }
    // The Inf sits in block 1 of line (o = 1, j = 2).
    EXPECT_EQ(scales[(1 * 2 + 1) * 3 + 2], 0xFF);
    std::vector<float> out(in.size());
    dequantizeTensor(elements.data(), scales.data(), shape, 1, 16, f,
                     out.data());
    for (int k = 0; k < 32; ++k) {
      float v = out[(1 * 32 + k) * 3 + 2];
      EXPECT_EQ(std::isnan(v), k >= 16) << k;
    }
  }
}

TEST(MxReferenceTensorDeathTest, RejectsBadBlocking) {
  std::vector<float> in(2 * 48);
  std::vector<uint8_t> elements(96), scales(8);
  EXPECT_DEATH(quantizeTensor(in.data(), {2, 48}, 1, 32, Format::E4M3,
                              ScaleRule::Floor, false, elements.data(),
                              scales.data()),
               "block size must divide");
  EXPECT_DEATH(quantizeTensor(in.data(), {2, 48}, 2, 16, Format::E4M3,
                              ScaleRule::Floor, false, elements.data(),
                              scales.data()),
               "axis out of range");
  EXPECT_DEATH(quantizeTensor(in.data(), {2, 48}, 1, 0, Format::E4M3,
                              ScaleRule::Floor, false, elements.data(),
                              scales.data()),
               "block size must be positive");
}

} // namespace
