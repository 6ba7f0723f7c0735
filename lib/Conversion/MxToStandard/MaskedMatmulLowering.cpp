//===- MaskedMatmulLowering.cpp - mx.masked_matmul on vectors -------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The vector lowering of mx.masked_matmul (static shapes; the reference
// lowering in SparseLowering.cpp stays the fallback): the dense path of a
// layer that mx-sparsify leaves dense. W~ is computed once (the reference's
// elementwise generic), then an scf.forall splits the output in two (by N
// tiles when there are two or more, else by rows) and every R x V block of
// outputs (R rows, V vectors of W lanes) stays in registers while k runs
// from 0 to K - 1: per k, V loads of the row of x shared by the R rows, R
// broadcasts of w~ and R V multiply + add. Each output is the reference's
// sum, in its order (k ascending from +0, each product and sum rounded, no
// FMA), so the results are the same bits.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MxToStandard.h"
#include "mx/Conversion/MxToVector.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::mx;

namespace {

Value cst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Register blocking: R rows x V vectors of W lanes.
struct DenseShape {
  int64_t lanes, rows, vecs;
};

DenseShape denseShape(VectorTarget target) {
  // 16 of the 32 zmm (or q) registers accumulate; V loads feed R V sums.
  if (target == VectorTarget::X86Avx512)
    return {16, 4, 4};
  if (target == VectorTarget::Generic)
    return {8, 2, 2};
  return {4, 4, 4};
}

struct DenseMaskedMatmul {
  Value wt, x;
  int64_t m, k, n;
  DenseShape shape;
  int64_t vectors, tiles, baseVecs, extra, chunks;
  bool lastMasked, splitN;

  DenseMaskedMatmul(Value wt, Value x, VectorTarget target)
      : wt(wt), x(x), shape(denseShape(target)) {
    auto xType = cast<RankedTensorType>(x.getType());
    m = cast<RankedTensorType>(wt.getType()).getDimSize(0);
    k = xType.getDimSize(0);
    n = xType.getDimSize(1);
    vectors = (n + shape.lanes - 1) / shape.lanes;
    lastMasked = n % shape.lanes != 0;
    tiles = std::max<int64_t>((vectors + shape.vecs - 1) / shape.vecs, 1);
    baseVecs = vectors / tiles;
    extra = vectors % tiles;
    splitN = tiles >= 2;
    chunks = splitN || (m % 2 == 0 && m >= 2 * shape.rows) ? 2 : 1;
  }

  VectorType vecType(OpBuilder &b) const {
    return VectorType::get({shape.lanes}, b.getF32Type());
  }

  Value column(OpBuilder &b, Location loc, Value col0, int64_t v) const {
    return arith::AddIOp::create(b, loc, col0, cst(b, loc, v * shape.lanes));
  }

