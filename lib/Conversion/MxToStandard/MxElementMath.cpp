//===- MxElementMath.cpp - arith emission of MX element math ------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// All formulas work on FP32 bit patterns with integer ops, so that vector
// lowerings get branch-free code and no libm call. The derivations are in
// the comments; the numbers (emax, emin, mantissa bits) come from
// getFormatInfo.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MxElementMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

#include <cassert>
#include <cmath>

using namespace mlir;
using namespace mlir::mx;

/// `like` with its element type replaced by `element` (scalar or vector).
static Type withElement(Type like, Type element) {
  if (auto vector = dyn_cast<VectorType>(like))
    return vector.clone(element);
  return element;
}

Value mx::emitSplat(OpBuilder &b, Location loc, Type like, int64_t value) {
  auto element = cast<IntegerType>(getElementTypeOrSelf(like));
  APInt bits(element.getWidth(), static_cast<uint64_t>(value),
             /*isSigned=*/true, /*implicitTrunc=*/true);
  if (auto vector = dyn_cast<VectorType>(like))
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(vector, bits));
  return arith::ConstantOp::create(b, loc, IntegerAttr::get(element, bits));
}

Value mx::emitSplatF32(OpBuilder &b, Location loc, Type like, float value) {
  Type f32 = b.getF32Type();
  APFloat apValue(value);
  if (auto vector = dyn_cast<VectorType>(like))
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vector.clone(f32), apValue));
  return arith::ConstantOp::create(b, loc, FloatAttr::get(f32, apValue));
}

namespace {
/// Small helper that keeps the formulas readable: every op takes and returns
/// values of one shape (`like`), scalar or vector.
struct Emitter {
  OpBuilder &b;
  Location loc;
  Type i32, f32, i8;

  Emitter(OpBuilder &b, Location loc, Type like)
      : b(b), loc(loc), i32(withElement(like, b.getI32Type())),
        f32(withElement(like, b.getF32Type())),
        i8(withElement(like, b.getI8Type())) {}

