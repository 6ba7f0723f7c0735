//===- Pipelines.cpp - mxir pass pipelines ------------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Pipelines/Pipelines.h"
#include "mx/Conversion/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

using namespace mlir;
using namespace mlir::mx;

/// AMX-BF16 is usable by this process: the CPU has it and Linux grants the
/// tile state (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA), which
/// the compiled kernels also request for themselves).
static bool hostHasUsableAmx(const llvm::StringMap<bool> &features) {
  if (!features.lookup("amx-tile") || !features.lookup("amx-bf16"))
    return false;
#if defined(__linux__) && defined(__x86_64__)
  return syscall(SYS_arch_prctl, 0x1023, 18) == 0;
#else
  return false;
#endif
}

std::string mx::getHostTarget() {
  llvm::Triple triple(llvm::sys::getProcessTriple());
  if (triple.isAArch64())
    return "aarch64-neon";
  if (triple.isX86()) {
    // x86-64-avx512 patterns use BF16 (vcvtneps2bf16, vdpbf16ps), VNNI and
    // VBMI besides F/BW/VL; a CPU without all of them but with x86-64-v3's
    // AVX2, FMA and F16C gets x86-64-avx2 code, an older one generic code.
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    auto hasAll = [&](ArrayRef<StringRef> names) {
      return llvm::all_of(names,
                          [&](StringRef f) { return features.lookup(f); });
    };
    if (hasAll({"avx512f", "avx512bw", "avx512vl", "avx512bf16", "avx512vnni",
                "avx512vbmi"}))
      return hostHasUsableAmx(features) ? "x86-64-amx" : "x86-64-avx512";
    if (hasAll({"avx2", "fma", "f16c"}))
      return "x86-64-avx2";
  }
  return "generic";
}

std::optional<std::string> mx::resolveTarget(StringRef target) {
  if (target == "host")
    return getHostTarget();
  if (target == "reference" || target == "generic" || target == "x86-64-avx2" ||
      target == "x86-64-avx512" || target == "x86-64-amx" ||
      target == "aarch64-neon" || target == "aarch64-sve")
    return target.str();
  return std::nullopt;
}

void mx::buildMxToLLVMPipeline(OpPassManager &pm,
                               const MxToLLVMOptions &options) {
  // An unknown target reaches mx-lower-to-vector, which rejects it with a
  // diagnostic naming the valid ones.
  std::string target = resolveTarget(options.target).value_or(options.target);
  if (target == "reference") {
    pm.addPass(createMxLowerToLinalgPass());
  } else {
    MxLowerToVectorPassOptions vectorOptions;
    vectorOptions.target = target;
    vectorOptions.dotBF16 = options.dotBF16;
    pm.addPass(createMxLowerToVectorPass(vectorOptions));
  }
  // Kernels that split their work between the threads (mx.worker_count).
  MxLowerWorkerCountPassOptions workers;
  workers.openmp = options.parallel == MxToLLVMOptions::Parallel::OpenMP;
  pm.addPass(createMxLowerWorkerCountPass(workers));
  // Folds mx.disassemble(mx.assemble(e, s)) so no mx op is left inside.
  pm.addPass(createCanonicalizerPass());

  // Lets kernels write straight into destination buffers
  // (bufferization.materialize_in_destination) instead of a copy.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Folds the copies of scf.forall slices onto themselves (loop results
  // that are their own iter_args).
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  if (options.stackBufferBytes > 0) {
    // Small temporaries on the stack: no malloc/free per call. Allocations
    // are hoisted out of loops first, so the stack does not grow per
    // iteration.
    pm.addNestedPass<func::FuncOp>(
        bufferization::createBufferLoopHoistingPass());
    bufferization::PromoteBuffersToStackPassOptions stack;
    stack.maxAllocSizeInBytes = options.stackBufferBytes;
    stack.maxRankOfAllocatedMemRef = 4;
    pm.addNestedPass<func::FuncOp>(
        bufferization::createPromoteBuffersToStackPass(stack));
  }
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  // A returned tensor that aliases a function argument (e.g. a matmul's
  // accumulator) comes back as a bufferization.clone for the caller to own:
  // an allocation and a copy.
  pm.addPass(createConvertBufferizationToMemRefPass());

  if (options.streamingStores &&
      (target == "x86-64-avx512" || target == "x86-64-amx"))
    pm.addNestedPass<func::FuncOp>(createMxStreamingStoresPass());
  if (options.prefetchDistance > 0) {
    MxPrefetchPassOptions prefetch;
    prefetch.distance = options.prefetchDistance;
    pm.addNestedPass<func::FuncOp>(createMxPrefetchPass(prefetch));
  }

  pm.addPass(createConvertLinalgToLoopsPass());
  // Parallel loops (scf.forall) run on OpenMP threads or sequentially.
  if (options.parallel == MxToLLVMOptions::Parallel::OpenMP) {
    pm.addPass(createForallToParallelLoopPass());
    pm.addPass(createConvertSCFToOpenMPPass());
    // Inlines the memref.alloca_scope around each loop body (the bodies
    // allocate nothing on the stack), which would otherwise stop the
    // lowering of the scf ops inside it to several blocks.
    pm.addPass(createCanonicalizerPass());
  } else {
    pm.addPass(createForallToForLoopPass());
  }
  // After the alloca scopes are gone: some mx vector ops become LLVM
  // intrinsic calls, whose unknown memory effects would keep the scopes.
  MxLowerVectorOpsPassOptions vectorOpsOptions;
  vectorOpsOptions.target = target == "reference" ? "generic" : target;
  pm.addPass(createMxLowerVectorOpsPass(vectorOpsOptions));
  // Lowers what vector-to-llvm does not take directly (n-D transfers,
  // vector.print of vectors) to loops.
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertMathToLLVMPass());
  // x86vector ops (vcvtneps2bf16 of mx.cast) become their intrinsics here.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.x86Vector = true;
  // amx ops (AmxMatmulLowering) become their LLVM intrinsics.
  vectorToLLVM.amx = target == "x86-64-amx";
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  // aligned_alloc instead of malloc + pointer rounding: the rounding goes
  // through ptrtoint/inttoptr, which hides from LLVM that temporary buffers
  // alias nothing else, so loops over them were neither hoisted nor
  // vectorized.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useAlignedAlloc = true;
  memrefToLLVM.useGenericFunctions = options.bufferCache;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  // x86 lowers f32 -> bf16 truncation to vcvtneps2bf16, which flushes
  // subnormals; the integer RNE expansion keeps the documented rounding.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  if (target == "x86-64-amx") {
    // Loop-carried AMX tiles are block arguments: cf's conversion needs
    // AMX's type conversion, which only convert-to-llvm combines with it.
    ConvertToLLVMPassOptions toLLVM;
    toLLVM.filterDialects = {"cf", "amx"};
    pm.addPass(createConvertToLLVMPass(toLLVM));
  }
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (options.parallel == MxToLLVMOptions::Parallel::OpenMP)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createMxLegalizeBF16VectorsPass());
  pm.addPass(createCanonicalizerPass());
}

void mx::registerMxPipelines() {
  PassPipelineRegistration<MxToLLVMOptions>(
      "mx-to-llvm",
      "Lower a module using mx ops on tensors to the LLVM dialect",
      buildMxToLLVMPipeline);
}
