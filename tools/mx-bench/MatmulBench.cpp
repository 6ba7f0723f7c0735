//===- MatmulBench.cpp - block-scaled MX matmul vs SGEMM and oneDNN -------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// BM_MxMatmul/<A format>_<B format>/<M>x<K>x<N>/threads:<t> times the
// block-scaled mx.matmul kernels that mx-opt generates at build time
// (kernels/MatmulKernels.mlir.in, host target, OpenMP parallel loops): C (f32)
// += A (M x K, MX) * B (K x N, MX), operands quantized beforehand (the kernel
// packs them on every call, as a layer would for its activations). The
// shapes are ResNet-50 convolution GEMMs (conv4_x 3x3: 256 x 2304 x 196,
// conv2_x 3x3: 64 x 576 x 3136) and squares. BM_MxMatmul/bf16_bf16 (bf16 x
// bf16 in the documented order, vdpbf16ps) and amx_bf16_bf16 (unordered, AMX
// tiles) rows time C = A B (kernels/BF16MatmulKernels.mlir.in: a zero-filled
// accumulator, which the AMX lowering writes without reading), the operation
// of oneDNN's matmul primitive; their SGEMM peer runs with beta = 0.
// Counters, all from the same process and thread count:
//
//   GOPS        2 M N K / time (multiply-adds of the dequantized values)
//   x_sgemm     time of OpenBLAS cblas_sgemm on f32 data / our time
//   x_dnnl_f32  time of a oneDNN f32 matmul primitive / our time
//   x_dnnl_bf16 time of a oneDNN bf16 x bf16 -> f32 matmul / our time
//   x_dnnl_bf16_alt  (bf16 rows) the same ratio from 41 alternating calls
//               of oneDNN and our kernel: the median of the per-pair
//               ratios, which load from other processes on the shared
//               machine shifts far less than the separate medians
//
// OpenBLAS is forced onto its AVX-512 kernels: when OPENBLAS_CORETYPE is not
// set, the program sets it to SkylakeX and re-executes itself before
// OpenBLAS is used (the library reads it when it loads). The core name is
// printed in the benchmark context. All operands, ours and the peers', start
// on 64-byte boundaries (LineVector). Peer times are medians of 5 runs; every
// measurement starts after the worker threads of the previous one have gone
// to sleep (settle()).
//
//===----------------------------------------------------------------------===//

#include "BenchSupport.h"

#include "benchmark/benchmark.h"
#include "oneapi/dnnl/dnnl.hpp"

#include <algorithm>
#include <cblas.h>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

extern "C" {
void omp_set_num_threads(int);
void kmp_set_blocktime(int);
char *openblas_get_corename(void);
void openblas_set_num_threads(int);
}

namespace {

using mx::bench::median;
using mx::bench::seconds;

using mx::bench::LineVector;
using mx::bench::MemRef2D;
using mx::bench::view2D;

using MatmulFn = void (*)(MemRef2D *, MemRef2D *, MemRef2D *, MemRef2D *,
                          MemRef2D *);

} // namespace

// The kernels CMake generates: every pair of MX_MATMUL_PAIRS at every shape
// of MX_MATMUL_SHAPES (keep both lists in sync with CMakeLists.txt).
#define MX_MATMUL_SHAPES(X, FA, FB)                                            \
  X(FA, FB, 256, 2304, 196)                                                    \
  X(FA, FB, 64, 576, 3136)                                                     \
  X(FA, FB, 1024, 1024, 1024)                                                  \
  X(FA, FB, 2048, 2048, 2048)                                                  \
  X(FA, FB, 4096, 4096, 4096)
#define MX_MATMUL_PAIRS(X)                                                     \
  MX_MATMUL_SHAPES(X, int8, int8)                                              \
  MX_MATMUL_SHAPES(X, e2m1, e2m1)                                              \
  MX_MATMUL_SHAPES(X, e4m3, e4m3)                                              \
  MX_MATMUL_SHAPES(X, e2m1, e4m3)

