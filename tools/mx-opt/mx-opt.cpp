//===- mx-opt.cpp - mxir optimizer driver -------------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// mlir-opt with the mx dialect, its passes and pipelines, and the upstream
// dialects and passes they are built from. All of it lives in the library
// (mx/InitAll.h) so that other hosts get exactly the same set.
//
//===----------------------------------------------------------------------===//

#include "mx/InitAll.h"

int main(int argc, char **argv) { return mlir::mx::mxOptMain(argc, argv); }
