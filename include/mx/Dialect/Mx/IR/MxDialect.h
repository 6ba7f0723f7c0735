//===- MxDialect.h - mx dialect ---------------------------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXDIALECT_H
#define MX_DIALECT_MX_IR_MXDIALECT_H

#include "mlir/IR/Dialect.h"

#include "mx/Dialect/Mx/IR/MxEnums.h.inc"

#include "mx/Dialect/Mx/IR/MxOpsDialect.h.inc"

namespace mlir::mx {

/// Facts about one MX element format that every lowering needs.
struct FormatInfo {
  unsigned bits;         ///< Bits per element code.
  int emax;              ///< Exponent of the largest normal element.
  int emin;              ///< Exponent of the smallest normal element.
  unsigned mantissaBits; ///< Explicit mantissa bits (INT8: 6 fraction bits).
  double maxNormal;      ///< Largest finite magnitude.
};

/// Returns the parameters of `format` (OCP MX v1.0, table 1 and 2).
const FormatInfo &getFormatInfo(Format format);

} // namespace mlir::mx

#endif // MX_DIALECT_MX_IR_MXDIALECT_H
