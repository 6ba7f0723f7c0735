//===- MatmulLowering.cpp - mx.matmul (bf16 x bf16 -> f32) --------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Two lowerings of mx.matmul with the accumulation order of its description
// (k in pairs, the odd element first, an odd K's last element alone):
//
// - reference: a linalg.generic over (m, n, pair) whose body adds the odd
//   and then the even product, plus one more generic for an odd K's tail;
// - vector: for each row and each 16 columns, a loop over k pairs of
//   mx.dot_bf16 (vdpbf16ps on AVX-512 BF16, bfmlalt/bfmlalb on AArch64),
//   with the A pair broadcast and two rows of B interleaved.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/IndexMath.h"
#include "mx/Conversion/MxToStandard.h"
#include "mx/Conversion/MxToVector.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
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

/// c + ext(a) * ext(b), one rounding (the product is exact).
Value addProduct(OpBuilder &b, Location loc, Value c, Value x, Value y) {
  Type f32 = b.getF32Type();
  Value product = arith::MulFOp::create(b, loc, arith::ExtFOp::create(b, loc, f32, x),
                                        arith::ExtFOp::create(b, loc, f32, y));
  return arith::AddFOp::create(b, loc, c, product);
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

constexpr int64_t kLanes = 16;

struct MatmulToVector : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.isBlockScaled())
      return rewriter.notifyMatchFailure(op, "MX operands (MxMatmulLowering)");
    Location loc = op.getLoc();
    RankedTensorType accType = op.getAcc().getType();
    int64_t rows = accType.getDimSize(0), cols = accType.getDimSize(1);
    int64_t k = cast<RankedTensorType>(op.getA().getType()).getDimSize(1);
    Type bf16 = rewriter.getBF16Type(), f32 = rewriter.getF32Type();
    auto bf16Lanes = VectorType::get({kLanes}, bf16);
    auto f32Lanes = VectorType::get({kLanes}, f32);
    Value zeroF32 = arith::ConstantOp::create(rewriter, loc,
                                              rewriter.getZeroAttr(f32));
    Value zeroBF16 = arith::ConstantOp::create(rewriter, loc,
                                               rewriter.getZeroAttr(bf16));
    Value a = op.getA(), b = op.getB();

    // B rows k and k + 1, columns [n, n + 16) interleaved into 16 pairs.
    auto pairOfRows = [&](OpBuilder &bb, Location l, Value kk, Value n) {
      Value next = arith::AddIOp::create(bb, l, kk, index(bb, l, 1));
      auto row = [&](Value r) -> Value {
        return vector::TransferReadOp::create(bb, l, bf16Lanes, b,
                                              ValueRange{r, n}, zeroBF16,
                                              ArrayRef<bool>{false});
      };
      SmallVector<int64_t> mask;
      for (int64_t i = 0; i < kLanes; ++i) {
        mask.push_back(i);
        mask.push_back(kLanes + i);
      }
      return vector::ShuffleOp::create(bb, l, row(kk), row(next), mask)
          .getResult();
    };

    auto loop = [&](OpBuilder &bb, Location l, int64_t upper, int64_t step,
                    Value init,
                    function_ref<Value(OpBuilder &, Location, Value, Value)>
                        body) {
      return scf::ForOp::create(
                 bb, l, index(bb, l, 0), index(bb, l, upper),
                 index(bb, l, step), ValueRange{init},
                 [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
                   scf::YieldOp::create(nb, nl, body(nb, nl, iv, args[0]));
                 })
          .getResult(0);
    };

    Value result = loop(
        rewriter, loc, rows, 1, op.getAcc(),
        [&](OpBuilder &bb, Location l, Value m, Value c) {
          return loop(bb, l, cols, kLanes, c, [&](OpBuilder &bb, Location l,
                                                  Value n, Value c) {
            Value acc = vector::TransferReadOp::create(
                bb, l, f32Lanes, c, ValueRange{m, n}, zeroF32,
                ArrayRef<bool>{false});
            acc = loop(bb, l, k - k % 2, 2, acc,
                       [&](OpBuilder &bb, Location l, Value kk, Value acc) {
                         Value aPair = vector::TransferReadOp::create(
                             bb, l, VectorType::get({2}, bf16), a,
                             ValueRange{m, kk}, zeroBF16,
                             ArrayRef<bool>{true});
                         SmallVector<int64_t> broadcast;
                         for (int64_t i = 0; i < kLanes; ++i)
                           broadcast.append({0, 1});
                         Value aPairs = vector::ShuffleOp::create(
                             bb, l, aPair, aPair, broadcast);
                         return DotBF16Op::create(bb, l, acc.getType(), acc,
                                                  aPairs,
                                                  pairOfRows(bb, l, kk, n))
                             .getResult();
                       });
            if (k % 2 == 1) {
              Value last = index(bb, l, k - 1);
              Value aLast = tensor::ExtractOp::create(bb, l, a,
                                                      ValueRange{m, last});
              Value bLast = vector::TransferReadOp::create(
                  bb, l, bf16Lanes, b, ValueRange{last, n}, zeroBF16,
                  ArrayRef<bool>{false});
              Value aWide = vector::BroadcastOp::create(
                  bb, l, f32Lanes, arith::ExtFOp::create(bb, l, f32, aLast));
              Value bWide = arith::ExtFOp::create(bb, l, f32Lanes, bLast);
              acc = arith::AddFOp::create(
                  bb, l, acc, arith::MulFOp::create(bb, l, aWide, bWide));
            }
            return vector::TransferWriteOp::create(bb, l, acc, c,
                                                   ValueRange{m, n},
                                                   ArrayRef<bool>{false})
                .getResult();
          });
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mx::populateMxMatmulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulToLinalg>(patterns.getContext());
}

void mx::populateMxMatmulToVectorPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulToVector>(patterns.getContext());
}
