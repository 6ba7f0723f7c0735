//===- KTanhLowering.cpp - lowering of the K-TanH activations -------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// mx.ktanh, mx.ksigmoid, mx.kswish and mx.kgelu on tensors become
//
// - (reference) one linalg.generic whose scalar body is the element math of
//   MxElementMath.h; the table is a constant tensor read with tensor.extract;
// - (vector) a loop over vectors of the flattened tensor, with a masked
//   tail, and the same element math on vectors. Table entries are looked up
//   with mx.lookup in the form the target permutes best:
//     x86-64-avx512  bf16: the 32 packed 16-bit entries in one zmm register,
//                    one vpermw per 32 lanes; f32: two tables of 32-bit
//                    entries (offsets with the input exponent folded in, and
//                    shifts; two zmm each), one vpermi2ps each per 16 lanes,
//                    which saves extracting and masking the packed fields
//                    (measured 1.88x the polynomial tanh instead of 1.48x
//                    with the single-register table in the 16-bit halves);
//     aarch64-neon   two byte tables (low and high entry bytes), two tbl2
//                    per 16 lanes;
//     generic        a select chain over 32-bit (f32) or 16-bit (bf16)
//                    entries.
//
// bf16 mx.ktanh stays in 16-bit lanes, and so does bf16 mx.ksigmoid up to
// its final `t * 0.5 + 0.5` (it indexes a table rotated by 8 entries with x
// for the K-TanH of x / 2, so x is never halved). The other derived
// activations compute in f32 lanes and round once to bf16. On x86 the f32
// parts of bf16 activations run on the two bf16 halves of each 32-bit lane
// (one and or one shift makes each an f32) and round with vcvtne2ps2bf16;
// bf16 GELU does only w and the final fma in f32 and its K-TanH (of 2w, at
// w's index in the table rotated by -8) in 16-bit lanes.
// AArch64 loops take 16 (tanh, sigmoid) or 8 (swish, GELU) lanes so that
// the table registers are not spilled.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/KTanhLowering.h"

#include "mx/Conversion/MxElementMath.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mx;

/// Elements per loop iteration: 4 zmm of f32, 2 zmm of bf16 on x86. On
/// AArch64 as many as keep the four table registers and the constants in
/// the 32 vector registers across the loop (no spill and reload every
/// iteration): 16 for tanh and sigmoid, 8 for swish and GELU, whose f32
/// arithmetic needs more temporaries.
static int64_t getLanes(VectorTarget target, KActivation kind) {
  if (target != VectorTarget::AArch64Neon)
    return 64;
  return kind == KActivation::Tanh || kind == KActivation::Sigmoid ? 16 : 8;
}

namespace {

template <typename Op> KActivation getKind();
template <> KActivation getKind<KTanhOp>() { return KActivation::Tanh; }
template <> KActivation getKind<KSigmoidOp>() { return KActivation::Sigmoid; }
template <> KActivation getKind<KSwishOp>() { return KActivation::Swish; }
template <> KActivation getKind<KGeluOp>() { return KActivation::Gelu; }

/// The packed table rotated by `rotation` (entry t is the table's entry
/// (t - rotation) mod 32: 8 looks up the entry of x / 2 at the index of x).
std::array<uint16_t, 32> rotatedTable(int rotation) {
  std::array<uint16_t, 32> packed = getKTanhPackedTable(), rotated;
  for (int t = 0; t < 32; ++t)
    rotated[t] = packed[(t - rotation) & 31];
  return rotated;
}

/// The index rotation of the bf16 table `kind` looks up: bf16 mx.ksigmoid
/// indexes with x for the K-TanH of x / 2.
int bf16Rotation(KActivation kind) {
  return kind == KActivation::Sigmoid ? 8 : 0;
}

/// The same for the f32 table (also used by bf16 swish and GELU, which
/// compute in f32): sigmoid and swish look up 2 ktanh(x / 2) at x's index
/// (rotation 8), GELU 0.5 ktanh(2 w) at w's index (rotation -8 = 24).
int f32Rotation(KActivation kind) {
  if (kind == KActivation::Gelu)
    return 24;
  return kind == KActivation::Sigmoid || kind == KActivation::Swish ? 8 : 0;
}

/// The exponent change of a rotated table's results (emitKTanhF32Bits's
/// `scale`): +1 for rotation 8, -1 for rotation 24.
int rotationScale(int rotation) {
  return rotation == 8 ? 1 : rotation == 24 ? -1 : 0;
}

/// The packed table as constants of the element type and shape a lookup
/// needs (`shift` moves every entry left, `byteIndex` picks a byte).
Value tableConstant(OpBuilder &b, Location loc, Type element, int64_t shift,
                    int byteIndex = -1, int rotation = 0) {
  unsigned width = element.getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (uint16_t entry : rotatedTable(rotation)) {
    uint64_t value = byteIndex < 0 ? uint64_t(entry) << shift
                                   : (entry >> (8 * byteIndex)) & 0xFF;
    values.push_back(APInt(width, value));
  }
  auto type = VectorType::get({32}, element);
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, values));
}

