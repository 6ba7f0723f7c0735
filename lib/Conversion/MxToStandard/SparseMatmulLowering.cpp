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
// - vector (mx-lower-to-vector): N is cut into tiles of V vectors of W
//   lanes (widths differing by at most one vector; the last vector of the
//   last tile masked when W does not divide N). An scf.forall splits the
//   work in two (OpenMP threads with parallel=openmp): by tiles when there
//   are two or more, so that each core reads its half of b once, else by
//   rows. In a chunk, for every tile, every K segment and every group of R
//   rows, the R x V output vectors stay in registers while the entries of
//   the rows' segments are walked: per entry one broadcast of the value, V
//   loads of the row of b (memory operands of the multiplies) and V
//   multiply + add. The segment loop sits outside the row loop, so that
//   the k_tile x (V W) block of b that a segment touches stays in cache for
//   all rows of the chunk; V bounds its size (SparsePlan). Narrow
//   tiles run R > 1 rows in lock step (independent sums), masking the sums
//   of rows past their end. On x86, b (when larger than 128 KiB) is
//   prefetched a segment ahead, and a tile ahead when larger than L2; when
//   b is larger than L2 and M < 128, segments go outside tiles instead.
//   Each output still sees its entries in storage order.
//
// MX codes (i8 values with value_format and scales) are decoded where they
// are read: per entry in the reference lowering; by the vector lowering in
// one parallel pass before the kernel, into an f32 copy of the values that
// the kernel then reads as it reads f32 values (a loop over the row
// segments, 16 codes per step: the segment's window of block scales is one
// vector, and each code's scale is a register-table lookup in it). Either
// way an entry's value is value(code) * 2^(scale - 127) rounded once, the
// mx.dequantize rule (MxElementMath), so the sums do not change.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MxElementMath.h"
#include "mx/Conversion/MxToStandard.h"
#include "mx/Conversion/MxToVector.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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
  Value pos, crd, values, scales, b;
  // With MX codes: their format (scales then holds the E8M0 bytes).
  std::optional<Format> format;
  int64_t m, k, n, segments, scaleBlocks;

  explicit SparseOperands(SparseMatmulOp op)
      : pos(op.getPos()), crd(op.getCrd()), values(op.getValues()),
        scales(op.getScales()), b(op.getB()), format(op.getValueFormat()) {
    auto bType = cast<RankedTensorType>(b.getType());
    k = bType.getDimSize(0);
    n = bType.getDimSize(1);
    m = cast<RankedTensorType>(op.getAcc().getType()).getDimSize(0);
    segments = op.getNumSegments();
    scaleBlocks = op.getNumScaleBlocks();
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

  /// The value of entry p in f32: bf16 widens exactly; an MX code is
  /// decoded and scaled by the scale of its block (row, column / 32), which
  /// needs the entry's row and column.
  Value value(OpBuilder &b, Location loc, Value p, Value row = {},
              Value col = {}) const {
    Value v = tensor::ExtractOp::create(b, loc, values, ValueRange{p});
    if (format) {
      assert(row && col && "MX codes need the entry's row and column");
      Value block = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, row, cst(b, loc, scaleBlocks)),
          arith::DivUIOp::create(b, loc, col,
                                 cst(b, loc, SparseMatmulOp::kScaleBlock)));
      Value scale = arith::BitcastOp::create(
          b, loc, b.getI8Type(),
          tensor::ExtractOp::create(b, loc, scales, ValueRange{block}));
      return emitApplyScale(b, loc, emitDecodeElement(b, loc, v, *format),
                            scale);
    }
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
                                           b, loc, s.value(b, loc, p, m, k), x);
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

