//===- MxDialect.cpp - mx dialect ---------------------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxDialect.h"
#include "mx/Dialect/Mx/IR/MxOps.h"
#include "mx/Dialect/Mx/IR/MxTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::mx;

#include "mx/Dialect/Mx/IR/MxEnums.cpp.inc"
#include "mx/Dialect/Mx/IR/MxOpsDialect.cpp.inc"

void MxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mx/Dialect/Mx/IR/MxOps.cpp.inc"
      >();
  registerTypes();
}

Operation *MxDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}

const FormatInfo &mlir::mx::getFormatInfo(Format format) {
  // bits, emax, emin, mantissa bits, max normal.
  static const FormatInfo e4m3{8, 8, -6, 3, 448.0};
  static const FormatInfo e5m2{8, 15, -14, 2, 57344.0};
  static const FormatInfo e2m3{6, 2, 0, 3, 7.5};
  static const FormatInfo e3m2{6, 4, -2, 2, 28.0};
  static const FormatInfo e2m1{4, 2, 0, 1, 6.0};
  static const FormatInfo int8{8, 0, 0, 6, 127.0 / 64.0};
  switch (format) {
  case Format::e4m3:
    return e4m3;
  case Format::e5m2:
    return e5m2;
  case Format::e2m3:
    return e2m3;
  case Format::e3m2:
    return e3m2;
  case Format::e2m1:
    return e2m1;
  case Format::int8:
    return int8;
  }
  llvm_unreachable("unknown MX format");
}