  Value c(int64_t v) { return emitSplat(b, loc, i32, v); }
  Value cf(float v) { return emitSplatF32(b, loc, f32, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value bitAnd(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value bitOr(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value shl(Value x, Value y) { return arith::ShLIOp::create(b, loc, x, y); }
  Value shru(Value x, Value y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Value shrs(Value x, Value y) { return arith::ShRSIOp::create(b, loc, x, y); }
  Value maxs(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value mins(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value minu(Value x, Value y) { return arith::MinUIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  /// 1 where `cond` holds, else 0, as i32.
  Value asInt(Value cond) { return arith::ExtUIOp::create(b, loc, i32, cond); }
  Value mulf(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value toBits(Value x) { return arith::BitcastOp::create(b, loc, i32, x); }
  Value toFloat(Value x) { return arith::BitcastOp::create(b, loc, f32, x); }
  /// 2^e as f32 for i32-like e in [-126, 127].
  Value pow2(Value e) { return toFloat(shl(add(e, c(127)), c(23))); }
  /// 2^n as two normal factors, for i32-like n in [-127, 128].
  Pow2Factors pow2Factors(Value n) {
    Value half = shrs(n, c(1));
    return {pow2(half), pow2(sub(n, half))};
  }
  Value scale(Value x, Pow2Factors factors) {
    Value product = mulf(x, factors.low);
    return factors.high ? mulf(product, factors.high) : product;
  }
};
} // namespace

Value mx::emitMagnitudeBits(OpBuilder &b, Location loc, Value x) {
  Emitter e(b, loc, x.getType());
  return e.bitAnd(e.toBits(x), e.c(0x7FFFFFFF));
}

Value mx::emitFlushSubnormalBits(OpBuilder &b, Location loc,
                                 Value magnitudeBits) {
  Emitter e(b, loc, magnitudeBits.getType());
  Value subnormal =
      e.cmp(arith::CmpIPredicate::ult, magnitudeBits, e.c(0x00800000));
  return e.select(subnormal, e.c(0), magnitudeBits);
}

Value mx::emitSharedExponent(OpBuilder &b, Location loc, Value amaxBits,
                             Format format, ScaleRule rule) {
  const FormatInfo &info = getFormatInfo(format);
  Emitter e(b, loc, amaxBits.getType());
  if (rule == ScaleRule::even) {
    // EVEN is FLOOR of amax rounded (RNE) to the element's mantissa width,
    // rounding the FP32 bit pattern itself: a carry moves the exponent.
    int64_t dropped = 23 - info.mantissaBits;
    Value lsb = e.bitAnd(e.shru(amaxBits, e.c(dropped)), e.c(1));
    amaxBits =
        e.add(amaxBits, e.add(e.c((int64_t(1) << (dropped - 1)) - 1), lsb));
  }
  // amax = 1.f * 2^t with a 23-bit normalized fraction f. For an FP32
  // subnormal the leading one is at bit p = 31 - clz, so t = p - 149 and the
  // fraction is amax shifted up until that one reaches bit 23. Zero gives
  // t = -150, which every rule clamps to -127.
  Value biased = e.shru(amaxBits, e.c(23));
  Value isSubnormal = e.cmp(arith::CmpIPredicate::eq, biased, e.c(0));
  Value clz = math::CountLeadingZerosOp::create(b, loc, amaxBits);
  Value t =
      e.select(isSubnormal, e.sub(e.c(31 - 149), clz), e.sub(biased, e.c(127)));
  Value shifted = e.shl(amaxBits, e.maxs(e.sub(clz, e.c(8)), e.c(0)));
  Value fraction =
      e.bitAnd(e.select(isSubnormal, shifted, amaxBits), e.c(0x7FFFFF));

  Value se = e.sub(t, e.c(info.emax));
  switch (rule) {
  case ScaleRule::ceil:
    // One more unless amax is a power of two.
    se = e.add(se, e.asInt(e.cmp(arith::CmpIPredicate::ne, fraction, e.c(0))));
    break;
  case ScaleRule::rceil: {
    // ceil(log2(amax / maxNormal)) with maxNormal = M * 2^emax, M in [1, 2):
    // log2(1.f / M) is in (-1, 1), so the ceiling is 1 exactly when 1.f > M.
    uint32_t maxBits =
        llvm::bit_cast<uint32_t>(static_cast<float>(info.maxNormal));
    se = e.add(se, e.asInt(e.cmp(arith::CmpIPredicate::ugt, fraction,
                                 e.c(maxBits & 0x7FFFFF))));
    break;
  }
  case ScaleRule::floor:
  case ScaleRule::even:
    break;
  }
  return e.maxs(e.mins(se, e.c(127)), e.c(-127));
}

Value mx::emitScaleByte(OpBuilder &b, Location loc, Value amaxBits, Value se) {
  Emitter e(b, loc, amaxBits.getType());
  Value special = e.cmp(arith::CmpIPredicate::uge, amaxBits, e.c(0x7F800000));
  Value byte = e.select(special, e.c(0xFF), e.add(se, e.c(127)));
  return arith::TruncIOp::create(b, loc, e.i8, byte);
}

int64_t mx::getMaxMagnitudeCode(Format format) {
  switch (format) {
  case Format::e4m3:
    return 0x7E;
  case Format::e5m2:
    return 0x7B;
  case Format::e2m3:
  case Format::e3m2:
    return 0x1F;
  case Format::e2m1:
    return 0x7;
  case Format::int8:
    return 127;
  }
  llvm_unreachable("unknown MX format");
}

Pow2Factors mx::emitInverseScaleFactors(OpBuilder &b, Location loc, Value se,
                                        Format format) {
  Emitter e(b, loc, se.getType());
  Value n = e.sub(e.c(0), se);
  // se <= 127 - emax: with emax >= 1, 2^-se is a normal f32 and one factor
  // suffices. Only INT8 (emax 0) reaches se = 127.
  if (getFormatInfo(format).emax >= 1)
    return {e.pow2(n), Value()};
  return e.pow2Factors(n);
}

Pow2Factors mx::emitScaleFactors(OpBuilder &b, Location loc, Value scaleByte) {
  Emitter e(b, loc, scaleByte.getType());
  Value byte = arith::ExtUIOp::create(b, loc, e.i32, scaleByte);
  Pow2Factors factors = e.pow2Factors(e.sub(byte, e.c(127)));
  Value isNaN = e.cmp(arith::CmpIPredicate::eq, byte, e.c(0xFF));
  factors.low = e.select(isNaN, e.cf(NAN), factors.low);
  return factors;
}

Value mx::emitEncodeElement(OpBuilder &b, Location loc, Value x, Value se,
                            Format format, bool flushSubnormals) {
  return emitEncodeElement(b, loc, x,
                           emitInverseScaleFactors(b, loc, se, format), format,
                           flushSubnormals);
}

Value mx::emitEncodeElement(OpBuilder &b, Location loc, Value x,
                            Pow2Factors inverseScale, Format format,
                            bool flushSubnormals) {
  Value code =
      emitEncodeElementBits(b, loc, x, inverseScale, format, flushSubnormals);
  return arith::TruncIOp::create(b, loc,
                                 withElement(x.getType(), b.getI8Type()), code);
}

/// y = |x| / 2^se as f32. Exact whenever y is a normal f32; smaller results
/// lie far below half the smallest element subnormal and encode as zero.
static Value emitScaledMagnitude(Emitter &e, Value x, Pow2Factors inverseScale,
                                 bool flushSubnormals) {
  Value magnitude = e.bitAnd(e.toBits(x), e.c(0x7FFFFFFF));
  if (flushSubnormals)
    magnitude = emitFlushSubnormalBits(e.b, e.loc, magnitude);
  return e.scale(e.toFloat(magnitude), inverseScale);
}

/// RNE(y * factor) as an integer, with the magic add: for 0 <= v < 2^22 the
/// f32 sum v + 2^23 rounds (to nearest even) at the units, so its low
/// mantissa bits are RNE(v). `factor` is a power of two that keeps the
/// product exact, so one fused multiply-add gives the same sum as a multiply
/// then an add.
static Value emitRoundToInt(Emitter &e, Value y, Value factor) {
  Value sum = math::FmaOp::create(e.b, e.loc, y, factor, e.cf(0x1p23f));
  return e.sub(e.toBits(sum), e.c(0x4B000000));
}

Value mx::emitEncodeMagnitudeBits(OpBuilder &b, Location loc, Value x,
                                  Pow2Factors inverseScale, Format format,
                                  bool flushSubnormals, bool saturate) {
  assert(format != Format::int8 && "INT8 codes are two's complement");
  const FormatInfo &info = getFormatInfo(format);
  Emitter e(b, loc, x.getType());
  Value y = emitScaledMagnitude(e, x, inverseScale, flushSubnormals);
  // With k = max(floor(log2 y), emin), the grid quantum is 2^(k - mbits) and
  // m = RNE(y / 2^(k - mbits)) is the rounded significand as an integer
  // (subnormals included). The code magnitude is ((k - emin) << mbits) + m:
  // for a normal m in [2^mbits, 2^(mbits+1)) that is exponent field
  // k - emin + 1 = k + bias and mantissa m - 2^mbits; a carry to
  // m = 2^(mbits+1) lands on the next binade's code by the same formula.
  // Everything stays in place in the f32 exponent field: kField is
  // (k + 127) << 23 and 2^(mbits - k) has the bits (254 + mbits) << 23 minus
  // kField.
  int64_t mbits = info.mantissaBits;
  Value kField = e.maxs(e.bitAnd(e.toBits(y), e.c(0x7F800000)),
                        e.c(int64_t(info.emin + 127) << 23));
  Value quantumInverse = e.toFloat(e.sub(e.c((254 + mbits) << 23), kField));
  // The magic add of emitRoundToInt with the offset (k - emin) << mbits
  // added to the magic constant itself, so that the one FMA yields
  // 0x4B000000 + code. The offset is an integer multiple of 2^mbits (even:
  // every FP format has mbits >= 1), so ties round the same way.
  Value offset = e.add(e.shru(kField, e.c(23 - mbits)),
                       e.c(0x4B000000 - ((127 + info.emin) << mbits)));
  Value biased = e.toBits(
      math::FmaOp::create(b, loc, y, quantumInverse, e.toFloat(offset)));
  if (!saturate)
    return biased;
  return e.minu(e.sub(biased, e.c(0x4B000000)),
                e.c(getMaxMagnitudeCode(format)));
}

Value mx::emitEncodeElementBits(OpBuilder &b, Location loc, Value x,
                                Pow2Factors inverseScale, Format format,
                                bool flushSubnormals) {
  Emitter e(b, loc, x.getType());
  Value bits = e.toBits(x);
  if (format == Format::int8) {
    // k = RNE(64 y) clamped to 127; negative values in two's complement.
    Value y = emitScaledMagnitude(e, x, inverseScale, flushSubnormals);
    Value k = e.mins(emitRoundToInt(e, y, e.cf(64)), e.c(127));
    Value negative = e.cmp(arith::CmpIPredicate::slt, bits, e.c(0));
    return e.bitAnd(e.select(negative, e.sub(e.c(0), k), k), e.c(0xFF));
  }
  Value code =
      emitEncodeMagnitudeBits(b, loc, x, inverseScale, format, flushSubnormals);
  int64_t signShift = 32 - getFormatInfo(format).bits;
  return e.bitOr(code, e.shru(e.bitAnd(bits, e.c(0x80000000)), e.c(signShift)));
}

Value mx::emitMaskNaNBlock(OpBuilder &b, Location loc, Value codes,
                           Value amaxBits) {
  Emitter e(b, loc, amaxBits.getType());
  Value special = e.cmp(arith::CmpIPredicate::uge, amaxBits, e.c(0x7F800000));
  return arith::SelectOp::create(b, loc, special, emitSplat(b, loc, e.i8, 0),
                                 codes);
}

Value mx::emitDecodeElement(OpBuilder &b, Location loc, Value code,
                            Format format) {
  const FormatInfo &info = getFormatInfo(format);
  Emitter e(b, loc, code.getType());
  if (format == Format::int8) {
    Value k = arith::SIToFPOp::create(b, loc, e.f32, code);
    return e.mulf(k, e.cf(1.0f / 64.0f));
  }
  // value = sig * 2^(max(E, 1) - bias - mbits) with sig = m, plus the hidden
  // one when E > 0; bias = 1 - emin.
  int64_t mbits = info.mantissaBits;
  int64_t bias = 1 - info.emin;
  Value c = arith::ExtUIOp::create(b, loc, e.i32, code);
  Value magnitude = e.bitAnd(c, e.c((1 << (info.bits - 1)) - 1));
  Value exponent = e.shru(magnitude, e.c(mbits));
  Value mantissa = e.bitAnd(magnitude, e.c((1 << mbits) - 1));
  Value isNormal = e.cmp(arith::CmpIPredicate::ne, exponent, e.c(0));
  Value significand = e.add(mantissa, e.shl(e.asInt(isNormal), e.c(mbits)));
  Value power = e.sub(e.maxs(exponent, e.c(1)), e.c(bias + mbits));
  Value value = e.mulf(arith::UIToFPOp::create(b, loc, e.f32, significand),
                       e.pow2(power));
  Value valueBits = e.toBits(value);
  if (format == Format::e4m3) {
    // S.1111.111 is the only NaN; E4M3 has no Inf.
    Value isNaN = e.cmp(arith::CmpIPredicate::eq, magnitude, e.c(0x7F));
    valueBits = e.select(isNaN, e.c(0x7FC00000), valueBits);
  } else if (format == Format::e5m2) {
    // Exponent 31: Inf with mantissa 0, NaN otherwise.
    Value isSpecial = e.cmp(arith::CmpIPredicate::eq, exponent, e.c(31));
    Value isInf = e.cmp(arith::CmpIPredicate::eq, mantissa, e.c(0));
    Value special = e.select(isInf, e.c(0x7F800000), e.c(0x7FC00000));
    valueBits = e.select(isSpecial, special, valueBits);
  }
  Value sign = e.shl(e.shru(c, e.c(info.bits - 1)), e.c(31));
  return e.toFloat(e.bitOr(valueBits, sign));
}

Value mx::emitDecodeFP8ViaF16(OpBuilder &b, Location loc, Value codes,
                              Format format, bool e4m3TimesPow2Minus8) {
  auto type = cast<VectorType>(codes.getType());
  auto i16s = type.clone(b.getI16Type());
  auto f32s = type.clone(b.getF32Type());
  auto splat16 = [&](int64_t v) { return emitSplat(b, loc, i16s, v); };
  Value bits = arith::ShLIOp::create(
      b, loc, arith::ExtUIOp::create(b, loc, i16s, codes), splat16(8));
  if (format == Format::e4m3)
    bits = arith::OrIOp::create(
        b, loc, arith::AndIOp::create(b, loc, bits, splat16(0x8000)),
        arith::AndIOp::create(b, loc,
                              arith::ShRUIOp::create(b, loc, bits, splat16(1)),
                              splat16(0x3F80)));
  Value half =
      arith::BitcastOp::create(b, loc, type.clone(b.getF16Type()), bits);
  Value value = arith::ExtFOp::create(b, loc, f32s, half);
  if (format == Format::e5m2)
    return value;
  if (!e4m3TimesPow2Minus8)
    value =
        arith::MulFOp::create(b, loc, value, emitSplatF32(b, loc, f32s, 256));
  Value isNaN = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq,
      arith::AndIOp::create(b, loc, codes, emitSplat(b, loc, type, 0x7F)),
      emitSplat(b, loc, type, 0x7F));
  return arith::SelectOp::create(b, loc, isNaN, emitSplatF32(b, loc, f32s, NAN),
                                 value);
}

Value mx::emitFP6Field(OpBuilder &b, Location loc, Value b0, Value b1,
                       Value b2, int64_t j) {
  Type t = b0.getType();
  auto c = [&](int64_t v) { return emitSplat(b, loc, t, v); };
  auto andI = [&](Value x, int64_t m) {
    return arith::AndIOp::create(b, loc, x, c(m)).getResult();
  };
  auto shr = [&](Value x, int64_t s) {
    return arith::ShRUIOp::create(b, loc, x, c(s)).getResult();
  };
  auto shl = [&](Value x, int64_t s) {
    return arith::ShLIOp::create(b, loc, x, c(s)).getResult();
  };
  auto orI = [&](Value x, Value y) {
    return arith::OrIOp::create(b, loc, x, y).getResult();
  };
  switch (j) {
  case 0:
    return andI(b0, 0x3F);
  case 1:
    return orI(shr(b0, 6), shl(andI(b1, 0xF), 2));
  case 2:
    return orI(shr(b1, 4), shl(andI(b2, 0x3), 4));
  default:
    return shr(b2, 2);
  }
}

Value mx::emitApplyScale(OpBuilder &b, Location loc, Value value,
                         Value scaleByte) {
  return emitApplyScale(b, loc, value, emitScaleFactors(b, loc, scaleByte));
}

Value mx::emitApplyScale(OpBuilder &b, Location loc, Value value,
                         Pow2Factors scale) {
  // A NaN factor (scale 0xFF) makes even 0 * scale NaN.
  return Emitter(b, loc, value.getType()).scale(value, scale);
}

//===----------------------------------------------------------------------===//
// f32 <-> bf16 casts
//===----------------------------------------------------------------------===//

/// Zero of the same sign for f32 subnormal bit patterns (i32-like `bits`).
static Value flushSubnormalPattern(Emitter &e, Value bits) {
  Value magnitude = e.bitAnd(bits, e.c(0x7FFFFFFF));
  Value subnormal =
      e.cmp(arith::CmpIPredicate::ult, magnitude, e.c(0x00800000));
  return e.select(subnormal, e.bitAnd(bits, e.c(0x80000000)), bits);
}

Value mx::emitFlushF32Subnormals(OpBuilder &b, Location loc, Value x) {
  Emitter e(b, loc, x.getType());
  return e.toFloat(flushSubnormalPattern(e, e.toBits(x)));
}

Value mx::emitTruncF32ToBF16(OpBuilder &b, Location loc, Value x,
                             RoundingMode rounding, DenormalMode denormals,
                             Value randomBits) {
  Emitter e(b, loc, x.getType());
  Value bits = e.toBits(x);
  Value source =
      denormals == DenormalMode::flush ? flushSubnormalPattern(e, bits) : bits;
  // Rounding in the integer domain: adding to the discarded low half carries
  // into the kept high half exactly when the value rounds away from zero;
  // a carry out of the mantissa moves to the next binade (up to Inf).
  Value rounded = source;
  switch (rounding) {
  case RoundingMode::rne: {
    Value lsb = e.bitAnd(e.shru(source, e.c(16)), e.c(1));
    rounded = e.add(source, e.add(lsb, e.c(0x7FFF)));
    break;
  }
  case RoundingMode::truncate:
    break;
  case RoundingMode::stochastic:
    assert(randomBits && "stochastic rounding needs random bits");
    rounded = e.add(source, randomBits);
    break;
  }
  Value result = e.shru(rounded, e.c(16));
  // NaN: the addition could turn it into Inf or wrap it to a zero, so it
  // takes the quiet truncation instead.
  Value magnitude = e.bitAnd(bits, e.c(0x7FFFFFFF));
  Value isNaN = e.cmp(arith::CmpIPredicate::ugt, magnitude, e.c(0x7F800000));
  Value quietNaN = e.bitOr(e.shru(bits, e.c(16)), e.c(0x0040));
  result = e.select(isNaN, quietNaN, result);
  Type i16 = withElement(x.getType(), b.getI16Type());
  Value half = arith::TruncIOp::create(b, loc, i16, result);
  return arith::BitcastOp::create(
      b, loc, withElement(x.getType(), b.getBF16Type()), half);
}

Value mx::emitExtBF16ToF32(OpBuilder &b, Location loc, Value x,
                           DenormalMode denormals) {
  Emitter e(b, loc, x.getType());
  Type i16 = withElement(x.getType(), b.getI16Type());
  Value half = arith::BitcastOp::create(b, loc, i16, x);
  Value bits = e.shl(arith::ExtUIOp::create(b, loc, e.i32, half), e.c(16));
  if (denormals == DenormalMode::flush)
    bits = flushSubnormalPattern(e, bits);
  Value magnitude = e.bitAnd(bits, e.c(0x7FFFFFFF));
  Value isNaN = e.cmp(arith::CmpIPredicate::ugt, magnitude, e.c(0x7F800000));
  bits = e.select(isNaN, e.bitOr(bits, e.c(0x00400000)), bits);
  return e.toFloat(bits);
}

Value mx::emitStochasticRoundingBits(OpBuilder &b, Location loc, Value seed,
                                     Value index) {
  Emitter e(b, loc, index.getType());
  // Wellons' lowbias32: xor-shifts and odd multiplies, a bijection with
  // good avalanche.
  auto mix = [&](Value x) {
    x = arith::XOrIOp::create(b, loc, x, e.shru(x, e.c(16)));
    x = arith::MulIOp::create(b, loc, x, e.c(0x7FEB352D));
    x = arith::XOrIOp::create(b, loc, x, e.shru(x, e.c(15)));
    x = arith::MulIOp::create(b, loc, x, e.c(0x846CA68B));
    return arith::XOrIOp::create(b, loc, x, e.shru(x, e.c(16))).getResult();
  };
  Value hash = mix(e.add(index, mix(seed)));
  return e.bitAnd(hash, e.c(0xFFFF));
}

//===----------------------------------------------------------------------===//
// K-TanH
//===----------------------------------------------------------------------===//

std::array<uint16_t, 32> mx::getKTanhPackedTable() {
  // The table of mx.ktanh's description, t -> (Et - 125, rt, bt).
  static const int8_t kParams[32][3] = {
      {1, 2, 119}, {1, 4, 122}, {1, 4, 123}, {1, 4, 123}, {1, 6, 126},
      {1, 6, 126}, {1, 6, 126}, {1, 6, 126}, {0, 1, 1},   {0, 0, -4},
      {0, 0, -6},  {0, 0, -7},  {0, 0, -10}, {0, 0, -12}, {0, 0, -15},
      {0, 0, -18}, {0, 0, 112}, {1, 1, -4},  {1, 1, -1},  {1, 1, 2},
      {1, 1, 3},   {1, 1, 4},   {1, 1, 4},   {1, 1, 4},   {1, 0, 65},
      {1, 1, 72},  {1, 1, 73},  {1, 1, 73},  {1, 2, 88},  {1, 2, 89},
      {1, 2, 89},  {1, 4, 110},
  };
  std::array<uint16_t, 32> table;
  for (int t = 0; t < 32; ++t) {
    int et = 125 + kParams[t][0], rt = kParams[t][1], bt = kParams[t][2];
    int low = et * 128 + bt - 0x3E00;
    assert(low >= 0 && low + 127 < 0x200 && rt < 8 && "K-TanH entry range");
    table[t] = static_cast<uint16_t>(rt << 12 | low);
  }
  return table;
}

namespace {
/// Integer helpers on one shape and element type (i16 or i32 lanes).
struct BitEmitter {
  OpBuilder &b;
  Location loc;
  Type type;

  Value c(int64_t v) { return emitSplat(b, loc, type, v); }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value andi(Value x, int64_t y) { return andi(x, c(y)); }
  Value ori(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value ori(Value x, int64_t y) { return ori(x, c(y)); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value shru(Value x, Value y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Value shru(Value x, int64_t y) { return shru(x, c(y)); }
  Value cmp(arith::CmpIPredicate p, Value x, int64_t y) {
    return arith::CmpIOp::create(b, loc, p, x, c(y));
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }

  /// The K-TanH regions around the table magnitude `lut`, for a format
  /// whose bits are `bits`: identity below `low`, 1 above `high`, quiet NaN
  /// above `inf` (unless `nanOut` is false: then NaN lanes are unspecified);
  /// the sign of `bits` is put back last (one or).
  Value regions(Value bits, Value lut, int64_t signMask, int64_t low,
                int64_t high, int64_t one, int64_t inf, int64_t quiet,
                bool nanOut) {
    Value magnitude = andi(bits, ~signMask);
    Value y =
        select(cmp(arith::CmpIPredicate::ult, magnitude, low), magnitude, lut);
    y = select(cmp(arith::CmpIPredicate::ugt, magnitude, high), c(one), y);
    if (nanOut)
      y = select(cmp(arith::CmpIPredicate::ugt, magnitude, inf),
                 ori(magnitude, quiet), y);
    return ori(y, andi(bits, signMask));
  }

  /// The bf16 table magnitude of `h` (i16-like) from its packed `entry`.
  Value bf16Table(Value h, Value entry) {
    Value shifted = shru(andi(h, 0x7F), shru(entry, 12));
    return ori(andi(add(entry, shifted), 0x1FF), 0x3E00);
  }
};
} // namespace

Value mx::emitKTanhBF16Bits(OpBuilder &b, Location loc, Value h,
                            KTanhLookupFn lookup, bool nanOut) {
  BitEmitter e{b, loc, h.getType()};
  Value lut = e.bf16Table(h, lookup(h));
  return e.regions(h, lut, 0x8000, 0x3E80, 0x4070, 0x3F80, 0x7F80, 0x0040,
                   nanOut);
}

namespace {
/// The K-TanH table value of the magnitude bits `magnitude` (i32-like) for
/// 2^scale * ktanh(x / 2^scale) (see emitKTanhF32Bits), without the region
/// selects.
Value emitKTanhF32Table(BitEmitter &e, Value bits, Value magnitude,
                        KTanhMantissa mantissa, KTanhLookupFn lookup, int scale,
                        KTanhLookupFn shiftLookup) {
  if (shiftLookup) {
    // Split tables: C_t + (M >> rt) is C'_t + (|b| >> rt), because the
    // exponent E of |b| = E << 23 | M moves to E << (23 - rt) with nothing
    // crossing into the mantissa part, and C'_t subtracts it. The bf16
    // mantissa variant drops what falls below bit 16 (E << (23 - rt) has
    // no bits there).
    Value shifted = e.shru(magnitude, shiftLookup(bits));
    if (mantissa == KTanhMantissa::bf16)
      shifted = e.andi(shifted, 0xFFFF0000);
    return e.add(lookup(bits), shifted);
  }
  // The entry sits in the high half: rt in bits 28..30, the offset of
  // Et * 128 + bt from 0x3E00 in bits 16..24. The magnitude is 0x3E000000
  // + (offset << 16) plus the shifted mantissa (the sum stays below 2^25,
  // so the first + is an or), with `scale` more in the exponent.
  Value entry = lookup(bits);
  int64_t base = 0x3E000000 + scale * 0x00800000;
  Value shift = e.shru(entry, 28);
  if (mantissa == KTanhMantissa::full) {
    Value shifted = e.shru(e.andi(magnitude, 0x7FFFFF), shift);
    return e.add(e.add(e.andi(entry, 0x01FF0000), e.c(base)), shifted);
  }
  // Only Mi = M[22:16] counts; the bits it drops below bit 16 go too.
  Value shifted = e.andi(e.shru(e.andi(magnitude, 0x7F0000), shift), 0x7F0000);
  return e.add(e.andi(e.add(entry, shifted), 0x01FF0000), e.c(base));
}
} // namespace

Value mx::emitKTanhF32Bits(OpBuilder &b, Location loc, Value bits,
                           KTanhMantissa mantissa, KTanhLookupFn lookup,
                           bool nanOut, int scale, KTanhLookupFn shiftLookup) {
  BitEmitter e{b, loc, bits.getType()};
  Value lut = emitKTanhF32Table(e, bits, e.andi(bits, 0x7FFFFFFF), mantissa,
                                lookup, scale, shiftLookup);
  int64_t step = scale * 0x00800000;
  return e.regions(bits, lut, 0x80000000, 0x3E800000 + step, 0x40700000 + step,
                   0x3F800000 + step, 0x7F800000, 0x00400000, nanOut);
}

Value mx::emitKGeluHalfTanhBits(OpBuilder &b, Location loc, Value w,
                                KTanhMantissa mantissa, KTanhLookupFn lookup,
                                KTanhLookupFn shiftLookup) {
  BitEmitter e{b, loc, w.getType()};
  // w >= 0 (or NaN, or +Inf): no sign to strip or restore. mantissa(bf16)
  // reads the bf16 truncation of w everywhere, identity region included, so
  // that bf16 lanes can take it from the high halves alone.
  if (mantissa == KTanhMantissa::bf16)
    w = e.andi(w, 0xFFFF0000);
  Value lut =
      emitKTanhF32Table(e, w, w, mantissa, lookup, /*scale=*/-1, shiftLookup);
  // Identity below 0.125 (2w < 0.25), 0.5 above 1.875 (2w > 3.75; NaN and
  // Inf too, whose lanes the caller replaces or which give +Inf).
  Value y = e.select(e.cmp(arith::CmpIPredicate::ult, w, 0x3E000000), w, lut);
  return e.select(e.cmp(arith::CmpIPredicate::ugt, w, 0x3FF00000),
                  e.c(0x3F000000), y);
}

Value mx::emitKActivationF32(OpBuilder &b, Location loc, KActivation kind,
                             Value x, KTanhMantissa mantissa,
                             KTanhLookupFn lookup, KTanhLookupFn shiftLookup) {
  Emitter e(b, loc, x.getType());
  Value bits = e.toBits(x);
  if (kind == KActivation::Tanh)
    return e.toFloat(emitKTanhF32Bits(b, loc, bits, mantissa, lookup,
                                      /*nanOut=*/true, /*scale=*/0,
                                      shiftLookup));
  // NaN lanes are replaced at the end, so the inner K-TanH skips its own.
  // Swish and GELU of -Inf would be -Inf * 0 = NaN; the limit is -0, which
  // is what -FLT_MAX gives (its tanh is -1 as well). An unsigned min maps
  // -Inf (and negative NaNs, replaced below) to -FLT_MAX and keeps the rest.
  if (kind != KActivation::Sigmoid)
    x = e.toFloat(
        arith::MinUIOp::create(b, loc, bits, e.c(0xFF7FFFFF)).getResult());
  Value y;
  switch (kind) {
  case KActivation::Sigmoid:
  case KActivation::Swish: {
    // t = ktanh(x * 0.5), and t * 0.5 + 0.5 is u * 0.25 + 0.5 with
    // u = 2 t: x itself in the identity region (|x| < 0.5; x * 0.5 is exact
    // there or so small that the result is 0.5 either way), +-2 above 7.5,
    // and in between the table value of x / 2 with one more in the
    // exponent, looked up at x's own index in the table rotated by 8 (the
    // caller's lookup). No x * 0.5 is needed. u * 0.25 is exact unless
    // |u| < 2^-124, where the result is 0.5 either way, so a fused
    // multiply-add gives the same bits: `contract` lets targets that have
    // one use it.
    Value u = e.toFloat(emitKTanhF32Bits(b, loc, e.toBits(x), mantissa, lookup,
                                         /*nanOut=*/false,
                                         /*scale=*/1, shiftLookup));
    auto contract = arith::FastMathFlags::contract;
    y = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, u, e.cf(0.25f), contract),
        e.cf(0.5f), contract);
    if (kind == KActivation::Swish)
      y = e.mulf(x, y);
    break;
  }
  case KActivation::Gelu: {
    // a = |x|, w = a * (c0 + c1 * a^2) = |u| / 2, h = 0.5 ktanh(2 w) (table
    // rotated by -8, one less in the exponent), y = fma(a, h, x * 0.5) with
    // x's sign or-ed in (y <= 0 for x <= 0: it turns +0 into -0).
    Value a = e.toFloat(e.bitAnd(e.toBits(x), e.c(0x7FFFFFFF)));
    Value p = math::FmaOp::create(b, loc, e.mulf(a, a), e.cf(kKGeluC1Half),
                                  e.cf(kKGeluC0Half));
    Value w = e.toBits(e.mulf(a, p));
    Value h = e.toFloat(
        emitKGeluHalfTanhBits(b, loc, w, mantissa, lookup, shiftLookup));
    Value g = math::FmaOp::create(b, loc, a, h, e.mulf(x, e.cf(0.5f)));
    y = e.toFloat(e.bitOr(e.toBits(g), e.bitAnd(e.toBits(x), e.c(0x80000000))));
    break;
  }
  case KActivation::Tanh:
    llvm_unreachable("handled above");
  }
  Value result = e.toBits(y);
  Value input = e.toFloat(bits);
  Value isNaN =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, input, input);
  result = e.select(isNaN, e.bitOr(bits, e.c(0x00400000)), result);
  return e.toFloat(result);
}

Value mx::emitKSigmoidBF16Bits(OpBuilder &b, Location loc, Value h,
                               KTanhLookupFn lookupHalf,
                               llvm::function_ref<Value(Value)> tail) {
  BitEmitter e16{b, loc, h.getType()};
  // K-TanH of x / 2 without computing x / 2: halving keeps the mantissa and
  // takes one from the exponent, so the index is t - 8 (lookupHalf's
  // rotated table) and the thresholds double (0.5, 7.5). In the identity
  // region x / 2 is the magnitude minus 0x80, saturated at 0: below the
  // normal range any tiny value does, since t * 0.5 + 0.5 rounds to 0.5.
  // Inf takes the saturation region, as Inf / 2 would.
  Value magnitude = e16.andi(h, 0x7FFF);
  Value lut = e16.bf16Table(h, lookupHalf(h));
  Value halfMagnitude = arith::SubIOp::create(
      b, loc, arith::MaxUIOp::create(b, loc, magnitude, e16.c(0x80)),
      e16.c(0x80));
  Value t = e16.select(e16.cmp(arith::CmpIPredicate::ult, magnitude, 0x3F00),
                       halfMagnitude, lut);
  t = e16.select(e16.cmp(arith::CmpIPredicate::ugt, magnitude, 0x40F0),
                 e16.c(0x3F80), t);
  t = e16.ori(t, e16.andi(h, 0x8000));

  Value rounded;
  if (tail) {
    rounded = tail(t);
  } else {
    Emitter e(b, loc, h.getType());
    Value wide = e.shl(arith::ExtUIOp::create(b, loc, e.i32, t), e.c(16));
    rounded = emitKRoundToBF16Bits(
        b, loc, e.toBits(emitKSigmoidTailF32(b, loc, e.toFloat(wide))));
  }
  // NaN: the quiet input NaN, whatever the float ops did to its payload.
  Value isNaN = e16.cmp(arith::CmpIPredicate::ugt, magnitude, 0x7F80);
  return e16.select(isNaN, e16.ori(h, 0x0040), rounded);
}

Value mx::emitKSigmoidTailF32(OpBuilder &b, Location loc, Value t) {
  // t * 0.5 is exact (t is a bf16 value), so a fused multiply-add gives
  // the same bits: `contract` lets targets that have one use it.
  auto contract = arith::FastMathFlags::contract;
  Value half = emitSplatF32(b, loc, t.getType(), 0.5f);
  return arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, t, half, contract), half, contract);
}

Value mx::emitKRoundToBF16Bits(OpBuilder &b, Location loc, Value bits) {
  Emitter e(b, loc, bits.getType());
  Value lsb = e.bitAnd(e.shru(bits, e.c(16)), e.c(1));
  Value rounded = e.shru(e.add(bits, e.add(e.c(0x7FFF), lsb)), e.c(16));
  return arith::TruncIOp::create(
      b, loc, withElement(bits.getType(), b.getI16Type()), rounded);
}