Value splatLike(OpBuilder &b, Location loc, Value like, int64_t value) {
  return emitSplat(b, loc, like.getType(), value);
}

Value shrui(OpBuilder &b, Location loc, Value x, int64_t amount) {
  return arith::ShRUIOp::create(b, loc, x, splatLike(b, loc, x, amount));
}

Value shli(OpBuilder &b, Location loc, Value x, int64_t amount) {
  return arith::ShLIOp::create(b, loc, x, splatLike(b, loc, x, amount));
}

/// AArch64: the entries of byte indices `index` (vector of i8) from the two
/// byte tables, zero-extended to `wide` lanes and shifted so that the low
/// byte lands at bit `shift`.
Value lookupBytePair(OpBuilder &b, Location loc, Value index, Type wide,
                     int64_t shift, int rotation = 0) {
  // tbl takes 16 indices: 8 are padded (the upper half is a copy) and the
  // low half of the result kept.
  int64_t lanes = cast<VectorType>(index.getType()).getNumElements();
  Value padded = index;
  if (lanes < 16) {
    SmallVector<int64_t> repeat;
    for (int64_t i = 0; i < 16; ++i)
      repeat.push_back(i % lanes);
    padded = vector::ShuffleOp::create(b, loc, index, index, repeat);
  }
  Value result;
  for (int byteIndex : {0, 1}) {
    Value table = tableConstant(b, loc, b.getI8Type(), 0, byteIndex, rotation);
    Value bytes = LookupOp::create(b, loc, cast<VectorType>(padded.getType()),
                                   table, padded);
    if (lanes < 16)
      bytes = vector::ExtractStridedSliceOp::create(b, loc, bytes, {0}, {lanes},
                                                    {1});
    Value widened = arith::ExtUIOp::create(b, loc, wide, bytes);
    widened = shli(b, loc, widened, shift + 8 * byteIndex);
    result = result ? arith::OrIOp::create(b, loc, result, widened).getResult()
                    : widened;
  }
  return result;
}

/// Packed entries for bf16 bit patterns (vector<N x i16>), from the table
/// rotated by `rotation`.
Value lookupBF16(OpBuilder &b, Location loc, Value h, VectorTarget target,
                 int rotation) {
  auto type = cast<VectorType>(h.getType());
  Value index = shrui(b, loc, h, 4);
  if (target == VectorTarget::AArch64Neon)
    return lookupBytePair(
        b, loc,
        arith::TruncIOp::create(b, loc, type.clone(b.getI8Type()), index), type,
        0, rotation);
  return LookupOp::create(
      b, loc, type,
      tableConstant(b, loc, b.getI16Type(), 0, /*byteIndex=*/-1, rotation),
      index);
}

/// x86 f32: the two tables of 32-bit entries of emitKTanhF32Bits's split
/// form, rotated by `rotation` (8: for 2 ktanh(x / 2), one more in the
/// exponent; 24: for 0.5 ktanh(2 x), one less): the offsets C'_t (`shifts`
/// false) or rt. Two registers each, looked up with one vpermi2ps.
Value splitTableConstant(OpBuilder &b, Location loc, int rotation,
                         bool shifts) {
  std::array<uint16_t, 32> packed = getKTanhPackedTable();
  int scale = rotationScale(rotation);
  SmallVector<APInt> values;
  for (int t = 0; t < 32; ++t) {
    uint16_t entry = packed[(t - rotation) & 31];
    uint32_t rt = entry >> 12;
    // The biased exponent of the table region's inputs of index t: t's top
    // two bits are its low two, and the region is [0.25, 4), exponents
    // 125..128 ([0.5, 8) for the inputs x of 2 ktanh(x / 2), [0.125, 2) for
    // those of 0.5 ktanh(2 x)).
    uint32_t lowest = 125 + scale;
    uint32_t exponent = lowest + ((uint32_t(t >> 3) - lowest) & 3);
    uint32_t offset = (uint32_t(0x3E00 + (entry & 0x1FF)) << 16) +
                      uint32_t(scale * 0x00800000) - (exponent << (23 - rt));
    values.push_back(APInt(32, shifts ? rt : offset));
  }
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(VectorType::get({32}, b.getI32Type()), values));
}

