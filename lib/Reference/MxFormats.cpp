//===- MxFormats.cpp - Scalar reference for OCP MX v1.0 ------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Implementation of the MX reference oracle. See MxFormats.h for the rules,
// the storage layout and the documented semantic choices.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/MxFormats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

using namespace mx::ref;

namespace {

[[noreturn]] void fatal(const char *msg) {
  std::fprintf(stderr, "mx::ref: %s\n", msg);
  std::fflush(stderr);
  std::abort();
}

void require(bool cond, const char *msg) {
  if (!cond)
    fatal(msg);
}

uint32_t floatBits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return bits;
}

float bitsToFloat(uint32_t bits) {
  float v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

// clang-format off
const FormatInfo FormatInfos[] = {
    // name, bits, emax, emin, mantissaBits, maxNormal
    {"e4m3", 8, 8, -6, 3, 448.0},
    {"e5m2", 8, 15, -14, 2, 57344.0},
    {"e2m3", 6, 2, 0, 3, 7.5},
    {"e3m2", 6, 4, -2, 2, 28.0},
    {"e2m1", 4, 2, 0, 1, 6.0},
    {"int8", 8, 0, 0, 6, 127.0 / 64.0},
};
// clang-format on

unsigned formatIndex(Format f) {
  unsigned idx = static_cast<unsigned>(f);
  require(idx < sizeof(FormatInfos) / sizeof(FormatInfos[0]),
          "invalid element format");
  return idx;
}

/// The finite non-negative values of a format in increasing order, with the
/// code of each. Built from decodeElement only, so the encoder does not depend
/// on any knowledge of the bit layout beyond "the non-negative codes".
struct ValueTable {
  std::vector<double> values;
  std::vector<uint8_t> codes;
};

ValueTable buildValueTable(Format f) {
  const FormatInfo &info = getFormatInfo(f);
  // Non-negative codes: sign bit clear. For INT8 these are 0..127.
  unsigned numCodes = 1u << (info.bits - 1);
  std::vector<std::pair<double, uint8_t>> entries;
  for (unsigned c = 0; c < numCodes; ++c) {
    double v = decodeElement(static_cast<uint8_t>(c), f);
    if (std::isnan(v) || std::isinf(v))
      continue;
    entries.emplace_back(v, static_cast<uint8_t>(c));
  }
  std::sort(entries.begin(), entries.end());
  ValueTable table;
  for (const auto &entry : entries) {
    require(entry.first >= 0.0, "negative value in a non-negative code");
    require(table.values.empty() || table.values.back() < entry.first,
            "duplicate value in an element format");
    table.values.push_back(entry.first);
    table.codes.push_back(entry.second);
  }
  require(!table.values.empty() && table.values.front() == 0.0 &&
              table.values.back() == info.maxNormal,
          "element value table does not span [0, maxNormal]");
  return table;
}

const ValueTable &getValueTable(Format f) {
  static const std::vector<ValueTable> tables = [] {
    std::vector<ValueTable> result;
    for (Format g : AllFormats)
      result.push_back(buildValueTable(g));
    return result;
  }();
  return tables[formatIndex(f)];
}

/// Exact ceil(log2(x)) for a positive finite FP32 bit pattern.
int ceilLog2Bits(uint32_t bits) {
  uint32_t exponent = bits >> 23;
  uint32_t mantissa = bits & 0x7FFFFF;
  if (exponent != 0)
    return static_cast<int>(exponent) - 127 + (mantissa != 0 ? 1 : 0);
  // Subnormal: value = mantissa * 2^-149.
  int highBit = 31;
  while (!(mantissa & (1u << highBit)))
    --highBit;
  int floorLog2 = highBit - 149;
  bool powerOfTwo = (mantissa & (mantissa - 1)) == 0;
  return floorLog2 + (powerOfTwo ? 0 : 1);
}

/// RNE of an FP32 bit pattern (sign clear, finite) to `mantissaBits` explicit
/// mantissa bits; the carry propagates into the exponent field.
uint32_t roundMantissaBits(uint32_t bits, unsigned mantissaBits) {
  unsigned shift = 23 - mantissaBits;
  uint32_t kept = bits >> shift;
  uint32_t rest = bits & ((1u << shift) - 1);
  uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (kept & 1)))
    ++kept;
  return kept << shift;
}

/// Round an exact double to float with RNE, overflow to +-Inf made explicit
/// (the threshold is the midpoint between FLT_MAX and 2^128, which rounds to
/// the odd-mantissa FLT_MAX's even neighbour 2^128, i.e. overflows).
float roundToFloat(double d) {
  if (std::isnan(d))
    return std::numeric_limits<float>::quiet_NaN();
  if (std::fabs(d) >= 0x1.ffffffp127)
    return d > 0 ? std::numeric_limits<float>::infinity()
                 : -std::numeric_limits<float>::infinity();
  return static_cast<float>(d);
}

