//===- MxPlugin.cpp - mx dialect and pass plugin for mlir-opt -----------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Loaded by the stock mlir-opt:
//   mlir-opt --load-dialect-plugin=MxPlugin.so --load-pass-plugin=MxPlugin.so
//       --pass-pipeline="builtin.module(...)" in.mlir
//
//===----------------------------------------------------------------------===//

#include "mx/InitAll.h"
#include "mx/Dialect/Mx/IR/MxDialect.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MxDialect", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            mx::registerAllDialects(*registry);
            mx::registerAllExtensions(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MxPasses", LLVM_VERSION_STRING,
          []() { mx::registerAllPasses(); }};
}