/// x86 bf16 GELU: the 16-bit form of the split tables for 0.5 ktanh(2 w)
/// (rotation -8): offsets `0x3D80 + (Et * 128 + bt - 0x3E00) - (E_t << (7 -
/// rt))` (mod 2^16; E_t in 124..127 the exponent of w of index t) or rt, so
/// that `C_t + (w >> rt)` is the bf16 table value. One zmm each, vpermw.
Value geluTable16Constant(OpBuilder &b, Location loc, bool shifts) {
  std::array<uint16_t, 32> packed = getKTanhPackedTable();
  SmallVector<APInt> values;
  for (int t = 0; t < 32; ++t) {
    uint16_t entry = packed[(t - 24) & 31];
    uint32_t rt = entry >> 12;
    uint32_t exponent = 124 + (t >> 3);
    uint32_t offset = 0x3D80 + (entry & 0x1FF) - (exponent << (7 - rt));
    values.push_back(APInt(16, (shifts ? rt : offset) & 0xFFFF));
  }
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(VectorType::get({32}, b.getI16Type()), values));
}

/// x86 f32: offsets or shifts (splitTableConstant) of f32 bit patterns
/// (vector<N x i32>), index b >> 20.
Value lookupSplitF32(OpBuilder &b, Location loc, Value bits, int rotation,
                     bool shifts) {
  return LookupOp::create(b, loc, cast<VectorType>(bits.getType()),
                          splitTableConstant(b, loc, rotation, shifts),
                          shrui(b, loc, bits, 20));
}

/// Entries in the high halves of f32 bit patterns (vector<N x i32>), from
/// the table rotated by `rotation`.
Value lookupF32(OpBuilder &b, Location loc, Value bits, VectorTarget target,
                int rotation) {
  auto type = cast<VectorType>(bits.getType());
  switch (target) {
  case VectorTarget::X86Avx512: {
    // The high half of b >> 4 is b >> 20 (mod 2^16): index t in its low five
    // bits. One vpermw on the 16-bit view fills every high half with its
    // entry; the low halves get entries too, which nobody reads.
    auto words = VectorType::get({type.getNumElements() * 2}, b.getI16Type());
    Value index =
        vector::BitCastOp::create(b, loc, words, shrui(b, loc, bits, 4));
    Value entries = LookupOp::create(
        b, loc, words,
        tableConstant(b, loc, b.getI16Type(), 0, /*byteIndex=*/-1, rotation),
        index);
    return vector::BitCastOp::create(b, loc, type, entries);
  }
  case VectorTarget::AArch64Sve: // The NEON form (getFixedWidthTarget).
  case VectorTarget::AArch64Neon: {
    Value index = arith::TruncIOp::create(b, loc, type.clone(b.getI8Type()),
                                          shrui(b, loc, bits, 20));
    return lookupBytePair(b, loc, index, type, 16, rotation);
  }
  case VectorTarget::X86Avx2: // Generic code (getPortableTarget).
  case VectorTarget::Generic:
    return LookupOp::create(
        b, loc, type,
        tableConstant(b, loc, b.getI32Type(), 16, /*byteIndex=*/-1, rotation),
        shrui(b, loc, bits, 20));
  }
  llvm_unreachable("unknown vector target");
}

Value bitcast(OpBuilder &b, Location loc, Type type, Value x) {
  return arith::BitcastOp::create(b, loc, type, x);
}

Type withElement(Type like, Type element) {
  if (auto vector = dyn_cast<VectorType>(like))
    return vector.clone(element);
  return element;
}

/// x86: `fn` (f32 to f32, on vector<16 x f32>) of the bf16 values `h`
/// (bits, vector<N x i16>, N a multiple of 32), rounded to bf16 bits with
/// vcvtneps2bf16. Each 32-bit lane holds two bf16 values, and both are f32
/// values after one and (odd elements, the high halves) or one shift (even
/// elements), so no widening shuffles are needed; one two-source word
/// permute puts the rounded halves back in order. vcvtneps2bf16 rounds to
/// nearest even as the element math does, but flushes subnormal results to
/// zero: callers whose results can be subnormal fix those lanes.
Value mapBF16PairsX86(OpBuilder &b, Location loc, Value h,
                      llvm::function_ref<Value(Value)> fn) {
  auto type = cast<VectorType>(h.getType());
  auto i32x16 = VectorType::get({16}, b.getI32Type());
  auto f32x16 = VectorType::get({16}, b.getF32Type());
  auto i16x16 = VectorType::get({16}, b.getI16Type());
  auto bf16x16 = VectorType::get({16}, b.getBF16Type());
  SmallVector<int64_t> interleave;
  for (int64_t i = 0; i < 16; ++i)
    interleave.append({i, i + 16});
  auto round = [&](Value y) -> Value {
    return bitcast(
        b, loc, i16x16,
        x86vector::CvtPackedF32ToBF16Op::create(b, loc, bf16x16, fn(y)));
  };
  Value result = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
  for (int64_t offset = 0; offset < type.getNumElements(); offset += 32) {
    Value chunk =
        vector::ExtractStridedSliceOp::create(b, loc, h, {offset}, {32}, {1});
    Value pairs = vector::BitCastOp::create(b, loc, i32x16, chunk);
    Value even = bitcast(b, loc, f32x16, shli(b, loc, pairs, 16));
    Value odd =
        bitcast(b, loc, f32x16,
                arith::AndIOp::create(b, loc, pairs,
                                      emitSplat(b, loc, i32x16, 0xFFFF0000)));
    Value ordered =
        vector::ShuffleOp::create(b, loc, round(even), round(odd), interleave);
    result = vector::InsertStridedSliceOp::create(b, loc, ordered, result,
                                                  {offset}, {1});
  }
  return result;
}

