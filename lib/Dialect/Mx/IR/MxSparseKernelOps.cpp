//===- MxSparseKernelOps.cpp - sparse x dense matmul kernels --------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxOps.h"

using namespace mlir;
using namespace mlir::mx;

int64_t SparseMatmulOp::getNumSegments() {
  int64_t k = getB().getType().getDimSize(0);
  int64_t tile = static_cast<int64_t>(getKTile());
  return std::max<int64_t>(1, (k + tile - 1) / tile);
}

int64_t SparseMatmulOp::getNumScaleBlocks() {
  int64_t k = getB().getType().getDimSize(0);
  return (k + kScaleBlock - 1) / kScaleBlock;
}

LogicalResult SparseMatmulOp::verify() {
  auto b = cast<RankedTensorType>(getB().getType());
  auto acc = cast<RankedTensorType>(getAcc().getType());
  if (b.getRank() != 2 || acc.getRank() != 2)
    return emitOpError("expects 2-D b and acc, got ") << b << " and " << acc;
  if (!b.hasStaticShape() || !acc.hasStaticShape())
    return emitOpError("expects static shapes for b and acc, got ")
           << b << " and " << acc;
  int64_t k = b.getDimSize(0), n = b.getDimSize(1), m = acc.getDimSize(0);
  if (acc.getDimSize(1) != n)
    return emitOpError("accumulator ")
           << acc << " does not have the " << n << " columns of " << b;
  if (k == 0)
    return emitOpError("expects K > 0");
  auto crd = cast<RankedTensorType>(getCrd().getType());
  if (crd.getElementType().isInteger(16) && k > 65536)
    return emitOpError("i16 coordinates need K <= 65536, got K = ") << k;
  int64_t pos = cast<RankedTensorType>(getPos().getType()).getDimSize(0);
  int64_t expected = getNumSegments() * m + 1;
  if (!ShapedType::isDynamic(pos) && pos != expected)
    return emitOpError("expects ")
           << expected << " positions (" << getNumSegments() << " segments x "
           << m << " rows + 1), got " << pos;
  int64_t nnz = crd.getDimSize(0);
  int64_t nval = cast<RankedTensorType>(getValues().getType()).getDimSize(0);
  if (!ShapedType::isDynamic(nnz) && !ShapedType::isDynamic(nval) &&
      nnz != nval)
    return emitOpError("has ")
           << nnz << " coordinates but " << nval << " values";
  // MX codes come with their format and their block scales, and only they.
  bool codes = cast<RankedTensorType>(getValues().getType())
                   .getElementType()
                   .isInteger(8);
  if (codes && !getValueFormat())
    return emitOpError("i8 values (MX codes) need a value_format");
  if (codes && !getScales())
    return emitOpError("i8 values (MX codes) need scales");
  if (!codes && getValueFormat())
    return emitOpError("value_format needs i8 values (MX codes), got ")
           << getValues().getType();
  if (!codes && getScales())
    return emitOpError("scales need i8 values (MX codes), got ")
           << getValues().getType();
  if (codes) {
    int64_t scales =
        cast<RankedTensorType>(getScales().getType()).getDimSize(0);
    int64_t expectedScales = m * getNumScaleBlocks();
    if (!ShapedType::isDynamic(scales) && scales != expectedScales)
      return emitOpError("expects ")
             << expectedScales << " scales (" << m << " rows x "
             << getNumScaleBlocks() << " blocks of " << kScaleBlock
             << " columns), got " << scales;
  }
  return success();
}