// mx.matmul unordered on AMX tiles (x86-64-amx): MX pairs and bf16 x bf16.
#define MX_AMX_PAIRS(X)                                                        \
  MX_MATMUL_SHAPES(X, e4m3, e4m3)                                              \
  MX_MATMUL_SHAPES(X, e2m1, e4m3)

#define MX_DECLARE(FA, FB, M, K, N)                                            \
  extern "C" void _mlir_ciface_mm_##FA##_##FB##_##M##x##K##x##N(               \
      MemRef2D *, MemRef2D *, MemRef2D *, MemRef2D *, MemRef2D *);
MX_MATMUL_PAIRS(MX_DECLARE)
#define MX_AMX_DECLARE(FA, FB, M, K, N)                                        \
  extern "C" void _mlir_ciface_mm_amx_##FA##_##FB##_##M##x##K##x##N(           \
      MemRef2D *, MemRef2D *, MemRef2D *, MemRef2D *, MemRef2D *);
MX_AMX_PAIRS(MX_AMX_DECLARE)
#define MX_BF16_DECLARE(FA, FB, M, K, N)                                       \
  extern "C" void _mlir_ciface_mm_bf16_bf16_##M##x##K##x##N(                   \
      MemRef2D *, MemRef2D *, MemRef2D *);                                     \
  extern "C" void _mlir_ciface_mm_amx_bf16_bf16_##M##x##K##x##N(               \
      MemRef2D *, MemRef2D *, MemRef2D *);                                     \
  extern "C" void _mlir_ciface_mm_unordered_bf16_bf16_##M##x##K##x##N(         \
      MemRef2D *, MemRef2D *, MemRef2D *);
MX_MATMUL_SHAPES(MX_BF16_DECLARE, bf16, bf16)

