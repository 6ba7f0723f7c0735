//===- Word2VecBench.cpp - the compiled word2vec step ---------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// BM_Word2VecStep/<dim>/<precision>
//   Updates per second of the HogBatch SGNS step that mx-compile compiles
//   from the model graph at build time (--model=word2vec --target=host,
//   batch 11, negatives 5, i32 indices; the kernels and their C headers are
//   generated into the build directory; fp32 is the trimmed graph, which
//   makes no difference here: every batch is full), one thread. Tables of
//   30,000 rows;
//   1,024 pre-drawn batches of uniform random rows, full batches, alpha
//   0.025. Counters, from medians of 5 interleaved samples of thread CPU
//   time (robust on a shared machine): updates_per_cpu_s of the kernel,
//   ref_updates_per_cpu_s of the plain C++ reference
//   (lib/Reference/Word2VecStep.cpp built with clang -O3 -march=native,
//   FP32, natural loop order) on the same tables and batches, and their
//   ratio x_ref (2.0 = twice as many updates per CPU-second). A second peer,
//   hand_updates_per_cpu_s and x_hand, is the step written by hand for
//   speed (Word2VecPeer.cpp: pWord2Vec's loop structure, `omp simd`
//   reductions, no allocations; clang -O3 -march=native -fopenmp-simd).
//   bf16 rows are compared with the same FP32 peers.
//
// BM_Word2VecCompile/<dim>
//   Time to compile the word2vec graph in process, as mx-compile does:
//   build the graph, run the policy and lowering pipeline for the host,
//   translate, optimize at -O3 and emit an object file. The counter x_clang
//   is the ratio to clang -O3 -march=native -c of the C++ reference source
//   in the same iteration (0.5 = mx-compile takes half clang's time).
//
//===----------------------------------------------------------------------===//

#include "w2v_d100_bf16.h"
#include "w2v_d100_fp32.h"
#include "w2v_d300_bf16.h"
#include "w2v_d300_fp32.h"

#include "BenchSupport.h"
#include "Word2VecPeer.h"

#include "mx/InitAll.h"
#include "mx/Models/Word2Vec.h"
#include "mx/Reference/Word2VecStep.h"
#include "mx/Target/Compile.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Program.h"
#include "llvm/Target/TargetMachine.h"

#include "benchmark/benchmark.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#ifndef MX_BENCH_CLANG
#define MX_BENCH_CLANG "clang"
#endif
#ifndef MX_BENCH_REFERENCE_SOURCE
#define MX_BENCH_REFERENCE_SOURCE ""
#endif
#ifndef MX_BENCH_INCLUDE_DIR
#define MX_BENCH_INCLUDE_DIR ""
#endif

namespace {

using mx::bench::median;
using mx::bench::seconds;

constexpr int64_t kRows = 30000;
constexpr int64_t kBatches = 1024;
constexpr float kAlpha = 0.025f;
constexpr int64_t kBatch = 11;
constexpr int64_t kOutputs = 6;

using StepFn = void (*)(float *, int64_t, float *, int64_t, int32_t *, int32_t,
                        int32_t *, float *, int32_t, float);

StepFn kernel(int64_t dim, bool bf16) {
  if (dim == 100)
    return bf16 ? mx_call_w2v_d100_bf16 : mx_call_w2v_d100_fp32;
  return bf16 ? mx_call_w2v_d300_bf16 : mx_call_w2v_d300_fp32;
}

struct Data {
  int64_t dim;
  std::vector<float> wih, woh;
  std::vector<int32_t> ctx, out;
  std::vector<int64_t> ctx64, out64;
  std::vector<float> meta = std::vector<float>(kOutputs, 1.0f);