/// x86 tail of bf16 mx.ksigmoid: the bf16 bits of `t * 0.5 + 0.5` for t
/// (bf16 bits, vector<N x i16>); the results are never subnormal.
Value sigmoidTailX86(OpBuilder &b, Location loc, Value t) {
  return mapBF16PairsX86(
      b, loc, t, [&](Value y) { return emitKSigmoidTailF32(b, loc, y); });
}

/// x86 bf16 swish (bits `h`, vector<N x i16>): the f32 element math on pairs
/// (mapBF16PairsX86). Its results are subnormal only for inputs below
/// 2^-125 (magnitude bits < 0x100), where it is x * 0.5 exactly (the tanh
/// is the identity and t * 0.5 + 0.5 rounds to 0.5): those lanes are the
/// bf16 x / 2 rounded to nearest even, the magnitude bits halved.
Value swishBF16X86(OpBuilder &b, Location loc, KActivation kind, Value h,
                   KTanhLookupFn lookupF32Fn, KTanhLookupFn shiftF32Fn) {
  Value y = mapBF16PairsX86(b, loc, h, [&](Value x) {
    return emitKActivationF32(b, loc, kind, x, KTanhMantissa::bf16, lookupF32Fn,
                              shiftF32Fn);
  });
  auto c = [&](int64_t v) { return emitSplat(b, loc, h.getType(), v); };
  Value magnitude = arith::AndIOp::create(b, loc, h, c(0x7FFF));
  Value halved = shrui(b, loc, magnitude, 1);
  Value odd = arith::AndIOp::create(
      b, loc, arith::AndIOp::create(b, loc, halved, magnitude), c(1));
  Value tiny =
      arith::OrIOp::create(b, loc, arith::AddIOp::create(b, loc, halved, odd),
                           arith::AndIOp::create(b, loc, h, c(0x8000)));
  Value isTiny = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                       magnitude, c(0x100));
  return arith::SelectOp::create(b, loc, isTiny, tiny, y);
}

