//===- SparseMatmulLowering.cpp - mx.sparse_matmul (K-segmented CSR) ------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Lowerings of mx.sparse_matmul (the order of every sum is in the op's
// description, MxSparseKernelOps.td: per output, the row's entries in
// storage order, c = c + v * b, never fused):
//
// - reference (mx-lower-to-linalg): scalar scf.for loops over m, n, the
//   segments and the entries, one tensor.insert per output;
//
// - vector (mx-lower-to-vector): an scf.forall over row blocks (OpenMP
//   threads with parallel=openmp); in each, for every N tile of V vectors of
//   W lanes, every K segment and every group of R rows, the R x V output
//   vectors stay in registers while the entries of the rows' segments are
//   walked: per entry one broadcast of the value, V loads of the row of b
//   and V multiply + add. The segment loop sits outside the row loop, so
//   the k_tile x (V W) block of b that a segment touches stays in L1 for
//   all rows of the block. R rows run their common number of entries in
//   lock step (independent dependency chains for narrow tiles), then each
//   row its rest; each output still sees its entries in storage order.
//   The last N tile has fewer vectors, its last vector masked.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MxToStandard.h"
#include "mx/Conversion/MxToVector.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mx;

namespace {

Value cst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

using LoopBody =
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>;

SmallVector<Value> forLoop(OpBuilder &b, Location loc, Value lb, Value ub,
                           Value step, ValueRange inits, LoopBody body) {
  auto op = scf::ForOp::create(
      b, loc, lb, ub, step, inits,
      [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
        scf::YieldOp::create(nb, nl, body(nb, nl, iv, args));
      });
  return SmallVector<Value>(op.getResults());
}

/// The operands of one mx.sparse_matmul and the scalar reads shared by the
/// lowerings.
struct SparseOperands {
  Value pos, crd, values, b;
  int64_t m, k, n, segments;

  explicit SparseOperands(SparseMatmulOp op)
      : pos(op.getPos()), crd(op.getCrd()), values(op.getValues()),
        b(op.getB()) {
    auto bType = cast<RankedTensorType>(b.getType());
    k = bType.getDimSize(0);
    n = bType.getDimSize(1);
    m = cast<RankedTensorType>(op.getAcc().getType()).getDimSize(0);
    segments = op.getNumSegments();
  }

  /// pos[t*M + row] as an index (positions are unsigned).
  Value position(OpBuilder &b, Location loc, Value t, Value row,
                 int64_t plus) const {
    Value i = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, t, cst(b, loc, m)), row);
    if (plus)
      i = arith::AddIOp::create(b, loc, i, cst(b, loc, plus));
    Value p = tensor::ExtractOp::create(b, loc, pos, ValueRange{i});
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), p);
  }

  /// The column of entry p, as an index.
  Value column(OpBuilder &b, Location loc, Value p) const {
    Value c = tensor::ExtractOp::create(b, loc, crd, ValueRange{p});
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), c);
  }

  /// The value of entry p in f32 (bf16 widens exactly).
  Value value(OpBuilder &b, Location loc, Value p) const {
    Value v = tensor::ExtractOp::create(b, loc, values, ValueRange{p});
    if (!v.getType().isF32())
      v = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return v;
  }
};

//===----------------------------------------------------------------------===//
// Reference lowering
//===----------------------------------------------------------------------===//

struct SparseMatmulToLoops : OpRewritePattern<SparseMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SparseMatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SparseOperands s(op);
    OpBuilder &b = rewriter;
    Value zero = cst(b, loc, 0), one = cst(b, loc, 1);
    // The outputs are read from the loop-carried tensor (which starts as
    // acc) so that bufferization can update acc's buffer in place.
    Value result = forLoop(
        b, loc, zero, cst(b, loc, s.m), one, op.getAcc(),
        [&](OpBuilder &b, Location loc, Value m, ValueRange args) {
          return forLoop(
              b, loc, zero, cst(b, loc, s.n), one, args,
              [&](OpBuilder &b, Location loc, Value n, ValueRange args) {
                Value c0 = tensor::ExtractOp::create(b, loc, args[0],
                                                     ValueRange{m, n});
                Value c = forLoop(
                    b, loc, zero, cst(b, loc, s.segments), one, c0,
                    [&](OpBuilder &b, Location loc, Value t, ValueRange cs) {
                      Value p0 = s.position(b, loc, t, m, 0);
                      Value p1 = s.position(b, loc, t, m, 1);
                      return forLoop(b, loc, p0, p1, cst(b, loc, 1), cs,
                                     [&](OpBuilder &b, Location loc, Value p,
                                         ValueRange cs) {
                                       Value k = s.column(b, loc, p);
                                       Value x = tensor::ExtractOp::create(
                                           b, loc, s.b, ValueRange{k, n});
                                       Value prod = arith::MulFOp::create(
                                           b, loc, s.value(b, loc, p), x);
                                       Value sum = arith::AddFOp::create(
                                           b, loc, cs[0], prod);
                                       return SmallVector<Value>{sum};
                                     });
                    })[0];
                Value t = tensor::InsertOp::create(b, loc, c, args[0],
                                                   ValueRange{m, n});
                return SmallVector<Value>{t};
              });
        })[0];
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Vector lowering
//===----------------------------------------------------------------------===//

