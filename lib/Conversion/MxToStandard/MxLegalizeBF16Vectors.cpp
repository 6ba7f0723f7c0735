//===- MxLegalizeBF16Vectors.cpp - bf16 vector data movement as i16 ----===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "mx-legalize-bf16-vectors"

namespace mlir::mx {
#define GEN_PASS_DEF_MXLEGALIZEBF16VECTORSPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;

namespace {

/// `type` with bf16 elements replaced by i16, or null if it has none.
VectorType asI16(Type type) {
  auto vector = dyn_cast<VectorType>(type);
  if (!vector || !vector.getElementType().isBF16())
    return {};
  return vector.clone(IntegerType::get(type.getContext(), 16));
}

struct MaskedLoadAsI16 : OpRewritePattern<LLVM::MaskedLoadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LLVM::MaskedLoadOp op,
                                PatternRewriter &rewriter) const override {
    VectorType i16 = asI16(op.getType());
    if (!i16)
      return failure();
    Location loc = op.getLoc();
    Value passThru;
    if (op.getPassThru())
      passThru = LLVM::BitcastOp::create(rewriter, loc, i16, op.getPassThru());
    auto load = LLVM::MaskedLoadOp::create(
        rewriter, loc, i16, op.getData(), op.getMask(), passThru,
        op.getAlignmentAttr(), op.getNontemporalAttr());
    rewriter.replaceOpWithNewOp<LLVM::BitcastOp>(op, op.getType(), load);
    return success();
  }
};

struct MaskedStoreAsI16 : OpRewritePattern<LLVM::MaskedStoreOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LLVM::MaskedStoreOp op,
                                PatternRewriter &rewriter) const override {
    VectorType i16 = asI16(op.getValue().getType());
    if (!i16)
      return failure();
    Value value =
        LLVM::BitcastOp::create(rewriter, op.getLoc(), i16, op.getValue());
    rewriter.modifyOpInPlace(op, [&] { op.getValueMutable().assign(value); });
    return success();
  }
};

/// Shuffles only move bits: do them on i16 lanes.
struct ShuffleAsI16 : OpRewritePattern<LLVM::ShuffleVectorOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LLVM::ShuffleVectorOp op,
                                PatternRewriter &rewriter) const override {
    VectorType sourceI16 = asI16(op.getV1().getType());
    VectorType resultI16 = asI16(op.getType());
    if (!sourceI16 || !resultI16)
      return failure();
    Location loc = op.getLoc();
    Value v1 = LLVM::BitcastOp::create(rewriter, loc, sourceI16, op.getV1());
    Value v2 = LLVM::BitcastOp::create(rewriter, loc, sourceI16, op.getV2());
    Value shuffled = LLVM::ShuffleVectorOp::create(rewriter, loc, v1, v2,
                                                   op.getMask());
    rewriter.replaceOpWithNewOp<LLVM::BitcastOp>(op, op.getType(), shuffled);
    return success();
  }
};

struct MxLegalizeBF16VectorsPass
    : mx::impl::MxLegalizeBF16VectorsPassBase<MxLegalizeBF16VectorsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MaskedLoadAsI16, MaskedStoreAsI16, ShuffleAsI16>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