struct TensorGeometry {
  size_t outer = 1;  // product of dims before axis
  size_t length = 0; // dim[axis]
  size_t inner = 1;  // product of dims after axis
};

TensorGeometry getGeometry(const std::vector<int64_t> &shape, int64_t axis) {
  require(axis >= 0 && static_cast<size_t>(axis) < shape.size(),
          "blocked axis out of range");
  TensorGeometry geom;
  for (size_t d = 0; d < shape.size(); ++d) {
    require(shape[d] >= 0, "negative dimension");
    size_t dim = static_cast<size_t>(shape[d]);
    if (d < static_cast<size_t>(axis))
      geom.outer *= dim;
    else if (d == static_cast<size_t>(axis))
      geom.length = dim;
    else
      geom.inner *= dim;
  }
  return geom;
}

void checkBlocking(const TensorGeometry &geom, int64_t blockSize, Format f) {
  require(blockSize > 0, "block size must be positive");
  require(geom.length % static_cast<size_t>(blockSize) == 0,
          "block size must divide the blocked dimension");
  require(geom.length % getPackingGroup(f) == 0,
          "blocked dimension must be a multiple of the packing group");
}

} // namespace

const FormatInfo &mx::ref::getFormatInfo(Format f) {
  return FormatInfos[formatIndex(f)];
}

size_t mx::ref::getPackingGroup(Format f) {
  switch (getFormatInfo(f).bits) {
  case 4:
    return 2;
  case 6:
    return 4;
  default:
    return 1;
  }
}

uint8_t mx::ref::getSignBit(Format f) {
  if (f == Format::Int8)
    return 0;
  return static_cast<uint8_t>(1u << (getFormatInfo(f).bits - 1));
}

bool mx::ref::isNaNCode(uint8_t code, Format f) {
  return std::isnan(decodeElement(code, f));
}

double mx::ref::decodeElement(uint8_t code, Format f) {
  const FormatInfo &info = getFormatInfo(f);
  if (f == Format::Int8)
    return static_cast<int8_t>(code) / 64.0;

  unsigned bits = code & ((1u << info.bits) - 1);
  unsigned exponentBits = info.bits - 1 - info.mantissaBits;
  unsigned sign = bits >> (info.bits - 1);
  unsigned exponent = (bits >> info.mantissaBits) & ((1u << exponentBits) - 1);
  unsigned mantissa = bits & ((1u << info.mantissaBits) - 1);
  unsigned exponentOnes = (1u << exponentBits) - 1;
  unsigned mantissaOnes = (1u << info.mantissaBits) - 1;
  const double nan = std::numeric_limits<double>::quiet_NaN();

  if (f == Format::E4M3 && exponent == exponentOnes && mantissa == mantissaOnes)
    return nan;
  if (f == Format::E5M2 && exponent == exponentOnes) {
    if (mantissa != 0)
      return nan;
    return sign ? -std::numeric_limits<double>::infinity()
                : std::numeric_limits<double>::infinity();
  }

  int bias = 1 - info.emin;
  int mbits = static_cast<int>(info.mantissaBits);
  double magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(static_cast<double>(mantissa), 1 - bias - mbits);
  else
    magnitude = std::ldexp(static_cast<double>((1u << mbits) + mantissa),
                           static_cast<int>(exponent) - bias - mbits);
  return sign ? -magnitude : magnitude;
}

uint8_t mx::ref::encodeElement(double y, Format f) {
  if (std::isnan(y))
    return (f == Format::E4M3 || f == Format::E5M2) ? 0x7F : 0x00;

  const ValueTable &table = getValueTable(f);
  const std::vector<double> &values = table.values;
  bool negative = std::signbit(y);
  double a = std::fabs(y);

  size_t index;
  if (a >= values.back()) {
    index = values.size() - 1; // saturate (also +-Inf)
  } else {
    // values[lo] <= a < values[hi].
    size_t hi = static_cast<size_t>(
        std::upper_bound(values.begin(), values.end(), a) - values.begin());
    size_t lo = hi - 1;
    // Adjacent values have few significant bits, so their sum and half are
    // exact and the comparison with the midpoint decides rounding exactly.
    double mid = (values[lo] + values[hi]) / 2;
    if (a < mid)
      index = lo;
    else if (a > mid)
      index = hi;
    else
      index = (table.codes[lo] & 1) == 0 ? lo : hi; // tie: even code
  }
  uint8_t magnitudeCode = table.codes[index];

  if (f == Format::Int8) {
    int k = negative ? -static_cast<int>(magnitudeCode) : magnitudeCode;
    return static_cast<uint8_t>(static_cast<int8_t>(k));
  }
  return negative ? static_cast<uint8_t>(magnitudeCode | getSignBit(f))
                  : magnitudeCode;
}

