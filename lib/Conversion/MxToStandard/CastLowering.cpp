//===- CastLowering.cpp - mx.cast to linalg and to vector loops ---------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// mx.cast (f32 <-> bf16) has two lowerings that produce the same bits:
//
// - reference (mx-lower-to-linalg): one elementwise linalg.generic whose body
//   is the integer element math of MxElementMath on scalars; stochastic
//   rounding hashes the element's row-major linear index, built from
//   linalg.index.
// - vector (mx-lower-to-vector): loops over the outer dimensions and, along
//   the innermost one, 64 elements (four vectors of 16 lanes) at a time,
//   then 16 at a time with masked transfers for the tail. (No reshapes: the
//   result is written in its own shape so that empty-tensor elimination can
//   put it straight into the caller's buffer.) Each 16-lane vector goes through
//   the element math, or through the target's conversion instruction where that
//   instruction computes exactly the op's policy:
//     x86-64-avx512, rne + flush: vcvtneps2bf16 (RNE, DAZ + FTZ, quiet NaN
//       with sign and truncated payload, MXCSR ignored), emitted as
//       x86vector.avx512.cvt.packed.f32_to_bf16, which is Pure and so
//       survives bufferization; convert-vector-to-llvm (enable-x86vector)
//       turns it into the intrinsic call.
//     aarch64-neon, rne: bfcvtn under the default FPCR (RNE, FZ = 0,
//       DN = 0) is exactly rne + preserve, emitted as llvm.fptrunc, which
//       the AArch64 backend selects to bfcvtn/bfcvtn2 with +bf16 (arith.truncf
//       would be expanded by arith-expand). For flush, an integer DAZ comes
//       first: a normal f32 never rounds to a bf16 subnormal.
//   Every other combination (and every widening) uses the integer math.
//   aarch64-sve: the same element math on vector<[4] x f32> (one 128-bit
//     granule per vscale): a loop of whole vectors and one predicated vector
//     for the tail, so the code runs unchanged at every SVE vector length;
//     rne is SVE bfcvt (llvm.fptrunc, same FPCR semantics as bfcvtn).
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MxCastLowering.h"

#include "mx/Conversion/MxElementMath.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mx;

namespace {

/// Lanes of one conversion (a 512-bit register of f32) and vectors per main
/// loop iteration.
constexpr int64_t kLanes = 16;
constexpr int64_t kUnroll = 4;

bool isNarrowing(CastOp op) {
  return op.getInput().getType().getElementType().isF32();
}

/// The sizes of `tensor`'s dynamic dimensions, for a tensor.empty like it.
SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, tensor, d));
  return sizes;
}

/// Size of dimension `d` of `tensor` as an index value.
Value dimSize(OpBuilder &b, Location loc, Value tensor, int64_t d) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.isDynamicDim(d))
    return tensor::DimOp::create(b, loc, tensor, d);
  return arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
}

/// `outer` followed by `last`: the indices of an element of a row.
SmallVector<Value> appendIndex(ValueRange outer, Value last) {
  SmallVector<Value> indices(outer);
  indices.push_back(last);
  return indices;
}

//===----------------------------------------------------------------------===//
// Reference lowering
//===----------------------------------------------------------------------===//

