//===- MxVectorOps.cpp - target-neutral vector ops ----------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxOps.h"

using namespace mlir;
using namespace mlir::mx;

/// Checks that `a` holds `perLane` elements per lane of `acc`; `what` names
/// them in the error ("two bf16 elements per f32 lane").
static LogicalResult verifyElementsPerLane(Operation *op, VectorType acc,
                                           VectorType a, int64_t perLane,
                                           StringRef what) {
  if (a.getNumElements() != perLane * acc.getNumElements())
    return op->emitOpError("expects ")
           << what << ", got " << a << " for " << acc;
  return success();
}

LogicalResult DotBF16Op::verify() {
  return verifyElementsPerLane(*this, getAcc().getType(), getA().getType(), 2,
                               "two bf16 elements per f32 lane");
}

LogicalResult DotI8Op::verify() {
  return verifyElementsPerLane(*this, getAcc().getType(), getA().getType(), 4,
                               "four i8 elements per i32 lane");
}

LogicalResult DotI16Op::verify() {
  return verifyElementsPerLane(*this, getAcc().getType(), getA().getType(), 2,
                               "two i16 elements per i32 lane");
}
