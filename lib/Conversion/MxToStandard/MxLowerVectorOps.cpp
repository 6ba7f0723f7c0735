//===- MxLowerVectorOps.cpp - mx.lookup, mx.dot_* and mx.mmla_i8 ----------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/KTanhLowering.h"
#include "mx/Conversion/MxElementMath.h"
#include "mx/Conversion/MxToVector.h"
#include "mx/Conversion/Passes.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "mx-lower-vector-ops"

namespace mlir::mx {
#define GEN_PASS_DEF_MXLOWERVECTOROPSPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// The op's indices converted to `element` lanes (zero-extended or
/// truncated; no modulo).
Value convertedIndices(OpBuilder &b, Location loc, LookupOp op, Type element) {
  Value indices = op.getIndices();
  auto type = cast<VectorType>(indices.getType());
  auto target = type.clone(element);
  unsigned from = type.getElementTypeBitWidth();
  unsigned to = element.getIntOrFloatBitWidth();
  if (from < to)
    return arith::ExtUIOp::create(b, loc, target, indices);
  if (from > to)
    return arith::TruncIOp::create(b, loc, target, indices);
  return indices;
}

/// Indices converted to `element` lanes and reduced modulo the table size.
Value maskedIndices(OpBuilder &b, Location loc, LookupOp op, Type element) {
  Value indices = convertedIndices(b, loc, op, element);
  int64_t entries = op.getTable().getType().getNumElements();
  return arith::AndIOp::create(
      b, loc, indices, emitSplat(b, loc, indices.getType(), entries - 1));
}

/// Applies `lookup` to each group of `width` lanes of `indices` and
/// reassembles the result.
Value perLaneGroup(OpBuilder &b, Location loc, Value indices,
                   VectorType resultType, int64_t width,
                   function_ref<Value(Value)> lookup) {
  int64_t lanes = resultType.getNumElements();
  Value result = arith::ConstantOp::create(b, loc, b.getZeroAttr(resultType));
  for (int64_t offset = 0; offset < lanes; offset += width) {
    Value chunk = vector::ExtractStridedSliceOp::create(b, loc, indices,
                                                        {offset}, {width}, {1});
    result = vector::InsertStridedSliceOp::create(b, loc, lookup(chunk), result,
                                                  {offset}, {1});
  }
  return result;
}

/// x86 AVX-512: vpermps (16 entries) and vpermi2ps (32 entries).
struct LookupToX86 : OpRewritePattern<LookupOp> {
  LookupToX86(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(LookupOp op,
                                PatternRewriter &rewriter) const override {
    VectorType table = op.getTable().getType();
    VectorType resultType = op.getResult().getType();
    int64_t entries = table.getNumElements();
    if (table.getElementTypeBitWidth() != 32 ||
        (entries != 16 && entries != 32) ||
        resultType.getNumElements() % 16 != 0)
      return rewriter.notifyMatchFailure(op, "no AVX-512 permute fits");
    Location loc = op.getLoc();
    auto f32x16 = VectorType::get({16}, rewriter.getF32Type());
    auto asF32 = [&](Value v) -> Value {
      auto type = cast<VectorType>(v.getType());
      if (type.getElementType().isF32())
        return v;
      return arith::BitcastOp::create(rewriter, loc,
                                      type.clone(rewriter.getF32Type()), v);
    };
    Value tableF32 = asF32(op.getTable());
    SmallVector<Value> halves;
    if (entries == 32)
      for (int64_t offset : {0, 16})
        halves.push_back(vector::ExtractStridedSliceOp::create(
            rewriter, loc, tableF32, {offset}, {16}, {1}));
    // vpermps and vpermi2ps read index bits [3:0] / [4:0] only: that is the
    // modulo, so 32-bit indices need no mask.
    Value indices = op.getIndices();
    if (!cast<VectorType>(indices.getType()).getElementType().isInteger(32))
      indices = maskedIndices(rewriter, loc, op, rewriter.getI32Type());
    Value result = perLaneGroup(
        rewriter, loc, indices, resultType.clone(rewriter.getF32Type()), 16,
        [&](Value chunk) -> Value {
          if (entries == 16)
            return LLVM::CallIntrinsicOp::create(
                       rewriter, loc, f32x16,
                       rewriter.getStringAttr("llvm.x86.avx512.permvar.sf.512"),
                       ValueRange{tableF32, chunk})
                .getResult(0);
          return LLVM::CallIntrinsicOp::create(
                     rewriter, loc, f32x16,
                     rewriter.getStringAttr(
                         "llvm.x86.avx512.vpermi2var.ps.512"),
                     ValueRange{halves[0], chunk, halves[1]})
              .getResult(0);
        });
    if (resultType.getElementType() != rewriter.getF32Type())
      result = arith::BitcastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// x86 AVX-512 BW: 16-bit tables of 32 entries (vpermw), 64 (vpermi2w) or
/// 128 (two vpermi2w, chosen by index bit 6), 32 lanes per permute. The
/// permutes read index bits [4:0] / [5:0] only: that is the modulo.
struct WordLookupToX86 : OpRewritePattern<LookupOp> {
  WordLookupToX86(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/3) {}

  LogicalResult matchAndRewrite(LookupOp op,
                                PatternRewriter &rewriter) const override {
    VectorType table = op.getTable().getType();
    VectorType resultType = op.getResult().getType();
    int64_t entries = table.getNumElements();
    if (table.getElementTypeBitWidth() != 16 ||
        (entries != 32 && entries != 64 && entries != 128) ||
        resultType.getNumElements() % 32 != 0)
      return rewriter.notifyMatchFailure(op, "no AVX-512 word permute fits");
    Location loc = op.getLoc();
    Type i16 = rewriter.getI16Type();
    auto i16x32 = VectorType::get({32}, i16);
    Value tableI16 = op.getTable();
    if (!table.getElementType().isInteger(16))
      tableI16 =
          arith::BitcastOp::create(rewriter, loc, table.clone(i16), tableI16);
    SmallVector<Value> parts;
    for (int64_t offset = 0; offset < entries; offset += 32)
      parts.push_back(vector::ExtractStridedSliceOp::create(
          rewriter, loc, tableI16, {offset}, {32}, {1}));
    Value indices = convertedIndices(rewriter, loc, op, i16);
    auto permute2 = [&](Value low, Value chunk, Value high) -> Value {
      return LLVM::CallIntrinsicOp::create(
                 rewriter, loc, i16x32,
                 rewriter.getStringAttr("llvm.x86.avx512.vpermi2var.hi.512"),
                 ValueRange{low, chunk, high})
          .getResult(0);
    };
    Value bit6 = emitSplat(rewriter, loc, i16x32, 64);
    Value zero = emitSplat(rewriter, loc, i16x32, 0);
    Value result = perLaneGroup(
        rewriter, loc, indices, resultType.clone(i16), 32,
        [&](Value chunk) -> Value {
          if (entries == 32)
            return LLVM::CallIntrinsicOp::create(
                       rewriter, loc, i16x32,
                       rewriter.getStringAttr("llvm.x86.avx512.permvar.hi.512"),
                       ValueRange{parts[0], chunk})
                .getResult(0);
          Value part = permute2(parts[0], chunk, parts[1]);
          if (entries == 64)
            return part;
          Value upper = arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::ne,
              arith::AndIOp::create(rewriter, loc, chunk, bit6), zero);
          return arith::SelectOp::create(
              rewriter, loc, upper, permute2(parts[2], chunk, parts[3]), part);
        });
    if (resultType.getElementType() != i16)
      result = arith::BitcastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// AArch64 NEON: tbl1..tbl4 on byte tables of 16..64 entries.
struct LookupToAArch64 : OpRewritePattern<LookupOp> {
  LookupToAArch64(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(LookupOp op,
                                PatternRewriter &rewriter) const override {
    VectorType table = op.getTable().getType();
    VectorType resultType = op.getResult().getType();
    int64_t entries = table.getNumElements();
    if (!table.getElementType().isInteger(8) || entries < 16 || entries > 64 ||
        resultType.getNumElements() % 16 != 0)
      return rewriter.notifyMatchFailure(op, "no tbl fits");
    Location loc = op.getLoc();
    SmallVector<Value> operands;
    for (int64_t offset = 0; offset < entries; offset += 16)
      operands.push_back(vector::ExtractStridedSliceOp::create(
          rewriter, loc, op.getTable(), {offset}, {16}, {1}));
    std::string name =
        "llvm.aarch64.neon.tbl" + std::to_string(entries / 16) + ".v16i8";
    auto i8x16 = VectorType::get({16}, rewriter.getI8Type());
    Value indices = maskedIndices(rewriter, loc, op, rewriter.getI8Type());
    Value result = perLaneGroup(
        rewriter, loc, indices, resultType, 16, [&](Value chunk) -> Value {
          SmallVector<Value> args(operands);
          args.push_back(chunk);
          return LLVM::CallIntrinsicOp::create(
                     rewriter, loc, i8x16, rewriter.getStringAttr(name), args)
              .getResult(0);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Any target: one compare/select per table entry, on whole vectors.
struct LookupToSelects : OpRewritePattern<LookupOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LookupOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    VectorType resultType = op.getResult().getType();
    auto indexType = cast<VectorType>(op.getIndices().getType());
    Value indices =
        maskedIndices(rewriter, loc, op, indexType.getElementType());
    auto entry = [&](int64_t j) -> Value {
      Value scalar = vector::ExtractOp::create(rewriter, loc, op.getTable(),
                                               ArrayRef<int64_t>{j});
      return vector::BroadcastOp::create(rewriter, loc, resultType, scalar);
    };
    Value result = entry(0);
    int64_t entries = op.getTable().getType().getNumElements();
    for (int64_t j = 1; j < entries; ++j) {
      Value hit = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                        indices,
                                        emitSplat(rewriter, loc, indexType, j));
      result = arith::SelectOp::create(rewriter, loc, hit, entry(j), result);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// x86 AVX-512 BF16: the op is vdpbf16ps (x86vector.avx512.dot) for 4, 8 or
/// 16 lanes.
struct DotBF16ToX86 : OpRewritePattern<DotBF16Op> {
  DotBF16ToX86(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(DotBF16Op op,
                                PatternRewriter &rewriter) const override {
    int64_t lanes = op.getAcc().getType().getNumElements();
    if (lanes != 4 && lanes != 8 && lanes != 16)
      return rewriter.notifyMatchFailure(op, "no vdpbf16ps of this width");
    rewriter.replaceOpWithNewOp<x86vector::DotBF16Op>(
        op, op.getType(), op.getAcc(), op.getA(), op.getB());
    return success();
  }
};

/// `acc` updated per register of `registerLanes` accumulator lanes by
/// `update(accPart, aPart, bPart)` on the matching slices of `a` and `b`;
/// replaces `op` with the result.
LogicalResult
accumulatePerRegister(PatternRewriter &rewriter, Operation *op, Value acc,
                      Value a, Value b, int64_t registerLanes,
                      function_ref<Value(Value, Value, Value)> update) {
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements();
  if (lanes % registerLanes != 0)
    return rewriter.notifyMatchFailure(op, "not whole registers");
  // Elements of a and b per accumulator lane (2 bf16 or i16, 4 i8).
  int64_t ratio = cast<VectorType>(a.getType()).getNumElements() / lanes;
  Location loc = op->getLoc();
  auto slice = [&](Value v, int64_t first, int64_t size) -> Value {
    return vector::ExtractStridedSliceOp::create(rewriter, loc, v, {first},
                                                 {size}, {1});
  };
  Value result = acc;
  for (int64_t offset = 0; offset < lanes; offset += registerLanes) {
    Value part = update(slice(result, offset, registerLanes),
                        slice(a, ratio * offset, ratio * registerLanes),
                        slice(b, ratio * offset, ratio * registerLanes));
    result = vector::InsertStridedSliceOp::create(rewriter, loc, part, result,
                                                  {offset}, {1});
  }
  rewriter.replaceOp(op, result);
  return success();
}

/// AArch64: `acc` updated per 128-bit register (4 lanes) by the `intrinsics`
/// in order, each called as (acc4, a, b).
LogicalResult accumulatePer128Bits(PatternRewriter &rewriter, Operation *op,
                                   Value acc, Value a, Value b,
                                   ArrayRef<StringRef> intrinsics) {
  auto quad =
      VectorType::get({4}, cast<VectorType>(acc.getType()).getElementType());
  return accumulatePerRegister(
      rewriter, op, acc, a, b, 4, [&](Value part, Value aPart, Value bPart) {
        for (StringRef name : intrinsics)
          part = LLVM::CallIntrinsicOp::create(rewriter, op->getLoc(), quad,
                                               rewriter.getStringAttr(name),
                                               ValueRange{part, aPart, bPart})
                     .getResult(0);
        return part;
      });
}

/// AArch64 BF16: bfmlalt (odd elements) then bfmlalb (even elements) per
/// 128-bit register; both are fused and IEEE-rounded, so with exact products
/// they equal the op's two rounded additions.
struct DotBF16ToAArch64 : OpRewritePattern<DotBF16Op> {
  DotBF16ToAArch64(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(DotBF16Op op,
                                PatternRewriter &rewriter) const override {
    return accumulatePer128Bits(
        rewriter, op, op.getAcc(), op.getA(), op.getB(),
        {"llvm.aarch64.neon.bfmlalt", "llvm.aarch64.neon.bfmlalb"});
  }
};

/// Any target: deinterleave, extend, multiply (exact) and add, odd elements
/// first.
struct DotBF16ToArith : OpRewritePattern<DotBF16Op> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DotBF16Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    VectorType accType = op.getAcc().getType();
    int64_t lanes = accType.getNumElements();
    auto half = [&](Value v, int64_t parity) -> Value {
      SmallVector<int64_t> mask;
      for (int64_t i = 0; i < lanes; ++i)
        mask.push_back(2 * i + parity);
      Value picked = vector::ShuffleOp::create(rewriter, loc, v, v, mask);
      return arith::ExtFOp::create(rewriter, loc, accType, picked);
    };
    Value result = op.getAcc();
    for (int64_t parity : {1, 0}) {
      Value product = arith::MulFOp::create(
          rewriter, loc, half(op.getA(), parity), half(op.getB(), parity));
      result = arith::AddFOp::create(rewriter, loc, result, product);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// mx.dot_i8 and byte-table lookups on the targets
//===----------------------------------------------------------------------===//

/// x86 AVX512-VNNI: vpdpbusd on 16 lanes.
struct DotI8ToX86 : OpRewritePattern<DotI8Op> {
  DotI8ToX86(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(DotI8Op op,
                                PatternRewriter &rewriter) const override {
    if (op.getAcc().getType().getNumElements() != 16)
      return rewriter.notifyMatchFailure(op, "not one 512-bit register");
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, op.getType(),
        rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
        ValueRange{op.getAcc(), op.getA(), op.getB()});
    return success();
  }
};

/// AArch64 FEAT_I8MM: usdot per 128-bit register.
struct DotI8ToAArch64 : OpRewritePattern<DotI8Op> {
  DotI8ToAArch64(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(DotI8Op op,
                                PatternRewriter &rewriter) const override {
    return accumulatePer128Bits(rewriter, op, op.getAcc(), op.getA(), op.getB(),
                                {"llvm.aarch64.neon.usdot.v4i32.v16i8"});
  }
};

/// Any target: `acc` plus, in every lane i, the products of elements
/// group i + j (j < group) of `a` and `b`, extended (a unsigned if
/// `unsignedA`, b signed) to the accumulator's type.
Value addLaneGroupProducts(PatternRewriter &rewriter, Location loc, Value acc,
                           Value a, Value b, int64_t group, bool unsignedA) {
  auto accType = cast<VectorType>(acc.getType());
  int64_t lanes = accType.getNumElements();
  Value result = acc;
  for (int64_t j = 0; j < group; ++j) {
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < lanes; ++i)
      mask.push_back(group * i + j);
    Value x = vector::ShuffleOp::create(rewriter, loc, a, a, mask);
    Value y = vector::ShuffleOp::create(rewriter, loc, b, b, mask);
    x = unsignedA
            ? arith::ExtUIOp::create(rewriter, loc, accType, x).getResult()
            : arith::ExtSIOp::create(rewriter, loc, accType, x).getResult();
    y = arith::ExtSIOp::create(rewriter, loc, accType, y);
    result = arith::AddIOp::create(rewriter, loc, result,
                                   arith::MulIOp::create(rewriter, loc, x, y));
  }
  return result;
}

/// Any target: extend, multiply, and add the `Group` products of each lane
/// (A unsigned if `UnsignedA`, B signed).
template <typename DotOp, int64_t Group, bool UnsignedA>
struct DotToArith : OpRewritePattern<DotOp> {
  using OpRewritePattern<DotOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(DotOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, addLaneGroupProducts(rewriter, op.getLoc(),
                                                op.getAcc(), op.getA(),
                                                op.getB(), Group, UnsignedA));
    return success();
  }
};
using DotI8ToArith = DotToArith<DotI8Op, 4, /*UnsignedA=*/true>;
using DotI16ToArith = DotToArith<DotI16Op, 2, /*UnsignedA=*/false>;

/// x86 AVX2: vpmaddwd per 256-bit register, then one add of the pair sums.
struct DotI16ToX86 : OpRewritePattern<DotI16Op> {
  DotI16ToX86(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(DotI16Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto octet = VectorType::get({8}, rewriter.getI32Type());
    return accumulatePerRegister(
        rewriter, op, op.getAcc(), op.getA(), op.getB(), 8,
        [&](Value part, Value aPart, Value bPart) -> Value {
          Value pairSums = LLVM::CallIntrinsicOp::create(
                               rewriter, loc, octet,
                               rewriter.getStringAttr("llvm.x86.avx2.pmadd.wd"),
                               ValueRange{aPart, bPart})
                               .getResult(0);
          return arith::AddIOp::create(rewriter, loc, part, pairSums);
        });
  }
};

/// AArch64: mx.mmla_i8 as one smmla (FEAT_I8MM), mx.mmla_bf16 as one bfmmla
/// (FEAT_BF16).
template <typename MmlaOp> struct MmlaToAArch64 : OpRewritePattern<MmlaOp> {
  MmlaToAArch64(MLIRContext *ctx, StringRef intrinsic)
      : OpRewritePattern<MmlaOp>(ctx, /*benefit=*/2), intrinsic(intrinsic) {}
  LogicalResult matchAndRewrite(MmlaOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, op.getType(), rewriter.getStringAttr(intrinsic),
        ValueRange{op.getAcc(), op.getA(), op.getB()});
    return success();
  }
  StringRef intrinsic;
};

/// The exact products of a 2 x depth by depth x 2 tile (rows of `a`, columns
/// of `b`) as one vector of `element` (i32 or f32): lane depth (2i+j) + k is
/// a[depth i + k] * b[depth j + k].
Value emitTileProducts(PatternRewriter &rewriter, Location loc, Value a,
                       Value b, int64_t depth, Type element) {
  SmallVector<int64_t> rowLanes, columnLanes;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t k = 0; k < depth; ++k) {
        rowLanes.push_back(depth * i + k);
        columnLanes.push_back(depth * j + k);
      }
  auto wide = VectorType::get({4 * depth}, element);
  bool integer = isa<IntegerType>(element);
  auto extend = [&](Value v, ArrayRef<int64_t> lanes) -> Value {
    Value spread = vector::ShuffleOp::create(rewriter, loc, v, v, lanes);
    if (integer)
      return arith::ExtSIOp::create(rewriter, loc, wide, spread);
    return arith::ExtFOp::create(rewriter, loc, wide, spread);
  };
  Value x = extend(a, rowLanes), y = extend(b, columnLanes);
  if (integer)
    return arith::MulIOp::create(rewriter, loc, x, y);
  return arith::MulFOp::create(rewriter, loc, x, y);
}

/// Any target: each group of eight products summed onto its accumulator
/// lane (exact modulo 2^32).
struct MmlaI8ToArith : OpRewritePattern<MmlaI8Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MmlaI8Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value products = emitTileProducts(rewriter, loc, op.getA(), op.getB(), 8,
                                      rewriter.getI32Type());
    SmallVector<Value> sums;
    for (int64_t lane = 0; lane < 4; ++lane) {
      Value group = vector::ExtractStridedSliceOp::create(
          rewriter, loc, products, {8 * lane}, {8}, {1});
      Value acc = vector::ExtractOp::create(rewriter, loc, op.getAcc(), lane);
      sums.push_back(vector::ReductionOp::create(
          rewriter, loc, vector::CombiningKind::ADD, group, acc));
    }
    rewriter.replaceOpWithNewOp<vector::FromElementsOp>(op, op.getType(), sums);
    return success();
  }
};

/// Any target: the four products of each lane added to the accumulator for
/// k = 0..3 in turn, rounded to nearest even.
struct MmlaBF16ToArith : OpRewritePattern<MmlaBF16Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MmlaBF16Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value products = emitTileProducts(rewriter, loc, op.getA(), op.getB(), 4,
                                      rewriter.getF32Type());
    Value sum = op.getAcc();
    for (int64_t k = 0; k < 4; ++k)
      sum = arith::AddFOp::create(
          rewriter, loc, sum,
          vector::ShuffleOp::create(rewriter, loc, products, products,
                                    {k, 4 + k, 8 + k, 12 + k}));
    rewriter.replaceOp(op, sum);
    return success();
  }
};

/// x86 AVX-512 BW: a 16-entry byte table is one vpshufb per 64 lanes (the
/// table repeated in every 128-bit lane, indices masked to 4 bits).
struct ByteLookupToX86 : OpRewritePattern<LookupOp> {
  ByteLookupToX86(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/3) {}
  LogicalResult matchAndRewrite(LookupOp op,
                                PatternRewriter &rewriter) const override {
    VectorType table = op.getTable().getType();
    VectorType resultType = op.getResult().getType();
    auto indexType = cast<VectorType>(op.getIndices().getType());
    int64_t lanes = resultType.getNumElements();
    if (!table.getElementType().isInteger(8) || table.getNumElements() != 16 ||
        !indexType.getElementType().isInteger(8) ||
        (lanes != 16 && lanes != 32 && lanes != 64))
      return rewriter.notifyMatchFailure(op, "not a 16-entry byte table");
    Location loc = op.getLoc();
    auto i8x64 = VectorType::get({64}, rewriter.getI8Type());
    SmallVector<int64_t> repeat, widen;
    for (int64_t i = 0; i < 64; ++i) {
      repeat.push_back(i % 16);
      widen.push_back(i % lanes);
    }
    Value tables = vector::ShuffleOp::create(rewriter, loc, op.getTable(),
                                             op.getTable(), repeat);
    Value indices =
        arith::AndIOp::create(rewriter, loc, op.getIndices(),
                              emitSplat(rewriter, loc, indexType, 15));
    if (lanes != 64)
      indices =
          vector::ShuffleOp::create(rewriter, loc, indices, indices, widen);
    Value result = LLVM::CallIntrinsicOp::create(
                       rewriter, loc, i8x64,
                       rewriter.getStringAttr("llvm.x86.avx512.pshuf.b.512"),
                       ValueRange{tables, indices})
                       .getResult(0);
    if (lanes != 64)
      result = vector::ExtractStridedSliceOp::create(rewriter, loc, result, {0},
                                                     {lanes}, {1});
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct MxLowerVectorOpsPass
    : mx::impl::MxLowerVectorOpsPassBase<MxLowerVectorOpsPass> {
  using MxLowerVectorOpsPassBase::MxLowerVectorOpsPassBase;

  void runOnOperation() override {
    std::optional<VectorTarget> parsed = parseVectorTarget(target);
    if (!parsed) {
      emitError(getOperation()->getLoc(), "unsupported target '")
          << target << "' for mx-lower-vector-ops; expected generic, "
          << "x86-64-avx2, x86-64-avx512, aarch64-neon or aarch64-sve";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    // The ops this pass lowers are fixed-width; SVE targets use NEON.
    populateMxVectorOpsLoweringPatterns(patterns, getFixedWidthTarget(*parsed));
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mx::populateMxVectorOpsLoweringPatterns(RewritePatternSet &patterns,
                                             VectorTarget target) {
  MLIRContext *ctx = patterns.getContext();
  if (target == VectorTarget::X86Avx512)
    patterns.add<LookupToX86, WordLookupToX86, DotBF16ToX86>(ctx);
  if (target == VectorTarget::AArch64Neon) {
    patterns.add<LookupToAArch64, DotBF16ToAArch64>(ctx);
    patterns.add<MmlaToAArch64<MmlaBF16Op>>(ctx, "llvm.aarch64.neon.bfmmla");
  }
  patterns.add<LookupToSelects, DotBF16ToArith, MmlaBF16ToArith>(ctx);
  populateKTanhLookupLoweringPatterns(patterns, getPortableTarget(target));
  populateMxDotI8LoweringPatterns(patterns, target);
}

void mx::populateMxDotI8LoweringPatterns(RewritePatternSet &patterns,
                                         VectorTarget target) {
  MLIRContext *ctx = patterns.getContext();
  if (target == VectorTarget::X86Avx512 || target == VectorTarget::X86Avx2)
    patterns.add<DotI16ToX86>(ctx);
  if (target == VectorTarget::X86Avx512)
    patterns.add<DotI8ToX86, ByteLookupToX86>(ctx);
  if (target == VectorTarget::AArch64Neon) {
    patterns.add<DotI8ToAArch64>(ctx);
    patterns.add<MmlaToAArch64<MmlaI8Op>>(
        ctx, "llvm.aarch64.neon.smmla.v4i32.v16i8");
  }
  patterns.add<DotI8ToArith, DotI16ToArith, MmlaI8ToArith>(ctx);
}