/// x86 bf16 GELU (bits `h`, vector<N x i16>, N a multiple of 32), the same
/// bits as the f32 element math with mantissa(bf16) rounded to bf16, with
/// only the f32 arithmetic in f32: per 32 lanes, the sign, -Inf, NaN, x / 2
/// (an exponent decrement, exact for |x| >= 2^-125), the K-TanH of w (which
/// reads only w's bf16 truncation, so the high halves of the f32 w are
/// packed into one vector: one vpermw per table for 32 lanes), the tiny and
/// -Inf lanes (in a branch taken only by vectors that have one) and NaN
/// lanes all run in 16-bit lanes; |x|, x / 2 and 0.5 ktanh(2 w) become
/// f32 on the two halves of each 32-bit lane (one and or one shift), and
/// w = |x| (c0 + c1 x^2) and fma(|x|, h, x / 2) are f32.
Value geluBF16X86(OpBuilder &b, Location loc, Value h) {
  auto type = cast<VectorType>(h.getType());
  auto i16x32 = VectorType::get({32}, b.getI16Type());
  auto i16x16 = VectorType::get({16}, b.getI16Type());
  auto i32x16 = VectorType::get({16}, b.getI32Type());
  auto f32x16 = VectorType::get({16}, b.getF32Type());
  auto bf16x16 = VectorType::get({16}, b.getBF16Type());
  auto c16 = [&](int64_t v) { return emitSplat(b, loc, i16x32, v); };
  auto c32 = [&](int64_t v) { return emitSplat(b, loc, i32x16, v); };
  auto cf = [&](float v) { return emitSplatF32(b, loc, f32x16, v); };
  auto andi = [&](Value x, Value y) -> Value {
    return arith::AndIOp::create(b, loc, x, y);
  };
  auto cmp = [&](arith::CmpIPredicate p, Value x, int64_t y) -> Value {
    return arith::CmpIOp::create(b, loc, p, x, c16(y));
  };
  auto select = [&](Value cond, Value x, Value y) -> Value {
    return arith::SelectOp::create(b, loc, cond, x, y);
  };
  // The two f32 values of each 32-bit lane of 32 bf16 bit patterns.
  auto halves = [&](Value v) -> std::pair<Value, Value> {
    Value pairs = vector::BitCastOp::create(b, loc, i32x16, v);
    return {bitcast(b, loc, f32x16, shli(b, loc, pairs, 16)),
            bitcast(b, loc, f32x16, andi(pairs, c32(0xFFFF0000)))};
  };
  auto w = [&](Value a) {
    Value p = math::FmaOp::create(b, loc, arith::MulFOp::create(b, loc, a, a),
                                  cf(kKGeluC1Half), cf(kKGeluC0Half));
    return bitcast(b, loc, i32x16, arith::MulFOp::create(b, loc, a, p));
  };
  auto round = [&](Value y) -> Value {
    return bitcast(b, loc, i16x16,
                   x86vector::CvtPackedF32ToBF16Op::create(b, loc, bf16x16, y));
  };
  SmallVector<int64_t> interleave;
  for (int64_t i = 0; i < 16; ++i)
    interleave.append({i, i + 16});
  Value offsets = geluTable16Constant(b, loc, /*shifts=*/false);
  Value shifts = geluTable16Constant(b, loc, /*shifts=*/true);

  Value result = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
  for (int64_t offset = 0; offset < type.getNumElements(); offset += 32) {
    Value x =
        vector::ExtractStridedSliceOp::create(b, loc, h, {offset}, {32}, {1});
    // NaN needs no select: |x| keeps the NaN, w and t are NaN and 0.5, and
    // x / 2 is finite (the exponent decremented), so the fma returns |x|
    // quieted and vcvtne2ps2bf16 its top half quieted: |x| | 0x40, and the
    // sign or-ed in below makes it x | 0x40, the op's NaN result.
    Value a = andi(x, c16(0x7FFF));
    Value half = arith::SubIOp::create(b, loc, x, c16(0x80));
    auto [aEven, aOdd] = halves(a);
    auto [halfEven, halfOdd] = halves(half);
    // The bf16 truncations of w: high halves of the odd lanes in place, of
    // the even lanes shifted down.
    Value wPacked = vector::BitCastOp::create(
        b, loc, i16x32,
        arith::OrIOp::create(b, loc, shrui(b, loc, w(aEven), 16),
                             andi(w(aOdd), c32(0xFFFF0000))));
    Value index = shrui(b, loc, wPacked, 4);
    Value lut = arith::AddIOp::create(
        b, loc, LookupOp::create(b, loc, i16x32, offsets, index),
        arith::ShRUIOp::create(
            b, loc, wPacked, LookupOp::create(b, loc, i16x32, shifts, index)));
    Value t =
        select(cmp(arith::CmpIPredicate::ult, wPacked, 0x3E00), wPacked, lut);
    t = select(cmp(arith::CmpIPredicate::ugt, wPacked, 0x3FF0), c16(0x3F00), t);
    auto [tEven, tOdd] = halves(t);
    Value g = vector::ShuffleOp::create(
        b, loc, round(math::FmaOp::create(b, loc, aEven, tEven, halfEven)),
        round(math::FmaOp::create(b, loc, aOdd, tOdd, halfOdd)), interleave);
    result =
        vector::InsertStridedSliceOp::create(b, loc, g, result, {offset}, {1});
  }
  // y <= 0 for x <= 0: the sign turns +0 into -0.
  auto cv = [&](int64_t v) { return emitSplat(b, loc, type, v); };
  Value sign = andi(h, cv(0x8000));
  result = arith::OrIOp::create(b, loc, result, sign);

  // Two kinds of lanes are rare and fixed up only in a vector that has one
  // (one compare pair and a branch instead of eight instructions per 32
  // lanes): |x| < 2^-125, whose result x / 2 vcvtne2ps2bf16 would flush
  // (the magnitude halved to nearest even instead), and -Inf, where
  // fma(Inf, 0.5, -2^127) is +Inf but the limit is -0.
  Value a = andi(h, cv(0x7FFF));
  Value isTiny = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, a,
                                       cv(0x100));
  Value isMinusInf = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           h, cv(0xFF80));
  Value anyRare = vector::ReductionOp::create(
      b, loc, vector::CombiningKind::OR,
      arith::OrIOp::create(b, loc, isTiny, isMinusInf));
  auto ifOp = scf::IfOp::create(
      b, loc, anyRare,
      [&](OpBuilder &b, Location loc) {
        Value halved = shrui(b, loc, a, 1);
        Value odd = arith::AndIOp::create(
            b, loc, arith::AndIOp::create(b, loc, halved, a), cv(1));
        Value tiny = arith::OrIOp::create(
            b, loc, arith::AddIOp::create(b, loc, halved, odd), sign);
        Value y = arith::SelectOp::create(b, loc, isTiny, tiny, result);
        y = arith::SelectOp::create(b, loc, isMinusInf, cv(0x8000), y);
        scf::YieldOp::create(b, loc, y);
      },
      [&](OpBuilder &b, Location loc) { scf::YieldOp::create(b, loc, result); });
  return ifOp.getResult(0);
}

