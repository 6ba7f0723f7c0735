//===- MxOps.cpp - mx operations ----------------------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxOps.h"
#include "mx/Reference/BF16.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::mx;

/// Both sides of a conversion between a float tensor and an MX tensor must
/// describe the same logical shape.
static LogicalResult verifySameShape(Operation *op, RankedTensorType tensor,
                                     MxTensorType mxTensor) {
  if (tensor.getShape() != mxTensor.getShape())
    return op->emitOpError("shape mismatch: ")
           << tensor << " and " << mxTensor;
  return success();
}

/// The storage buffers must have exactly the shapes the layout prescribes.
static LogicalResult verifyStorage(Operation *op, RankedTensorType elements,
                                   RankedTensorType scales,
                                   MxTensorType mxTensor) {
  if (elements.getShape() != ArrayRef<int64_t>(mxTensor.getPackedShape()))
    return op->emitOpError("element buffer ")
           << elements << " does not match the packed layout of " << mxTensor
           << ", expected " << mxTensor.getPackedTensorType();
  if (scales.getShape() != ArrayRef<int64_t>(mxTensor.getScalesShape()))
    return op->emitOpError("scale buffer ")
           << scales << " does not match the blocks of " << mxTensor
           << ", expected " << mxTensor.getScalesTensorType();
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifySameShape(*this, getInput().getType(), getResult().getType());
}

LogicalResult DequantizeOp::verify() {
  return verifySameShape(*this, getResult().getType(), getInput().getType());
}

LogicalResult AssembleOp::verify() {
  return verifyStorage(*this, getElements().getType(), getScales().getType(),
                       getResult().getType());
}

LogicalResult DisassembleOp::verify() {
  return verifyStorage(*this, getElements().getType(), getScales().getType(),
                       getInput().getType());
}

LogicalResult LookupOp::verify() {
  VectorType table = getTable().getType();
  int64_t entries = table.getNumElements();
  if (!llvm::isPowerOf2_64(entries))
    return emitOpError("table must have a power-of-two size, got ")
           << table;
  VectorType result = getResult().getType();
  if (result.getElementType() != table.getElementType())
    return emitOpError("result element type ")
           << result.getElementType() << " differs from the table's "
           << table.getElementType();
  if (result.getShape() != getIndices().getType().getShape())
    return emitOpError("result shape must match the indices, got ")
           << result << " for " << getIndices().getType();
  return success();
}

LogicalResult CastOp::verify() {
  RankedTensorType input = getInput().getType();
  RankedTensorType result = getResult().getType();
  Type from = input.getElementType(), to = result.getElementType();
  bool narrowing = from.isF32() && to.isBF16();
  bool widening = from.isBF16() && to.isF32();
  if (!narrowing && !widening)
    return emitOpError("converts f32 to bf16 or bf16 to f32, got ")
           << from << " -> " << to;
  if (input.getShape() != result.getShape())
    return emitOpError("shape mismatch: ") << input << " and " << result;
  bool stochastic = getRounding() == RoundingMode::stochastic;
  if (stochastic && !getSeed())
    return emitOpError("rounding(stochastic) needs a seed operand");
  if (!stochastic && getSeed())
    return emitOpError("a seed is only allowed with rounding(stochastic)");
  if (widening && getRounding() != RoundingMode::rne)
    return emitOpError("bf16 -> f32 is exact: rounding must be rne (the "
                       "default), got ")
           << stringifyRoundingMode(getRounding());
  return success();
}

/// Casts of constants, with the bits of the scalar reference (mx::ref);
/// stochastic rounding is left to run time.
OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  auto input = dyn_cast_if_present<DenseFPElementsAttr>(adaptor.getInput());
  if (!input || getRounding() == RoundingMode::stochastic)
    return {};
  ::mx::ref::BF16Denormals denormals = getDenormals() == DenormalMode::flush
                                           ? ::mx::ref::BF16Denormals::Flush
                                           : ::mx::ref::BF16Denormals::Preserve;
  auto to = cast<FloatType>(getType().getElementType());
  auto convert = [&](const APFloat &x) {
    uint32_t bits = static_cast<uint32_t>(x.bitcastToAPInt().getZExtValue());
    APInt result =
        to.isBF16() ? APInt(16, ::mx::ref::f32ToBF16(
                                    bits,
                                    getRounding() == RoundingMode::truncate
                                        ? ::mx::ref::BF16Rounding::TowardZero
                                        : ::mx::ref::BF16Rounding::NearestEven,
                                    denormals))
                    : APInt(32, ::mx::ref::bf16ToF32(
                                    static_cast<uint16_t>(bits), denormals));
    return APFloat(to.getFloatSemantics(), result);
  };
  if (input.isSplat())
    return DenseElementsAttr::get(getType(),
                                  convert(input.getSplatValue<APFloat>()));
  SmallVector<APFloat> values;
  values.reserve(input.getNumElements());
  for (const APFloat &x : input.getValues<APFloat>())
    values.push_back(convert(x));
  return DenseElementsAttr::get(getType(), values);
}

OpFoldResult AssembleOp::fold(FoldAdaptor) {
  auto source = getElements().getDefiningOp<DisassembleOp>();
  if (source && source.getScales() == getScales() &&
      source.getInput().getType() == getResult().getType())
    return source.getInput();
  return {};
}

LogicalResult DisassembleOp::fold(FoldAdaptor,
                                  SmallVectorImpl<OpFoldResult> &results) {
  auto source = getInput().getDefiningOp<AssembleOp>();
  if (!source)
    return failure();
  results.push_back(source.getElements());
  results.push_back(source.getScales());
  return success();
}

#define GET_OP_CLASSES
#include "mx/Dialect/Mx/IR/MxOps.cpp.inc"
