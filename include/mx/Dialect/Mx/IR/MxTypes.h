//===- MxTypes.h - mx types -------------------------------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXTYPES_H
#define MX_DIALECT_MX_IR_MXTYPES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"
#include "mx/Dialect/Mx/IR/MxDialect.h"

#define GET_TYPEDEF_CLASSES
#include "mx/Dialect/Mx/IR/MxOpsTypes.h.inc"

#endif // MX_DIALECT_MX_IR_MXTYPES_H