/// `kind` of the f32 or bf16 values `x` (scalar or vector), with the table
/// looked up by `lookupBF16Fn` (bf16 K-TanH; rotated by bf16Rotation(kind))
/// or `lookupF32Fn` (rotated by f32Rotation(kind)). `x86`: vectors of a
/// multiple of 32 lanes on x86-64-avx512, whose bf16 derived activations round
/// with vcvtneps2bf16.
Value computeActivation(OpBuilder &b, Location loc, KActivation kind,
                        KTanhMantissa mantissa, Value x,
                        KTanhLookupFn lookupBF16Fn, KTanhLookupFn lookupF32Fn,
                        bool x86 = false, KTanhLookupFn shiftF32Fn = nullptr) {
  Type type = x.getType();
  Type i16 = withElement(type, b.getI16Type());
  Type i32 = withElement(type, b.getI32Type());
  Type f32 = withElement(type, b.getF32Type());
  if (getElementTypeOrSelf(type).isF32())
    return emitKActivationF32(b, loc, kind, x, mantissa, lookupF32Fn,
                              shiftF32Fn);
  Value h = bitcast(b, loc, i16, x);
  if (kind == KActivation::Tanh)
    return bitcast(b, loc, type, emitKTanhBF16Bits(b, loc, h, lookupBF16Fn));
  if (kind == KActivation::Sigmoid) {
    auto x86Tail = [&](Value t) { return sigmoidTailX86(b, loc, t); };
    return bitcast(
        b, loc, type,
        emitKSigmoidBF16Bits(b, loc, h, lookupBF16Fn,
                             x86 ? llvm::function_ref<Value(Value)>(x86Tail)
                                 : nullptr));
  }
  if (x86 && kind == KActivation::Gelu)
    return bitcast(b, loc, type, geluBF16X86(b, loc, h));
  if (x86)
    return bitcast(b, loc, type,
                   swishBF16X86(b, loc, kind, h, lookupF32Fn, shiftF32Fn));
  Value wide = shli(b, loc, arith::ExtUIOp::create(b, loc, i32, h), 16);
  Value y = emitKActivationF32(b, loc, kind, bitcast(b, loc, f32, wide),
                               KTanhMantissa::bf16, lookupF32Fn, shiftF32Fn);
  return bitcast(b, loc, type,
                 emitKRoundToBF16Bits(b, loc, bitcast(b, loc, i32, y)));
}

//===----------------------------------------------------------------------===//
// Reference: linalg.generic
//===----------------------------------------------------------------------===//

template <typename Op> struct KActivationToLinalg : OpRewritePattern<Op> {
  using OpRewritePattern<Op>::OpRewritePattern;

  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    // The table as constant tensors read with tensor.extract: 16-bit entries
    // for bf16 K-TanH, entries << 16 for the f32 element math.
    KActivation kind = getKind<Op>();
    bool bf16Table =
        type.getElementType().isBF16() &&
        (kind == KActivation::Tanh || kind == KActivation::Sigmoid);
    Value table16, table32;
    if (bf16Table)
      table16 = makeTable(rewriter, loc, rewriter.getI16Type(), 0,
                          bf16Rotation(kind));
    else
      table32 = makeTable(rewriter, loc, rewriter.getI32Type(), 16,
                          f32Rotation(kind));
    auto extract = [&](OpBuilder &b, Location l, Value table, Value index) {
      Value i = arith::IndexCastUIOp::create(b, l, b.getIndexType(), index);
      return tensor::ExtractOp::create(b, l, table, ValueRange{i}).getResult();
    };
    auto lookup16 = [&](OpBuilder &b, Location l, Value h) {
      Value t = arith::AndIOp::create(b, l, shrui(b, l, h, 4),
                                      splatLike(b, l, h, 31));
      return extract(b, l, table16, t);
    };
    auto lookup32 = [&](OpBuilder &b, Location l, Value bits) {
      Value t = arith::AndIOp::create(b, l, shrui(b, l, bits, 20),
                                      splatLike(b, l, bits, 31));
      return extract(b, l, table32, t);
    };

    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, input);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    AffineMap identity = AffineMap::getMultiDimIdentityMap(
        type.getRank(), rewriter.getContext());
    SmallVector<utils::IteratorType> iterators(type.getRank(),
                                               utils::IteratorType::parallel);
    KTanhMantissa mantissa = op.getEffectiveMantissa();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{input}, ValueRange{init},
        ArrayRef<AffineMap>{identity, identity}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value y = computeActivation(
              b, l, kind, mantissa, args[0],
              [&](Value h) { return lookup16(b, l, h); },
              [&](Value bits) { return lookup32(b, l, bits); });
          linalg::YieldOp::create(b, l, y);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }

  static Value makeTable(OpBuilder &b, Location loc, Type element,
                         int64_t shift, int rotation) {
    SmallVector<APInt> values;
    for (uint16_t entry : rotatedTable(rotation))
      values.push_back(
          APInt(element.getIntOrFloatBitWidth(), uint64_t(entry) << shift));
    auto type = RankedTensorType::get({32}, element);
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(type, values));
  }
};

