//===- MxReferenceFormat.h - dialect formats as mx::ref formats -*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The mx::ref::Format of an mx dialect element format, for the passes and
// lowerings that compute with the scalar reference at compile time
// (constant quantization, compile-time packing).
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXREFERENCEFORMAT_H
#define MX_DIALECT_MX_IR_MXREFERENCEFORMAT_H

#include "mx/Dialect/Mx/IR/MxOps.h"
#include "mx/Reference/MxFormats.h"

#include "llvm/Support/ErrorHandling.h"

namespace mlir::mx {

inline ::mx::ref::Format toReferenceFormat(Format format) {
  switch (format) {
  case Format::e4m3:
    return ::mx::ref::Format::E4M3;
  case Format::e5m2:
    return ::mx::ref::Format::E5M2;
  case Format::e2m3:
    return ::mx::ref::Format::E2M3;
  case Format::e3m2:
    return ::mx::ref::Format::E3M2;
  case Format::e2m1:
    return ::mx::ref::Format::E2M1;
  case Format::int8:
    return ::mx::ref::Format::Int8;
  }
  llvm_unreachable("unknown format");
}

} // namespace mlir::mx

#endif // MX_DIALECT_MX_IR_MXREFERENCEFORMAT_H
