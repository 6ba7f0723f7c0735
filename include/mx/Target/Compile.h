//===- Compile.h - From a graph to machine code -----------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The stages of mx-compile as a library, so that tools, tests and
// benchmarks compile exactly the same way:
//
//   addPolicyPasses    --precision / --activations / --sparsity
//   addLoweringPasses  convert-elementwise-to-linalg, linalg elementwise
//                      fusion, mx-loop-order, mx-to-llvm{target=...}
//   translateToLLVMIR  LLVM dialect -> llvm::Module for a TargetMachine,
//                      optimized by LLVM's O<n> pipeline
//   emitMachineCode    assembly or an ELF object, in process
//   linkSharedLibrary  object -> .so with the system linker (clang -shared)
//
//===----------------------------------------------------------------------===//

#ifndef MX_TARGET_COMPILE_H
#define MX_TARGET_COMPILE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlir::mx {

/// What a `--target=` name means: the mx-to-llvm lowering and the LLVM
/// target machine.
struct TargetSpec {
  /// The name given: host, x86-64-avx512, aarch64-neon or generic.
  std::string name;
  /// The `target=` of mx-to-llvm (`host` resolved).
  std::string lowering;
  std::string triple;
  std::string cpu;
  /// LLVM subtarget features, "+a,+b".
  std::string features;
};

/// The names `getTargetSpec` knows (including the ones not supported yet).
llvm::ArrayRef<llvm::StringRef> getTargetNames();

/// The spec of a target name, or an error naming the valid ones (or saying
/// that the target is not supported yet).
///
///   host           this machine: its triple, CPU and features; the
///                  lowering of `mx-to-llvm{target=host}`
///   x86-64-avx512  x86_64-unknown-linux-gnu, CPU x86-64-v4, +avx512f,
///                  +avx512bw, +avx512vl, +avx512dq, +avx512cd, +avx512bf16,
///                  +avx512vnni, +avx512vbmi
///   x86-64-amx     x86-64-avx512 plus +amx-tile, +amx-bf16, +amx-int8
///                  (mx.matmul unordered on AMX tiles)
///   (x86 targets also get the tuning flag +prefer-no-scatter)
///   aarch64-neon   aarch64-unknown-linux-gnu, CPU generic, +v8.6a, +neon,
///                  +fp-armv8, +bf16, +i8mm
///   generic        this machine's triple with the baseline CPU of its
///                  architecture (x86-64, generic) and no extra features
llvm::Expected<TargetSpec> getTargetSpec(llvm::StringRef name);

/// Success if code for `spec` can run in this process: same architecture
/// and every feature it assumes present on this CPU.
llvm::Error checkRunnableOnHost(const TargetSpec &spec);

/// Initializes the LLVM targets mx-compile emits code for (idempotent).
void initializeLLVMTargets();

/// A position-independent TargetMachine for `spec` at `optLevel` (0-3).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetSpec &spec, unsigned optLevel);

/// The policy options of mx-compile.
struct PolicyOptions {
  /// fp32, bf16, mxfp8, mxfp6, mxfp4 or mxint8.
  std::string precision = "fp32";
  /// exact or ktanh.
  std::string activations = "exact";
  /// Empty or dense: masked ops are computed dense (masked). auto: the
  /// mx.masked_matmul ops with constant weights become sparse kernels
  /// (mx-sparsify) where their density is below the measured break-even;
  /// csr: all of them. Non-zeros are bf16 with precision bf16 and MX codes
  /// (e4m3, e2m3, e2m1, int8) with precision mxfp8, mxfp6, mxfp4, mxint8.
  std::string sparsity;
  /// ordered (default) or unordered: the `unordered` attribute on the
  /// mx.matmul ops that mx-bf16 / mx-quantize make (AMX on x86-64-amx).
  std::string matmulAccumulation = "ordered";
};

/// True if this build registers the K-TanH activation policy pass
/// (mx-ktanh). Needs registerAllPasses() first.
bool isKTanhPolicyAvailable();

/// Adds the policy passes for `options` to the module-level `pm`:
/// sparsity auto / csr -> func.func(mx-sparsify) first; bf16 ->
/// func.func(mx-bf16); mxfp8 / mxfp6 / mxfp4 / mxint8 ->
/// func.func(mx-quantize) with e4m3 / e2m3 / e2m1 / int8 for both operands,
/// if this build has that pass; ktanh -> func.func(mx-ktanh). `subject`
/// names the graph in messages ("word2vec", "file.mlir"). Fails, without
/// touching `pm`, on an unknown value or one that is not supported yet.
/// `activationsBuiltIn` says that the graph already uses the K-TanH ops (a
/// model built that way), so no pass is needed for `ktanh`.
llvm::Error addPolicyPasses(OpPassManager &pm, const PolicyOptions &options,
                            llvm::StringRef subject,
                            bool activationsBuiltIn = false);

/// Adds code generation preparation and mx-to-llvm for `spec` to the
/// module-level `pm`.
void addLoweringPasses(OpPassManager &pm, const TargetSpec &spec);

/// Translates a module in the LLVM dialect for `tm` (triple and data layout
/// set) and runs LLVM's optimization pipeline at `optLevel`. Diagnostics go
/// to the module's context.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(ModuleOp module, llvm::LLVMContext &llvmContext,
                  llvm::TargetMachine &tm, unsigned optLevel);

enum class MachineCodeKind { Assembly, Object };

/// Assembly text or object file bytes for `module`.
llvm::Expected<std::string> emitMachineCode(llvm::Module &module,
                                            llvm::TargetMachine &tm,
                                            MachineCodeKind kind);

/// The linker driver: `clang` next to the LLVM tools mxir was built with,
/// else clang-22 or clang on PATH; `override` if not empty.
llvm::Expected<std::string> findLinkerDriver(llvm::StringRef override = "");

/// Links the object file `objectPath` into the shared library `outputPath`
/// with `driver -shared` (for another architecture: --target=<triple>
/// -fuse-ld=lld), adding -lm. The linker's output is returned in the error.
llvm::Error linkSharedLibrary(llvm::StringRef driver,
                              llvm::StringRef objectPath,
                              llvm::StringRef outputPath,
                              const TargetSpec &spec);

/// A JIT for a module in the LLVM dialect: code generated for `spec` (which
/// must be runnable here, see checkRunnableOnHost) and optimized at
/// `optLevel`; symbols of this process (libm, malloc) resolve.
llvm::Expected<std::unique_ptr<ExecutionEngine>>
createExecutionEngine(ModuleOp module, const TargetSpec &spec,
                      unsigned optLevel);

/// registerAllPasses() plus the passes of this library (mx-loop-order).
void registerCompilePasses();

} // namespace mlir::mx

#endif // MX_TARGET_COMPILE_H
