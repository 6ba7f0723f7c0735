//===- SparseLowering.cpp - reference lowering of the sparse-masked ops ---===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The dense, masked lowering that defines the meaning of the AutoSparse ops
// (MxSparseOps.td): every op becomes linalg.generic ops on tensors with
// scalar arith/math bodies. The masked weights are materialized by one
// elementwise generic, and every contraction is one generic whose reduction
// loops are nested in the order the op description gives, so that
// convert-linalg-to-loops produces exactly the documented sums (the products
// and sums are separate fmul/fadd without fast-math flags: no FMA, no
// reassociation). It serves mx-lower-to-linalg (target=reference) and is the
// generic fallback of mx-lower-to-vector for the other targets; fast sparse
// kernels replace these ops before it runs.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MxToStandard.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mx;

namespace {

//===----------------------------------------------------------------------===//
// Scalar math shared by the patterns
//===----------------------------------------------------------------------===//

Value constF32(OpBuilder &b, Location loc, float value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

/// The f32 value of a scalar operand (`f32` or `tensor<f32>`).
Value getScalar(OpBuilder &b, Location loc, Value scalar) {
  if (isa<RankedTensorType>(scalar.getType()))
    return tensor::ExtractOp::create(b, loc, scalar, ValueRange{});
  return scalar;
}

/// A scalar result in the type of the operand it mirrors.
Value wrapScalar(OpBuilder &b, Location loc, Value value, Type type) {
  if (auto tensorType = dyn_cast<RankedTensorType>(type))
    return tensor::FromElementsOp::create(b, loc, tensorType, value);
  return value;
}

/// tau = 1 / (1 + exp(-s)): s = -3200 gives exactly 0, large s gives 1.
Value emitTau(OpBuilder &b, Location loc, Value s) {
  Value one = constF32(b, loc, 1.0f);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, s));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

/// m = |w| > tau (false for NaN).
Value emitKeep(OpBuilder &b, Location loc, Value w, Value tau) {
  Value abs = math::AbsFOp::create(b, loc, w);
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, abs, tau);
}

/// w~ of one element (MxSparseOps.td).
Value emitMaskedWeight(OpBuilder &b, Location loc, Value w, Value tau,
                       SparseMaskMode mode) {
  Value keep = emitKeep(b, loc, w, tau);
  Value kept = w;
  if (mode == SparseMaskMode::soft) {
    Value shrunk =
        arith::SubFOp::create(b, loc, math::AbsFOp::create(b, loc, w), tau);
    kept = math::CopySignOp::create(b, loc, shrunk, w);
  }
  return arith::SelectOp::create(b, loc, keep, kept, constF32(b, loc, 0.0f));
}

//===----------------------------------------------------------------------===//
// Tensors and generics
//===----------------------------------------------------------------------===//

/// An f32 tensor of the given (possibly dynamic) sizes filled with +0.0.
Value createZeros(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
  return linalg::FillOp::create(b, loc, ValueRange{constF32(b, loc, 0.0f)},
                                ValueRange{empty})
      .getResult(0);
}

/// A generic whose last `numReductions` loops are reductions.
Value createGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, Value init,
    ArrayRef<AffineMap> maps, unsigned numReductions,
    function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  unsigned numLoops = maps.front().getNumDims();
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::parallel);
  for (unsigned i = numLoops - numReductions; i < numLoops; ++i)
    iterators[i] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(b, loc, TypeRange{init.getType()}, inputs,
                                   ValueRange{init}, maps, iterators, body)
      .getResult(0);
}

/// An elementwise generic over same-shaped tensors.
Value createElementwise(
    OpBuilder &b, Location loc, ValueRange inputs,
    function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  Value like = inputs.front();
  auto type = cast<RankedTensorType>(like.getType());
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, like), type.getElementType());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<AffineMap> maps(inputs.size() + 1, id);
  return createGeneric(b, loc, inputs, init, maps, /*numReductions=*/0,
                       [&](OpBuilder &b, Location loc, ValueRange args) {
                         linalg::YieldOp::create(b, loc,
                                                 fn(b, loc, args.drop_back()));
                       });
}