/// The f32 values of MX codes (a tensor like `values`), decoded in one pass
/// over the row segments in storage order, 16 entries per step (masked at
/// the segment's end), in `chunks` parallel ranges of row segments. An
/// entry's scale is that of block (row, column / 32).
/// When a segment spans at most 16 blocks (k_tile up to 481; mx-sparsify
/// never makes more than 256), the segment's blocks are one vector of scale
/// bytes loaded once and every lane looks its scale up in it (mx.lookup:
/// vpshufb, tbl); otherwise each lane gathers its scale.
Value decodeMxValues(OpBuilder &b, Location loc, const SparseOperands &s,
                     int64_t kTile, VectorTarget target, int64_t chunks) {
  constexpr int64_t lanes = 16;
  constexpr int64_t block = SparseMatmulOp::kScaleBlock;
  Format format = *s.format;
  auto i8s = VectorType::get({lanes}, b.getI8Type());
  auto i32s = VectorType::get({lanes}, b.getI32Type());
  auto valuesType = cast<RankedTensorType>(s.values.getType());
  SmallVector<Value> dynamic;
  if (valuesType.isDynamicDim(0))
    dynamic.push_back(tensor::DimOp::create(b, loc, s.values, 0));
  Value decoded = tensor::EmptyOp::create(b, loc, valuesType.getShape(),
                                          b.getF32Type(), dynamic);
  // Scale bytes are read as f8E8M0FNU vectors and bitcast to i8.
  Type e8m0 = cast<RankedTensorType>(s.scales.getType()).getElementType();
  auto e8m0s = VectorType::get({lanes}, e8m0);
  Value padE8M0 =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(e8m0s)).getResult();
  auto asBytes = [&](OpBuilder &b, Value v) {
    return arith::BitcastOp::create(b, loc, i8s, v).getResult();
  };
  int64_t kt = std::min(kTile, s.k);
  // kt columns from anywhere touch at most ceil((kt - 1) / 32) + 1 blocks.
  bool window = (kt + block - 2) / block + 1 <= lanes;
  Value zero = cst(b, loc, 0), one = cst(b, loc, 1);
  Value padI8 = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  Value crdPad = arith::ConstantOp::create(
      b, loc,
      b.getIntegerAttr(cast<RankedTensorType>(s.crd.getType()).getElementType(),
                       0));
  // 1-D masked reads and writes: every lane the mask enables is inside the
  // tensor (the masked-off lanes are not accessed), hence in_bounds.
  auto map =
      AffineMapAttr::get(AffineMap::getMinorIdentityMap(1, 1, b.getContext()));
  auto inBounds = b.getBoolArrayAttr({true});
  auto read = [&](OpBuilder &b, Value tensor, VectorType type, Value at,
                  Value pad, Value mask) {
    return vector::TransferReadOp::create(b, loc, type, tensor, ValueRange{at},
                                          map, pad, mask, inBounds)
        .getResult();
  };
  // pos[r] as an index (positions are unsigned).
  auto posAt = [&](OpBuilder &b, Location loc, Value r) {
    Value v = tensor::ExtractOp::create(b, loc, s.pos, ValueRange{r});
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), v)
        .getResult();
  };
  // Row segment r = t * M + row; `args[0]` holds the values from entry
  // pBase on.
  auto entries = [&](OpBuilder &b, Location loc, Value r, Value pBase,
                     ValueRange args) {
    Value t = arith::DivUIOp::create(b, loc, r, cst(b, loc, s.m));
    Value row = arith::RemUIOp::create(b, loc, r, cst(b, loc, s.m));
    Value p0 = posAt(b, loc, r);
    Value p1 = posAt(b, loc, arith::AddIOp::create(b, loc, r, one));
    Value rowBlock =
        arith::MulIOp::create(b, loc, row, cst(b, loc, s.scaleBlocks));
    Value table, first;
    if (window) {
      // Blocks [first, first + 16) of the row (the segment's, masked at the
      // row's end).
      first = arith::DivUIOp::create(
          b, loc, arith::MulIOp::create(b, loc, t, cst(b, loc, kt)),
          cst(b, loc, block));
      Value count =
          arith::SubIOp::create(b, loc, cst(b, loc, s.scaleBlocks), first);
      Value mask = vector::CreateMaskOp::create(
          b, loc, VectorType::get({lanes}, b.getI1Type()), ValueRange{count});
      table = asBytes(
          b,
          read(b, s.scales, e8m0s,
               arith::AddIOp::create(b, loc, rowBlock, first),
               arith::ConstantOp::create(b, loc, b.getZeroAttr(e8m0)), mask));
    }
    return forLoop(
        b, loc, p0, p1, cst(b, loc, lanes), args,
        [&](OpBuilder &b, Location loc, Value p, ValueRange args) {
          Value count = arith::SubIOp::create(b, loc, p1, p);
          Value mask = vector::CreateMaskOp::create(
              b, loc, VectorType::get({lanes}, b.getI1Type()),
              ValueRange{count});
          Value codes = read(b, s.values, i8s, p, padI8, mask);
          Value cols = read(
              b, s.crd,
              VectorType::get(
                  {lanes},
                  cast<RankedTensorType>(s.crd.getType()).getElementType()),
              p, crdPad, mask);
          if (!cast<VectorType>(cols.getType()).getElementType().isInteger(32))
            cols = arith::ExtUIOp::create(b, loc, i32s, cols);
          Value blocks = arith::ShRUIOp::create(
              b, loc, cols, emitSplat(b, loc, i32s, llvm::Log2_64(block)));
          Value scaleBytes;
          if (window) {
            Value firstI32 =
                arith::IndexCastUIOp::create(b, loc, b.getI32Type(), first);
            Value rel = arith::SubIOp::create(
                b, loc, blocks,
                vector::BroadcastOp::create(b, loc, i32s, firstI32));
            scaleBytes = LookupOp::create(
                b, loc, i8s, table, arith::TruncIOp::create(b, loc, i8s, rel));
          } else {
            Value base =
                arith::IndexCastUIOp::create(b, loc, b.getI32Type(), rowBlock);
            Value indices = arith::AddIOp::create(
                b, loc, blocks,
                vector::BroadcastOp::create(b, loc, i32s, base));
            scaleBytes =
                asBytes(b, vector::GatherOp::create(b, loc, e8m0s, s.scales,
                                                    ValueRange{zero}, indices,
                                                    mask, padE8M0));
          }
          Value values =
              target != VectorTarget::Generic &&
                      (format == Format::e4m3 || format == Format::e5m2)
                  ? emitDecodeFP8ViaF16(b, loc, codes, format)
                  : emitDecodeElement(b, loc, codes, format);
          values = emitApplyScale(b, loc, values, scaleBytes);
          Value at = arith::SubIOp::create(b, loc, p, pBase);
          Value written = vector::TransferWriteOp::create(
                              b, loc, args[0].getType(), values, args[0],
                              ValueRange{at}, map, mask, inBounds)
                              .getResult();
          return SmallVector<Value>{written};
        });
  };
  // Parallel chunks (the kernel's) of whole row segments, each writing the
  // slice of the values its segments hold.
  int64_t segments = s.segments * s.m;
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(chunks)},
      ValueRange{decoded}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  Block *body = forall.getBody();
  b.setInsertionPoint(body->getTerminator());
  auto bound = [&](Value c) {
    return arith::DivUIOp::create(
        b, loc, arith::MulIOp::create(b, loc, c, cst(b, loc, segments)),
        cst(b, loc, chunks));
  };
  Value c = body->getArgument(0);
  Value rLo = bound(c);
  Value rHi = bound(arith::AddIOp::create(b, loc, c, one));
  Value pLo = posAt(b, loc, rLo);
  SmallVector<OpFoldResult> offsets = {pLo};
  SmallVector<OpFoldResult> sizes = {
      arith::SubIOp::create(b, loc, posAt(b, loc, rHi), pLo).getResult()};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1)};
  Value slice = tensor::ExtractSliceOp::create(b, loc, body->getArgument(1),
                                               offsets, sizes, strides);
  slice = forLoop(b, loc, rLo, rHi, one, slice,
                  [&](OpBuilder &b, Location loc, Value r, ValueRange args) {
                    return entries(b, loc, r, pLo, args);
                  })[0];
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, slice, body->getArgument(1),
                                        offsets, sizes, strides);
  return forall.getResult(0);
}