namespace {

struct Kernel {
  const char *fa, *fb;
  int64_t m, k, n;
  MatmulFn fn;
  const char *variant; // "" (ordered) or "amx_"
};

#define MX_ENTRY(FA, FB, M, K, N)                                              \
  Kernel{#FA, #FB, M, K, N, _mlir_ciface_mm_##FA##_##FB##_##M##x##K##x##N, ""},
#define MX_AMX_ENTRY(FA, FB, M, K, N)                                          \
  Kernel{                                                                      \
      #FA,   #FB, M, K, N, _mlir_ciface_mm_amx_##FA##_##FB##_##M##x##K##x##N,  \
      "amx_"},
const Kernel kKernels[] = {MX_MATMUL_PAIRS(MX_ENTRY)};
const Kernel kAmxKernels[] = {MX_AMX_PAIRS(MX_AMX_ENTRY)};

using BF16MatmulFn = void (*)(MemRef2D *, MemRef2D *, MemRef2D *);
struct BF16Kernel {
  int64_t m, k, n;
  BF16MatmulFn fn;
  /// "" (ordered), "amx_" (unordered on AMX) or "unordered_" (unordered
  /// on AVX-512: vdpbf16ps).
  const char *variant;
};
#define MX_BF16_ENTRY(FA, FB, M, K, N)                                         \
  BF16Kernel{M, K, N, _mlir_ciface_mm_bf16_bf16_##M##x##K##x##N, ""},
#define MX_BF16_AMX_ENTRY(FA, FB, M, K, N)                                     \
  BF16Kernel{M, K, N, _mlir_ciface_mm_amx_bf16_bf16_##M##x##K##x##N, "amx_"},
#define MX_BF16_UNORDERED_ENTRY(FA, FB, M, K, N)                               \
  BF16Kernel{M, K, N, _mlir_ciface_mm_unordered_bf16_bf16_##M##x##K##x##N,     \
             "unordered_"},
const BF16Kernel kBF16Kernels[] = {
    MX_MATMUL_SHAPES(MX_BF16_ENTRY, bf16, bf16)
        MX_MATMUL_SHAPES(MX_BF16_UNORDERED_ENTRY, bf16, bf16)
            MX_MATMUL_SHAPES(MX_BF16_AMX_ENTRY, bf16, bf16)};

/// The CPU runs the x86-64-avx512 kernels (their features, as in
/// mx_avx512_cflags in CMakeLists.txt).
bool avx512Usable() {
  return __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512bf16") &&
         __builtin_cpu_supports("avx512vnni") &&
         __builtin_cpu_supports("avx512vbmi");
}

/// The CPU has AMX and Linux grants this process the tile state.
bool amxUsable() {
  return syscall(158 /* arch_prctl */, 0x1023 /* ARCH_REQ_XCOMP_PERM */,
                 18 /* XFEATURE_XTILEDATA */) == 0;
}

int64_t elementBits(const char *format) {
  std::string f(format);
  if (f == "e2m1")
    return 4;
  if (f == "e2m3" || f == "e3m2")
    return 6;
  return 8;
}

/// Re-executes the program with OPENBLAS_CORETYPE=SkylakeX unless the
/// variable is set or the CPU has no AVX-512 (OpenBLAS's own choice is
/// right there): OpenBLAS reads it when it is loaded, before main.
[[maybe_unused]] const bool coreTypeSet = [] {
  if (std::getenv("OPENBLAS_CORETYPE") || !__builtin_cpu_supports("avx512f"))
    return true;
  setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(cmdline)),
                  std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t start = 0; start < all.size();) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos)
      end = all.size();
    args.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  std::vector<char *> argv;
  for (std::string &arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  execv("/proc/self/exe", argv.data());
  std::perror("mx-bench: re-exec with OPENBLAS_CORETYPE failed");
  return false;
}();

uint64_t rngState = 0x9E3779B97F4A7C15ull;
uint32_t nextRandom() {
  rngState = rngState * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<uint32_t>(rngState >> 33);
}

void setThreads(int threads) {
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
}

/// Waits until idle worker threads of every runtime have gone to sleep (the
/// OpenMP workers spin for 20 ms after a parallel region, OpenBLAS's for
/// longer), so that no measurement shares the cores with spinning threads.
void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }

/// Median time of `runs` runs of `fn` after `warmups` untimed ones.
double timeRuns(const std::function<void()> &fn, int warmups = 1,
                int runs = 5) {
  for (int rep = 0; rep < warmups; ++rep)
    fn();
  std::vector<double> times;
  for (int rep = 0; rep < runs; ++rep) {
    auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(seconds(std::chrono::steady_clock::now() - start));
  }
  return median(times);
}

/// f32 operands of one shape for the peers (values like quantized data).
struct F32Operands {
  LineVector<float> a, b, c;
  F32Operands(int64_t m, int64_t k, int64_t n) : a(m * k), b(k * n), c(m * n) {
    for (float &x : a)
      x = std::ldexp(float(int(nextRandom() % 255) - 127), -6);
    for (float &x : b)
      x = std::ldexp(float(int(nextRandom() % 255) - 127), -6);
  }
};

/// A call of C = A B + beta C (OpenBLAS SGEMM) on the peer data.
std::function<void()> makeSgemm(F32Operands &d, int64_t m, int64_t k, int64_t n,
                                float beta = 1.0f) {
  return [&d, m, k, n, beta] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
                d.a.data(), k, d.b.data(), n, beta, d.c.data(), n);
  };
}

double timeSgemm(F32Operands &d, int64_t m, int64_t k, int64_t n,
                 float beta = 1.0f) {
  return timeRuns(makeSgemm(d, m, k, n, beta));
}

