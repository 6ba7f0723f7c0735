//===- MxElementMath.h - arith emission of MX element math ------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Emits the per-element and per-block arithmetic of OCP MX v1.0 as arith ops
// on integer bit patterns. Every function works on scalars and on vectors
// alike (all operands of one call share one shape), so the reference lowering
// (linalg bodies on scalars) and the vector lowerings share a single
// definition of the numerics. Independent checking comes from the scalar C++
// oracle in mx/Reference, which shares no code with this.
//
// Types: "i32-like" means i32 or vector<...xi32>; likewise for f32 and i8.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_MXELEMENTMATH_H
#define MX_CONVERSION_MXELEMENTMATH_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "mx/Dialect/Mx/IR/MxDialect.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include <array>
#include <cstdint>

namespace mlir::mx {

/// Magnitude bits of an f32-like value: `bitcast(x) & 0x7FFFFFFF` as
/// i32-like. Integer order on these is magnitude order, with Inf and NaN
/// above every finite value; a block's amax is their unsigned maximum.
Value emitMagnitudeBits(OpBuilder &b, Location loc, Value x);

/// With `flushSubnormals`, magnitude bits of FP32 subnormals become 0.
Value emitFlushSubnormalBits(OpBuilder &b, Location loc, Value magnitudeBits);

/// The block's shared exponent `se` (i32-like, clamped to [-127, 127]) from
/// its amax magnitude bits, following `rule` for `format`.
Value emitSharedExponent(OpBuilder &b, Location loc, Value amaxBits,
                         Format format, ScaleRule rule);

/// The E8M0 scale byte (i8-like): `se + 127`, or 0xFF when amax is Inf/NaN.
Value emitScaleByte(OpBuilder &b, Location loc, Value amaxBits, Value se);

/// A power of two 2^n as two normal f32-like factors, so that
/// `x * low * high` rounds once and 2^-127 never appears as a subnormal
/// operand. `low` is NaN for a NaN scale, which makes every product NaN;
/// `high` is null when `low` alone is exact.
struct Pow2Factors {
  Value low, high;
};

/// Factors of 2^-se, the inverse of a block scale (se i32-like) of `format`.
Pow2Factors emitInverseScaleFactors(OpBuilder &b, Location loc, Value se,
                                    Format format);

/// Factors of the value of an E8M0 scale byte (i8-like); NaN for 0xFF.
Pow2Factors emitScaleFactors(OpBuilder &b, Location loc, Value scaleByte);

/// The element code (i8-like, OCP bit pattern in the low bits) of f32-like
/// `x` in a block with shared exponent `se` (i32-like): RNE of x / 2^se onto
/// the element grid, subnormals kept, saturated, -0 kept. With
/// `flushSubnormals`, FP32 subnormal inputs encode as signed zero. The result
/// for Inf/NaN inputs is unspecified: their block's codes are replaced by 0
/// (see emitMaskNaNBlock).
Value emitEncodeElement(OpBuilder &b, Location loc, Value x, Value se,
                        Format format, bool flushSubnormals);

/// The same with the factors of 2^-se precomputed (shaped like `x`), so that
/// a vector lowering can compute them once per block on scalars.
Value emitEncodeElement(OpBuilder &b, Location loc, Value x,
                        Pow2Factors inverseScale, Format format,
                        bool flushSubnormals);

/// The same code zero-extended to i32 lanes (bits above the format's width
/// are zero), for vector lowerings that pack codes before narrowing them.
Value emitEncodeElementBits(OpBuilder &b, Location loc, Value x,
                            Pow2Factors inverseScale, Format format,
                            bool flushSubnormals);

/// Largest finite code magnitude of `format` (codes are monotonic in
/// magnitude, so saturation is an unsigned min on codes).
int64_t getMaxMagnitudeCode(Format format);

/// The code of |x| (FP formats only), zero-extended to i32 lanes: lowerings
/// that merge the sign bit later, on packed bytes, start from this. Without
/// `saturate` only the low byte of each lane is the code, not yet saturated
/// (the caller takes that byte and applies the min with getMaxMagnitudeCode
/// itself); the unsaturated code of a finite block is at most 255, since the
/// scale leaves |x| / 2^se below 2^(emax + 1).
Value emitEncodeMagnitudeBits(OpBuilder &b, Location loc, Value x,
                              Pow2Factors inverseScale, Format format,
                              bool flushSubnormals, bool saturate = true);

/// Codes of a NaN block (amax Inf/NaN) are 0; other codes pass through.
Value emitMaskNaNBlock(OpBuilder &b, Location loc, Value codes, Value amaxBits);

/// The exact element value (f32-like) of code (i8-like): NaN and Inf codes of
/// E4M3/E5M2 decode to NaN/Inf, INT8 is the two's complement code / 64.
Value emitDecodeElement(OpBuilder &b, Location loc, Value code, Format format);

/// emitDecodeElement for vectors of E4M3/E5M2 codes, through f16, whose
/// hardware widening (vcvtph2ps, fcvtl) is exact and handles subnormals:
/// E5M2 is the top byte of an f16; E4M3 has the same layout one exponent
/// bit narrower, so its bits shifted into an f16 are its value times 2^-8,
/// and its NaN codes (S.1111.111) land on a finite f16 and are put back by
/// a compare. With `e4m3TimesPow2Minus8`, E4M3 values are left times 2^-8
/// (the f16 value), for a caller that folds 2^8 into its scale factor.
Value emitDecodeFP8ViaF16(OpBuilder &b, Location loc, Value codes,
                          Format format, bool e4m3TimesPow2Minus8 = false);

/// Code `j` (0..3, i8-like) of FP6 packing groups from their three
/// little-endian storage bytes (i8-like): four 6-bit codes in 24 bits.
Value emitFP6Field(OpBuilder &b, Location loc, Value b0, Value b1, Value b2,
                   int64_t j);

/// `value * 2^(scaleByte - 127)` (f32-like, rounded once), NaN when
/// `scaleByte` (i8-like) is 0xFF. Exact whenever the result is representable.
Value emitApplyScale(OpBuilder &b, Location loc, Value value, Value scaleByte);

/// The same with precomputed factors (shaped like `value`).
Value emitApplyScale(OpBuilder &b, Location loc, Value value,
                     Pow2Factors scale);

/// Builds an i32-like/f32-like/i8-like constant shaped like `like`.
Value emitSplat(OpBuilder &b, Location loc, Type like, int64_t value);
Value emitSplatF32(OpBuilder &b, Location loc, Type like, float value);

//===----------------------------------------------------------------------===//
// f32 <-> bf16 casts (mx.cast; the rules are in its description in MxOps.td)
//===----------------------------------------------------------------------===//

/// f32-like `x` rounded to bf16-like with integer ops: NaNs become quiet NaNs
/// with the sign and the top payload bits (`(b >> 16) | 0x40`); with
/// DenormalMode::flush, f32 subnormal inputs count as signed zeros; other
/// values are rounded by `rounding` (`rne`: `b + 0x7FFF + lsb`, `truncate`,
/// `stochastic`: `b + randomBits`) and shifted down by 16. `randomBits`
/// (i32-like, in [0, 2^16)) is required for stochastic rounding only.
Value emitTruncF32ToBF16(OpBuilder &b, Location loc, Value x,
                         RoundingMode rounding, DenormalMode denormals,
                         Value randomBits = Value());

/// f32-like `x` with its subnormals replaced by zeros of the same sign.
Value emitFlushF32Subnormals(OpBuilder &b, Location loc, Value x);

/// bf16-like `x` widened to f32-like: exact (`b << 16`), NaNs made quiet
/// (`| 0x00400000`), bf16 subnormals flushed to signed zeros with
/// DenormalMode::flush.
Value emitExtBF16ToF32(OpBuilder &b, Location loc, Value x,
                       DenormalMode denormals);

/// The 16-bit random values of stochastic rounding, i32-like in [0, 2^16):
/// `H(seed, index) & 0xFFFF` with `H(s, u) = mix(u + mix(s))` and
/// `mix` the lowbias32 hash. `seed` and `index` are i32-like of one shape
/// (index: the element's row-major linear index modulo 2^32).
Value emitStochasticRoundingBits(OpBuilder &b, Location loc, Value seed,
                                 Value index);

//===----------------------------------------------------------------------===//
// K-TanH (mx.ktanh, mx.ksigmoid, mx.kswish, mx.kgelu)
//===----------------------------------------------------------------------===//

/// The K-TanH parameter table (the op's documented one, t -> Et, rt, bt)
/// packed into 16 bits per entry: `rt << 12 | (Et * 128 + bt - 0x3E00)`.
/// The low 9 bits plus the shifted mantissa never exceed 0x17F, so a table
/// result is `((entry + (Mi >> rt)) & 0x1FF) | 0x3E00 | sign` in bf16 bits.
std::array<uint16_t, 32> getKTanhPackedTable();

/// The activations built on K-TanH.
enum class KActivation { Tanh, Sigmoid, Swish, Gelu };

/// Returns the packed table entry of every lane of the bit pattern it is
/// given. For bf16 (i16-like `h`): the entry of index `(h >> 4) & 31`,
/// i16-like. For f32 (i32-like `b`): an i32-like value whose high 16 bits
/// are the entry of index `(b >> 20) & 31` (the low 16 bits are ignored, so
/// a target may look entries up in the 16-bit halves of 32-bit lanes).
using KTanhLookupFn = llvm::function_ref<Value(Value)>;

/// K-TanH of bf16 bit patterns (i16-like), i16-like result. With
/// `nanOut` false the result of NaN lanes is unspecified (for callers that
/// replace them anyway).
Value emitKTanhBF16Bits(OpBuilder &b, Location loc, Value h,
                        KTanhLookupFn lookup, bool nanOut = true);

/// K-TanH of f32 bit patterns (i32-like) with `mantissa`, i32-like result;
/// `nanOut` as above. With `scale` 1, `2 * ktanh(x / 2)` for normal x
/// (below the normal range: x), from `lookup` returning the entries of
/// index `((b >> 20) - 8) & 31` (a table rotated by 8): the thresholds and
/// the saturation value double. `scale` -1 is `0.5 * ktanh(2 x)` the same
/// way (a table rotated by -8, thresholds and saturation halved).
///
/// With `shiftLookup` the parameters come from two tables of 32-bit
/// entries instead (for targets that permute 32 x 32 bits well): `lookup`
/// returns the offset `C'_t = C_t - (E_t << (23 - rt))`, where C_t is the
/// f32 bits `(Et << 23) + (bt << 16)` (with one more in the exponent for
/// `scale`) and E_t the biased exponent of the inputs of index t,
/// and `shiftLookup` returns rt (both of index `(b >> 20) & 31`, or of the
/// rotated table). The result is the same.
Value emitKTanhF32Bits(OpBuilder &b, Location loc, Value bits,
                       KTanhMantissa mantissa, KTanhLookupFn lookup,
                       bool nanOut = true, int scale = 0,
                       KTanhLookupFn shiftLookup = nullptr);

/// mx.kgelu's constants: 0.5 sqrt(2 / pi) and 0.5 sqrt(2 / pi) 0.044715,
/// rounded to f32 (w = |x| (c0 + c1 x^2) is half the GELU tanh argument).
constexpr float kKGeluC0Half = 0x1.988454p-2f;
constexpr float kKGeluC1Half = 0x1.2444f2p-6f;

/// `0.5 * ktanh(2 w)` of f32 bit patterns w >= 0 (i32-like; NaN and +Inf
/// give 0.5), i32-like result: w below 0.125, 0.5 above 1.875, the table
/// value with one less in the exponent between, from lookups as for
/// emitKTanhF32Bits with `scale` -1 (a table rotated by -8). With
/// `mantissa(bf16)` it reads the bf16 truncation of w only (the identity
/// region returns the truncation too).
Value emitKGeluHalfTanhBits(OpBuilder &b, Location loc, Value w,
                            KTanhMantissa mantissa, KTanhLookupFn lookup,
                            KTanhLookupFn shiftLookup = nullptr);

/// `kind` of f32-like `x` (the op descriptions' exact operation sequence,
/// NaN and -Inf rules included), f32-like result. Sigmoid and swish look
/// entries up for 2 ktanh(x / 2) (see emitKTanhF32Bits): `lookup` must use
/// the table rotated by 8 for them; GELU for 0.5 ktanh(2 w)
/// (emitKGeluHalfTanhBits): the table rotated by -8.
Value emitKActivationF32(OpBuilder &b, Location loc, KActivation kind, Value x,
                         KTanhMantissa mantissa, KTanhLookupFn lookup,
                         KTanhLookupFn shiftLookup = nullptr);

/// mx.ksigmoid of bf16 bit patterns (i16-like), i16-like result: the same
/// bits as emitKActivationF32(Sigmoid, mantissa bf16) on the widened input
/// rounded with emitKRoundToBF16Bits, computed in 16-bit lanes up to
/// t = ktanh(x / 2) and only `t * 0.5 + 0.5` in f32. x / 2 is never
/// formed: `lookupHalf(h)` returns the packed entry of index
/// `((h >> 4) - 8) & 31` (the index of x / 2; a table rotated by 8), and
/// the region thresholds are doubled. `tail` maps t (bf16 bits, i16-like)
/// to the bf16 bits of emitKSigmoidTailF32(t) rounded to nearest even (the
/// f32 value is never subnormal: 0 or at least 2^-9); when null, t is
/// widened and rounded with emitKRoundToBF16Bits. NaN lanes are replaced
/// afterwards.
Value emitKSigmoidBF16Bits(OpBuilder &b, Location loc, Value h,
                           KTanhLookupFn lookupHalf,
                           llvm::function_ref<Value(Value)> tail = nullptr);

/// `t * 0.5 + 0.5` for f32-like t = ktanh(x / 2) of a bf16 input (exact
/// product, so fusable).
Value emitKSigmoidTailF32(OpBuilder &b, Location loc, Value t);

/// f32 bit patterns (i32-like) rounded to bf16 bit patterns (i16-like),
/// nearest even. Patterns with zero low halves (NaN from a bf16 input
/// included) are kept exactly.
Value emitKRoundToBF16Bits(OpBuilder &b, Location loc, Value bits);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXELEMENTMATH_H
