//===- MatmulLowering.cpp - mx.matmul (bf16 x bf16 -> f32) --------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The reference lowering of bf16 mx.matmul, with the accumulation order of
// its description (k in pairs, the odd element first, an odd K's last
// element alone): a linalg.generic over (m, n, pair) whose body adds the
// odd and then the even product, plus one more generic for an odd K's
// tail. The vector kernels are MxMatmulLowering.cpp's (packed pairs and
// mx.dot_bf16, or bfmmla for `unordered` on AArch64) and
// AmxMatmulLowering.cpp's (`unordered` on x86-64-amx).
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MxToStandard.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mx;

namespace {

/// `t[..., k0::2]` style slice: every other element along `dim`, starting at
/// `offset`, for `count` elements.
Value strided(OpBuilder &b, Location loc, Value tensor, int64_t dim,
              int64_t offset, int64_t count) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes, strides(type.getRank(), b.getIndexAttr(1));
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
  offsets[dim] = b.getIndexAttr(offset);
  sizes[dim] = b.getIndexAttr(count);
  strides[dim] = b.getIndexAttr(2);
  return tensor::ExtractSliceOp::create(b, loc, tensor, offsets, sizes,
                                        strides);
}

/// c + ext(a) * ext(b) with the exact product and one rounding (an fma:
/// a product below 2^-126 is not exact in f32).
Value addProduct(OpBuilder &b, Location loc, Value c, Value x, Value y) {
  Type f32 = b.getF32Type();
  return math::FmaOp::create(b, loc, arith::ExtFOp::create(b, loc, f32, x),
                             arith::ExtFOp::create(b, loc, f32, y), c);
}

struct MatmulToLinalg : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.isBlockScaled())
      return rewriter.notifyMatchFailure(op, "MX operands (MxMatmulLowering)");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t k = cast<RankedTensorType>(op.getA().getType()).getDimSize(1);
    int64_t pairs = k / 2;
    AffineExpr m, n, j;
    bindDims(ctx, m, n, j);
    auto map = [&](ArrayRef<AffineExpr> results) {
      return AffineMap::get(3, 0, results, ctx);
    };
    SmallVector<AffineMap> maps = {map({m, j}), map({m, j}), map({j, n}),
                                   map({j, n}), map({m, n})};
    SmallVector<utils::IteratorType> iterators = {
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::reduction};
    Value result = op.getAcc();
    if (pairs > 0) {
      Value aEven = strided(rewriter, loc, op.getA(), 1, 0, pairs);
      Value aOdd = strided(rewriter, loc, op.getA(), 1, 1, pairs);
      Value bEven = strided(rewriter, loc, op.getB(), 0, 0, pairs);
      Value bOdd = strided(rewriter, loc, op.getB(), 0, 1, pairs);
      result = linalg::GenericOp::create(
                   rewriter, loc, result.getType(),
                   ValueRange{aOdd, aEven, bOdd, bEven}, ValueRange{result},
                   maps, iterators,
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     // args: a odd, a even, b odd, b even, c.
                     Value c = addProduct(b, l, args[4], args[0], args[2]);
                     c = addProduct(b, l, c, args[1], args[3]);
                     linalg::YieldOp::create(b, l, c);
                   })
                   .getResult(0);
    }
    if (k % 2 == 1) {
      // The last element of an odd K, alone.
      Value aLast = strided(rewriter, loc, op.getA(), 1, k - 1, 1);
      Value bLast = strided(rewriter, loc, op.getB(), 0, k - 1, 1);
      SmallVector<AffineMap> tailMaps = {map({m, j}), map({j, n}),
                                         map({m, n})};
      result = linalg::GenericOp::create(
                   rewriter, loc, result.getType(), ValueRange{aLast, bLast},
                   ValueRange{result}, tailMaps, iterators,
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     linalg::YieldOp::create(
                         b, l, addProduct(b, l, args[2], args[0], args[1]));
                   })
                   .getResult(0);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mx::populateMxMatmulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulToLinalg>(patterns.getContext());
}
