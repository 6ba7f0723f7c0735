//===- MxOps.h - mx operations ----------------------------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXOPS_H
#define MX_DIALECT_MX_IR_MXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mx/Dialect/Mx/IR/MxDialect.h"
#include "mx/Dialect/Mx/IR/MxTypes.h"

#include "mx/Dialect/Mx/IR/MxActivationEnums.h.inc"
#include "mx/Dialect/Mx/IR/MxSparseEnums.h.inc"

#define GET_OP_CLASSES
#include "mx/Dialect/Mx/IR/MxOps.h.inc"

#endif // MX_DIALECT_MX_IR_MXOPS_H
