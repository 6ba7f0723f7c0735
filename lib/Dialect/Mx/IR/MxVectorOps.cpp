//===- MxVectorOps.cpp - target-neutral vector ops ----------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxOps.h"

using namespace mlir;
using namespace mlir::mx;

LogicalResult DotBF16Op::verify() {
  int64_t lanes = getAcc().getType().getNumElements();
  if (getA().getType().getNumElements() != 2 * lanes)
    return emitOpError("expects two bf16 elements per f32 lane, got ")
           << getA().getType() << " for " << getAcc().getType();
  return success();
}

LogicalResult DotI8Op::verify() {
  int64_t lanes = getAcc().getType().getNumElements();
  if (getA().getType().getNumElements() != 4 * lanes)
    return emitOpError("expects four i8 elements per i32 lane, got ")
           << getA().getType() << " for " << getAcc().getType();
  return success();
}

LogicalResult DotI16Op::verify() {
  int64_t lanes = getAcc().getType().getNumElements();
  if (getA().getType().getNumElements() != 2 * lanes)
    return emitOpError("expects two i16 elements per i32 lane, got ")
           << getA().getType() << " for " << getAcc().getType();
  return success();
}