/// Body `acc + lhs * rhs` (two roundings, in this order).
void multiplyAccumulate(OpBuilder &b, Location loc, ValueRange args) {
  Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
  linalg::YieldOp::create(
      b, loc, arith::AddFOp::create(b, loc, args[2], product).getResult());
}

/// `lhs` x `rhs` as a generic over loops (d0, d1, d2) with d2 the reduction,
/// the operands indexed by the given maps; result sizes `sizes`.
Value createContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                        ArrayRef<AffineMap> maps, unsigned numReductions,
                        ArrayRef<OpFoldResult> sizes) {
  return createGeneric(b, loc, ValueRange{lhs, rhs}, createZeros(b, loc, sizes),
                       maps, numReductions, multiplyAccumulate);
}

AffineMap getMap(OpBuilder &b, unsigned numDims, ArrayRef<AffineExpr> exprs) {
  return AffineMap::get(numDims, 0, exprs, b.getContext());
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

struct SparseMaskLowering : OpRewritePattern<SparseMaskOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SparseMaskOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, createMaskedWeights(rewriter, op.getLoc(), op.getWeight(),
                                op.getThreshold(), op.getMode()));
    return success();
  }
};

struct GaGradLowering : OpRewritePattern<GaGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GaGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value tau =
        emitTau(rewriter, loc, getScalar(rewriter, loc, op.getThreshold()));
    Value alpha = getScalar(rewriter, loc, op.getAlpha());
    // m ? g : alpha * g is g * (m + alpha (1 - m)) bit for bit.
    Value result = createElementwise(
        rewriter, loc, ValueRange{op.getGrad(), op.getWeight()},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value keep = emitKeep(b, loc, args[1], tau);
          Value scaled = arith::MulFOp::create(b, loc, alpha, args[0]);
          return arith::SelectOp::create(b, loc, keep, args[0], scaled);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SparseMaskGradThresholdLowering
    : OpRewritePattern<SparseMaskGradThresholdOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SparseMaskGradThresholdOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value tau =
        emitTau(rewriter, loc, getScalar(rewriter, loc, op.getThreshold()));
    auto type = cast<RankedTensorType>(op.getWeight().getType());
    unsigned rank = type.getRank();
    // One reduction over every loop, row-major, into a 0-d accumulator.
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap toScalar = AffineMap::get(rank, 0, {}, rewriter.getContext());
    Value sum = createGeneric(
        rewriter, loc, ValueRange{op.getWeight(), op.getGrad()},
        createZeros(rewriter, loc, {}), {id, id, toScalar}, rank,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value w = args[0], g = args[1];
          Value negative = arith::CmpFOp::create(
              b, loc, arith::CmpFPredicate::OLT, w, constF32(b, loc, 0.0f));
          Value signed_ = arith::SelectOp::create(
              b, loc, negative, arith::NegFOp::create(b, loc, g), g);
          Value term = arith::SelectOp::create(b, loc, emitKeep(b, loc, w, tau),
                                               signed_, constF32(b, loc, 0.0f));
          linalg::YieldOp::create(
              b, loc, arith::AddFOp::create(b, loc, args[2], term).getResult());
        });
    Value acc = tensor::ExtractOp::create(rewriter, loc, sum, ValueRange{});
    // -((tau * (1 - tau)) * acc)
    Value oneMinus = arith::SubFOp::create(rewriter, loc,
                                           constF32(rewriter, loc, 1.0f), tau);
    Value slope = arith::MulFOp::create(rewriter, loc, tau, oneMinus);
    Value ds = arith::NegFOp::create(
        rewriter, loc, arith::MulFOp::create(rewriter, loc, slope, acc));
    rewriter.replaceOp(op, wrapScalar(rewriter, loc, ds, op.getType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

struct MaskedMatmulLowering : OpRewritePattern<MaskedMatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaskedMatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value wt = createMaskedWeights(rewriter, loc, op.getWeight(),
                                   op.getThreshold(), op.getMode());
    // Loops (i, j, k): W~(i, k) X(k, j) -> Y(i, j).
    AffineExpr i, j, k;
    bindDims(rewriter.getContext(), i, j, k);
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, op.getWeight(), 0),
        tensor::getMixedSize(rewriter, loc, op.getInput(), 1)};
    rewriter.replaceOp(op, createContraction(rewriter, loc, wt, op.getInput(),
                                             {getMap(rewriter, 3, {i, k}),
                                              getMap(rewriter, 3, {k, j}),
                                              getMap(rewriter, 3, {i, j})},
                                             1, sizes));
    return success();
  }
};

