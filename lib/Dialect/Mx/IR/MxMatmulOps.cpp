//===- MxMatmulOps.cpp - mx matrix multiplication -----------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxOps.h"

using namespace mlir;
using namespace mlir::mx;

/// Checks the MX x MX form: 2-D operands blocked along K with one block size.
static LogicalResult verifyBlockScaled(MatmulOp op, MxTensorType a,
                                       MxTensorType b, RankedTensorType acc) {
  if (a.getRank() != 2 || b.getRank() != 2 || acc.getRank() != 2)
    return op.emitOpError("expects 2-D operands, got ")
           << a << ", " << b << " and " << acc;
  bool ta = op.getTransposeA(), tb = op.getTransposeB();
  // Logical (M, K) and (K, N) and the axis holding K in each operand.
  int64_t m = a.getShape()[ta ? 1 : 0], ka = a.getShape()[ta ? 0 : 1];
  int64_t kb = b.getShape()[tb ? 1 : 0], n = b.getShape()[tb ? 0 : 1];
  int64_t aAxis = ta ? 0 : 1, bAxis = tb ? 1 : 0;
  if (a.getAxis() != aAxis)
    return op.emitOpError("expects a blocked along K (axis ")
           << aAxis << (ta ? " with transpose_a" : "") << "), got " << a;
  if (b.getAxis() != bAxis)
    return op.emitOpError("expects b blocked along K (axis ")
           << bAxis << (tb ? " with transpose_b" : "") << "), got " << b;
  if (ka != kb)
    return op.emitOpError("reduction sizes differ: ") << a << " times " << b;
  if (a.getBlockSize() != b.getBlockSize())
    return op.emitOpError("block sizes differ: ")
           << a.getBlockSize() << " and " << b.getBlockSize();
  if (!acc.hasStaticShape() || acc.getDimSize(0) != m || acc.getDimSize(1) != n)
    return op.emitOpError("accumulator ")
           << acc << " does not match " << a << " times " << b;
  return success();
}

LogicalResult MatmulOp::verify() {
  auto acc = getAcc().getType();
  auto mxA = dyn_cast<MxTensorType>(getA().getType());
  auto mxB = dyn_cast<MxTensorType>(getB().getType());
  if (mxA && mxB)
    return verifyBlockScaled(*this, mxA, mxB, acc);
  if (mxA || mxB)
    return emitOpError("expects both operands bf16 tensors or both "
                       "!mx.tensor, got ")
           << getA().getType() << " and " << getB().getType();
  if (getTransposeA() || getTransposeB())
    return emitOpError("transposes are supported for !mx.tensor operands only");
  auto a = cast<RankedTensorType>(getA().getType());
  auto b = cast<RankedTensorType>(getB().getType());
  if (a.getRank() != 2 || b.getRank() != 2 || acc.getRank() != 2)
    return emitOpError("expects 2-D operands, got ")
           << a << ", " << b << " and " << acc;
  if (!a.hasStaticShape() || !b.hasStaticShape() || !acc.hasStaticShape())
    return emitOpError("expects static shapes");
  if (a.getDimSize(1) != b.getDimSize(0))
    return emitOpError("reduction sizes differ: ") << a << " times " << b;
  if (acc.getDimSize(0) != a.getDimSize(0) ||
      acc.getDimSize(1) != b.getDimSize(1))
    return emitOpError("accumulator ")
           << acc << " does not match " << a << " times " << b;
  return success();
}
