//===- MxLowerToLinalg.cpp - reference lowering of mx ops to linalg -------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The reference lowering: mx.quantize and mx.dequantize become a few
// linalg.generic ops on tensors whose bodies call the element math of
// MxElementMath.h on scalars. Every stage works on the "blocked" view of the
// logical shape, where the blocked axis `a` of size n is split into
// [n / B, B] (block index, position in the block):
//
//   quantize:   expand -> amax (reduce over B) -> scale and se (per block)
//               -> codes (per element) -> pack -> mx.assemble
//   dequantize: mx.disassemble -> unpack -> decode -> collapse
//
// Packing treats every format as groups of `codes` element codes filling
// `bytes` bytes along the axis (1 in 1 for 8-bit formats, 2 in 1 for FP4,
// 4 in 3 for FP6): the codes of a group form a little-endian word whose bytes
// are the storage bytes, as MxTypes.td prescribes.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/KTanhLowering.h"
#include "mx/Conversion/MxToStandard.h"

#include "mx/Conversion/MxCastLowering.h"

#include "mx/Conversion/MxElementMath.h"
#include "mx/Conversion/Passes.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXLOWERTOLINALGPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// `codes` element codes of `bits` bits fill `bytes` bytes of storage.
struct PackingGroup {
  int64_t codes;
  int64_t bytes;
  unsigned bits;

  /// True when a group spans several bytes (FP6), which needs a loop over
  /// the bytes of the group.
  bool hasByteLoop() const { return bytes > 1; }
};

} // namespace

static PackingGroup getPackingGroup(MxTensorType type) {
  unsigned bits = type.getElementBits();
  switch (bits) {
  case 4:
    return {2, 1, 4};
  case 6:
    return {4, 3, 6};
  default:
    return {1, 1, bits};
  }
}

//===----------------------------------------------------------------------===//
// Shapes, reshapes and generic ops
//===----------------------------------------------------------------------===//

/// `shape` with dimension `dim` replaced by `parts` (dropped if empty).
static SmallVector<int64_t> splitDim(ArrayRef<int64_t> shape, int64_t dim,
                                     ArrayRef<int64_t> parts) {
  SmallVector<int64_t> result(shape.take_front(dim));
  llvm::append_range(result, parts);
  llvm::append_range(result, shape.drop_front(dim + 1));
  return result;
}

/// Groups the dimensions of a rank `rank + count - 1` shape so that
/// [dim, dim + count) map to dimension `dim` of a rank `rank` shape.
static SmallVector<ReassociationIndices>
getSplitReassociation(int64_t rank, int64_t dim, int64_t count) {
  SmallVector<ReassociationIndices> groups;
  int64_t next = 0;
  for (int64_t i = 0; i < rank; ++i) {
    ReassociationIndices group;
    for (int64_t j = 0, e = i == dim ? count : 1; j < e; ++j)
      group.push_back(next++);
    groups.push_back(std::move(group));
  }
  return groups;
}

/// Splits dimension `dim` of tensor `value` into `parts`.
static Value expandDim(OpBuilder &b, Location loc, Value value, int64_t dim,
                       ArrayRef<int64_t> parts) {
  auto type = cast<RankedTensorType>(value.getType());
  if (parts.size() == 1)
    return value;
  auto resultType = type.clone(splitDim(type.getShape(), dim, parts));
  return tensor::ExpandShapeOp::create(
      b, loc, resultType, value,
      getSplitReassociation(type.getRank(), dim, parts.size()));
}

/// Merges dimensions [dim, dim + count) of tensor `value` into one.
static Value collapseDims(OpBuilder &b, Location loc, Value value, int64_t dim,
                          int64_t count) {
  auto type = cast<RankedTensorType>(value.getType());
  if (count == 1)
    return value;
  return tensor::CollapseShapeOp::create(
      b, loc, value,
      getSplitReassociation(type.getRank() - count + 1, dim, count));
}

/// The identity map of `numLoops` loops without result `dropped`: an operand
/// that is broadcast along (or reduced over) that loop.
static AffineMap getDropDimMap(MLIRContext *ctx, unsigned numLoops,
                               unsigned dropped) {
  return AffineMap::getMultiDimIdentityMap(numLoops, ctx).dropResult(dropped);
}

static Value createEmpty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                         Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

/// A tensor of `shape` filled with integer zeros of `elementType`.
static Value createZeros(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                         Type elementType) {
  Value zero =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(elementType, 0));
  return linalg::FillOp::create(
             b, loc, ValueRange{zero},
             ValueRange{createEmpty(b, loc, shape, elementType)})
      .getResult(0);
}