/// A call of a oneDNN matmul primitive (f32 or bf16 inputs, f32 output)
/// on the peer data; the inputs are converted once, here. Empty where
/// oneDNN has no such primitive (bf16 on a CPU without AVX-512).
std::function<void()> makeDnnl(F32Operands &d, int64_t m, int64_t k, int64_t n,
                               bool bf16) {
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  struct Primitive {
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{engine};
    dnnl::memory aMem, bMem, cMem;
    dnnl::matmul matmul;
  };
  auto p = std::make_shared<Primitive>();
  dt in = bf16 ? dt::bf16 : dt::f32;
  dnnl::memory::desc aDesc({m, k}, in, tag::ab), bDesc({k, n}, in, tag::ab),
      cDesc({m, n}, dt::f32, tag::ab);
  dnnl::memory::desc aF32({m, k}, dt::f32, tag::ab),
      bF32({k, n}, dt::f32, tag::ab);
  dnnl::memory aSrc(aF32, p->engine, d.a.data()),
      bSrc(bF32, p->engine, d.b.data());
  p->aMem = dnnl::memory(aDesc, p->engine);
  p->bMem = dnnl::memory(bDesc, p->engine);
  p->cMem = dnnl::memory(cDesc, p->engine, d.c.data());
  dnnl::reorder(aSrc, p->aMem).execute(p->stream, aSrc, p->aMem);
  dnnl::reorder(bSrc, p->bMem).execute(p->stream, bSrc, p->bMem);
  p->stream.wait();
  dnnl::matmul::primitive_desc desc(dnnl::matmul::desc(aDesc, bDesc, cDesc),
                                    p->engine, /*allow_empty=*/true);
  if (!desc)
    return {};
  p->matmul = dnnl::matmul(desc);
  return [p] {
    p->matmul.execute(p->stream, {{DNNL_ARG_SRC, p->aMem},
                                  {DNNL_ARG_WEIGHTS, p->bMem},
                                  {DNNL_ARG_DST, p->cMem}});
    p->stream.wait();
  };
}

double timeDnnl(F32Operands &d, int64_t m, int64_t k, int64_t n, bool bf16) {
  return timeRuns(makeDnnl(d, m, k, n, bf16));
}

/// Whether oneDNN runs bf16 matmuls here (the x_dnnl_bf16 counters).
const bool dnnlBF16 = [] {
  F32Operands d(1, 1, 1);
  return bool(makeDnnl(d, 1, 1, 1, /*bf16=*/true));
}();

/// Median of peer time / our time over 41 back-to-back pairs of calls.
/// oneDNN's parallel regions (GOMP_parallel, built against libgomp) bind to
/// libomp, loaded first, so both sides run on one team of workers, which
/// keep spinning between the calls (block time 20 ms): neither side's
/// idle workers take a core from the other, and neither pays for waking a
/// sleeping worker, which on this VM takes longer than a whole call (the
/// 2-thread bf16 AMX kernel at 64x576x3136: 253 us, 423 with block time 0).
double alternatingRatio(const std::function<void()> &peer,
                        const std::function<void()> &ours) {
  peer();
  ours();
  std::vector<double> ratios;
  for (int pair = 0; pair < 41; ++pair) {
    auto t0 = std::chrono::steady_clock::now();
    ours();
    auto t1 = std::chrono::steady_clock::now();
    peer();
    auto t2 = std::chrono::steady_clock::now();
    ratios.push_back(seconds(t2 - t1) / seconds(t1 - t0));
  }
  return median(ratios);
}

/// The scaling t(1 thread) / t(`threads` threads) of `ours`, measured so
/// that load from other processes affects both sides alike: 9 rounds of
/// calls on one thread then on `threads`, each side warmed up for at least
/// two calls and 5 ms (OpenMP resizes its team, and a core that was idle
/// takes milliseconds to reach its speed: the 2-thread bf16 AMX kernel at
/// 64x576x3136 took 308, 259, ..., 233 us in its first 12 calls after 5
/// calls on one thread, and two warm-up calls gave it a scaling of 1.59
/// against 1.92 with ten), then the ratio of the medians of three calls
/// per round, and the median over the rounds. `setCount` sets the threads
/// of the runtime `fn` runs on (OpenMP for ours and oneDNN's, OpenBLAS's
/// own pool for SGEMM); a peer's scaling, measured the same way, shows
/// what the host gives a second thread at that moment.
double alternatingScaling(const std::function<void()> &fn, int threads,
                          void (*setCount)(int) = omp_set_num_threads) {
  auto medianOfLastThree = [&](int count) {
    setCount(count);
    auto start = std::chrono::steady_clock::now();
    for (int calls = 0;
         calls < 2 || seconds(std::chrono::steady_clock::now() - start) < 5e-3;
         ++calls)
      fn();
    return timeRuns(fn, /*warmups=*/0, /*runs=*/3);
  };
  std::vector<double> ratios;
  for (int round = 0; round < 9; ++round) {
    double one = medianOfLastThree(1);
    ratios.push_back(one / medianOfLastThree(threads));
  }
  return median(ratios);
}