/// What the kernel assumes of a target.
struct TargetModel {
  int64_t lanes;   // f32 lanes per vector
  int64_t minVecs; // fewest vectors per N tile (the scalar work per entry
  int64_t maxVecs; // is shared by fewer), and most
  int64_t chains;  // tiles of fewer vectors run rows in lock step
  int64_t maxAccs; // most accumulator vectors in registers
  // The largest k_tile x tile block of b that a segment walks: blockBytes
  // when at least sharedRows rows use it, else narrowBlockBytes (few rows
  // use each line only a few times: narrower tiles stream better).
  int64_t blockBytes, narrowBlockBytes, sharedRows;
  // Software prefetch of b when it has more than prefetchAbove bytes (0:
  // never); above l2Bytes also a whole tile ahead.
  int64_t prefetchAbove, l2Bytes;
};

TargetModel targetModel(VectorTarget target) {
  // AVX-512: 32 zmm; 48 KiB L1 and 2 MiB L2 per core (the Sapphire Rapids
  // of mx-bench). A row of tiles of 3+ vectors has enough independent sums:
  // lock step measured slower there (the rows' different lengths). With
  // 128+ rows, blocks up to 128 KiB (8 vectors at every k_tile up to 256;
  // L2 serves what L1 does not hold): 4-vector tiles at k_tile 128 and 256
  // measured 5-18% slower on 256 x 2304 and 512 x 4608 (batch 1 and 32),
  // the same on 1024 x 256.
  if (target == VectorTarget::X86Avx512)
    return {16, 4, 8, 3, 16, 128 * 1024, 16 * 1024, 128, 128 * 1024, 1 << 20};
  // Generic: 8-lane vectors may be two registers each (SSE).
  if (target == VectorTarget::Generic)
    return {8, 2, 4, 2, 4, 64 * 1024, 16 * 1024, 128, 0, 0};
  // AArch64 NEON (SVE uses it too): 32 q registers.
  return {4, 4, 8, 4, 16, 64 * 1024, 16 * 1024, 128, 0, 0};
}