/// A linalg.generic with the given operands and maps, parallel but for the
/// loop `reductionLoop` (if any).
static linalg::GenericOp
createGeneric(OpBuilder &b, Location loc, ValueRange inputs, ValueRange outputs,
              ArrayRef<AffineMap> maps, std::optional<unsigned> reductionLoop,
              function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<utils::IteratorType> iterators(maps.front().getNumDims(),
                                             utils::IteratorType::parallel);
  if (reductionLoop)
    iterators[*reductionLoop] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(b, loc, TypeRange(outputs), inputs, outputs,
                                   maps, iterators, body);
}

static Value indexAsI32(OpBuilder &b, Location loc, unsigned loop) {
  Value index = linalg::IndexOp::create(b, loc, loop);
  return arith::IndexCastOp::create(b, loc, b.getI32Type(), index);
}

static Value constI32(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(value));
}

/// The element math works on f32; bf16 inputs widen exactly.
static Value toF32(OpBuilder &b, Location loc, Value x) {
  if (x.getType().isF32())
    return x;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), x);
}

//===----------------------------------------------------------------------===//
// Packing
//===----------------------------------------------------------------------===//

/// Packs the i8 codes of a blocked tensor [..., nb, B, ...] (blocks at `axis`)
/// into the storage bytes, collapsed to the packed shape.
static Value packCodes(OpBuilder &b, Location loc, Value codes, int64_t axis,
                       PackingGroup group) {
  if (group.codes == 1)
    return collapseDims(b, loc, codes, axis, 2);

  // [..., nb, g, codes, ...]
  auto blockedType = cast<RankedTensorType>(codes.getType());
  int64_t numGroups = blockedType.getDimSize(axis + 1) / group.codes;
  Value grouped = expandDim(b, loc, codes, axis + 1, {numGroups, group.codes});

  // Loops [..., nb, g, (byte r,) code j, ...], reducing over j: byte r of
  // the group ORs in bits [8r, 8r + 8) of each code shifted to its place.
  bool hasByteLoop = group.hasByteLoop();
  unsigned byteLoop = axis + 2;
  unsigned codeLoop = axis + 2 + hasByteLoop;
  unsigned numLoops = blockedType.getRank() + 1 + hasByteLoop;
  MLIRContext *ctx = b.getContext();
  AffineMap codesMap = hasByteLoop
                           ? getDropDimMap(ctx, numLoops, byteLoop)
                           : AffineMap::getMultiDimIdentityMap(numLoops, ctx);
  AffineMap bytesMap = getDropDimMap(ctx, numLoops, codeLoop);

  SmallVector<int64_t> bytesShape = splitDim(
      cast<RankedTensorType>(grouped.getType()).getShape(), axis + 2,
      hasByteLoop ? ArrayRef<int64_t>{group.bytes} : ArrayRef<int64_t>{});
  Value init = createZeros(b, loc, bytesShape, b.getI8Type());

  Value bytes =
      createGeneric(
          b, loc, grouped, init, {codesMap, bytesMap}, codeLoop,
          [&](OpBuilder &b, Location loc, ValueRange args) {
            Value mask = arith::ConstantOp::create(
                b, loc, b.getI8IntegerAttr((1 << group.bits) - 1));
            Value code = arith::AndIOp::create(b, loc, args[0], mask);
            Value word = arith::ExtUIOp::create(b, loc, b.getI32Type(), code);
            Value shift =
                arith::MulIOp::create(b, loc, indexAsI32(b, loc, codeLoop),
                                      constI32(b, loc, group.bits));
            word = arith::ShLIOp::create(b, loc, word, shift);
            if (hasByteLoop) {
              Value byteShift = arith::MulIOp::create(
                  b, loc, indexAsI32(b, loc, byteLoop), constI32(b, loc, 8));
              word = arith::ShRUIOp::create(b, loc, word, byteShift);
            }
            // The truncation keeps bits [0, 8) of the shifted word.
            Value byte = arith::TruncIOp::create(b, loc, b.getI8Type(), word);
            Value result = arith::OrIOp::create(b, loc, args[1], byte);
            linalg::YieldOp::create(b, loc, result);
          })
          .getResult(0);
  return collapseDims(b, loc, bytes, axis, 2 + hasByteLoop);
}

