//===- ConvAsMatmul.h - 2-D convolutions as mx.matmul ----------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The im2col rewrite of linalg.conv_2d_nhwc_hwcf and conv_2d_nchw_fchw into
// mx.matmul that both precision policies use (mx-quantize: MX operands,
// mx-bf16: bf16 operands). The policy decides how an f32 matrix becomes an
// mx.matmul operand; this code builds the patches, the products and the
// output.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_TRANSFORMS_CONVASMATMUL_H
#define MX_DIALECT_MX_TRANSFORMS_CONVASMATMUL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace mlir::mx {

/// How a policy turns f32 GEMM operands into mx.matmul operands.
class GemmOperands {
public:
  virtual ~GemmOperands() = default;
  /// K of a product padded as the operand format needs (MX: whole blocks).
  virtual int64_t padK(int64_t k) const = 0;
  /// `value` (static f32 tensor, row-major data) as a [rows, cols] matrix,
  /// padded with zeros to [paddedRows, paddedCols], as a weight or an
  /// activation operand whose K axis is `kAxis` (0 or 1).
  virtual Value convert(OpBuilder &b, Location loc, Value value, int64_t rows,
                        int64_t cols, int64_t paddedRows, int64_t paddedCols,
                        bool isWeight, int64_t kAxis) = 0;
};

/// A [rows, cols] f32 tensor whose element (r, c) is `element(r, c)`
/// (index values), zero where `c >= validCols` or `r >= validRows` (a
/// linalg.generic: tensor.pad would bufferize into a strided copy through
/// the memrefCopy runtime function).
Value gatherMatrix(
    OpBuilder &b, Location loc, int64_t rows, int64_t cols, int64_t validRows,
    int64_t validCols,
    function_ref<Value(OpBuilder &, Location, Value, Value)> element);

/// A 2-D tensor padded with zeros at the high end to `shape`.
Value padMatrix(OpBuilder &b, Location loc, Value tensor,
                ArrayRef<int64_t> shape);

/// conv_2d_nhwc_hwcf as one mx.matmul: patches [N*OH*OW, KH*KW*C] (the
/// activations) times the filter as [KH*KW*C, F] (the weights), reshaped
/// to the NHWC output.
Value rewriteConvNhwcAsMatmul(OpBuilder &b, GemmOperands &operands,
                              linalg::Conv2DNhwcHwcfOp op);

/// conv_2d_nchw_fchw as one mx.matmul per image: the filter as
/// [F, C*KH*KW] (the weights, converted once) times patches
/// [C*KH*KW, OH*OW].
Value rewriteConvNchwAsMatmul(OpBuilder &b, GemmOperands &operands,
                              linalg::Conv2DNchwFchwOp op);

/// The accumulator of one product of a rewritten op whose output is
/// `output`: a fresh +0.0 fill of `shape` when `output` is one (each product
/// writes its own part of the output, so its part is still zero, and the
/// matmul lowerings write a zero-filled accumulator without reading it),
/// else `part` (the product's part of the output, built on demand).
Value productAccumulator(OpBuilder &b, Location loc, Value output,
                         ArrayRef<int64_t> shape, function_ref<Value()> part);

} // namespace mlir::mx

#endif // MX_DIALECT_MX_TRANSFORMS_CONVASMATMUL_H