/// The loop structure of one op on one target: how N is cut into tiles of
/// register vectors, how many rows run in lock step, what the parallel
/// iterations split and what is prefetched.
struct SparsePlan {
  int64_t lanes;
  int64_t rows;     // R: rows per group (1: no lock step)
  int64_t vectors;  // N in vectors (the last one maybe partial)
  int64_t tiles;    // T
  int64_t baseVecs; // tiles [0, extra) have baseVecs + 1 vectors, the
  int64_t extra;    // others baseVecs
  bool lastMasked;  // the last vector of the last tile is partial
  bool splitN;      // parallel chunks are column ranges, else row ranges
  int64_t chunks;
  // Software prefetch of b: the next segment's block (into L1), and for b
  // larger than L2 also the next tile's block (into L2), each spread over
  // the row groups of the current segment; with either, the next tile's
  // rows of acc during the first segment.
  bool prefetchSegment, prefetchTile;
  bool segmentsOuter; // loop nest (segment, tile, ...), else (tile, segment)

  SparsePlan(const SparseOperands &s, int64_t kTile, VectorTarget target) {
    TargetModel model = targetModel(target);
    lanes = model.lanes;
    vectors = (s.n + lanes - 1) / lanes;
    lastMasked = s.n % lanes != 0;
    int64_t kt = std::min(kTile, s.k);
    int64_t block =
        s.m >= model.sharedRows ? model.blockBytes : model.narrowBlockBytes;
    int64_t vecs = std::clamp<int64_t>(block / (kt * lanes * 4), model.minVecs,
                                       model.maxVecs);
    vecs = std::clamp<int64_t>(vectors, 1, vecs);
    // Tiles of equal width (+-1 vector), so that none is much narrower.
    tiles = (vectors + vecs - 1) / vecs;
    baseVecs = vectors / tiles;
    extra = vectors % tiles;
    rows = std::clamp<int64_t>((model.chains + baseVecs - 1) / baseVecs, 1,
                               std::max<int64_t>(model.maxAccs / vecs, 1));
    // Two parallel chunks (the cores of the target machines): column
    // ranges when there are tiles to share, so that each core reads half of
    // b once, else row ranges.
    splitN = tiles >= 2;
    chunks = splitN || (s.m % 2 == 0 && s.m >= 64) ? 2 : 1;
    int64_t bBytes = s.k * s.n * 4;
    prefetchSegment = model.prefetchAbove && bBytes > model.prefetchAbove;
    prefetchTile = prefetchSegment && bBytes > model.l2Bytes;
    // b streamed from memory and used by few rows: segments outside tiles,
    // so that each segment's rows of b are read across all columns (long
    // runs that the hardware prefetcher follows) and acc, smaller than b,
    // is what comes back every segment. Prefetch then runs a tile ahead.
    segmentsOuter =
        model.l2Bytes && bBytes > model.l2Bytes && s.m < model.sharedRows;
    if (segmentsOuter) {
      prefetchTile = prefetchSegment;
      prefetchSegment = false;
    }
  }
};

struct VectorSparseMatmul {
  SparseOperands s;
  SparsePlan plan;
  int64_t kTile;
  VectorTarget target;
  // The buffers of b and acc for memref.prefetch (null: no prefetch).
  Value bBuf, cBuf;

  VectorSparseMatmul(SparseMatmulOp op, VectorTarget target)
      : s(op), plan(s, static_cast<int64_t>(op.getKTile()), target),
        kTile(static_cast<int64_t>(op.getKTile())), target(target) {}

  VectorType vecType(OpBuilder &b) const {
    return VectorType::get({plan.lanes}, b.getF32Type());
  }