/// Register blocking of one target.
struct KernelShape {
  int64_t lanes;     // W: f32 lanes per vector
  int64_t maxVecs;   // V: vectors per N tile (accumulators per row)
  int64_t pairBelow; // tiles of at most this many vectors take 2 rows
};

KernelShape kernelShape(VectorTarget target) {
  switch (target) {
  case VectorTarget::X86Avx512:
    // 8 zmm per row: enough independent adds to hide the latency; 2 rows
    // (8 chains) for tiles of 4 vectors or fewer.
    return {16, 8, 4};
  case VectorTarget::AArch64Sve: // The NEON form (getFixedWidthTarget).
  case VectorTarget::AArch64Neon:
    return {4, 8, 4};
  case VectorTarget::Generic:
    return {8, 4, 0};
  }
  llvm_unreachable("unknown target");
}

struct VectorSparseMatmul {
  SparseOperands s;
  KernelShape shape;
  int64_t rowBlocks, blockRows;

  VectorSparseMatmul(SparseMatmulOp op, VectorTarget target)
      : s(op), shape(kernelShape(target)) {
    // Row blocks are the parallel iterations (two, one per core of the
    // target machines). Fewer, larger blocks reuse each b block across more
    // rows: on one thread 2 x 128 rows beat 4 x 64 by about 10% and
    // 16-row blocks lose 25% (ResNet-50 shapes, mx-bench); a block keeps at
    // least 32 rows.
    rowBlocks = s.m % 2 == 0 && s.m >= 64 ? 2 : 1;
    blockRows = s.m / rowBlocks;
  }

  VectorType vecType(OpBuilder &b) const {
    return VectorType::get({shape.lanes}, b.getF32Type());
  }

  /// Reads (`write`: stores) vector `v` of the N tile at column n0 of row
  /// `row`; `masked` for the partial last vector of the last tile.
  Value read(OpBuilder &b, Location loc, Value src, Value row, Value n0,
             int64_t v, bool masked) const {
    Value col = arith::AddIOp::create(b, loc, n0, cst(b, loc, v * shape.lanes));
    Value pad = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    return vector::TransferReadOp::create(b, loc, vecType(b), src,
                                          ValueRange{row, col}, pad,
                                          ArrayRef<bool>{!masked});
  }

  Value write(OpBuilder &b, Location loc, Value vec, Value dest, Value row,
              Value n0, int64_t v, bool masked) const {
    Value col = arith::AddIOp::create(b, loc, n0, cst(b, loc, v * shape.lanes));
    return vector::TransferWriteOp::create(
               b, loc, vec, dest, ValueRange{row, col}, ArrayRef<bool>{!masked})
        .getResult();
  }

  /// One entry p into the V accumulators of a row (N tile at n0).
  SmallVector<Value> accumulate(OpBuilder &b, Location loc, Value p, Value n0,
                                int64_t vecs, int64_t maskedVec,
                                ValueRange accs) const {
    Value k = s.column(b, loc, p);
    Value a =
        vector::BroadcastOp::create(b, loc, vecType(b), s.value(b, loc, p));
    SmallVector<Value> out;
    for (int64_t v = 0; v < vecs; ++v) {
      Value x = read(b, loc, s.b, k, n0, v, v == maskedVec);
      Value prod = arith::MulFOp::create(b, loc, a, x);
      out.push_back(arith::AddFOp::create(b, loc, accs[v], prod));
    }
    return out;
  }

  /// R rows starting at local row `r0` of the block tile `tile` (rows
  /// m0 + r0 ...), segment t, N tile at n0 with `vecs` vectors.
  Value rowGroup(OpBuilder &b, Location loc, Value tile, Value m0, Value r0,
                 Value t, Value n0, int64_t rows, int64_t vecs,
                 int64_t maskedVec) const {
    SmallVector<Value> p0, p1, localRows;
    SmallVector<Value> accs;
    for (int64_t r = 0; r < rows; ++r) {
      Value local = arith::AddIOp::create(b, loc, r0, cst(b, loc, r));
      Value row = arith::AddIOp::create(b, loc, m0, local);
      localRows.push_back(local);
      p0.push_back(s.position(b, loc, t, row, 0));
      p1.push_back(s.position(b, loc, t, row, 1));
      for (int64_t v = 0; v < vecs; ++v)
        accs.push_back(read(b, loc, tile, local, n0, v, v == maskedVec));
    }
    Value one = cst(b, loc, 1);
    SmallVector<Value> starts = p0;
    if (rows > 1) {
      // Lock step over the entries all rows have.
      Value common = arith::SubIOp::create(b, loc, p1[0], p0[0]);
      for (int64_t r = 1; r < rows; ++r)
        common = arith::MinSIOp::create(
            b, loc, common, arith::SubIOp::create(b, loc, p1[r], p0[r]));
      accs = forLoop(b, loc, cst(b, loc, 0), common, one, accs,
                     [&](OpBuilder &b, Location loc, Value j, ValueRange args) {
                       SmallVector<Value> next;
                       for (int64_t r = 0; r < rows; ++r) {
                         Value p = arith::AddIOp::create(b, loc, p0[r], j);
                         llvm::append_range(
                             next, accumulate(b, loc, p, n0, vecs, maskedVec,
                                              args.slice(r * vecs, vecs)));
                       }
                       return next;
                     });
      for (int64_t r = 0; r < rows; ++r)
        starts[r] = arith::AddIOp::create(b, loc, p0[r], common);
    }
    // The rest of each row (everything for a single row).
    for (int64_t r = 0; r < rows; ++r) {
      SmallVector<Value> rowAccs(accs.begin() + r * vecs,
                                 accs.begin() + (r + 1) * vecs);
      rowAccs =
          forLoop(b, loc, starts[r], p1[r], one, rowAccs,
                  [&](OpBuilder &b, Location loc, Value p, ValueRange args) {
                    return accumulate(b, loc, p, n0, vecs, maskedVec, args);
                  });
      for (int64_t v = 0; v < vecs; ++v)
        tile = write(b, loc, rowAccs[v], tile, localRows[r], n0, v,
                     v == maskedVec);
    }
    return tile;
  }

