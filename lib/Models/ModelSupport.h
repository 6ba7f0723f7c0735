//===- ModelSupport.h - checks shared by the model graph builders ---------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_MODELS_MODELSUPPORT_H
#define MX_LIB_MODELS_MODELSUPPORT_H

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <string>

namespace mlir::mx::models {

/// Empty if `name` can name the entry point in C (the generated header
/// declares it), else the error message.
inline std::string checkFunctionName(const std::string &name) {
  bool identifier =
      !name.empty() && !llvm::isDigit(name[0]) &&
      llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
  if (identifier)
    return "";
  return "the function name must be a C identifier, got '" + name + "'";
}

} // namespace mlir::mx::models

#endif // MX_LIB_MODELS_MODELSUPPORT_H
