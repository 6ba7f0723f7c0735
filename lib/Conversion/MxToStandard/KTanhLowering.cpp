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
// - (vector) a loop over 64-lane vectors of the flattened tensor, with a
//   masked tail, and the same element math on vectors. Table entries are
//   looked up with mx.lookup in the form the target permutes best:
//     x86-64-avx512  the 32 packed 16-bit entries in one zmm register, one
//                    vpermw per 32 lanes; f32 lanes look up in their high
//                    16-bit halves (index b >> 4 seen as words), so the same
//                    single-register table serves f32 and bf16;
//     aarch64-neon   two byte tables (low and high entry bytes), two tbl2
//                    per 16 lanes;
//     generic        a select chain over 32-bit (f32) or 16-bit (bf16)
//                    entries.
//
// bf16 mx.ktanh stays in 16-bit lanes, and so does bf16 mx.ksigmoid up to
// its final `t * 0.5 + 0.5`. The other derived activations compute in f32
// lanes and round once to bf16.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/KTanhLowering.h"

#include "mx/Conversion/MxElementMath.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mx;

/// Elements per loop iteration: 4 zmm of f32, 2 zmm of bf16.
static constexpr int64_t kLanes = 64;

namespace {

template <typename Op> KActivation getKind();
template <> KActivation getKind<KTanhOp>() { return KActivation::Tanh; }
template <> KActivation getKind<KSigmoidOp>() { return KActivation::Sigmoid; }
template <> KActivation getKind<KSwishOp>() { return KActivation::Swish; }
template <> KActivation getKind<KGeluOp>() { return KActivation::Gelu; }

/// The packed table as constants of the element type and shape a lookup
/// needs (`shift` moves every entry left, `select` picks a byte).
Value tableConstant(OpBuilder &b, Location loc, Type element, int64_t shift,
                    int byteIndex = -1) {
  std::array<uint16_t, 32> packed = getKTanhPackedTable();
  unsigned width = element.getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (uint16_t entry : packed) {
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
                     int64_t shift) {
  auto indexType = cast<VectorType>(index.getType());
  Value result;
  for (int byteIndex : {0, 1}) {
    Value table = tableConstant(b, loc, b.getI8Type(), 0, byteIndex);
    Value bytes = LookupOp::create(b, loc, indexType, table, index);
    Value widened = arith::ExtUIOp::create(b, loc, wide, bytes);
    widened = shli(b, loc, widened, shift + 8 * byteIndex);
    result = result ? arith::OrIOp::create(b, loc, result, widened).getResult()
                    : widened;
  }
  return result;
}

/// Packed entries for bf16 bit patterns (vector<N x i16>).
Value lookupBF16(OpBuilder &b, Location loc, Value h, VectorTarget target) {
  auto type = cast<VectorType>(h.getType());
  Value index = shrui(b, loc, h, 4);
  if (target == VectorTarget::AArch64Neon)
    return lookupBytePair(
        b, loc,
        arith::TruncIOp::create(b, loc, type.clone(b.getI8Type()), index), type,
        0);
  return LookupOp::create(b, loc, type,
                          tableConstant(b, loc, b.getI16Type(), 0), index);
}

/// Entries in the high halves of f32 bit patterns (vector<N x i32>).
Value lookupF32(OpBuilder &b, Location loc, Value bits, VectorTarget target) {
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
        b, loc, words, tableConstant(b, loc, b.getI16Type(), 0), index);
    return vector::BitCastOp::create(b, loc, type, entries);
  }
  case VectorTarget::AArch64Neon: {
    Value index = arith::TruncIOp::create(b, loc, type.clone(b.getI8Type()),
                                          shrui(b, loc, bits, 20));
    return lookupBytePair(b, loc, index, type, 16);
  }
  case VectorTarget::Generic:
    return LookupOp::create(b, loc, type,
                            tableConstant(b, loc, b.getI32Type(), 16),
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

/// Rounds vector<N x f32> (N a multiple of 16) to bf16 bits
/// (vector<N x i16>) with vcvtneps2bf16, 16 lanes at a time.
Value roundWithVcvtneps2bf16(OpBuilder &b, Location loc, Value y) {
  auto type = cast<VectorType>(y.getType());
  auto words = type.clone(b.getI16Type());
  auto bf16x16 = VectorType::get({16}, b.getBF16Type());
  Value result = arith::ConstantOp::create(b, loc, b.getZeroAttr(words));
  for (int64_t offset = 0; offset < type.getNumElements(); offset += 16) {
    Value slice =
        vector::ExtractStridedSliceOp::create(b, loc, y, {offset}, {16}, {1});
    Value rounded =
        x86vector::CvtPackedF32ToBF16Op::create(b, loc, bf16x16, slice);
    result = vector::InsertStridedSliceOp::create(
        b, loc, bitcast(b, loc, VectorType::get({16}, b.getI16Type()), rounded),
        result, {offset}, {1});
  }
  return result;
}

/// `kind` of the f32 or bf16 values `x` (scalar or vector), with the table
/// looked up by `lookupBF16Fn` (bf16 K-TanH) or `lookupF32Fn`.
Value computeActivation(
    OpBuilder &b, Location loc, KActivation kind, KTanhMantissa mantissa,
    Value x, KTanhLookupFn lookupBF16Fn, KTanhLookupFn lookupF32Fn,
    llvm::function_ref<Value(Value)> roundF32ToBF16 = nullptr) {
  Type type = x.getType();
  Type i16 = withElement(type, b.getI16Type());
  Type i32 = withElement(type, b.getI32Type());
  Type f32 = withElement(type, b.getF32Type());
  if (getElementTypeOrSelf(type).isF32())
    return emitKActivationF32(b, loc, kind, x, mantissa, lookupF32Fn);
  Value h = bitcast(b, loc, i16, x);
  if (kind == KActivation::Tanh)
    return bitcast(b, loc, type, emitKTanhBF16Bits(b, loc, h, lookupBF16Fn));
  if (kind == KActivation::Sigmoid)
    return bitcast(
        b, loc, type,
        emitKSigmoidBF16Bits(b, loc, h, lookupBF16Fn, roundF32ToBF16));
  Value wide = shli(b, loc, arith::ExtUIOp::create(b, loc, i32, h), 16);
  Value y = emitKActivationF32(b, loc, kind, bitcast(b, loc, f32, wide),
                               KTanhMantissa::bf16, lookupF32Fn);
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
      table16 = makeTable(rewriter, loc, rewriter.getI16Type(), 0);
    else
      table32 = makeTable(rewriter, loc, rewriter.getI32Type(), 16);
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
                         int64_t shift) {
    std::array<uint16_t, 32> packed = getKTanhPackedTable();
    SmallVector<APInt> values;
    for (uint16_t entry : packed)
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
                  arith::RemUIOp::create(rewriter, loc, size, index(kLanes)))
                  .getResult()
            : index(staticSize - staticSize % kLanes);
    Value dest = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, flat), element);

    auto vectorType = VectorType::get({kLanes}, element);
    auto step = [&](OpBuilder &b, Location l, Value i, Value into,
                    bool inBounds) -> Value {
      Value pad = arith::ConstantOp::create(b, l, b.getZeroAttr(element));
      Value x = vector::TransferReadOp::create(
          b, l, vectorType, flat, ValueRange{i}, pad, ArrayRef<bool>{inBounds});
      // x86: vcvtneps2bf16 rounds to nearest even, as the element math
      // does, and only flushes subnormals, which these results never are.
      auto vcvtneps2bf16 = [&](Value y) -> Value {
        return roundWithVcvtneps2bf16(b, l, y);
      };
      Value y = computeActivation(
          b, l, kind, mantissa, x,
          [&](Value h) { return lookupBF16(b, l, h, target); },
          [&](Value bits) { return lookupF32(b, l, bits, target); },
          target == VectorTarget::X86Avx512
              ? llvm::function_ref<Value(Value)>(vcvtneps2bf16)
              : nullptr);
      return vector::TransferWriteOp::create(b, l, y, into, ValueRange{i},
                                             ArrayRef<bool>{inBounds})
          .getResult();
    };
    auto loop = scf::ForOp::create(
        rewriter, loc, index(0), full, index(kLanes), ValueRange{dest},
        [&](OpBuilder &b, Location l, Value i, ValueRange args) {
          scf::YieldOp::create(b, l, step(b, l, i, args[0], true));
        });
    Value result = loop.getResult(0);
    if (ShapedType::isDynamic(staticSize) || staticSize % kLanes != 0)
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
    patterns.add<LookupWordsToX86>(patterns.getContext());
}
