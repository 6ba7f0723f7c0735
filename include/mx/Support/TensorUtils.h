//===- TensorUtils.h - static tensor helpers of the rewrites ----*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Reshapes, batch slices and a carried loop on static tensors, shared by the
// passes that rewrite linalg ops into mx ops and by the mx lowerings.
//
//===----------------------------------------------------------------------===//

#ifndef MX_SUPPORT_TENSORUTILS_H
#define MX_SUPPORT_TENSORUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/Sequence.h"

namespace mlir::mx {

/// Reshapes a static tensor to `shape` (same element count, row-major data)
/// through a 1-D collapse and expand, which bufferize to views (a constant
/// folds to a constant of the new shape). Returns `tensor` itself when it
/// already has that shape.
inline Value reshape(OpBuilder &b, Location loc, Value tensor,
                     ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getShape() == shape)
    return tensor;
  if (type.getRank() != 1) {
    ReassociationIndices all =
        llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
    tensor = b.createOrFold<tensor::CollapseShapeOp>(
        loc, tensor, ArrayRef<ReassociationIndices>{all});
  }
  if (shape.size() == 1)
    return tensor;
  ReassociationIndices all =
      llvm::to_vector(llvm::seq<int64_t>(0, shape.size()));
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return b.createOrFold<tensor::ExpandShapeOp>(
      loc, resultType, tensor, ArrayRef<ReassociationIndices>{all});
}

/// Offsets [i, 0, ...], sizes [1, rest] and unit strides of the slice at
/// index `i` of the leading dimension of `type`.
inline void leadingSlice(OpBuilder &b, RankedTensorType type, Value i,
                         SmallVectorImpl<OpFoldResult> &offsets,
                         SmallVectorImpl<OpFoldResult> &sizes,
                         SmallVectorImpl<OpFoldResult> &strides) {
  offsets.assign(type.getRank(), b.getIndexAttr(0));
  offsets[0] = i;
  sizes.assign({b.getIndexAttr(1)});
  for (int64_t d : type.getShape().drop_front())
    sizes.push_back(b.getIndexAttr(d));
  strides.assign(type.getRank(), b.getIndexAttr(1));
}

/// A static slice [i, 0, ...] of size [1, rest] of `source`, rank-reduced.
inline Value sliceAt(OpBuilder &b, Location loc, Value source, Value i) {
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  leadingSlice(b, type, i, offsets, sizes, strides);
  auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                         type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, sliceType, source, offsets,
                                        sizes, strides);
}

/// Inserts `slice` (rank-reduced) at [i, 0, ...] of `dest`.
inline Value insertAt(OpBuilder &b, Location loc, Value slice, Value dest,
                      Value i) {
  auto type = cast<RankedTensorType>(dest.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  leadingSlice(b, type, i, offsets, sizes, strides);
  return tensor::InsertSliceOp::create(b, loc, slice, dest, offsets, sizes,
                                       strides);
}

/// `for i in [0, count)` carrying `init`; `body(i, carried)` returns the
/// next value.
inline Value
forEach(OpBuilder &b, Location loc, int64_t count, Value init,
        function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  Value lower = arith::ConstantIndexOp::create(b, loc, 0);
  Value upper = arith::ConstantIndexOp::create(b, loc, count);
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, lower, upper, step, ValueRange{init},
      [&](OpBuilder &nb, Location l, Value i, ValueRange args) {
        scf::YieldOp::create(nb, l, body(nb, l, i, args[0]));
      });
  return loop.getResult(0);
}

} // namespace mlir::mx

#endif // MX_SUPPORT_TENSORUTILS_H