//===----------------------------------------------------------------------===//
// Vector loops
//===----------------------------------------------------------------------===//

template <typename Op> struct KActivationToVector : OpRewritePattern<Op> {
  KActivationToVector(MLIRContext *ctx, VectorTarget target)
      : OpRewritePattern<Op>(ctx), target(target) {}

  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    Type element = type.getElementType();
    KActivation kind = getKind<Op>();
    KTanhMantissa mantissa = op.getEffectiveMantissa();

    // The flattened tensor and its length.
    // (A 0-d tensor becomes a tensor<1x...>.)
    SmallVector<ReassociationIndices> reassociation;
    if (type.getRank() > 0)
      reassociation.push_back(
          llvm::to_vector(llvm::seq<int64_t>(0, type.getRank())));
    Value flat = input;
    if (type.getRank() > 1)
      flat =
          tensor::CollapseShapeOp::create(rewriter, loc, input, reassociation);
    else if (type.getRank() == 0)
      flat = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({1}, type.getElementType()),
          input, reassociation);
    auto flatType = cast<RankedTensorType>(flat.getType());
    int64_t staticSize = flatType.getDimSize(0);
    int64_t lanes = getLanes(target, kind);
    Value size = ShapedType::isDynamic(staticSize)
                     ? tensor::DimOp::create(rewriter, loc, flat, 0).getResult()
                     : arith::ConstantIndexOp::create(rewriter, loc, staticSize)
                           .getResult();
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, v);
    };
    Value full =
        ShapedType::isDynamic(staticSize)
            ? arith::SubIOp::create(
                  rewriter, loc, size,
                  arith::RemUIOp::create(rewriter, loc, size, index(lanes)))
                  .getResult()
            : index(staticSize - staticSize % lanes);
    Value dest = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, flat), element);

    auto vectorType = VectorType::get({lanes}, element);
    auto step = [&](OpBuilder &b, Location l, Value i, Value into,
                    bool inBounds) -> Value {
      Value pad = arith::ConstantOp::create(b, l, b.getZeroAttr(element));
      Value x = vector::TransferReadOp::create(
          b, l, vectorType, flat, ValueRange{i}, pad, ArrayRef<bool>{inBounds});
      Value y = computeActivation(
          b, l, kind, mantissa, x,
          [&](Value h) {
            return lookupBF16(b, l, h, target, bf16Rotation(kind));
          },
          [&](Value bits) {
            if (target == VectorTarget::X86Avx512)
              return lookupSplitF32(b, l, bits, f32Rotation(kind), false);
            return lookupF32(b, l, bits, target, f32Rotation(kind));
          },
          target == VectorTarget::X86Avx512,
          target == VectorTarget::X86Avx512 ? KTanhLookupFn([&](Value bits) {
            return lookupSplitF32(b, l, bits, f32Rotation(kind), true);
          })
                                            : nullptr);
      return vector::TransferWriteOp::create(b, l, y, into, ValueRange{i},
                                             ArrayRef<bool>{inBounds})
          .getResult();
    };
    auto loop = scf::ForOp::create(
        rewriter, loc, index(0), full, index(lanes), ValueRange{dest},
        [&](OpBuilder &b, Location l, Value i, ValueRange args) {
          scf::YieldOp::create(b, l, step(b, l, i, args[0], true));
        });
    Value result = loop.getResult(0);
    if (ShapedType::isDynamic(staticSize) || staticSize % lanes != 0)
      result = step(rewriter, loc, full, result, false);

    if (type.getRank() > 1)
      result = tensor::ExpandShapeOp::create(
          rewriter, loc, type, result, reassociation,
          tensor::getMixedSizes(rewriter, loc, input));
    else if (type.getRank() == 0)
      result = tensor::CollapseShapeOp::create(rewriter, loc, type, result,
                                               reassociation);
    rewriter.replaceOp(op, result);
    return success();
  }

  VectorTarget target;
};

//===----------------------------------------------------------------------===//
// mx.lookup of 16-bit tables on x86
//===----------------------------------------------------------------------===//

/// vpermw: a 32 x 16-bit table in one zmm register, 32 lanes per permute.
struct LookupWordsToX86 : OpRewritePattern<LookupOp> {
  LookupWordsToX86(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/3) {}