struct CastToLinalg : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    RankedTensorType resultType = op.getResult().getType();
    int64_t rank = resultType.getRank();
    Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                         resultType.getElementType(),
                                         dynamicSizes(rewriter, loc, input));
    // Sizes of dimensions 1.. for the linear index (stochastic only).
    bool stochastic = op.getRounding() == RoundingMode::stochastic;
    SmallVector<Value> sizes;
    if (stochastic)
      for (int64_t d = 1; d < rank; ++d)
        sizes.push_back(dimSize(rewriter, loc, input, d));

    AffineMap identity =
        AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext());
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    bool narrowing = isNarrowing(op);
    RoundingMode rounding = op.getRounding();
    DenormalMode denormals = op.getDenormals();
    Value seed = op.getSeed();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{input},
        ValueRange{init}, ArrayRef<AffineMap>{identity, identity}, iterators,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value result;
          if (!narrowing) {
            result = emitExtBF16ToF32(b, loc, args[0], denormals);
          } else {
            Value random;
            if (stochastic) {
              // Row-major linear index, modulo 2^32.
              Value linear =
                  rank == 0
                      ? arith::ConstantIndexOp::create(b, loc, 0).getResult()
                      : linalg::IndexOp::create(b, loc, 0).getResult();
              for (int64_t d = 1; d < rank; ++d) {
                linear = arith::MulIOp::create(b, loc, linear, sizes[d - 1]);
                linear = arith::AddIOp::create(
                    b, loc, linear, linalg::IndexOp::create(b, loc, d));
              }
              Value index =
                  arith::IndexCastOp::create(b, loc, b.getI32Type(), linear);
              random = emitStochasticRoundingBits(b, loc, seed, index);
            }
            result = emitTruncF32ToBF16(b, loc, args[0], rounding, denormals,
                                        random);
          }
          linalg::YieldOp::create(b, loc, result);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Vector lowering
//===----------------------------------------------------------------------===//

struct CastToVector : OpRewritePattern<CastOp> {
  CastToVector(MLIRContext *ctx, VectorTarget target)
      : OpRewritePattern(ctx), target(target) {}

  bool isScalable() const { return target == VectorTarget::AArch64Sve; }

  /// The vector of `element`s one conversion works on: 16 lanes, or on SVE
  /// one 128-bit granule of f32 lanes per vscale.
  VectorType getPieceType(Type element) const {
    if (isScalable())
      return VectorType::get({4}, element, /*scalableDims=*/{true});
    return VectorType::get({kLanes}, element);
  }

