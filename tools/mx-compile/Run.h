//===- Run.h - mx-compile --run ---------------------------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// JIT execution of a module lowered to the LLVM dialect with
// mlir::ExecutionEngine, on generated inputs, timing the calls.
//
//===----------------------------------------------------------------------===//

#ifndef MX_TOOLS_MX_COMPILE_RUN_H
#define MX_TOOLS_MX_COMPILE_RUN_H

#include "mx/Models/Word2Vec.h"
#include "mx/Target/Compile.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>

namespace mlir::mx {

/// The signature of an entry point, as seen before lowering.
struct EntrySignature {
  std::string name;
  SmallVector<Type> arguments;
  SmallVector<Type> results;
};

struct RunOptions {
  /// 0: as many calls as fit in about half a second (at least 10).
  int64_t iterations = 0;
  /// Extent of every dynamic dimension of a generated memref.
  int64_t dynamicSize = 16;
  /// word2vec: rows of the generated tables.
  int64_t vocabulary = 10000;
  unsigned optLevel = 3;
};

/// Runs `entry` of `module` (LLVM dialect) through its C interface on
/// generated inputs (element k of every buffer: 0.5 * (k % 7 - 3) for
/// floats, k % 8 for integers; scalars 1), prints its scalar result of the
/// first call and the time per call to stdout.
LogicalResult runEntry(ModuleOp module, const TargetSpec &spec,
                       const EntrySignature &entry, const RunOptions &options);

/// Runs the word2vec step of `module` on random tables and batches, checks
/// one step against the C++ reference (within its stated bounds; the
/// reference has fp32 and bf16 precision only) and prints the time per
/// update to stdout.
LogicalResult runWord2Vec(ModuleOp module, const TargetSpec &spec,
                          const models::Word2VecOptions &model,
                          StringRef precision, bool ktanhActivations,
                          const RunOptions &options);

} // namespace mlir::mx

#endif // MX_TOOLS_MX_COMPILE_RUN_H