  /// Rows [r0, r0 + rows) of the chunk (op rows rowBase + ...), the tile of
  /// `vecs` vectors at column n0 (n0 - colBase in the chunk's slice).
  Value block(OpBuilder &b, Location loc, Value tile, Value rowBase,
              Value colBase, Value r0, Value n0, int64_t rows, int64_t vecs,
              int64_t maskedVec) const {
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vecType(b), b.getF32FloatAttr(0.0f)));
    SmallVector<Value> accs(rows * vecs, zero);
    Value pad = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    auto loop = scf::ForOp::create(
        b, loc, cst(b, loc, 0), cst(b, loc, k), cst(b, loc, 1), accs,
        [&](OpBuilder &b, Location loc, Value kk, ValueRange args) {
          SmallVector<Value> xs;
          for (int64_t v = 0; v < vecs; ++v)
            xs.push_back(vector::TransferReadOp::create(
                b, loc, vecType(b), x, ValueRange{kk, column(b, loc, n0, v)},
                pad, ArrayRef<bool>{v != maskedVec}));
          SmallVector<Value> next;
          for (int64_t r = 0; r < rows; ++r) {
            Value row = arith::AddIOp::create(
                b, loc, rowBase,
                arith::AddIOp::create(b, loc, r0, cst(b, loc, r)));
            Value w =
                tensor::ExtractOp::create(b, loc, wt, ValueRange{row, kk});
            Value a = vector::BroadcastOp::create(b, loc, vecType(b), w);
            for (int64_t v = 0; v < vecs; ++v) {
              Value prod = arith::MulFOp::create(b, loc, a, xs[v]);
              next.push_back(
                  arith::AddFOp::create(b, loc, args[r * vecs + v], prod));
            }
          }
          scf::YieldOp::create(b, loc, next);
        });
    Value c0 = arith::SubIOp::create(b, loc, n0, colBase);
    for (int64_t r = 0; r < rows; ++r) {
      Value local = arith::AddIOp::create(b, loc, r0, cst(b, loc, r));
      for (int64_t v = 0; v < vecs; ++v)
        tile = vector::TransferWriteOp::create(
                   b, loc, loop.getResult(r * vecs + v), tile,
                   ValueRange{local, column(b, loc, c0, v)},
                   ArrayRef<bool>{v != maskedVec})
                   .getResult();
    }
    return tile;
  }

  /// All rows of a chunk (chunkRows rows) for one tile.
  Value nTile(OpBuilder &b, Location loc, Value tile, Value rowBase,
              Value colBase, Value n0, int64_t chunkRows, int64_t vecs,
              int64_t maskedVec) const {
    int64_t rows = std::min(shape.rows, chunkRows);
    int64_t grouped = chunkRows / rows * rows;
    auto loop = scf::ForOp::create(
        b, loc, cst(b, loc, 0), cst(b, loc, grouped), cst(b, loc, rows), tile,
        [&](OpBuilder &b, Location loc, Value r0, ValueRange args) {
          scf::YieldOp::create(b, loc,
                               block(b, loc, args[0], rowBase, colBase, r0, n0,
                                     rows, vecs, maskedVec));
        });
    tile = loop.getResult(0);
    if (grouped < chunkRows)
      tile = block(b, loc, tile, rowBase, colBase, cst(b, loc, grouped), n0,
                   chunkRows - grouped, vecs, maskedVec);
    return tile;
  }

  /// Column of the first vector of tile i: i base + min(i, extra) vectors
  /// precede it (the first `extra` tiles have one vector more).
  Value tileColumn(OpBuilder &b, Location loc, Value i) const {
    Value v = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, i, cst(b, loc, baseVecs)),
        arith::MinSIOp::create(b, loc, i, cst(b, loc, extra)));
    return arith::MulIOp::create(b, loc, v, cst(b, loc, shape.lanes));
  }

  /// Tiles [lo, hi): the wide ones, the narrow ones, and the last one (its
  /// last vector masked) if the chunk has it.
  Value chunkTiles(OpBuilder &b, Location loc, Value tile, Value lo, Value hi,
                   Value rowBase, Value colBase, int64_t chunkRows) const {
    auto tilesIn = [&](Value from, Value to, int64_t vecs, Value tile) {
      auto loop = scf::ForOp::create(
          b, loc, from, to, cst(b, loc, 1), tile,
          [&](OpBuilder &b, Location loc, Value i, ValueRange args) {
            scf::YieldOp::create(b, loc,
                                 nTile(b, loc, args[0], rowBase, colBase,
                                       tileColumn(b, loc, i), chunkRows, vecs,
                                       /*maskedVec=*/-1));
          });
      return loop.getResult(0);
    };
    int64_t plainEnd = lastMasked ? tiles - 1 : tiles;
    Value extraV = cst(b, loc, extra);
    if (extra > 0)
      tile = tilesIn(lo, arith::MinSIOp::create(b, loc, hi, extraV),
                     baseVecs + 1, tile);
    if (plainEnd > extra)
      tile = tilesIn(arith::MaxSIOp::create(b, loc, lo, extraV),
                     arith::MinSIOp::create(b, loc, hi, cst(b, loc, plainEnd)),
                     baseVecs, tile);
    if (!lastMasked)
      return tile;
    Value hasLast = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, hi,
                                          cst(b, loc, tiles));
    auto ifOp = scf::IfOp::create(
        b, loc, hasLast,
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(b, loc,
                               nTile(b, loc, tile, rowBase, colBase,
                                     tileColumn(b, loc, cst(b, loc, tiles - 1)),
                                     chunkRows, baseVecs, baseVecs - 1));
        },
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(b, loc, tile);
        });
    return ifOp.getResult(0);
  }

  Value emit(OpBuilder &b, Location loc, Value out) const {
    auto forall = scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(chunks)}, ValueRange{out},
        std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    Block *body = forall.getBody();
    b.setInsertionPoint(body->getTerminator());
    Value c = body->getArgument(0);
    Value lo, hi, rowBase, colBase;
    SmallVector<OpFoldResult> offsets, sizes;
    int64_t chunkRows;
    if (splitN) {
      auto bound = [&](Value i) {
        return arith::DivUIOp::create(
            b, loc, arith::MulIOp::create(b, loc, i, cst(b, loc, tiles)),
            cst(b, loc, chunks));
      };
      lo = bound(c);
      hi = bound(arith::AddIOp::create(b, loc, c, cst(b, loc, 1)));
      rowBase = cst(b, loc, 0);
      colBase = tileColumn(b, loc, lo);
      Value colEnd = arith::MinSIOp::create(b, loc, tileColumn(b, loc, hi),
                                            cst(b, loc, n));
      chunkRows = m;
      offsets = {b.getIndexAttr(0), colBase};
      sizes = {b.getIndexAttr(m),
               arith::SubIOp::create(b, loc, colEnd, colBase).getResult()};
    } else {
      chunkRows = m / chunks;
      lo = cst(b, loc, 0);
      hi = cst(b, loc, tiles);
      rowBase = arith::MulIOp::create(b, loc, c, cst(b, loc, chunkRows));
      colBase = cst(b, loc, 0);
      offsets = {rowBase, b.getIndexAttr(0)};
      sizes = {b.getIndexAttr(chunkRows), b.getIndexAttr(n)};
    }
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    Value tile = tensor::ExtractSliceOp::create(b, loc, body->getArgument(1),
                                                offsets, sizes, strides);
    tile = chunkTiles(b, loc, tile, lo, hi, rowBase, colBase, chunkRows);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, tile, body->getArgument(1),
                                          offsets, sizes, strides);
    return forall.getResult(0);
  }
};