/// Inverse of packCodes: the i8 codes (low bits, high bits zero) of the
/// packed storage bytes `bytes`, as a blocked tensor [..., nb, B, ...].
static Value unpackCodes(OpBuilder &b, Location loc, Value bytes, int64_t axis,
                         int64_t blockSize, PackingGroup group) {
  auto packedType = cast<RankedTensorType>(bytes.getType());
  int64_t numGroups = blockSize / group.codes;
  int64_t numBlocks = packedType.getDimSize(axis) / (numGroups * group.bytes);
  if (group.codes == 1)
    return expandDim(b, loc, bytes, axis, {numBlocks, blockSize});

  // The bytes of each group as separate operands, [..., nb, g, ...] each.
  bool hasByteLoop = group.hasByteLoop();
  SmallVector<Value> byteSlices;
  if (!hasByteLoop) {
    byteSlices.push_back(
        expandDim(b, loc, bytes, axis, {numBlocks, numGroups}));
  } else {
    Value grouped =
        expandDim(b, loc, bytes, axis, {numBlocks, numGroups, group.bytes});
    auto groupedType = cast<RankedTensorType>(grouped.getType());
    auto sliceType = RankedTensorType::get(
        splitDim(groupedType.getShape(), axis + 2, {}), b.getI8Type());
    SmallVector<OpFoldResult> offsets(groupedType.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes =
        getAsIndexOpFoldResult(b.getContext(), groupedType.getShape());
    SmallVector<OpFoldResult> strides(groupedType.getRank(), b.getIndexAttr(1));
    sizes[axis + 2] = b.getIndexAttr(1);
    for (int64_t r = 0; r < group.bytes; ++r) {
      offsets[axis + 2] = b.getIndexAttr(r);
      byteSlices.push_back(tensor::ExtractSliceOp::create(
          b, loc, sliceType, grouped, offsets, sizes, strides));
    }
  }

  // Loops [..., nb, g, j, ...]: code j is bits [bits * j, bits * (j + 1)) of
  // the little-endian word of the group's bytes.
  SmallVector<int64_t> codesShape = splitDim(
      packedType.getShape(), axis, {numBlocks, numGroups, group.codes});
  unsigned codeLoop = axis + 2;
  unsigned numLoops = codesShape.size();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(byteSlices.size(),
                              getDropDimMap(ctx, numLoops, codeLoop));
  maps.push_back(AffineMap::getMultiDimIdentityMap(numLoops, ctx));

  Value codes =
      createGeneric(
          b, loc, byteSlices, createEmpty(b, loc, codesShape, b.getI8Type()),
          maps,
          /*reductionLoop=*/std::nullopt,
          [&](OpBuilder &b, Location loc, ValueRange args) {
            Type i32 = b.getI32Type();
            Value word = arith::ExtUIOp::create(b, loc, i32, args[0]);
            for (int64_t r = 1; r < group.bytes; ++r) {
              Value byte = arith::ExtUIOp::create(b, loc, i32, args[r]);
              byte =
                  arith::ShLIOp::create(b, loc, byte, constI32(b, loc, 8 * r));
              word = arith::OrIOp::create(b, loc, word, byte);
            }
            Value shift =
                arith::MulIOp::create(b, loc, indexAsI32(b, loc, codeLoop),
                                      constI32(b, loc, group.bits));
            word = arith::ShRUIOp::create(b, loc, word, shift);
            word = arith::AndIOp::create(
                b, loc, word, constI32(b, loc, (1 << group.bits) - 1));
            Value code = arith::TruncIOp::create(b, loc, b.getI8Type(), word);
            linalg::YieldOp::create(b, loc, code);
          })
          .getResult(0);
  return collapseDims(b, loc, codes, axis + 1, 2);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

struct QuantizeOpLowering : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MxTensorType type = op.getResult().getType();
    Format format = type.getFormat();
    ScaleRule rule = op.getScaleRule();
    bool flush = op.getFlushSubnormals();
    int64_t axis = type.getAxis();
    int64_t blockSize = type.getBlockSize();
    int64_t numBlocks = type.getShape()[axis] / blockSize;

    // Loops over the blocked view [..., nb, B, ...]; per-block operands drop
    // the B loop.
    Value input =
        expandDim(rewriter, loc, op.getInput(), axis, {numBlocks, blockSize});
    SmallVector<int64_t> blockedShape =
        splitDim(type.getShape(), axis, {numBlocks, blockSize});
    SmallVector<int64_t> scalesShape = type.getScalesShape();
    unsigned numLoops = blockedShape.size();
    unsigned blockLoop = axis + 1;
    MLIRContext *ctx = rewriter.getContext();
    AffineMap perElement = AffineMap::getMultiDimIdentityMap(numLoops, ctx);
    AffineMap perBlock = getDropDimMap(ctx, numLoops, blockLoop);
    Type i32 = rewriter.getI32Type();
    Type i8 = rewriter.getI8Type();
    Type scaleType = type.getScalesTensorType().getElementType();

    // amax: unsigned max of the magnitude bits over each block.
    Value amax =
        createGeneric(
            rewriter, loc, input, createZeros(rewriter, loc, scalesShape, i32),
            {perElement, perBlock}, blockLoop,
            [&](OpBuilder &b, Location loc, ValueRange args) {
              Value bits = emitMagnitudeBits(b, loc, toF32(b, loc, args[0]));
              if (flush)
                bits = emitFlushSubnormalBits(b, loc, bits);
              Value max = arith::MaxUIOp::create(b, loc, args[1], bits);
              linalg::YieldOp::create(b, loc, max);
            })
            .getResult(0);

    // Shared exponent (for the codes) and E8M0 scale of each block.
    AffineMap blockIdentity =
        AffineMap::getMultiDimIdentityMap(scalesShape.size(), ctx);
    auto blockOp = createGeneric(
        rewriter, loc, amax,
        ValueRange{createEmpty(rewriter, loc, scalesShape, i32),
                   createEmpty(rewriter, loc, scalesShape, scaleType)},
        {blockIdentity, blockIdentity, blockIdentity},
        /*reductionLoop=*/std::nullopt,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value se = emitSharedExponent(b, loc, args[0], format, rule);
          Value byte = emitScaleByte(b, loc, args[0], se);
          Value scale = arith::BitcastOp::create(b, loc, scaleType, byte);
          linalg::YieldOp::create(b, loc, ValueRange{se, scale});
        });
    Value sharedExponents = blockOp.getResult(0);
    Value scales = blockOp.getResult(1);

    // Element codes, zeroed in NaN blocks.
    Value codes =
        createGeneric(rewriter, loc, ValueRange{input, sharedExponents, amax},
                      createEmpty(rewriter, loc, blockedShape, i8),
                      {perElement, perBlock, perBlock, perElement},
                      /*reductionLoop=*/std::nullopt,
                      [&](OpBuilder &b, Location loc, ValueRange args) {
                        Value code =
                            emitEncodeElement(b, loc, toF32(b, loc, args[0]),
                                              args[1], format, flush);
                        code = emitMaskNaNBlock(b, loc, code, args[2]);
                        linalg::YieldOp::create(b, loc, code);
                      })
            .getResult(0);

    Value elements =
        packCodes(rewriter, loc, codes, axis, getPackingGroup(type));
    rewriter.replaceOpWithNewOp<AssembleOp>(op, type, elements, scales);
    return success();
  }
};