  /// Lane numbers 0, 1, ... of `type` (i32 lanes).
  static Value emitLaneIndices(OpBuilder &b, Location loc, VectorType type) {
    if (type.isScalable())
      return arith::IndexCastOp::create(
          b, loc, type,
          vector::StepOp::create(b, loc, type.clone(b.getIndexType())));
    SmallVector<int32_t> iota =
        llvm::to_vector(llvm::seq<int32_t>(0, type.getNumElements()));
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(iota)));
  }

  /// Converts one piece (`getPieceType`) of input elements whose first
  /// element has row-major linear index `first` (index type; stochastic
  /// rounding only).
  Value convert(OpBuilder &b, Location loc, CastOp op, Value values,
                Value first) const {
    auto type = cast<VectorType>(values.getType());
    DenormalMode denormals = op.getDenormals();
    if (!isNarrowing(op))
      return emitExtBF16ToF32(b, loc, values, denormals);
    RoundingMode rounding = op.getRounding();
    auto bf16 = type.clone(b.getBF16Type());
    if (rounding == RoundingMode::rne) {
      if (target == VectorTarget::X86Avx512 && denormals == DenormalMode::flush)
        return x86vector::CvtPackedF32ToBF16Op::create(b, loc, bf16, values);
      if (target == VectorTarget::AArch64Neon ||
          target == VectorTarget::AArch64Sve) {
        if (denormals == DenormalMode::flush)
          values = emitFlushF32Subnormals(b, loc, values);
        return LLVM::FPTruncOp::create(b, loc, bf16, values);
      }
    }
    Value random;
    if (rounding == RoundingMode::stochastic) {
      auto i32 = type.clone(b.getI32Type());
      Value base = arith::IndexCastOp::create(b, loc, b.getI32Type(), first);
      Value lanes = emitLaneIndices(b, loc, i32);
      Value index = arith::AddIOp::create(
          b, loc, vector::BroadcastOp::create(b, loc, i32, base), lanes);
      Value seed = vector::BroadcastOp::create(b, loc, i32, op.getSeed());
      random = emitStochasticRoundingBits(b, loc, seed, index);
    }
    return emitTruncF32ToBF16(b, loc, values, rounding, denormals, random);
  }

  /// Converts `pieces` pieces (`getPieceType`) at `indices` (the last one
  /// runs along the innermost dimension) into `dest`; `rowBase` is the linear
  /// index of the row's first element. `inBounds` is false for the masked
  /// tail. Each kLanes piece is converted on its own; two narrowed pieces
  /// are stored as one 64-byte vector, which x86 can store non-temporally
  /// (it folds the truncation of a single piece into a `vpmovdw` store,
  /// which has no non-temporal form).
  Value step(OpBuilder &b, Location loc, CastOp op, Value input, Value dest,
             ValueRange indices, Value rowBase, bool inBounds,
             int64_t pieces = 1) const {
    Type inElement = cast<RankedTensorType>(input.getType()).getElementType();
    Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(inElement));
    SmallVector<Value> results;
    for (int64_t piece = 0; piece < pieces; ++piece) {
      SmallVector<Value> at(indices);
      if (piece != 0)
        at.back() = arith::AddIOp::create(
            b, loc, at.back(),
            arith::ConstantIndexOp::create(b, loc, piece * kLanes));
      Value values =
          vector::TransferReadOp::create(b, loc, getPieceType(inElement), input,
                                         at, pad, ArrayRef<bool>{inBounds});
      Value first;
      if (rowBase)
        first = arith::AddIOp::create(b, loc, rowBase, at.back());
      results.push_back(convert(b, loc, op, values, first));
    }
    Value result = results.front();
    if (pieces == 2)
      result = vector::ShuffleOp::create(
          b, loc, results[0], results[1],
          llvm::to_vector(llvm::seq<int64_t>(0, 2 * kLanes)));
    return vector::TransferWriteOp::create(b, loc, result, dest, indices,
                                           ArrayRef<bool>{inBounds})
        .getResult();
  }

  /// One row along the innermost dimension on SVE: whole vectors of
  /// 4 x vscale lanes, then at most one predicated vector for the tail.
  Value rowScalable(OpBuilder &b, Location loc, CastOp op, Value input,
                    Value dest, ValueRange outer, Value rowBase) const {
    int64_t last = cast<RankedTensorType>(input.getType()).getRank() - 1;
    Value n = dimSize(b, loc, input, last);
    Value lanes =
        arith::MulIOp::create(b, loc, vector::VectorScaleOp::create(b, loc),
                              arith::ConstantIndexOp::create(b, loc, 4));
    Value mainEnd = arith::SubIOp::create(
        b, loc, n, arith::RemUIOp::create(b, loc, n, lanes));
    auto indicesAt = [&](Value j) { return appendIndex(outer, j); };
    Value result =
        scf::ForOp::create(
            b, loc, arith::ConstantIndexOp::create(b, loc, 0), mainEnd, lanes,
            ValueRange{dest},
            [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
              scf::YieldOp::create(b, l,
                                   step(b, l, op, input, acc[0], indicesAt(j),
                                        rowBase, /*inBounds=*/true));
            })
            .getResult(0);
    Value hasTail =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, mainEnd, n);
    return scf::IfOp::create(
               b, loc, hasTail,
               [&](OpBuilder &b, Location l) {
                 scf::YieldOp::create(b, l,
                                      step(b, l, op, input, result,
                                           indicesAt(mainEnd), rowBase,
                                           /*inBounds=*/false));
               },
               [&](OpBuilder &b, Location l) {
                 scf::YieldOp::create(b, l, result);
               })
        .getResult(0);
  }

  /// One row along the innermost dimension (`outer` indexes the others):
  /// kUnroll vectors per iteration, then single masked vectors.
  Value row(OpBuilder &b, Location loc, CastOp op, Value input, Value dest,
            ValueRange outer, Value rowBase) const {
    if (isScalable())
      return rowScalable(b, loc, op, input, dest, outer, rowBase);
    auto type = cast<RankedTensorType>(input.getType());
    int64_t last = type.getRank() - 1;
    constexpr int64_t block = kLanes * kUnroll;
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value n = dimSize(b, loc, input, last);
    Value mainEnd;
    bool hasTail = true;
    if (!type.isDynamicDim(last)) {
      int64_t size = type.getDimSize(last);
      mainEnd = arith::ConstantIndexOp::create(b, loc, size - size % block);
      hasTail = size % block != 0;
    } else {
      mainEnd = arith::SubIOp::create(
          b, loc, n,
          arith::RemUIOp::create(
              b, loc, n, arith::ConstantIndexOp::create(b, loc, block)));
    }
    auto indicesAt = [&](Value j) { return appendIndex(outer, j); };
    Value result =
        scf::ForOp::create(
            b, loc, zero, mainEnd,
            arith::ConstantIndexOp::create(b, loc, block), ValueRange{dest},
            [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
              Value current = acc[0];
              int64_t pieces = isNarrowing(op) ? 2 : 1;
              for (int64_t k = 0; k < kUnroll; k += pieces) {
                Value at = j;
                if (k != 0)
                  at = arith::AddIOp::create(
                      b, l, j,
                      arith::ConstantIndexOp::create(b, l, k * kLanes));
                current = step(b, l, op, input, current, indicesAt(at), rowBase,
                               /*inBounds=*/true, pieces);
              }
              scf::YieldOp::create(b, l, current);
            })
            .getResult(0);
    if (!hasTail)
      return result;
    return scf::ForOp::create(
               b, loc, mainEnd, n,
               arith::ConstantIndexOp::create(b, loc, kLanes),
               ValueRange{result},
               [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
                 scf::YieldOp::create(b, l,
                                      step(b, l, op, input, acc[0],
                                           indicesAt(j), rowBase,
                                           /*inBounds=*/false));
               })
        .getResult(0);
  }

  /// Loops over the dimensions [outer.size(), rank - 1) around `row`.
  /// `linear` (stochastic rounding only) is the row-major linear index of
  /// the current outer position, i0 * d1 + i1 ... (Horner form).
  Value loops(OpBuilder &b, Location loc, CastOp op, Value input, Value dest,
              SmallVector<Value> outer, Value linear) const {
    auto type = cast<RankedTensorType>(input.getType());
    int64_t dim = outer.size();
    if (dim == type.getRank() - 1) {
      Value rowBase;
      if (linear)
        rowBase =
            arith::MulIOp::create(b, loc, linear, dimSize(b, loc, input, dim));
      return row(b, loc, op, input, dest, outer, rowBase);
    }
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    return scf::ForOp::create(
               b, loc, zero, dimSize(b, loc, input, dim), one, ValueRange{dest},
               [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
                 Value next;
                 if (linear)
                   next = arith::AddIOp::create(
                       b, l,
                       arith::MulIOp::create(b, l, linear,
                                             dimSize(b, l, input, dim)),
                       i);
                 SmallVector<Value> indices(outer);
                 indices.push_back(i);
                 scf::YieldOp::create(
                     b, l, loops(b, l, op, input, acc[0], indices, next));
               })
        .getResult(0);
  }

  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getResult().getType();
    Value input = op.getInput();
    // Rank 0: one element, handled as a 1-D tensor of one.
    if (resultType.getRank() == 0) {
      auto asVector = [&](Value v) -> Value {
        auto type = cast<RankedTensorType>(v.getType());
        return tensor::ExpandShapeOp::create(
            rewriter, loc, RankedTensorType::get({1}, type.getElementType()), v,
            ArrayRef<ReassociationIndices>{},
            ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
      };
      auto cast = CastOp::create(
          rewriter, loc,
          RankedTensorType::get({1}, resultType.getElementType()),
          asVector(input), op.getSeed(), op.getRounding(), op.getDenormals());
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, resultType, cast.getResult(), ArrayRef<ReassociationIndices>{});
      return success();
    }
    // Writing into a tensor of the result's own shape (no reshape) lets
    // empty-tensor elimination put the result straight into the caller's
    // buffer.
    Value dest = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                         resultType.getElementType(),
                                         dynamicSizes(rewriter, loc, input));
    Value linear;
    if (op.getRounding() == RoundingMode::stochastic)
      linear = arith::ConstantIndexOp::create(rewriter, loc, 0);
    rewriter.replaceOp(op, loops(rewriter, loc, op, input, dest, {}, linear));
    return success();
  }

  VectorTarget target;
};

} // namespace

void mx::populateMxCastToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<CastToLinalg>(patterns.getContext());
}

void mx::populateMxCastToVectorPatterns(RewritePatternSet &patterns,
                                        VectorTarget target) {
  patterns.add<CastToVector>(patterns.getContext(), target);
}
