//===- ModelCompileBench.cpp - compile time of the resnet-sparse graph ----===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// BM_ModelCompile/resnet-sparse/<image size>: `mx-compile --model=resnet-sparse
// --emit=obj` for the host target, in process, split into its stages
// (counters, seconds per compile): `build_s` (the graph builder), `mlir_s`
// (policy and lowering passes), `llvm_s` (translation, -O3 and code
// generation). The word2vec graph's compile time is BM_Word2VecCompile
// (Word2VecBench.cpp), which also compares with clang on the C++ reference.
// ResNet-50 has no such peer: nothing else here compiles the same graph.
//
//===----------------------------------------------------------------------===//

#include "BenchSupport.h"

#include "mx/InitAll.h"
#include "mx/Models/ResNet50.h"
#include "mx/Target/Compile.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {

using Clock = std::chrono::steady_clock;
using mx::bench::seconds;

struct StageSeconds {
  double build = 0, mlir = 0, llvm = 0;
};

[[noreturn]] void fail(llvm::Error err, const char *what) {
  std::fprintf(stderr, "mx-bench: resnet-sparse: %s: %s\n", what,
               llvm::toString(std::move(err)).c_str());
  std::exit(1);
}

/// Compiles ResNet-50 (masked convolutions, weights as arguments) once, as
/// `mx-compile --model=resnet-sparse --emit=obj` does.
StageSeconds compileResNet(int64_t imageSize) {
  static const bool passesRegistered =
      (mlir::mx::registerCompilePasses(), true);
  (void)passesRegistered;
  StageSeconds stages;
  Clock::time_point start = Clock::now();
  mlir::DialectRegistry registry;
  mlir::mx::registerAllDialects(registry);
  mlir::mx::registerAllExtensions(registry);
  mlir::mx::models::registerResNet50Dialects(registry);
  mlir::MLIRContext context(registry);
  mlir::mx::models::ResNet50Options options;
  options.imageSize = imageSize;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::mx::models::buildResNet50(&context, options);
  if (!module) {
    std::fprintf(stderr, "mx-bench: cannot build the resnet-sparse graph\n");
    std::exit(1);
  }
  stages.build = seconds(Clock::now() - start);

  start = Clock::now();
  llvm::Expected<mlir::mx::TargetSpec> spec = mlir::mx::getTargetSpec("host");
  if (!spec)
    fail(spec.takeError(), "target");
  auto pm = mlir::PassManager::on<mlir::ModuleOp>(&context);
  if (llvm::Error err = mlir::mx::addPolicyPasses(pm, {}, "resnet-sparse"))
    fail(std::move(err), "policy passes");
  mlir::mx::addLoweringPasses(pm, *spec);
  if (mlir::failed(pm.run(*module))) {
    std::fprintf(stderr, "mx-bench: resnet-sparse: lowering failed\n");
    std::exit(1);
  }
  stages.mlir = seconds(Clock::now() - start);

  start = Clock::now();
  auto machine = mlir::mx::createTargetMachine(*spec, 3);
  if (!machine)
    fail(machine.takeError(), "target machine");
  llvm::LLVMContext llvmContext;
  auto llvmModule =
      mlir::mx::translateToLLVMIR(*module, llvmContext, **machine, 3);
  if (!llvmModule)
    fail(llvmModule.takeError(), "translation");
  auto object = mlir::mx::emitMachineCode(**llvmModule, **machine,
                                          mlir::mx::MachineCodeKind::Object);
  if (!object)
    fail(object.takeError(), "code generation");
  benchmark::DoNotOptimize(object->data());
  stages.llvm = seconds(Clock::now() - start);
  return stages;
}

void resnetCompileBench(benchmark::State &state) {
  int64_t imageSize = state.range(0);
  StageSeconds total;
  for (auto _ : state) {
    StageSeconds once = compileResNet(imageSize);
    state.SetIterationTime(once.build + once.mlir + once.llvm);
    total.build += once.build;
    total.mlir += once.mlir;
    total.llvm += once.llvm;
  }
  double n = static_cast<double>(state.iterations());
  state.counters["build_s"] = total.build / n;
  state.counters["mlir_s"] = total.mlir / n;
  state.counters["llvm_s"] = total.llvm / n;
}

BENCHMARK(resnetCompileBench)
    ->Name("BM_ModelCompile/resnet-sparse")
    ->Arg(224)
    ->UseManualTime()
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond);

} // namespace
