//===- InitAll.h - register everything mxir provides ------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Entry points for hosts that embed mxir: tools, plugins and other compilers
// call these instead of registering dialects and passes one by one.
//
//===----------------------------------------------------------------------===//

#ifndef MX_INITALL_H
#define MX_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::mx {

/// Registers the mx dialect and the upstream dialects its pipelines create.
void registerAllDialects(DialectRegistry &registry);

/// Registers the interface and translation extensions the pipelines need.
void registerAllExtensions(DialectRegistry &registry);

/// Registers every mxir pass and pipeline (not upstream ones) with the global
/// registry.
void registerAllPasses();

/// Runs `mx-opt` (MlirOptMain with every mxir and needed upstream piece).
int mxOptMain(int argc, char **argv);

} // namespace mlir::mx

#endif // MX_INITALL_H
