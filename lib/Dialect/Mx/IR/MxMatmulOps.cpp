//===- MxMatmulOps.cpp - mx matrix multiplication -----------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxOps.h"

using namespace mlir;
using namespace mlir::mx;

LogicalResult MatmulOp::verify() {
  RankedTensorType a = getA().getType(), b = getB().getType(),
                   acc = getAcc().getType();
  if (a.getRank() != 2 || b.getRank() != 2 || acc.getRank() != 2)
    return emitOpError("expects 2-D operands, got ")
           << a << ", " << b << " and " << acc;
  if (!a.hasStaticShape() || !b.hasStaticShape() || !acc.hasStaticShape())
    return emitOpError("expects static shapes");
  if (a.getDimSize(1) != b.getDimSize(0))
    return emitOpError("reduction sizes differ: ")
           << a << " times " << b;
  if (acc.getDimSize(0) != a.getDimSize(0) ||
      acc.getDimSize(1) != b.getDimSize(1))
    return emitOpError("accumulator ")
           << acc << " does not match " << a << " times " << b;
  return success();
}
