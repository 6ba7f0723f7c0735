//===- Pipelines.h - mxir pass pipelines ------------------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Embedders call build*Pipeline on their own pass manager; tools call
// registerMxPipelines() to get them on the command line.
//
//===----------------------------------------------------------------------===//

#ifndef MX_PIPELINES_PIPELINES_H
#define MX_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir::mx {

struct MxToLLVMOptions : public PassPipelineOptions<MxToLLVMOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc(
          "lowering target: host (detected), x86-64-avx2, x86-64-avx512, "
          "x86-64-amx, "
          "aarch64-neon, aarch64-sve, generic, or reference (the linalg "
          "lowering that defines the meaning)"),
      llvm::cl::init("host")};
  enum class Parallel { None, OpenMP };
  Option<Parallel> parallel{
      *this, "parallel",
      llvm::cl::desc("parallel loops (scf.forall of the mx.matmul lowering)"),
      llvm::cl::init(Parallel::None),
      llvm::cl::values(
          clEnumValN(Parallel::None, "none", "run them sequentially"),
          clEnumValN(Parallel::OpenMP, "openmp",
                     "scf-to-openmp; link the program with libomp"))};
  Option<bool> streamingStores{
      *this, "streaming-stores",
      llvm::cl::desc("x86-64-avx512: non-temporal vector stores "
                     "(mx-streaming-stores), for outputs larger than the "
                     "cache that are not read back soon; no effect on other "
                     "targets"),
      llvm::cl::init(false)};
  Option<unsigned> prefetchDistance{
      *this, "prefetch-distance",
      llvm::cl::desc("software prefetch this many bytes ahead of the vector "
                     "reads of innermost loops (mx-prefetch), for inputs "
                     "larger than the cache; 0 (the default) adds none"),
      llvm::cl::init(0)};
  Option<std::string> dotBF16{
      *this, "dot-bf16",
      llvm::cl::desc("auto | on | off: x86 mx.matmul kernels sum bf16 pairs "
                     "with vdpbf16ps (mx-lower-to-vector's option; auto: on "
                     "where the compiling CPU is an AMD Zen)"),
      llvm::cl::init("auto")};
  Option<unsigned> stackBufferBytes{
      *this, "stack-buffer-bytes",
      llvm::cl::desc("temporary buffers of at most this many bytes (static "
                     "shape, rank <= 4, not returned) live on the stack "
                     "instead of the heap; 0 (the default) keeps them all on "
                     "the heap"),
      llvm::cl::init(0)};
  Option<bool> bufferCache{
      *this, "buffer-cache",
      llvm::cl::desc("heap temporaries through MLIR's generic allocation "
                     "functions (_mlir_memref_to_llvm_aligned_alloc / _free) "
                     "instead of aligned_alloc / free: link libMxBufferCache, "
                     "which keeps large buffers for the next call, or define "
                     "them (docs/abi.md)"),
      llvm::cl::init(false)};
};

/// The concrete target `host` stands for on this machine: x86-64-amx with
/// AVX-512 F/BW/VL/BF16/VNNI/VBMI and AMX-BF16 that Linux grants this
/// process, x86-64-avx512 with the AVX-512 features only, aarch64-neon on
/// AArch64, generic otherwise.
std::string getHostTarget();

/// Checks a `target=` value; returns the concrete target name (host
/// resolved) or std::nullopt for an unknown one.
std::optional<std::string> resolveTarget(llvm::StringRef target);

/// mx ops on tensors -> LLVM dialect: the mx lowering for the target,
/// canonicalization, one-shot bufferization (function boundaries included,
/// identity layouts), deallocation, and the conversions to LLVM. Fails with
/// a diagnostic (from the first pass) on an unknown target.
void buildMxToLLVMPipeline(OpPassManager &pm, const MxToLLVMOptions &options);

/// Registers `mx-to-llvm`.
void registerMxPipelines();

} // namespace mlir::mx

#endif // MX_PIPELINES_PIPELINES_H