  /// Reads (`write`: stores) vector `v` at column col0 of row `row`;
  /// `masked` for the partial last vector.
  Value read(OpBuilder &b, Location loc, Value src, Value row, Value col0,
             int64_t v, bool masked) const {
    Value col =
        arith::AddIOp::create(b, loc, col0, cst(b, loc, v * plan.lanes));
    Value pad = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    return vector::TransferReadOp::create(b, loc, vecType(b), src,
                                          ValueRange{row, col}, pad,
                                          ArrayRef<bool>{!masked});
  }

  Value write(OpBuilder &b, Location loc, Value vec, Value dest, Value row,
              Value col0, int64_t v, bool masked) const {
    Value col =
        arith::AddIOp::create(b, loc, col0, cst(b, loc, v * plan.lanes));
    return vector::TransferWriteOp::create(
               b, loc, vec, dest, ValueRange{row, col}, ArrayRef<bool>{!masked})
        .getResult();
  }

  /// One entry p into the V accumulators of a row (b columns from n0).
  /// With `valid`, the sums only replace the accumulators where it holds
  /// (an entry past the row's end in a masked lock step).
  SmallVector<Value> accumulate(OpBuilder &b, Location loc, Value p, Value n0,
                                int64_t vecs, int64_t maskedVec,
                                ValueRange accs, Value valid = {}) const {
    Value k = s.column(b, loc, p);
    Value a =
        vector::BroadcastOp::create(b, loc, vecType(b), s.value(b, loc, p));
    SmallVector<Value> out;
    for (int64_t v = 0; v < vecs; ++v) {
      Value x = read(b, loc, s.b, k, n0, v, v == maskedVec);
      Value prod = arith::MulFOp::create(b, loc, a, x);
      Value sum = arith::AddFOp::create(b, loc, accs[v], prod);
      if (valid)
        sum = arith::SelectOp::create(b, loc, valid, sum, accs[v]);
      out.push_back(sum);
    }
    return out;
  }

  /// Where a tile's rows and columns are: rows `rowBase + local` of the
  /// op, columns n0 of b and n0 - colBase of `tile` (the chunk's slice).
  struct TileAt {
    Value rowBase, colBase, n0;
    int64_t vecs, maskedVec;
  };

  /// R rows from local row r0 of the chunk, segment t. R > 1 rows run in
  /// lock step (R x V independent sums) over the entries they all have,
  /// then on to the longest row with masked sums: a row past its end reads
  /// a valid entry (the group's last) and keeps its accumulators (a select,
  /// not an added zero, so that the bits stay those of the row's own sum).
  Value rowGroup(OpBuilder &b, Location loc, Value tile, const TileAt &at,
                 Value r0, Value t, int64_t rows) const {
    int64_t vecs = at.vecs, maskedVec = at.maskedVec;
    Value c0 = arith::SubIOp::create(b, loc, at.n0, at.colBase);
    SmallVector<Value> p0, p1, localRows, accs;
    for (int64_t r = 0; r < rows; ++r) {
      Value local = arith::AddIOp::create(b, loc, r0, cst(b, loc, r));
      Value row = arith::AddIOp::create(b, loc, at.rowBase, local);
      localRows.push_back(local);
      p0.push_back(s.position(b, loc, t, row, 0));
      p1.push_back(s.position(b, loc, t, row, 1));
      for (int64_t v = 0; v < vecs; ++v)
        accs.push_back(read(b, loc, tile, local, c0, v, v == maskedVec));
    }
    Value one = cst(b, loc, 1);
    if (rows == 1) {
      accs =
          forLoop(b, loc, p0[0], p1[0], one, accs,
                  [&](OpBuilder &b, Location loc, Value p, ValueRange args) {
                    return accumulate(b, loc, p, at.n0, vecs, maskedVec, args);
                  });
    } else {
      Value common = arith::SubIOp::create(b, loc, p1[0], p0[0]);
      Value longest = common, end = p1[0];
      for (int64_t r = 1; r < rows; ++r) {
        Value count = arith::SubIOp::create(b, loc, p1[r], p0[r]);
        common = arith::MinSIOp::create(b, loc, common, count);
        longest = arith::MaxSIOp::create(b, loc, longest, count);
        end = arith::MaxSIOp::create(b, loc, end, p1[r]);
      }
      Value last = arith::SubIOp::create(b, loc, end, one);
      auto lockStep = [&](Value from, Value to, bool masked) {
        return forLoop(
            b, loc, from, to, one, accs,
            [&](OpBuilder &b, Location loc, Value j, ValueRange args) {
              SmallVector<Value> next;
              for (int64_t r = 0; r < rows; ++r) {
                Value p = arith::AddIOp::create(b, loc, p0[r], j);
                Value valid;
                if (masked) {
                  valid = arith::CmpIOp::create(
                      b, loc, arith::CmpIPredicate::slt, p, p1[r]);
                  p = arith::MinSIOp::create(b, loc, p, last);
                }
                llvm::append_range(
                    next, accumulate(b, loc, p, at.n0, vecs, maskedVec,
                                     args.slice(r * vecs, vecs), valid));
              }
              return next;
            });
      };
      accs = lockStep(cst(b, loc, 0), common, /*masked=*/false);
      accs = lockStep(common, longest, /*masked=*/true);
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vecs; ++v)
        tile = write(b, loc, accs[r * vecs + v], tile, localRows[r], c0, v,
                     v == maskedVec);
    return tile;
  }