struct DequantizeOpLowering : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MxTensorType type = op.getInput().getType();
    Format format = type.getFormat();
    int64_t axis = type.getAxis();
    int64_t blockSize = type.getBlockSize();
    RankedTensorType resultType = op.getResult().getType();

    auto storage =
        DisassembleOp::create(rewriter, loc, type.getPackedTensorType(),
                              type.getScalesTensorType(), op.getInput());
    Value codes = unpackCodes(rewriter, loc, storage.getElements(), axis,
                              blockSize, getPackingGroup(type));

    // value(code) * scale over the blocked view, the scale broadcast over B.
    auto blockedType = cast<RankedTensorType>(codes.getType());
    unsigned numLoops = blockedType.getRank();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap perElement = AffineMap::getMultiDimIdentityMap(numLoops, ctx);
    AffineMap perBlock = getDropDimMap(ctx, numLoops, axis + 1);
    Type elementType = resultType.getElementType();
    Value values =
        createGeneric(
            rewriter, loc, ValueRange{codes, storage.getScales()},
            createEmpty(rewriter, loc, blockedType.getShape(), elementType),
            {perElement, perBlock, perElement},
            /*reductionLoop=*/std::nullopt,
            [&](OpBuilder &b, Location loc, ValueRange args) {
              Value scaleByte =
                  arith::BitcastOp::create(b, loc, b.getI8Type(), args[1]);
              Value value = emitApplyScale(
                  b, loc, emitDecodeElement(b, loc, args[0], format),
                  scaleByte);
              // The f32 product is exact (or +-Inf): codes have at most 8
              // significant bits and land at or above 2^-143, so truncf is
              // the only rounding.
              if (!elementType.isF32())
                value = arith::TruncFOp::create(b, loc, elementType, value);
              linalg::YieldOp::create(b, loc, value);
            })
            .getResult(0);

    rewriter.replaceOp(op, collapseDims(rewriter, loc, values, axis, 2));
    return success();
  }
};

struct MxLowerToLinalgPass
    : mx::impl::MxLowerToLinalgPassBase<MxLowerToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMxToLinalgPatterns(patterns);
    // Each op lowers in one step and the new ops never match, so a single
    // walk suffices (and keeps the constants inside the generic bodies).
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void mx::populateMxToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizeOpLowering, DequantizeOpLowering>(patterns.getContext());
  populateMxCastToLinalgPatterns(patterns);
  populateMxMatmulToLinalgPatterns(patterns);
  populateMxBlockMatmulToLinalgPatterns(patterns);
  populateMxSparseMatmulToLinalgPatterns(patterns);
  populateKActivationToLinalgPatterns(patterns);
  populateMxSparseToLinalgPatterns(patterns);
}