  LogicalResult matchAndRewrite(LookupOp op,
                                PatternRewriter &rewriter) const override {
    VectorType table = op.getTable().getType();
    VectorType resultType = op.getResult().getType();
    auto indexType = cast<VectorType>(op.getIndices().getType());
    if (!table.getElementType().isInteger(16) || table.getNumElements() != 32 ||
        !indexType.getElementType().isInteger(16) ||
        resultType.getNumElements() % 32 != 0)
      return rewriter.notifyMatchFailure(op, "not a 32-entry i16 table");
    Location loc = op.getLoc();
    auto chunkType = VectorType::get({32}, rewriter.getI16Type());
    // The 512-bit vpermw reads index bits [4:0] only: that is the modulo.
    Value indices = op.getIndices();
    Value result = arith::ConstantOp::create(rewriter, loc,
                                             rewriter.getZeroAttr(resultType));
    for (int64_t offset = 0, e = resultType.getNumElements(); offset < e;
         offset += 32) {
      Value chunk = vector::ExtractStridedSliceOp::create(
          rewriter, loc, indices, {offset}, {32}, {1});
      Value permuted =
          LLVM::CallIntrinsicOp::create(
              rewriter, loc, chunkType,
              rewriter.getStringAttr("llvm.x86.avx512.permvar.hi.512"),
              ValueRange{op.getTable(), chunk})
              .getResult(0);
      result = vector::InsertStridedSliceOp::create(rewriter, loc, permuted,
                                                    result, {offset}, {1});
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A shuffle of two vcvtneps2bf16 results (16 lanes each, seen as i16)
/// becomes the same shuffle of one vcvtne2ps2bf16, which rounds both into
/// one register ([first | second], the order the shuffle indexes): one
/// instruction of two uops instead of two of two each. The K-TanH pair
/// lowerings (mapBF16PairsX86, geluBF16X86) produce this form; it is built
/// here, after bufferization, because an intrinsic call has unknown memory
/// effects.
template <typename Op> struct PairedBF16RoundToX86 : OpRewritePattern<Op> {
  using OpRewritePattern<Op>::OpRewritePattern;

  static Value getRounded(Value v) {
    Value source;
    if (auto cast = v.getDefiningOp<vector::BitCastOp>())
      source = cast.getSource();
    else if (auto cast = v.getDefiningOp<arith::BitcastOp>())
      source = cast.getIn();
    else
      return nullptr;
    auto cvt = source.getDefiningOp<x86vector::CvtPackedF32ToBF16Op>();
    if (!cvt || cast<VectorType>(cvt.getA().getType()).getNumElements() != 16)
      return nullptr;
    return cvt.getA();
  }

  static std::pair<Value, Value> getOperands(vector::ShuffleOp op) {
    return {op.getV1(), op.getV2()};
  }
  static std::pair<Value, Value> getOperands(vector::InterleaveOp op) {
    return {op.getLhs(), op.getRhs()};
  }
  static SmallVector<int64_t> getMask(vector::ShuffleOp op) {
    return llvm::to_vector(op.getMask());
  }
  static SmallVector<int64_t> getMask(vector::InterleaveOp) {
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < 16; ++i)
      mask.append({i, i + 16});
    return mask;
  }

  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    auto [lhs, rhs] = getOperands(op);
    auto type = dyn_cast<VectorType>(lhs.getType());
    if (!type || type.getRank() != 1 || type.getNumElements() != 16 ||
        !type.getElementType().isInteger(16))
      return rewriter.notifyMatchFailure(op, "not two 16 x i16 vectors");
    Value first = getRounded(lhs), second = getRounded(rhs);
    if (!first || !second)
      return rewriter.notifyMatchFailure(op, "not two vcvtneps2bf16");
    Location loc = op.getLoc();
    Value packed =
        LLVM::CallIntrinsicOp::create(
            rewriter, loc, VectorType::get({32}, rewriter.getBF16Type()),
            rewriter.getStringAttr("llvm.x86.avx512bf16.cvtne2ps2bf16.512"),
            ValueRange{second, first})
            .getResult(0);
    auto words = VectorType::get({32}, rewriter.getI16Type());
    packed = vector::BitCastOp::create(rewriter, loc, words, packed);
    rewriter.replaceOpWithNewOp<vector::ShuffleOp>(op, packed, packed,
                                                   getMask(op));
    return success();
  }
};

} // namespace

void mx::populateKActivationToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<KActivationToLinalg<KTanhOp>, KActivationToLinalg<KSigmoidOp>,
               KActivationToLinalg<KSwishOp>, KActivationToLinalg<KGeluOp>>(
      patterns.getContext());
}

void mx::populateKActivationToVectorPatterns(RewritePatternSet &patterns,
                                             VectorTarget target) {
  patterns.add<KActivationToVector<KTanhOp>, KActivationToVector<KSigmoidOp>,
               KActivationToVector<KSwishOp>, KActivationToVector<KGeluOp>>(
      patterns.getContext(), target);
}

void mx::populateKTanhLookupLoweringPatterns(RewritePatternSet &patterns,
                                             VectorTarget target) {
  if (target == VectorTarget::X86Avx512)
    patterns.add<LookupWordsToX86, PairedBF16RoundToX86<vector::ShuffleOp>,
                 PairedBF16RoundToX86<vector::InterleaveOp>>(
        patterns.getContext());
}