struct MaskedMatmulToVector : OpRewritePattern<MaskedMatmulOp> {
  MaskedMatmulToVector(MLIRContext *ctx, VectorTarget target)
      // Before the reference pattern, which stays for dynamic shapes.
      : OpRewritePattern(ctx, /*benefit=*/2), target(target) {}

  LogicalResult matchAndRewrite(MaskedMatmulOp op,
                                PatternRewriter &rewriter) const override {
    auto wType = cast<RankedTensorType>(op.getWeight().getType());
    auto xType = cast<RankedTensorType>(op.getInput().getType());
    if (!wType.hasStaticShape() || !xType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    if (wType.getDimSize(0) == 0 || xType.getDimSize(1) == 0 ||
        xType.getDimSize(0) == 0)
      return rewriter.notifyMatchFailure(op, "empty");
    Location loc = op.getLoc();
    Value wt = createMaskedWeights(rewriter, loc, op.getWeight(),
                                   op.getThreshold(), op.getMode());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Value out = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                        resultType.getElementType());
    DenseMaskedMatmul kernel(wt, op.getInput(), target);
    rewriter.replaceOp(op, kernel.emit(rewriter, loc, out));
    return success();
  }

  VectorTarget target;
};

} // namespace

void mx::populateMxMaskedMatmulToVectorPatterns(RewritePatternSet &patterns,
                                                VectorTarget target) {
  patterns.add<MaskedMatmulToVector>(patterns.getContext(), target);
}
