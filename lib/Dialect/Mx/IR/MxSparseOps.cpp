//===- MxSparseOps.cpp - AutoSparse sparse-masked ops ---------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mx/Dialect/Mx/IR/MxSparseEnums.cpp.inc"

using namespace mlir;
using namespace mlir::mx;

/// Checks that dimension `aDim` of `a` and `bDim` of `b` agree where both
/// are static; `what` names the dimension in the diagnostic.
static LogicalResult verifyDimsMatch(Operation *op, StringRef what,
                                     StringRef aName, ShapedType a,
                                     unsigned aDim, StringRef bName,
                                     ShapedType b, unsigned bDim) {
  int64_t x = a.getDimSize(aDim), y = b.getDimSize(bDim);
  if (ShapedType::isStatic(x) && ShapedType::isStatic(y) && x != y)
    return op->emitOpError(what)
           << " mismatch: " << aName << " has " << x << " (dimension " << aDim
           << " of " << a << ") but " << bName << " has " << y << " (dimension "
           << bDim << " of " << b << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

/// `lhs [P, Q] x rhs [Q, R] -> result [P, R]` with the roles named.
static LogicalResult verifyMatmulShapes(Operation *op, StringRef lhsName,
                                        ShapedType lhs, unsigned lhsRowDim,
                                        StringRef rhsName, ShapedType rhs,
                                        unsigned rhsColDim, ShapedType result) {
  unsigned lhsRed = 1 - lhsRowDim, rhsRed = 1 - rhsColDim;
  if (failed(verifyDimsMatch(op, "reduction size", lhsName, lhs, lhsRed,
                             rhsName, rhs, rhsRed)) ||
      failed(verifyDimsMatch(op, "result rows", "result", result, 0, lhsName,
                             lhs, lhsRowDim)) ||
      failed(verifyDimsMatch(op, "result columns", "result", result, 1, rhsName,
                             rhs, rhsColDim)))
    return failure();
  return success();
}

LogicalResult MaskedMatmulOp::verify() {
  // W [M, K] x X [K, N] -> [M, N]
  return verifyMatmulShapes(*this, "weight", getWeight().getType(), 0, "input",
                            getInput().getType(), 1, getResult().getType());
}

LogicalResult MaskedMatmulGradInputOp::verify() {
  // W^T [K, M] x dY [M, N] -> [K, N]
  return verifyMatmulShapes(*this, "weight", getWeight().getType(), 1,
                            "grad_output", getGradOutput().getType(), 1,
                            getResult().getType());
}

LogicalResult MaskedMatmulGradWeightOp::verify() {
  // dY [M, N] x X^T [N, K] -> [M, K]
  return verifyMatmulShapes(*this, "grad_output", getGradOutput().getType(), 0,
                            "input", getInput().getType(), 0,
                            getResult().getType());
}

//===----------------------------------------------------------------------===//
// Conv2D
//===----------------------------------------------------------------------===//

/// The stride/padding/dilation pairs are well formed.
static LogicalResult verifyConvAttrs(Operation *op, ArrayRef<int64_t> strides,
                                     ArrayRef<int64_t> padding,
                                     ArrayRef<int64_t> dilations) {
  auto check = [&](StringRef name, ArrayRef<int64_t> values,
                   int64_t min) -> LogicalResult {
    if (values.size() != 2)
      return op->emitOpError("'")
             << name << "' must have 2 values [h, w], got " << values.size();
    for (int64_t v : values)
      if (v < min)
        return op->emitOpError("'")
               << name << "' values must be >= " << min << ", got " << v;
    return success();
  };
  if (failed(check("strides", strides, 1)) ||
      failed(check("padding", padding, 0)) ||
      failed(check("dilations", dilations, 1)))
    return failure();
  return success();
}

/// Checks input [N, C, H, W], weight [F, C, KH, KW] and output
/// [N, F, OH, OW] against each other and the output size formula.
static LogicalResult verifyConvShapes(Operation *op, ShapedType input,
                                      ShapedType weight, ShapedType output,
                                      StringRef outputName,
                                      ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> padding,
                                      ArrayRef<int64_t> dilations) {
  if (failed(verifyConvAttrs(op, strides, padding, dilations)))
    return failure();
  if (!input.hasStaticShape() || !weight.hasStaticShape() ||
      !output.hasStaticShape())
    return op->emitOpError("requires static shapes");
  if (failed(verifyDimsMatch(op, "batch size", "input", input, 0, outputName,
                             output, 0)) ||
      failed(verifyDimsMatch(op, "input channels", "input", input, 1, "weight",
                             weight, 1)) ||
      failed(verifyDimsMatch(op, "output channels", "weight", weight, 0,
                             outputName, output, 1)))
    return failure();
  for (unsigned i = 0; i < 2; ++i) {
    int64_t extent = dilations[i] * (weight.getDimSize(2 + i) - 1) + 1;
    int64_t padded = input.getDimSize(2 + i) + 2 * padding[i];
    if (padded < extent)
      return op->emitOpError("kernel extent ")
             << extent << " exceeds the padded input size " << padded
             << " in spatial dimension " << i;
    int64_t expected = (padded - extent) / strides[i] + 1;
    if (output.getDimSize(2 + i) != expected)
      return op->emitOpError("expected ")
             << outputName << " spatial dimension " << i << " of size "
             << expected << " (input " << input.getDimSize(2 + i) << ", kernel "
             << weight.getDimSize(2 + i) << ", stride " << strides[i]
             << ", padding " << padding[i] << ", dilation " << dilations[i]
             << "), got " << output.getDimSize(2 + i);
  }
  return success();
}

LogicalResult MaskedConv2DOp::verify() {
  return verifyConvShapes(*this, getInput().getType(), getWeight().getType(),
                          getResult().getType(), "result", getStrides(),
                          getPadding(), getDilations());
}

LogicalResult MaskedConv2DGradInputOp::verify() {
  return verifyConvShapes(*this, getResult().getType(), getWeight().getType(),
                          getGradOutput().getType(), "grad_output",
                          getStrides(), getPadding(), getDilations());
}

LogicalResult MaskedConv2DGradWeightOp::verify() {
  return verifyConvShapes(*this, getInput().getType(), getResult().getType(),
                          getGradOutput().getType(), "grad_output",
                          getStrides(), getPadding(), getDilations());
}
