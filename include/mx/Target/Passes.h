//===- Passes.h - mx code generation preparation ----------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_TARGET_PASSES_H
#define MX_TARGET_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Pass/Pass.h"

namespace mlir::mx {

#define GEN_PASS_DECL
#include "mx/Target/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mx/Target/Passes.h.inc"

} // namespace mlir::mx

#endif // MX_TARGET_PASSES_H
