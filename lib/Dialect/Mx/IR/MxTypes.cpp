//===- MxTypes.cpp - mx types -------------------------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::mx;

#define GET_TYPEDEF_CLASSES
#include "mx/Dialect/Mx/IR/MxOpsTypes.cpp.inc"

void MxDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "mx/Dialect/Mx/IR/MxOpsTypes.cpp.inc"
      >();
}

static constexpr int64_t kDefaultBlockSize = 32;

/// `!mx.tensor<128x256, e4m3, axis = 1, block = 16>`; `axis` defaults to the
/// last dimension and `block` to 32.
Type MxTensorType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  StringRef formatName;
  llvm::SMLoc formatLoc;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                /*withTrailingX=*/false) ||
      parser.parseComma())
    return {};
  formatLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&formatName))
    return {};
  std::optional<Format> format = symbolizeFormat(formatName);
  if (!format) {
    parser.emitError(formatLoc, "unknown MX format '")
        << formatName << "'; expected one of e4m3, e5m2, e2m3, e3m2, e2m1, "
        << "int8";
    return {};
  }
  int64_t axis = static_cast<int64_t>(shape.size()) - 1;
  int64_t blockSize = kDefaultBlockSize;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    llvm::SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    if (key == "axis") {
      if (parser.parseInteger(axis))
        return {};
    } else if (key == "block") {
      if (parser.parseInteger(blockSize))
        return {};
    } else {
      parser.emitError(keyLoc, "unknown MX tensor parameter '")
          << key << "'; expected 'axis' or 'block'";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<MxTensorType>(parser.getContext(), shape, *format,
                                         axis, blockSize);
}

void MxTensorType::print(AsmPrinter &printer) const {
  printer << "<";
  llvm::interleave(getShape(), printer.getStream(), "x");
  printer << ", " << stringifyFormat(getFormat()) << ", axis = " << getAxis();
  if (getBlockSize() != kDefaultBlockSize)
    printer << ", block = " << getBlockSize();
  printer << ">";
}

LogicalResult
MxTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                     ArrayRef<int64_t> shape, Format format, int64_t axis,
                     int64_t blockSize) {
  if (shape.empty())
    return emitError() << "MX tensor must have rank >= 1";
  for (int64_t dim : shape)
    if (dim <= 0)
      return emitError() << "MX tensor dimensions must be static and "
                            "positive, got "
                         << dim;
  if (axis < 0 || axis >= static_cast<int64_t>(shape.size()))
    return emitError() << "blocked axis " << axis << " is out of range for "
                       << "rank " << shape.size();
  if (blockSize <= 0)
    return emitError() << "block size must be positive, got " << blockSize;
  if (shape[axis] % blockSize != 0)
    return emitError() << "blocked dimension " << axis << " (size "
                       << shape[axis] << ") is not divisible by the block "
                       << "size " << blockSize;
  unsigned bits = getFormatInfo(format).bits;
  // A block must fill whole packing groups: 2 codes a byte for FP4, 4 codes
  // in 3 bytes for FP6.
  int64_t group = bits == 4 ? 2 : bits == 6 ? 4 : 1;
  if (blockSize % group != 0)
    return emitError() << "block size " << blockSize << " of format "
                       << stringifyFormat(format)
                       << " must be a multiple of its packing group of "
                       << group << " elements";
  return success();
}

unsigned MxTensorType::getElementBits() const {
  return getFormatInfo(getFormat()).bits;
}

Type MxTensorType::getElementType() const {
  MLIRContext *ctx = getContext();
  switch (getFormat()) {
  case Format::e4m3:
    return Float8E4M3FNType::get(ctx);
  case Format::e5m2:
    return Float8E5M2Type::get(ctx);
  case Format::e2m3:
    return Float6E2M3FNType::get(ctx);
  case Format::e3m2:
    return Float6E3M2FNType::get(ctx);
  case Format::e2m1:
    return Float4E2M1FNType::get(ctx);
  case Format::int8:
    return IntegerType::get(ctx, 8);
  }
  llvm_unreachable("unknown MX format");
}

SmallVector<int64_t> MxTensorType::getPackedShape() const {
  SmallVector<int64_t> shape(getShape());
  shape[getAxis()] = shape[getAxis()] * getElementBits() / 8;
  return shape;
}

SmallVector<int64_t> MxTensorType::getScalesShape() const {
  SmallVector<int64_t> shape(getShape());
  shape[getAxis()] /= getBlockSize();
  return shape;
}

RankedTensorType MxTensorType::getPackedTensorType() const {
  return RankedTensorType::get(getPackedShape(),
                               IntegerType::get(getContext(), 8));
}

RankedTensorType MxTensorType::getScalesTensorType() const {
  return RankedTensorType::get(getScalesShape(),
                               Float8E8M0FNUType::get(getContext()));
}

RankedTensorType MxTensorType::cloneAsTensor(Type elementType) const {
  return RankedTensorType::get(getShape(), elementType);
}