struct MaskedMatmulGradInputLowering
    : OpRewritePattern<MaskedMatmulGradInputOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaskedMatmulGradInputOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value wt = createMaskedWeights(rewriter, loc, op.getWeight(),
                                   op.getThreshold(), op.getMode());
    // Loops (k, j, i): W~(i, k) dY(i, j) -> dX(k, j).
    AffineExpr k, j, i;
    bindDims(rewriter.getContext(), k, j, i);
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, op.getWeight(), 1),
        tensor::getMixedSize(rewriter, loc, op.getGradOutput(), 1)};
    rewriter.replaceOp(op,
                       createContraction(rewriter, loc, wt, op.getGradOutput(),
                                         {getMap(rewriter, 3, {i, k}),
                                          getMap(rewriter, 3, {i, j}),
                                          getMap(rewriter, 3, {k, j})},
                                         1, sizes));
    return success();
  }
};

struct MaskedMatmulGradWeightLowering
    : OpRewritePattern<MaskedMatmulGradWeightOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaskedMatmulGradWeightOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    // Loops (i, k, j): dY(i, j) X(k, j) -> G(i, k).
    AffineExpr i, k, j;
    bindDims(rewriter.getContext(), i, k, j);
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, op.getGradOutput(), 0),
        tensor::getMixedSize(rewriter, loc, op.getInput(), 0)};
    rewriter.replaceOp(op, createContraction(rewriter, loc, op.getGradOutput(),
                                             op.getInput(),
                                             {getMap(rewriter, 3, {i, j}),
                                              getMap(rewriter, 3, {k, j}),
                                              getMap(rewriter, 3, {i, k})},
                                             1, sizes));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Conv2D (NCHW / FCHW, static shapes)
//===----------------------------------------------------------------------===//

/// `input` [N, C, H, W] inside a +0.0 border of `padding`. A generic that
/// reads the input (tensor.extract at clamped indices) rather than an
/// insert_slice, whose strided copy would need the runtime's memrefCopy.
Value padInput(OpBuilder &b, Location loc, Value input,
               ArrayRef<int64_t> padding) {
  if (padding[0] == 0 && padding[1] == 0)
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> padded = {shape[0], shape[1], shape[2] + 2 * padding[0],
                                 shape[3] + 2 * padding[1]};
  Value init = tensor::EmptyOp::create(b, loc, padded, b.getF32Type());
  AffineMap id = b.getMultiDimIdentityMap(4);
  return createGeneric(
      b, loc, ValueRange{}, init, {id}, /*numReductions=*/0,
      [&](OpBuilder &b, Location loc, ValueRange) {
        auto cst = [&](int64_t v) {
          return arith::ConstantIndexOp::create(b, loc, v).getResult();
        };
        SmallVector<Value> indices = {linalg::IndexOp::create(b, loc, 0),
                                      linalg::IndexOp::create(b, loc, 1)};
        Value inside;
        for (unsigned i = 0; i < 2; ++i) {
          Value p = linalg::IndexOp::create(b, loc, 2 + i);
          Value lo = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, p,
                                           cst(padding[i]));
          Value hi = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, p,
                                           cst(padding[i] + shape[2 + i]));
          Value ok = arith::AndIOp::create(b, loc, lo, hi);
          inside = inside ? arith::AndIOp::create(b, loc, inside, ok) : ok;
          Value shifted = arith::SubIOp::create(b, loc, p, cst(padding[i]));
          indices.push_back(
              arith::SelectOp::create(b, loc, ok, shifted, cst(0)));
        }
        Value v = tensor::ExtractOp::create(b, loc, input, indices);
        linalg::YieldOp::create(
            b, loc,
            arith::SelectOp::create(b, loc, inside, v, constF32(b, loc, 0.0f))
                .getResult());
      });
}