/// Quantized operands (random codes of every finite value and scales
/// around 1) in the storage layout of the kernels.
struct MxOperands {
  LineVector<uint8_t> ae, as, be, bs;
  LineVector<float> c;
  MxOperands(const Kernel &kernel) {
    int64_t blocks = kernel.k / 32;
    ae.resize(kernel.m * kernel.k * elementBits(kernel.fa) / 8);
    be.resize(kernel.k * elementBits(kernel.fb) / 8 * kernel.n);
    as.resize(kernel.m * blocks);
    bs.resize(blocks * kernel.n);
    c.assign(kernel.m * kernel.n, 0.0f);
    // 0x77 masks keep FP8 codes finite (no E4M3 NaN, no E5M2 Inf/NaN).
    for (uint8_t &x : ae)
      x = nextRandom() & 0x77;
    for (uint8_t &x : be)
      x = nextRandom() & 0x77;
    for (uint8_t &x : as)
      x = 120 + nextRandom() % 8;
    for (uint8_t &x : bs)
      x = 120 + nextRandom() % 8;
  }
};

void matmulBench(benchmark::State &state, const Kernel *kernel) {
  int threads = static_cast<int>(state.range(0));
  setThreads(threads);
  int64_t m = kernel->m, k = kernel->k, n = kernel->n;
  MxOperands x(*kernel);
  int64_t blocks = k / 32;
  MemRef2D ae = view2D(x.ae.data(), m, k * elementBits(kernel->fa) / 8);
  MemRef2D as = view2D(x.as.data(), m, blocks);
  MemRef2D be = view2D(x.be.data(), k * elementBits(kernel->fb) / 8, n);
  MemRef2D bs = view2D(x.bs.data(), blocks, n);
  MemRef2D c = view2D(x.c.data(), m, n);
  settle();
  kernel->fn(&ae, &as, &be, &bs, &c); // warm-up
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state)
    kernel->fn(&ae, &as, &be, &bs, &c);
  double ours =
      seconds(std::chrono::steady_clock::now() - start) / state.iterations();
  double ops = 2.0 * m * n * k;
  F32Operands peer(m, k, n);
  state.counters["GOPS"] = ops / ours * 1e-9;
  settle();
  state.counters["x_sgemm"] = timeSgemm(peer, m, k, n) / ours;
  settle();
  state.counters["x_dnnl_f32"] = timeDnnl(peer, m, k, n, false) / ours;
  settle();
  if (dnnlBF16)
    state.counters["x_dnnl_bf16"] = timeDnnl(peer, m, k, n, true) / ours;
  if (threads > 1) {
    state.counters["scaling"] = alternatingScaling(
        [&] { kernel->fn(&ae, &as, &be, &bs, &c); }, threads);
    settle();
    state.counters["sgemm_scaling"] = alternatingScaling(
        makeSgemm(peer, m, k, n), threads, openblas_set_num_threads);
  }
}

