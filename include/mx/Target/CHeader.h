//===- CHeader.h - C declarations of compiled entry points ------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Generates the C header of a compiled module: the memref descriptor
// structs, the `_mlir_ciface_<name>` entry points and a plain-pointer
// convenience wrapper `mx_call_<name>` per public function. docs/abi.md
// describes the ABI.
//
//===----------------------------------------------------------------------===//

#ifndef MX_TARGET_CHEADER_H
#define MX_TARGET_CHEADER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlir::mx {

struct CHeaderOptions {
  /// The include guard; derived from `fileName` if empty.
  std::string guard;
  /// The header's file name (for the guard and the banner).
  std::string fileName;
  /// What the header was generated from (the banner says so).
  std::string source;
  /// Extra `#define NAME VALUE` lines (model parameters, say).
  std::vector<std::pair<std::string, int64_t>> constants;
};

/// Marks every public function definition with `llvm.emit_c_interface`, the
/// attribute that makes the LLVM lowering emit `_mlir_ciface_<name>`.
void addCInterfaceAttributes(ModuleOp module);

/// Writes the header for every public function definition with
/// `llvm.emit_c_interface` in `module`. Signatures are taken before
/// bufferization: a tensor is passed as the memref mx-to-llvm makes of it
/// (same shape and element type, identity layout). Parameter names are the
/// block arguments' name locations (`loc("name")`), else argN. Emits an
/// error on the function and fails if a type has no C form (unranked or
/// vector types, i1 scalars, !mx.tensor).
LogicalResult emitCHeader(ModuleOp module, llvm::raw_ostream &os,
                          const CHeaderOptions &options);

} // namespace mlir::mx

#endif // MX_TARGET_CHEADER_H