  /// Column col + v W, clamped into the row: the addresses prefetched past
  /// the last tile stay inside the buffer.
  Value clampedColumn(OpBuilder &b, Location loc, Value col, int64_t v) const {
    return arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, col, cst(b, loc, v * plan.lanes)),
        cst(b, loc, s.n - 1));
  }

  /// Software prefetch of the `vecs` vectors at column col of rows
  /// [k0, min(k0 + count, kEnd)) of b.
  void prefetchRows(OpBuilder &b, Location loc, Value k0, Value kEnd, Value col,
                    int64_t count, int64_t vecs, uint32_t locality) const {
    Value ub = arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, k0, cst(b, loc, count)), kEnd);
    forLoop(b, loc, k0, ub, cst(b, loc, 1), {},
            [&](OpBuilder &b, Location loc, Value k, ValueRange) {
              for (int64_t v = 0; v < vecs; ++v)
                memref::PrefetchOp::create(
                    b, loc, bBuf, ValueRange{k, clampedColumn(b, loc, col, v)},
                    /*isWrite=*/false, locality, /*isDataCache=*/true);
              return SmallVector<Value>{};
            });
  }

  /// Group g's share of the prefetch while segment t (b rows from kStart)
  /// of the tile `at` runs: the same rows of the next tile into L2
  /// (prefetchTile), and the next segment's block into L1 (prefetchSegment;
  /// after the last segment, the next tile's first).
  void prefetchShare(OpBuilder &b, Location loc, const TileAt &at, Value kStart,
                     Value g, int64_t perGroup) const {
    int64_t kt = std::min(kTile, s.k);
    Value nextCol =
        arith::AddIOp::create(b, loc, at.n0, cst(b, loc, at.vecs * plan.lanes));
    auto share = [&](Value from, Value col, uint32_t locality) {
      Value end = arith::MinSIOp::create(
          b, loc, arith::AddIOp::create(b, loc, from, cst(b, loc, kt)),
          cst(b, loc, s.k));
      Value k0 = arith::AddIOp::create(
          b, loc, from,
          arith::MulIOp::create(b, loc, g, cst(b, loc, perGroup)));
      prefetchRows(b, loc, k0, end, col, perGroup, at.vecs, locality);
    };
    if (plan.prefetchTile)
      share(kStart, nextCol, /*locality=*/2);
    if (plan.prefetchSegment) {
      Value next = arith::AddIOp::create(b, loc, kStart, cst(b, loc, kt));
      Value wraps = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                          next, cst(b, loc, s.k));
      share(arith::SelectOp::create(b, loc, wraps, cst(b, loc, 0), next),
            arith::SelectOp::create(b, loc, wraps, nextCol, at.n0),
            /*locality=*/3);
    }
  }

  /// While the first segment of the tile `at` runs, group r0's rows of
  /// acc for the next tile (read when that tile starts) into L2.
  void prefetchAcc(OpBuilder &b, Location loc, const TileAt &at, Value t,
                   Value r0, int64_t rows) const {
    // (Every segment when segments are outside tiles.)
    Value first =
        arith::CmpIOp::create(b, loc,
                              plan.segmentsOuter ? arith::CmpIPredicate::sge
                                                 : arith::CmpIPredicate::eq,
                              t, cst(b, loc, 0));
    scf::IfOp::create(b, loc, first, [&](OpBuilder &b, Location loc) {
      Value nextCol = arith::AddIOp::create(b, loc, at.n0,
                                            cst(b, loc, at.vecs * plan.lanes));
      for (int64_t r = 0; r < rows; ++r) {
        Value row = arith::AddIOp::create(
            b, loc, at.rowBase,
            arith::AddIOp::create(b, loc, r0, cst(b, loc, r)));
        for (int64_t v = 0; v < at.vecs; ++v)
          memref::PrefetchOp::create(
              b, loc, cBuf, ValueRange{row, clampedColumn(b, loc, nextCol, v)},
              /*isWrite=*/false, /*localityHint=*/2,
              /*isDataCache=*/true);
      }
      scf::YieldOp::create(b, loc);
    });
  }

  /// All segments (or only `segment`, when segments are outside tiles) and
  /// rows of a chunk (chunkRows rows) for the tile `at`: the segment loop
  /// is outside the row loop, so that the k_tile x tile block of b a
  /// segment touches stays in L1 while all rows use it.
  Value nTile(OpBuilder &b, Location loc, Value tile, const TileAt &at,
              int64_t chunkRows, Value segment) const {
    int64_t rows = std::min(plan.rows, chunkRows);
    int64_t groups = chunkRows / rows;
    int64_t grouped = groups * rows;
    int64_t kt = std::min(kTile, s.k);
    // The prefetch is spread over the groups: perGroup rows of b each.
    int64_t perGroup = (kt + groups - 1) / groups;
    Value tLo = segment ? segment : cst(b, loc, 0);
    Value tHi =
        segment
            ? arith::AddIOp::create(b, loc, segment, cst(b, loc, 1)).getResult()
            : cst(b, loc, s.segments);
    return forLoop(
        b, loc, tLo, tHi, cst(b, loc, 1), tile,
        [&](OpBuilder &b, Location loc, Value t, ValueRange args) {
          Value kStart = arith::MulIOp::create(b, loc, t, cst(b, loc, kt));
          Value tile = forLoop(
              b, loc, cst(b, loc, 0), cst(b, loc, groups), cst(b, loc, 1),
              args[0],
              [&](OpBuilder &b, Location loc, Value g, ValueRange args) {
                if (bBuf)
                  prefetchShare(b, loc, at, kStart, g, perGroup);
                Value r0 = arith::MulIOp::create(b, loc, g, cst(b, loc, rows));
                if (cBuf)
                  prefetchAcc(b, loc, at, t, r0, rows);
                return SmallVector<Value>{
                    rowGroup(b, loc, args[0], at, r0, t, rows)};
              })[0];
          if (grouped < chunkRows)
            tile = rowGroup(b, loc, tile, at, cst(b, loc, grouped), t,
                            chunkRows - grouped);
          return SmallVector<Value>{tile};
        })[0];
  }

  /// Column of the first vector of tile i (an index value).
  Value tileColumn(OpBuilder &b, Location loc, Value i) const {
    // i * base + min(i, extra) vectors precede tile i.
    Value v = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, i, cst(b, loc, plan.baseVecs)),
        arith::MinSIOp::create(b, loc, i, cst(b, loc, plan.extra)));
    return arith::MulIOp::create(b, loc, v, cst(b, loc, plan.lanes));
  }

  /// Tiles [lo, hi) of the chunk whose slice of acc is `tile`: the wide
  /// ones, the narrow ones, and the last one (its last vector partial) if
  /// the chunk has it. Each width is a separate loop with its own number
  /// of accumulators.
  Value chunkTiles(OpBuilder &b, Location loc, Value tile, Value lo, Value hi,
                   Value rowBase, Value colBase, int64_t chunkRows,
                   Value segment) const {
    auto tilesIn = [&](Value from, Value to, int64_t vecs, Value tile) {
      return forLoop(b, loc, from, to, cst(b, loc, 1), tile,
                     [&](OpBuilder &b, Location loc, Value i, ValueRange args) {
                       TileAt at{rowBase, colBase, tileColumn(b, loc, i), vecs,
                                 /*maskedVec=*/-1};
                       return SmallVector<Value>{
                           nTile(b, loc, args[0], at, chunkRows, segment)};
                     })[0];
    };
    int64_t plainEnd = plan.lastMasked ? plan.tiles - 1 : plan.tiles;
    Value extra = cst(b, loc, plan.extra);
    if (plan.extra > 0)
      tile = tilesIn(lo, arith::MinSIOp::create(b, loc, hi, extra),
                     plan.baseVecs + 1, tile);
    if (plainEnd > plan.extra)
      tile = tilesIn(arith::MaxSIOp::create(b, loc, lo, extra),
                     arith::MinSIOp::create(b, loc, hi, cst(b, loc, plainEnd)),
                     plan.baseVecs, tile);
    if (!plan.lastMasked)
      return tile;
    // extra < tiles: the last tile is a narrow one.
    Value hasLast = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, hi,
                                          cst(b, loc, plan.tiles));
    auto ifOp = scf::IfOp::create(
        b, loc, hasLast,
        [&](OpBuilder &b, Location loc) {
          TileAt at{rowBase, colBase,
                    tileColumn(b, loc, cst(b, loc, plan.tiles - 1)),
                    plan.baseVecs, plan.baseVecs - 1};
          scf::YieldOp::create(b, loc,
                               nTile(b, loc, tile, at, chunkRows, segment));
        },
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(b, loc, tile);
        });
    return ifOp.getResult(0);
  }

  Value emit(OpBuilder &b, Location loc, Value acc) {
    if (s.m == 0 || s.n == 0)
      return acc;
    if (s.format) {
      // MX codes: the kernel reads their f32 values.
      s.values = decodeMxValues(b, loc, s, kTile, target, plan.chunks);
      s.format.reset();
    }
    if (plan.prefetchSegment || plan.prefetchTile) {
      // The buffers, whatever their layout. acc's is taken before the
      // forall writes it in place (a read there, so no copy); a prefetch
      // only names addresses.
      auto buffer = [&](Value tensor, int64_t rows) {
        auto layout = StridedLayoutAttr::get(
            b.getContext(), ShapedType::kDynamic,
            {ShapedType::kDynamic, ShapedType::kDynamic});
        auto type = MemRefType::get({rows, s.n}, b.getF32Type(), layout);
        return bufferization::ToBufferOp::create(b, loc, type, tensor,
                                                 /*read_only=*/true)
            .getResult();
      };
      bBuf = buffer(s.b, s.k);
      cBuf = buffer(acc, s.m);
    }
    auto forall = scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(plan.chunks)},
        ValueRange{acc}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    Block *body = forall.getBody();
    b.setInsertionPoint(body->getTerminator());
    Value c = body->getArgument(0);
    Value lo, hi, rowBase, colBase;
    SmallVector<OpFoldResult> offsets, sizes;
    int64_t chunkRows;
    if (plan.splitN) {
      // Chunk c: tiles [c T / chunks, (c + 1) T / chunks), all rows.
      auto bound = [&](Value i) {
        return arith::DivUIOp::create(
            b, loc, arith::MulIOp::create(b, loc, i, cst(b, loc, plan.tiles)),
            cst(b, loc, plan.chunks));
      };
      lo = bound(c);
      hi = bound(arith::AddIOp::create(b, loc, c, cst(b, loc, 1)));
      rowBase = cst(b, loc, 0);
      colBase = tileColumn(b, loc, lo);
      Value colEnd = arith::MinSIOp::create(b, loc, tileColumn(b, loc, hi),
                                            cst(b, loc, s.n));
      chunkRows = s.m;
      offsets = {b.getIndexAttr(0), colBase};
      sizes = {b.getIndexAttr(s.m),
               arith::SubIOp::create(b, loc, colEnd, colBase).getResult()};
    } else {
      // Chunk c: rows [c M / chunks, (c + 1) M / chunks), all tiles.
      chunkRows = s.m / plan.chunks;
      lo = cst(b, loc, 0);
      hi = cst(b, loc, plan.tiles);
      rowBase = arith::MulIOp::create(b, loc, c, cst(b, loc, chunkRows));
      colBase = cst(b, loc, 0);
      offsets = {rowBase, b.getIndexAttr(0)};
      sizes = {b.getIndexAttr(chunkRows), b.getIndexAttr(s.n)};
    }
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    Value tile = tensor::ExtractSliceOp::create(b, loc, body->getArgument(1),
                                                offsets, sizes, strides);
    if (plan.segmentsOuter)
      tile = forLoop(
          b, loc, cst(b, loc, 0), cst(b, loc, s.segments), cst(b, loc, 1), tile,
          [&](OpBuilder &b, Location loc, Value t, ValueRange args) {
            return SmallVector<Value>{chunkTiles(
                b, loc, args[0], lo, hi, rowBase, colBase, chunkRows, t)};
          })[0];
    else
      tile = chunkTiles(b, loc, tile, lo, hi, rowBase, colBase, chunkRows,
                        Value());
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