double mx::ref::decodeScale(uint8_t e8m0) {
  if (e8m0 == 0xFF)
    return std::numeric_limits<double>::quiet_NaN();
  return std::ldexp(1.0, static_cast<int>(e8m0) - 127);
}

uint8_t mx::ref::computeScale(float amax, Format f, ScaleRule r) {
  const FormatInfo &info = getFormatInfo(f);
  uint32_t bits = floatBits(amax) & 0x7FFFFFFFu;
  if (bits >= 0x7F800000u)
    return 0xFF;

  int se = -127;
  switch (r) {
  case ScaleRule::Floor:
    se = static_cast<int>(bits >> 23) - 127 - info.emax;
    break;
  case ScaleRule::Ceil:
    se = bits == 0 ? -127 : ceilLog2Bits(bits) - info.emax;
    break;
  case ScaleRule::Even: {
    uint32_t rounded = roundMantissaBits(bits, info.mantissaBits);
    se = static_cast<int>(rounded >> 23) - 127 - info.emax;
    break;
  }
  case ScaleRule::RCeil: {
    if (bits == 0) {
      se = -127;
      break;
    }
    // amax = fa * 2^ea and maxNormal = fm * 2^em with fa, fm in [0.5, 1), so
    // amax / maxNormal = (fa / fm) * 2^(ea - em) with fa / fm in (0.5, 2):
    // ceil(log2(.)) = ea - em + (fa > fm ? 1 : 0).
    int ea, em;
    double fa = std::frexp(static_cast<double>(bitsToFloat(bits)), &ea);
    double fm = std::frexp(info.maxNormal, &em);
    se = ea - em + (fa > fm ? 1 : 0);
    break;
  }
  }
  se = std::min(127, std::max(-127, se));
  return static_cast<uint8_t>(se + 127);
}

uint8_t mx::ref::quantizeBlock(const float *in, size_t n, Format f, ScaleRule r,
                               bool flushSubnormals, uint8_t *codes) {
  std::vector<float> values(in, in + n);
  if (flushSubnormals) {
    for (float &v : values) {
      uint32_t bits = floatBits(v);
      if ((bits & 0x7F800000u) == 0)
        v = bitsToFloat(bits & 0x80000000u);
    }
  }

  uint32_t amaxBits = 0;
  for (float v : values)
    amaxBits = std::max(amaxBits, floatBits(v) & 0x7FFFFFFFu);

  if (amaxBits >= 0x7F800000u) {
    std::fill(codes, codes + n, 0);
    return 0xFF;
  }

  uint8_t scale = computeScale(bitsToFloat(amaxBits), f, r);
  int se = static_cast<int>(scale) - 127;
  for (size_t i = 0; i < n; ++i) {
    // Exact: a float times a power of two in [2^-127, 2^127] fits a double.
    double y = std::ldexp(static_cast<double>(values[i]), -se);
    codes[i] = encodeElement(y, f);
  }
  return scale;
}

void mx::ref::dequantizeBlock(const uint8_t *codes, size_t n, Format f,
                              uint8_t scale, float *out) {
  if (scale == 0xFF) {
    std::fill(out, out + n, std::numeric_limits<float>::quiet_NaN());
    return;
  }
  int se = static_cast<int>(scale) - 127;
  for (size_t i = 0; i < n; ++i) {
    double value = decodeElement(codes[i], f);
    // Exact in double: at most 8 significant bits, exponent in [-143, 143].
    out[i] = roundToFloat(std::ldexp(value, se));
  }
}

size_t mx::ref::packedBytes(size_t n, Format f) {
  require(n % getPackingGroup(f) == 0,
          "element count must be a multiple of the packing group");
  return n * getFormatInfo(f).bits / 8;
}

void mx::ref::packCodes(const uint8_t *codes, size_t n, Format f,
                        uint8_t *bytes) {
  size_t numBytes = packedBytes(n, f);
  switch (getFormatInfo(f).bits) {
  case 8:
    std::copy(codes, codes + n, bytes);
    return;
  case 4:
    for (size_t b = 0; b < numBytes; ++b) {
      unsigned lo = codes[2 * b] & 0xF;
      unsigned hi = codes[2 * b + 1] & 0xF;
      bytes[b] = static_cast<uint8_t>(lo | (hi << 4));
    }
    return;
  case 6:
    for (size_t g = 0; g < n / 4; ++g) {
      uint32_t w = 0;
      for (unsigned j = 0; j < 4; ++j)
        w |= static_cast<uint32_t>(codes[4 * g + j] & 0x3F) << (6 * j);
      bytes[3 * g] = static_cast<uint8_t>(w & 0xFF);
      bytes[3 * g + 1] = static_cast<uint8_t>((w >> 8) & 0xFF);
      bytes[3 * g + 2] = static_cast<uint8_t>((w >> 16) & 0xFF);
    }
    return;
  default:
    fatal("unsupported element width");
  }
}