  /// All segments and rows of a block for one N tile at n0.
  Value nTile(OpBuilder &b, Location loc, Value tile, Value m0, Value n0,
              int64_t vecs, int64_t maskedVec) const {
    int64_t rows = vecs <= shape.pairBelow ? 2 : 1;
    int64_t grouped = blockRows / rows * rows;
    return forLoop(
        b, loc, cst(b, loc, 0), cst(b, loc, s.segments), cst(b, loc, 1), tile,
        [&](OpBuilder &b, Location loc, Value t, ValueRange args) {
          Value tile = args[0];
          if (grouped > 0)
            tile = forLoop(
                b, loc, cst(b, loc, 0), cst(b, loc, grouped), cst(b, loc, rows),
                tile,
                [&](OpBuilder &b, Location loc, Value r0, ValueRange args) {
                  return SmallVector<Value>{rowGroup(
                      b, loc, args[0], m0, r0, t, n0, rows, vecs, maskedVec)};
                })[0];
          for (int64_t r = grouped; r < blockRows; ++r)
            tile = rowGroup(b, loc, tile, m0, cst(b, loc, r), t, n0, 1, vecs,
                            maskedVec);
          return SmallVector<Value>{tile};
        })[0];
  }

  Value emit(OpBuilder &b, Location loc, Value acc) const {
    int64_t width = shape.lanes * shape.maxVecs;
    int64_t fullTiles = s.n / width;
    int64_t restCols = s.n - fullTiles * width;
    int64_t restVecs = (restCols + shape.lanes - 1) / shape.lanes;
    int64_t restMasked =
        restCols % shape.lanes ? restVecs - 1 : /*no masked vector*/ -1;
    auto forall = scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(rowBlocks)},
        ValueRange{acc}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    Block *body = forall.getBody();
    b.setInsertionPoint(body->getTerminator());
    Value m0 = arith::MulIOp::create(b, loc, body->getArgument(0),
                                     cst(b, loc, blockRows));
    SmallVector<OpFoldResult> offsets = {m0, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(blockRows),
                                       b.getIndexAttr(s.n)};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    Value tile = tensor::ExtractSliceOp::create(b, loc, body->getArgument(1),
                                                offsets, sizes, strides);
    if (fullTiles > 0)
      tile =
          forLoop(b, loc, cst(b, loc, 0), cst(b, loc, fullTiles * width),
                  cst(b, loc, width), tile,
                  [&](OpBuilder &b, Location loc, Value n0, ValueRange args) {
                    return SmallVector<Value>{
                        nTile(b, loc, args[0], m0, n0, shape.maxVecs, -1)};
                  })[0];
    if (restVecs > 0)
      tile = nTile(b, loc, tile, m0, cst(b, loc, fullTiles * width), restVecs,
                   restMasked);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, tile, body->getArgument(1),
                                          offsets, sizes, strides);
    return forall.getResult(0);
  }
};

struct SparseMatmulToVector : OpRewritePattern<SparseMatmulOp> {
  SparseMatmulToVector(MLIRContext *ctx, VectorTarget target)
      : OpRewritePattern(ctx), target(target) {}

  LogicalResult matchAndRewrite(SparseMatmulOp op,
                                PatternRewriter &rewriter) const override {
    VectorSparseMatmul plan(op, target);
    rewriter.replaceOp(op, plan.emit(rewriter, op.getLoc(), op.getAcc()));
    return success();
  }

  VectorTarget target;
};

} // namespace

void mx::populateMxSparseMatmulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<SparseMatmulToLoops>(patterns.getContext());
}

void mx::populateMxSparseMatmulToVectorPatterns(RewritePatternSet &patterns,
                                                VectorTarget target) {
  patterns.add<SparseMatmulToVector>(patterns.getContext(), target);
}