/// Row `o * stride + k * dilation` of the padded input.
AffineExpr paddedIndex(AffineExpr o, AffineExpr k, int64_t stride,
                       int64_t dilation) {
  return o * stride + k * dilation;
}

SmallVector<OpFoldResult> staticSizes(OpBuilder &b, Type type) {
  return getAsIndexOpFoldResult(b.getContext(),
                                cast<RankedTensorType>(type).getShape());
}

struct MaskedConv2DLowering : OpRewritePattern<MaskedConv2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaskedConv2DOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> s = op.getStrides(), d = op.getDilations();
    Value wt = createMaskedWeights(rewriter, loc, op.getWeight(),
                                   op.getThreshold(), op.getMode());
    Value xp = padInput(rewriter, loc, op.getInput(), op.getPadding());
    // Loops (n, f, oh, ow, c, kh, kw), reductions c, kh, kw.
    AffineExpr n, f, oh, ow, c, kh, kw;
    bindDims(rewriter.getContext(), n, f, oh, ow, c, kh, kw);
    rewriter.replaceOp(
        op, createContraction(rewriter, loc, xp, wt,
                              {getMap(rewriter, 7,
                                      {n, c, paddedIndex(oh, kh, s[0], d[0]),
                                       paddedIndex(ow, kw, s[1], d[1])}),
                               getMap(rewriter, 7, {f, c, kh, kw}),
                               getMap(rewriter, 7, {n, f, oh, ow})},
                              3, staticSizes(rewriter, op.getType())));
    return success();
  }
};

struct MaskedConv2DGradWeightLowering
    : OpRewritePattern<MaskedConv2DGradWeightOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaskedConv2DGradWeightOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> s = op.getStrides(), d = op.getDilations();
    Value xp = padInput(rewriter, loc, op.getInput(), op.getPadding());
    // Loops (f, c, kh, kw, n, oh, ow), reductions n, oh, ow.
    AffineExpr f, c, kh, kw, n, oh, ow;
    bindDims(rewriter.getContext(), f, c, kh, kw, n, oh, ow);
    rewriter.replaceOp(
        op, createContraction(rewriter, loc, xp, op.getGradOutput(),
                              {getMap(rewriter, 7,
                                      {n, c, paddedIndex(oh, kh, s[0], d[0]),
                                       paddedIndex(ow, kw, s[1], d[1])}),
                               getMap(rewriter, 7, {n, f, oh, ow}),
                               getMap(rewriter, 7, {f, c, kh, kw})},
                              3, staticSizes(rewriter, op.getType())));
    return success();
  }
};