void mx::ref::unpackCodes(const uint8_t *bytes, size_t n, Format f,
                          uint8_t *codes) {
  size_t numBytes = packedBytes(n, f);
  switch (getFormatInfo(f).bits) {
  case 8:
    std::copy(bytes, bytes + n, codes);
    return;
  case 4:
    for (size_t b = 0; b < numBytes; ++b) {
      codes[2 * b] = bytes[b] & 0xF;
      codes[2 * b + 1] = bytes[b] >> 4;
    }
    return;
  case 6:
    for (size_t g = 0; g < n / 4; ++g) {
      uint32_t w = static_cast<uint32_t>(bytes[3 * g]) |
                   static_cast<uint32_t>(bytes[3 * g + 1]) << 8 |
                   static_cast<uint32_t>(bytes[3 * g + 2]) << 16;
      for (unsigned j = 0; j < 4; ++j)
        codes[4 * g + j] = static_cast<uint8_t>((w >> (6 * j)) & 0x3F);
    }
    return;
  default:
    fatal("unsupported element width");
  }
}

size_t mx::ref::tensorElementBytes(const std::vector<int64_t> &shape,
                                   int64_t axis, Format f) {
  TensorGeometry geom = getGeometry(shape, axis);
  return geom.outer * packedBytes(geom.length, f) * geom.inner;
}

size_t mx::ref::tensorScaleBytes(const std::vector<int64_t> &shape,
                                 int64_t axis, int64_t blockSize) {
  TensorGeometry geom = getGeometry(shape, axis);
  require(blockSize > 0, "block size must be positive");
  require(geom.length % static_cast<size_t>(blockSize) == 0,
          "block size must divide the blocked dimension");
  return geom.outer * (geom.length / static_cast<size_t>(blockSize)) *
         geom.inner;
}

void mx::ref::quantizeTensor(const float *in, const std::vector<int64_t> &shape,
                             int64_t axis, int64_t blockSize, Format f,
                             ScaleRule r, bool flushSubnormals,
                             uint8_t *elements, uint8_t *scales) {
  TensorGeometry geom = getGeometry(shape, axis);
  checkBlocking(geom, blockSize, f);
  size_t block = static_cast<size_t>(blockSize);
  size_t numBlocks = geom.length / block;
  size_t numPacked = packedBytes(geom.length, f);

  std::vector<float> line(geom.length);
  std::vector<uint8_t> codes(geom.length);
  std::vector<uint8_t> packed(numPacked);
  for (size_t o = 0; o < geom.outer; ++o) {
    for (size_t j = 0; j < geom.inner; ++j) {
      for (size_t k = 0; k < geom.length; ++k)
        line[k] = in[(o * geom.length + k) * geom.inner + j];
      for (size_t b = 0; b < numBlocks; ++b)
        scales[(o * numBlocks + b) * geom.inner + j] =
            quantizeBlock(line.data() + b * block, block, f, r, flushSubnormals,
                          codes.data() + b * block);
      packCodes(codes.data(), geom.length, f, packed.data());
      for (size_t p = 0; p < numPacked; ++p)
        elements[(o * numPacked + p) * geom.inner + j] = packed[p];
    }
  }
}

void mx::ref::dequantizeTensor(const uint8_t *elements, const uint8_t *scales,
                               const std::vector<int64_t> &shape, int64_t axis,
                               int64_t blockSize, Format f, float *out) {
  TensorGeometry geom = getGeometry(shape, axis);
  checkBlocking(geom, blockSize, f);
  size_t block = static_cast<size_t>(blockSize);
  size_t numBlocks = geom.length / block;
  size_t numPacked = packedBytes(geom.length, f);

  std::vector<uint8_t> packed(numPacked);
  std::vector<uint8_t> codes(geom.length);
  std::vector<float> line(geom.length);
  for (size_t o = 0; o < geom.outer; ++o) {
    for (size_t j = 0; j < geom.inner; ++j) {
      for (size_t p = 0; p < numPacked; ++p)
        packed[p] = elements[(o * numPacked + p) * geom.inner + j];
      unpackCodes(packed.data(), geom.length, f, codes.data());
      for (size_t b = 0; b < numBlocks; ++b)
        dequantizeBlock(codes.data() + b * block, block, f,
                        scales[(o * numBlocks + b) * geom.inner + j],
                        line.data() + b * block);
      for (size_t k = 0; k < geom.length; ++k)
        out[(o * geom.length + k) * geom.inner + j] = line[k];
    }
  }
}
