//===- MxConstantOperand.cpp - MX operands known at compile time ----------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MxConstantOperand.h"
#include "mx/Dialect/Mx/IR/MxReferenceFormat.h"
#include "mx/Reference/MxFormats.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

using namespace mlir;
using namespace mlir::mx;

std::optional<ConstantOperand> mlir::mx::getConstantOperand(Value value,
                                                            MxTensorType type) {
  auto assemble = value.getDefiningOp<AssembleOp>();
  DenseElementsAttr elements, scales;
  if (!assemble ||
      !matchPattern(assemble.getElements(), m_Constant(&elements)) ||
      !matchPattern(assemble.getScales(), m_Constant(&scales)))
    return std::nullopt;
  ConstantOperand result;
  result.rows = type.getShape()[0];
  result.cols = type.getShape()[1];
  result.axis = type.getAxis();
  result.block = type.getBlockSize();
  std::vector<uint8_t> bytes;
  for (const APInt &x : elements.getValues<APInt>())
    bytes.push_back(static_cast<uint8_t>(x.getZExtValue()));
  for (const APFloat &x : scales.getValues<APFloat>())
    result.scales.push_back(
        static_cast<uint8_t>(x.bitcastToAPInt().getZExtValue()));
  // Each line along the blocked axis is packed on its own (MxTypes.td).
  ::mx::ref::Format format = toReferenceFormat(type.getFormat());
  bool alongRows = result.axis == 1;
  int64_t packedCols = type.getPackedShape()[1];
  int64_t lines = alongRows ? result.rows : result.cols;
  int64_t length = alongRows ? result.cols : result.rows;
  int64_t lineBytes =
      static_cast<int64_t>(::mx::ref::packedBytes(length, format));
  std::vector<uint8_t> line(lineBytes), codes(length);
  result.codes.resize(result.rows * result.cols);
  for (int64_t l = 0; l < lines; ++l) {
    for (int64_t i = 0; i < lineBytes; ++i)
      line[i] =
          alongRows ? bytes[l * packedCols + i] : bytes[i * packedCols + l];
    ::mx::ref::unpackCodes(line.data(), length, format, codes.data());
    for (int64_t i = 0; i < length; ++i) {
      int64_t r = alongRows ? l : i, c = alongRows ? i : l;
      result.codes[r * result.cols + c] = codes[i];
    }
  }
  return result;
}

std::optional<std::vector<uint16_t>> mlir::mx::getConstantBF16(Value value) {
  DenseFPElementsAttr elements;
  if (!matchPattern(value, m_Constant(&elements)) ||
      !elements.getElementType().isBF16())
    return std::nullopt;
  auto bits = [](const APFloat &x) {
    return static_cast<uint16_t>(x.bitcastToAPInt().getZExtValue());
  };
  if (elements.isSplat())
    return std::vector<uint16_t>(elements.getNumElements(),
                                 bits(elements.getSplatValue<APFloat>()));
  // Dense storage of 16-bit elements: two little-endian bytes each.
  ArrayRef<char> raw = elements.getRawData();
  std::vector<uint16_t> result(elements.getNumElements());
  std::memcpy(result.data(), raw.data(), result.size() * 2);
  return result;
}