/// The output position `o` that reads input position `i` through kernel
/// tap `k`, and whether it exists: `o * stride = i + pad - k * dilation`
/// with `0 <= o < outSize`. Index arithmetic on `linalg.index` values.
std::pair<Value, Value> emitOutputIndex(OpBuilder &b, Location loc, Value i,
                                        Value k, int64_t stride, int64_t pad,
                                        int64_t dilation, int64_t outSize) {
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value t =
      arith::SubIOp::create(b, loc, arith::AddIOp::create(b, loc, i, cst(pad)),
                            arith::MulIOp::create(b, loc, k, cst(dilation)));
  Value nonNegative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, t, cst(0));
  // Clamped to 0 so that the division and the later extract stay in bounds.
  Value tc = arith::SelectOp::create(b, loc, nonNegative, t, cst(0));
  Value o = arith::DivUIOp::create(b, loc, tc, cst(stride));
  Value exact = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq,
      arith::RemUIOp::create(b, loc, tc, cst(stride)), cst(0));
  Value inRange =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, o, cst(outSize));
  Value valid = arith::AndIOp::create(
      b, loc, nonNegative, arith::AndIOp::create(b, loc, exact, inRange));
  Value clamped = arith::SelectOp::create(b, loc, valid, o, cst(0));
  return {clamped, valid};
}

struct MaskedConv2DGradInputLowering
    : OpRewritePattern<MaskedConv2DGradInputOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaskedConv2DGradInputOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> s = op.getStrides(), p = op.getPadding(),
                      d = op.getDilations();
    Value dy = op.getGradOutput();
    ArrayRef<int64_t> dyShape = op.getGradOutput().getType().getShape();
    Value wt = createMaskedWeights(rewriter, loc, op.getWeight(),
                                   op.getThreshold(), op.getMode());
    // Loops (n, c, ih, iw, f, kh, kw), reductions f, kh, kw. dY is gathered
    // (tensor.extract at the output position each tap reads from), which
    // keeps the sum in the documented order for every stride.
    AffineExpr n, c, ih, iw, f, kh, kw;
    bindDims(rewriter.getContext(), n, c, ih, iw, f, kh, kw);
    Value result = createGeneric(
        rewriter, loc, ValueRange{wt},
        createZeros(rewriter, loc, staticSizes(rewriter, op.getType())),
        {getMap(rewriter, 7, {f, c, kh, kw}),
         getMap(rewriter, 7, {n, c, ih, iw})},
        3, [&](OpBuilder &b, Location loc, ValueRange args) {
          auto index = [&](unsigned dim) {
            return linalg::IndexOp::create(b, loc, dim).getResult();
          };
          auto [oh, validH] = emitOutputIndex(b, loc, index(2), index(5), s[0],
                                              p[0], d[0], dyShape[2]);
          auto [ow, validW] = emitOutputIndex(b, loc, index(3), index(6), s[1],
                                              p[1], d[1], dyShape[3]);
          Value g = tensor::ExtractOp::create(
              b, loc, dy, ValueRange{index(0), index(4), oh, ow});
          Value product = arith::MulFOp::create(b, loc, g, args[0]);
          Value term = arith::SelectOp::create(
              b, loc, arith::AndIOp::create(b, loc, validH, validW), product,
              constF32(b, loc, 0.0f));
          linalg::YieldOp::create(
              b, loc, arith::AddFOp::create(b, loc, args[1], term).getResult());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

Value mx::createMaskedWeights(OpBuilder &b, Location loc, Value weight,
                              Value threshold, SparseMaskMode mode) {
  Value tau = emitTau(b, loc, getScalar(b, loc, threshold));
  return createElementwise(
      b, loc, weight, [&](OpBuilder &b, Location loc, ValueRange args) {
        return emitMaskedWeight(b, loc, args[0], tau, mode);
      });
}

void mx::populateMxSparseToLinalgPatterns(RewritePatternSet &patterns) {
  patterns
      .add<SparseMaskLowering, GaGradLowering, SparseMaskGradThresholdLowering,
           MaskedMatmulLowering, MaskedMatmulGradInputLowering,
           MaskedMatmulGradWeightLowering, MaskedConv2DLowering,
           MaskedConv2DGradWeightLowering, MaskedConv2DGradInputLowering>(
          patterns.getContext());
}