  explicit Data(int64_t dim) : dim(dim), wih(kRows * dim), woh(kRows * dim) {
    uint64_t state = 1;
    auto next = [&] {
      state = state * 25214903917ULL + 11;
      return state;
    };
    for (int64_t i = 0; i < kRows * dim; ++i) {
      wih[i] = (float(next() & 0xFFFF) / 65536.0f - 0.5f) / float(dim);
      woh[i] = (float(next() & 0xFFFF) / 65536.0f - 0.5f) / float(dim);
    }
    for (int64_t i = 0; i < kBatches * kBatch; ++i)
      ctx.push_back(int32_t((next() >> 16) % kRows));
    for (int64_t i = 0; i < kBatches * kOutputs; ++i)
      out.push_back(int32_t((next() >> 16) % kRows));
    ctx64.assign(ctx.begin(), ctx.end());
    out64.assign(out.begin(), out.end());
  }

  void compiled(StepFn step, int64_t i) {
    int64_t b = i % kBatches;
    step(wih.data(), kRows, woh.data(), kRows, &ctx[b * kBatch], kBatch,
         &out[b * kOutputs], meta.data(), kOutputs, kAlpha);
  }
  void handWritten(int64_t i) {
    int64_t b = i % kBatches;
    mx::bench::handWrittenWord2VecStep(
        wih.data(), woh.data(), dim, &ctx[b * kBatch], kBatch,
        &out[b * kOutputs], meta.data(), kOutputs, kAlpha);
  }
  void reference(int64_t i) {
    int64_t b = i % kBatches;
    mx::ref::Word2VecStepOptions options;
    options.dim = dim;
    mx::ref::word2vecStep(options, wih.data(), woh.data(), &ctx64[b * kBatch],
                          kBatch, &out64[b * kOutputs], meta.data(), kOutputs,
                          kAlpha);
  }
};

Data &getData(int64_t dim) {
  static Data d100(100), d300(300);
  return dim == 100 ? d100 : d300;
}

/// CPU time of this thread: unlike wall time, not inflated when the shared
/// machine deschedules us.
double threadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

/// Medians over 5 interleaved samples of the CPU time per update of each
/// of `updates`; each sample runs at least 20 ms.
std::vector<double>
medianUpdateTimes(const std::vector<std::function<void(int64_t)>> &updates) {
  std::vector<std::vector<double>> samples(updates.size());
  int64_t i = 0;
  for (int s = 0; s < 5; ++s) {
    for (size_t u = 0; u < updates.size(); ++u) {
      int64_t count = 0;
      double start = threadSeconds(), elapsed = 0;
      do {
        for (int k = 0; k < 64; ++k)
          updates[u](i++);
        count += 64;
        elapsed = threadSeconds() - start;
      } while (elapsed < 20e-3);
      samples[u].push_back(elapsed / double(count));
    }
  }
  std::vector<double> medians;
  for (const std::vector<double> &v : samples)
    medians.push_back(median(v));
  return medians;
}

void stepBench(benchmark::State &state, int64_t dim, bool bf16) {
  Data &data = getData(dim);
  StepFn step = kernel(dim, bf16);
  for (int64_t i = 0; i < kBatches; ++i) // warm up
    data.compiled(step, i);
  int64_t i = 0;
  for (auto _ : state)
    data.compiled(step, i++);
  std::vector<double> times =
      medianUpdateTimes({[&](int64_t k) { data.compiled(step, k); },
                         [&](int64_t k) { data.reference(k); },
                         [&](int64_t k) { data.handWritten(k); }});
  state.SetItemsProcessed(state.iterations());
  state.counters["updates_per_cpu_s"] = 1.0 / times[0];
  state.counters["ref_updates_per_cpu_s"] = 1.0 / times[1];
  state.counters["hand_updates_per_cpu_s"] = 1.0 / times[2];
  state.counters["x_ref"] = times[1] / times[0];
  state.counters["x_hand"] = times[2] / times[0];
}

/// Compiles the graph once, as mx-compile --emit=obj does.
void compileOnce(int64_t dim) {
  static bool passesRegistered = [] {
    mlir::mx::registerCompilePasses();
    return true;
  }();
  (void)passesRegistered;
  mlir::DialectRegistry registry;
  mlir::mx::registerAllDialects(registry);
  mlir::mx::registerAllExtensions(registry);
  mlir::mx::models::registerWord2VecDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::mx::models::Word2VecOptions options;
  options.dim = dim;
  options.trimToContexts = true; // fp32, as mx-compile builds it
  auto module = mlir::mx::models::buildWord2VecStep(&context, options);
  auto spec = mlir::mx::getTargetSpec("host");
  if (!module || !spec) {
    llvm::consumeError(spec.takeError());
    std::fprintf(stderr, "mx-bench: cannot build the word2vec graph\n");
    std::exit(1);
  }
  auto pm = mlir::PassManager::on<mlir::ModuleOp>(&context);
  if (llvm::Error err = mlir::mx::addPolicyPasses(pm, {}, "word2vec")) {
    llvm::consumeError(std::move(err));
    std::exit(1);
  }
  mlir::mx::addLoweringPasses(pm, *spec);
  if (mlir::failed(pm.run(*module)))
    std::exit(1);
  auto machine = mlir::mx::createTargetMachine(*spec, 3);
  if (!machine) {
    llvm::consumeError(machine.takeError());
    std::exit(1);
  }
  llvm::LLVMContext llvmContext;
  auto llvmModule =
      mlir::mx::translateToLLVMIR(*module, llvmContext, **machine, 3);
  if (!llvmModule) {
    llvm::consumeError(llvmModule.takeError());
    std::exit(1);
  }
  auto object = mlir::mx::emitMachineCode(**llvmModule, **machine,
                                          mlir::mx::MachineCodeKind::Object);
  if (!object) {
    llvm::consumeError(object.takeError());
    std::exit(1);
  }
  benchmark::DoNotOptimize(object->data());
}

/// clang -O3 -march=native -c of the reference source, in seconds.
double clangOnce() {
  llvm::SmallVector<llvm::StringRef> args{MX_BENCH_CLANG,
                                          "-O3",
                                          "-march=native",
                                          "-std=c++17",
                                          "-I",
                                          MX_BENCH_INCLUDE_DIR,
                                          "-c",
                                          MX_BENCH_REFERENCE_SOURCE,
                                          "-o",
                                          "/dev/null"};
  auto start = std::chrono::steady_clock::now();
  int status = llvm::sys::ExecuteAndWait(MX_BENCH_CLANG, args);
  double elapsed = seconds(std::chrono::steady_clock::now() - start);
  if (status != 0) {
    std::fprintf(stderr, "mx-bench: %s failed on the reference source\n",
                 MX_BENCH_CLANG);
    std::exit(1);
  }
  return elapsed;
}

void compileBench(benchmark::State &state, int64_t dim) {
  compileOnce(dim); // warm up (registration, LLVM targets)
  double total = 0, clangTotal = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    compileOnce(dim);
    double elapsed = seconds(std::chrono::steady_clock::now() - start);
    state.SetIterationTime(elapsed);
    total += elapsed;
    clangTotal += clangOnce();
  }
  state.counters["x_clang"] = total / clangTotal;
}

void registerBenchmarks() {
  for (int64_t dim : {100, 300})
    for (bool bf16 : {false, true})
      benchmark::RegisterBenchmark(
          ("BM_Word2VecStep/" + std::to_string(dim) + "/" +
           (bf16 ? "bf16" : "fp32"))
              .c_str(),
          [dim, bf16](benchmark::State &state) { stepBench(state, dim, bf16); })
          ->Unit(benchmark::kMicrosecond);
  for (int64_t dim : {100, 300})
    benchmark::RegisterBenchmark(
        ("BM_Word2VecCompile/" + std::to_string(dim)).c_str(),
        [dim](benchmark::State &state) { compileBench(state, dim); })
        ->UseManualTime()
        ->Iterations(5)
        ->Unit(benchmark::kMillisecond);
}

const bool benchmarksRegistered = (registerBenchmarks(), true);

} // namespace