/// bf16 x bf16 -> f32 (mx.matmul: ordered, or unordered on AVX-512 or AMX)
/// with the same peers, on the bf16 roundings of the peers' f32 data.
void bf16MatmulBench(benchmark::State &state, const BF16Kernel *kernel) {
  int threads = static_cast<int>(state.range(0));
  setThreads(threads);
  int64_t m = kernel->m, k = kernel->k, n = kernel->n;
  F32Operands peer(m, k, n);
  auto toBF16 = [](const LineVector<float> &x) {
    LineVector<uint16_t> out(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      uint32_t bits;
      std::memcpy(&bits, &x[i], 4);
      out[i] = uint16_t(bits >> 16); // the values are bf16-exact
    }
    return out;
  };
  LineVector<uint16_t> a = toBF16(peer.a), b = toBF16(peer.b);
  LineVector<float> c(m * n, 0.0f);
  MemRef2D av = view2D(a.data(), m, k), bv = view2D(b.data(), k, n),
           cv = view2D(c.data(), m, n);
  settle();
  kernel->fn(&av, &bv, &cv); // warm-up
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state)
    kernel->fn(&av, &bv, &cv);
  double ours =
      seconds(std::chrono::steady_clock::now() - start) / state.iterations();
  state.counters["GOPS"] = 2.0 * m * n * k / ours * 1e-9;
  settle();
  state.counters["x_sgemm"] = timeSgemm(peer, m, k, n, 0.0f) / ours;
  settle();
  state.counters["x_dnnl_f32"] = timeDnnl(peer, m, k, n, false) / ours;
  settle();
  if (dnnlBF16) {
    state.counters["x_dnnl_bf16"] = timeDnnl(peer, m, k, n, true) / ours;
    settle();
    state.counters["x_dnnl_bf16_alt"] = alternatingRatio(
        makeDnnl(peer, m, k, n, true), [&] { kernel->fn(&av, &bv, &cv); });
  }
  if (threads > 1) {
    state.counters["scaling"] =
        alternatingScaling([&] { kernel->fn(&av, &bv, &cv); }, threads);
    settle();
    if (dnnlBF16)
      state.counters["dnnl_bf16_scaling"] =
          alternatingScaling(makeDnnl(peer, m, k, n, true), threads);
  }
}

int registerBenchmarks() {
  // Idle OpenMP workers spin for 20 ms (enough to bridge the parallel
  // regions of one call and consecutive calls) instead of 200 ms.
  kmp_set_blocktime(20);
  benchmark::AddCustomContext("openblas_core", openblas_get_corename());
  auto shapeName = [](int64_t m, int64_t k, int64_t n) {
    return std::to_string(m) + "x" + std::to_string(k) + "x" +
           std::to_string(n);
  };
  std::vector<const Kernel *> kernels;
  for (const Kernel &kernel : kKernels)
    kernels.push_back(&kernel);
  // AMX rows only where AMX runs (the kernels would take their scalar
  // fallback elsewhere), AVX-512 rows only where AVX-512 runs (the host
  // kernels are the fallback: generic vectors on an AVX2 host).
  bool amx = amxUsable() && avx512Usable();
  for (const Kernel &kernel : kAmxKernels)
    if (amx)
      kernels.push_back(&kernel);
  for (const BF16Kernel &kernel : kBF16Kernels) {
    std::string variant = kernel.variant;
    if ((variant == "amx_" && !amx) ||
        (variant == "unordered_" && !avx512Usable()))
      continue;
    std::string name = "BM_MxMatmul/" + variant + "bf16_bf16/" +
                       shapeName(kernel.m, kernel.k, kernel.n);
    mx::bench::onOneAndTwoThreads(
        benchmark::RegisterBenchmark(name.c_str(), bf16MatmulBench, &kernel));
  }
  for (const Kernel *kp : kernels) {
    const Kernel &kernel = *kp;
    std::string name =
        "BM_MxMatmul/" + std::string(kernel.variant) + std::string(kernel.fa) +
        "_" + kernel.fb + "/" + std::to_string(kernel.m) + "x" +
        std::to_string(kernel.k) + "x" + std::to_string(kernel.n);
    mx::bench::onOneAndTwoThreads(
        benchmark::RegisterBenchmark(name.c_str(), matmulBench, kp));
  }
  return 0;
}

[[maybe_unused]] const int registered = registerBenchmarks();

} // namespace
