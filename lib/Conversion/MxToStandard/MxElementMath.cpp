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
  Value bitAnd(Value x, Value y) {
    return arith::AndIOp::create(b, loc, x, y);
  }
  Value bitOr(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value shl(Value x, Value y) { return arith::ShLIOp::create(b, loc, x, y); }
  Value shru(Value x, Value y) {
    return arith::ShRUIOp::create(b, loc, x, y);
  }
  Value shrs(Value x, Value y) {
    return arith::ShRSIOp::create(b, loc, x, y);
  }
  Value maxs(Value x, Value y) {
    return arith::MaxSIOp::create(b, loc, x, y);
  }
  Value mins(Value x, Value y) {
    return arith::MinSIOp::create(b, loc, x, y);
  }
  Value minu(Value x, Value y) {
    return arith::MinUIOp::create(b, loc, x, y);
  }
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
    amaxBits = e.add(amaxBits, e.add(e.c((int64_t(1) << (dropped - 1)) - 1),
                                     lsb));
  }
  // amax = 1.f * 2^t with a 23-bit normalized fraction f. For an FP32
  // subnormal the leading one is at bit p = 31 - clz, so t = p - 149 and the
  // fraction is amax shifted up until that one reaches bit 23. Zero gives
  // t = -150, which every rule clamps to -127.
  Value biased = e.shru(amaxBits, e.c(23));
  Value isSubnormal = e.cmp(arith::CmpIPredicate::eq, biased, e.c(0));
  Value clz = math::CountLeadingZerosOp::create(b, loc, amaxBits);
  Value t = e.select(isSubnormal, e.sub(e.c(31 - 149), clz),
                     e.sub(biased, e.c(127)));
  Value shifted = e.shl(amaxBits, e.maxs(e.sub(clz, e.c(8)), e.c(0)));
  Value fraction = e.bitAnd(e.select(isSubnormal, shifted, amaxBits),
                            e.c(0x7FFFFF));

  Value se = e.sub(t, e.c(info.emax));
  switch (rule) {
  case ScaleRule::ceil:
    // One more unless amax is a power of two.
    se = e.add(se, e.asInt(e.cmp(arith::CmpIPredicate::ne, fraction, e.c(0))));
    break;
  case ScaleRule::rceil: {
    // ceil(log2(amax / maxNormal)) with maxNormal = M * 2^emax, M in [1, 2):
    // log2(1.f / M) is in (-1, 1), so the ceiling is 1 exactly when 1.f > M.
    uint32_t maxBits = llvm::bit_cast<uint32_t>(
        static_cast<float>(info.maxNormal));
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

/// Largest finite code magnitude of each format (codes are monotonic in
/// magnitude, so saturation is an unsigned min on codes).
static int64_t getMaxCode(Format format) {
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
  const FormatInfo &info = getFormatInfo(format);
  Emitter e(b, loc, x.getType());
  Value bits = e.toBits(x);
  Value magnitude = e.bitAnd(bits, e.c(0x7FFFFFFF));
  if (flushSubnormals)
    magnitude = emitFlushSubnormalBits(b, loc, magnitude);
  // y = |x| / 2^se. Exact whenever y is a normal f32; smaller results lie far
  // below half the smallest element subnormal and encode as zero anyway.
  Value y = e.scale(e.toFloat(magnitude), inverseScale);

  // RNE to an integer with the magic add: for 0 <= v < 2^22 the f32 sum
  // v + 2^23 rounds (to nearest even) at the units, so its low mantissa bits
  // are RNE(v). One add and one subtract instead of round + convert.
  auto roundToInt = [&](Value v) {
    Value sum = arith::AddFOp::create(b, loc, v, e.cf(0x1p23f));
    return e.sub(e.toBits(sum), e.c(0x4B000000));
  };

  if (format == Format::int8) {
    // k = RNE(64 y) clamped to 127; negative values in two's complement.
    Value k = e.mins(roundToInt(e.mulf(y, e.cf(64))), e.c(127));
    Value negative = e.cmp(arith::CmpIPredicate::slt, bits, e.c(0));
    k = e.select(negative, e.sub(e.c(0), k), k);
    return arith::TruncIOp::create(b, loc, e.i8, k);
  }

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
  Value m = roundToInt(e.mulf(y, quantumInverse));
  Value code = e.add(m, e.sub(e.shru(kField, e.c(23 - mbits)),
                              e.c((127 + info.emin) << mbits)));
  code = e.minu(code, e.c(getMaxCode(format)));
  Value sign = e.shru(e.bitAnd(bits, e.c(0x80000000)), e.c(32 - info.bits));
  return arith::TruncIOp::create(b, loc, e.i8, e.bitOr(code, sign));
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
  Value subnormal = e.cmp(arith::CmpIPredicate::ult, magnitude,
                          e.c(0x00800000));
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
  Value hash = mix(arith::XOrIOp::create(b, loc, mix(e.add(index, mix(seed))),
                                         seed));
  return e.bitAnd(hash, e.c(0xFFFF));
}
