//===- MxActivationOps.cpp - K-TanH activation ops ------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include "mx/Dialect/Mx/IR/MxActivationEnums.cpp.inc"

using namespace mlir;
using namespace mlir::mx;

/// bf16 tensors always use their 7-bit mantissa: the attribute is for f32.
static LogicalResult verifyKActivation(Operation *op, RankedTensorType type,
                                       std::optional<KTanhMantissa> mantissa) {
  if (mantissa && !type.getElementType().isF32())
    return op->emitOpError("mantissa(")
           << stringifyKTanhMantissa(*mantissa)
           << ") applies to f32 tensors only; a " << type.getElementType()
           << " tensor always uses its own 7-bit mantissa";
  return success();
}

static KTanhMantissa effectiveMantissa(RankedTensorType type,
                                       std::optional<KTanhMantissa> mantissa) {
  if (!type.getElementType().isF32())
    return KTanhMantissa::bf16;
  return mantissa.value_or(KTanhMantissa::full);
}

#define MX_DEFINE_KACTIVATION(OP)                                              \
  LogicalResult OP::verify() {                                                 \
    return verifyKActivation(*this, getInput().getType(), getMantissa());      \
  }                                                                            \
  KTanhMantissa OP::getEffectiveMantissa() {                                   \
    return effectiveMantissa(getInput().getType(), getMantissa());             \
  }
MX_DEFINE_KACTIVATION(KTanhOp)
MX_DEFINE_KACTIVATION(KSigmoidOp)
MX_DEFINE_KACTIVATION(KSwishOp)
MX_DEFINE_KACTIVATION(KGeluOp)
#undef MX_DEFINE_KACTIVATION
