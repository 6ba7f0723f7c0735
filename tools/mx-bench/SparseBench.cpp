//===- SparseBench.cpp - mx.sparse_matmul vs SGEMM and the dense path -----===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// BM_SparseMatmul/<M>x<K>x<N>/sparsity:<percent>/threads:<t> times the
// mx.sparse_matmul kernels that mx-opt generates at build time
// (kernels/SparseKernels.mlir.in, host target, OpenMP parallel loops) on
// random unstructured masks: C (f32) = A (M x K, K-segmented CSR, f32) * B
// (K x N, f32), in the format mx-sparsify emits. The shapes are ResNet-50
// convolution GEMMs (weights x im2col, batch 1 and 32). k_tile follows the rule
// of mx-sparsify (kTileForDensity below). Every measurement alternates one run
// of ours with one run of each peer, so that load from other processes hits
// both alike; the times are medians. On one thread every time is the CPU
// time of the thread (thread_cpu_time = 1; robust against preemption on a
// shared machine), on two threads wall time (meaningful on an idle machine
// only). Counters:
//
//   GFLOPS      useful flops (2 x non-zeros x N) / our time
//   x_sgemm     OpenBLAS cblas_sgemm on the dense masked weights / our time
//               (OPENBLAS_CORETYPE is forced to SkylakeX by MatmulBench.cpp
//               and printed in the context as sparse_openblas_coretype)
//   x_dense     the project's dense path (mx.masked_matmul lowered by
//               mx-to-llvm, kernels/MaskedDenseKernels.mlir.in: register-
//               blocked vector loops, the reference's summation order, no
//               FMA) / our time; median of 3 runs
//   x_csr       the same kernel on plain CSR (one K segment, the "simple
//               CSR kernel") / our time
//   x_upstream  upstream MLIR's sparsifier (kernels/UpstreamSparseKernels.mlir,
//               plain CSR with i32 indices) / our time; 256x2304x196 only.
//               upstream_equal is 1 when its result has the same bits as
//               ours (the same sums in the same order), 0 otherwise
//   x_alt_ktile with MX_SPARSE_BENCH_ALT_KTILE=<t> (t in 32, 64, 128, 256,
//               65536): the kernel at k_tile t, timed in the same loop /
//               our time (how the k_tile rule was tuned; alt_k_tile = t)
//
// BM_SparseMatmulMX/<M>x<K>x<N>/sparsity:<percent>/threads:<t> times the same
// kernel with MXFP8 (E4M3) non-zeros (kernels/SparseMxKernels.mlir.in: i8
// codes and one E8M0 scale per 32 columns of a row, as
// mx-sparsify{value-format=e4m3} emits them; the weights quantized by the
// scalar oracle) on the batch-1 shapes at 80, 90 and 95%. Counters: GFLOPS
// and x_sgemm as above (SGEMM on the dequantized masked weights), x_f32 =
// the f32 kernel on the decoded values / our time, f32_equal = 1 when the
// two give the same bits (they must: the same sums of the same values).
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/SparseMatmul.h"

#include "BenchSupport.h"

#include "benchmark/benchmark.h"

#include <algorithm>
#include <cblas.h>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <time.h>
#include <vector>

extern "C" {
void omp_set_num_threads(int);
void openblas_set_num_threads(int);
}

namespace {

using mx::bench::median;
using mx::bench::MemRef1D;
using mx::bench::MemRef2D;
using mx::bench::seconds;
using mx::bench::view1D;
using mx::bench::view2D;

using SpmmFn = void (*)(MemRef1D *, MemRef1D *, MemRef1D *, MemRef2D *,
                        MemRef2D *);
using DenseFn = void (*)(MemRef2D *, MemRef2D *, MemRef2D *);

} // namespace

// Keep in sync with the shape and k_tile lists in CMakeLists.txt.
#define MX_SPARSE_TILES(X, M, K, N)                                            \
  X(M, K, N, 32)                                                               \
  X(M, K, N, 64) X(M, K, N, 128) X(M, K, N, 256) X(M, K, N, 65536)
#define MX_SPARSE_SHAPES(X)                                                    \
  X(256, 2304, 196)                                                            \
  X(512, 4608, 49)                                                             \
  X(64, 576, 3136)                                                             \
  X(1024, 256, 196)                                                            \
  X(256, 2304, 6272)                                                           \
  X(512, 4608, 1568)                                                           \
  X(64, 576, 100352)                                                           \
  X(1024, 256, 6272)
#define MX_DENSE_SHAPES(X) MX_SPARSE_SHAPES(X)

#define MX_DECLARE_TILE(M, K, N, KT)                                           \
  extern "C" void _mlir_ciface_spmm_##M##x##K##x##N##_t##KT(                   \
      MemRef1D *, MemRef1D *, MemRef1D *, MemRef2D *, MemRef2D *);
#define MX_DECLARE_SHAPE(M, K, N) MX_SPARSE_TILES(MX_DECLARE_TILE, M, K, N)
MX_SPARSE_SHAPES(MX_DECLARE_SHAPE)
#define MX_DECLARE_DENSE(M, K, N)                                              \
  extern "C" void _mlir_ciface_masked_dense_##M##x##K##x##N(                   \
      MemRef2D *, MemRef2D *, MemRef2D *);
MX_DENSE_SHAPES(MX_DECLARE_DENSE)
#define MX_SPARSE_MX_TILES(X, M, K, N)                                         \
  X(M, K, N, 64) X(M, K, N, 128) X(M, K, N, 256)
#define MX_SPARSE_MX_SHAPES(X)                                                 \
  X(256, 2304, 196) X(512, 4608, 49) X(64, 576, 3136) X(1024, 256, 196)
#define MX_DECLARE_MX_TILE(M, K, N, KT)                                        \
  extern "C" void _mlir_ciface_spmm_e4m3_##M##x##K##x##N##_t##KT(              \
      MemRef1D *, MemRef1D *, MemRef1D *, MemRef1D *, MemRef2D *, MemRef2D *);
#define MX_DECLARE_MX_SHAPE(M, K, N)                                           \
  MX_SPARSE_MX_TILES(MX_DECLARE_MX_TILE, M, K, N)
MX_SPARSE_MX_SHAPES(MX_DECLARE_MX_SHAPE)
extern "C" void _mlir_ciface_upstream_spmm_256x2304x196(MemRef2D *, MemRef1D *,
                                                        MemRef1D *, MemRef1D *,
                                                        MemRef2D *, MemRef2D *);

namespace {

/// A generated kernel for one shape and k_tile.
template <typename Fn> struct Tile {
  int64_t m, k, n, kTile;
  Fn fn;
};
using TileKernel = Tile<SpmmFn>;
struct DenseKernel {
  int64_t m, k, n;
  DenseFn fn;
};

#define MX_TILE_ENTRY(M, K, N, KT)                                             \
  TileKernel{M, K, N, KT, _mlir_ciface_spmm_##M##x##K##x##N##_t##KT},
#define MX_TILE_SHAPE(M, K, N) MX_SPARSE_TILES(MX_TILE_ENTRY, M, K, N)
const TileKernel kTileKernels[] = {MX_SPARSE_SHAPES(MX_TILE_SHAPE)};
#define MX_DENSE_ENTRY(M, K, N)                                                \
  DenseKernel{M, K, N, _mlir_ciface_masked_dense_##M##x##K##x##N},
const DenseKernel kDenseKernels[] = {MX_DENSE_SHAPES(MX_DENSE_ENTRY)};

using SpmmMxFn = void (*)(MemRef1D *, MemRef1D *, MemRef1D *, MemRef1D *,
                          MemRef2D *, MemRef2D *);
using MxTileKernel = Tile<SpmmMxFn>;
#define MX_MX_TILE_ENTRY(M, K, N, KT)                                          \
  MxTileKernel{M, K, N, KT, _mlir_ciface_spmm_e4m3_##M##x##K##x##N##_t##KT},
#define MX_MX_TILE_SHAPE(M, K, N) MX_SPARSE_MX_TILES(MX_MX_TILE_ENTRY, M, K, N)
const MxTileKernel kMxTileKernels[] = {MX_SPARSE_MX_SHAPES(MX_MX_TILE_SHAPE)};

/// The kernel of `table` for this shape and k_tile, or null.
template <typename Fn, size_t Size>
Fn findIn(const Tile<Fn> (&table)[Size], int64_t m, int64_t k, int64_t n,
          int64_t kTile) {
  for (const Tile<Fn> &t : table)
    if (t.m == m && t.k == k && t.n == n && t.kTile == kTile)
      return t.fn;
  return nullptr;
}

SpmmMxFn findMxTile(int64_t m, int64_t k, int64_t n, int64_t kTile) {
  return findIn(kMxTileKernels, m, k, n, kTile);
}

/// The k_tile rule of mx-sparsify: about 12 entries per row segment, a power
/// of two in [32, 256], at most 128 for fewer than 128 rows with an output of
/// at most 1 MiB.
int64_t kTileForDensity(double density, int64_t m, int64_t n) {
  int64_t maxTile = m < 128 && m * n * 4 <= (1 << 20) ? 128 : 256;
  int64_t tile = 32;
  while (tile < maxTile && tile * density < 12)
    tile *= 2;
  return tile;
}

SpmmFn findTile(int64_t m, int64_t k, int64_t n, int64_t kTile) {
  return findIn(kTileKernels, m, k, n, kTile);
}

DenseFn findDense(int64_t m, int64_t k, int64_t n) {
  for (const DenseKernel &d : kDenseKernels)
    if (d.m == m && d.k == k && d.n == n)
      return d.fn;
  return nullptr;
}

uint64_t rngState = 0x2545F4914F6CDD1Dull;
uint32_t nextRandom() {
  rngState = rngState * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<uint32_t>(rngState >> 33);
}

/// Seconds `fn` takes: on one thread the CPU time of the calling thread
/// (the development machine is shared, and a kernel of a few milliseconds is
/// often preempted, which wall time counts and CPU time does not), on more
/// threads wall time.
bool useThreadCpuTime = true;
double now() {
  if (!useThreadCpuTime)
    return seconds(std::chrono::steady_clock::now().time_since_epoch());
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

double secondsOf(const std::function<void()> &fn) {
  double start = now();
  fn();
  return now() - start;
}

/// The arrays mx-sparsify would emit (i16 coordinates: every K here is at
/// most 65536).
struct Packed {
  mx::reference::SegmentedCsr csr;
  std::vector<uint16_t> crd16;
  MemRef1D pos, crd, val;
  explicit Packed(mx::reference::SegmentedCsr packed) : csr(std::move(packed)) {
    int64_t nnz = csr.pos.back();
    csr.crd.push_back(0); // valid pointers without entries
    csr.values.push_back(0);
    crd16.assign(csr.crd.begin(), csr.crd.end());
    pos = view1D(csr.pos.data(), int64_t(csr.pos.size()));
    crd = view1D(crd16.data(), nnz);
    val = view1D(csr.values.data(), nnz);
  }
};

/// A zeroed float array on a 64-byte boundary.
using AlignedFloats = mx::bench::LineVector<float>;

struct Config {
  int64_t m, k, n;
  int percent;
};

/// Sets the counters both benchmarks report (k_tile, GFLOPS, x_sgemm) and
/// returns our median time.
double reportOurs(benchmark::State &state, const std::vector<double> &tOurs,
                  const std::vector<double> &tSgemm, int64_t kTile, int64_t nnz,
                  int64_t n) {
  double ours = median(tOurs);
  state.counters["k_tile"] = double(kTile);
  state.counters["GFLOPS"] = 2.0 * nnz * n / ours * 1e-9;
  state.counters["x_sgemm"] = median(tSgemm) / ours;
  return ours;
}

/// Runs our kernels (OpenMP) and OpenBLAS on the benchmark's thread count;
/// one thread is timed by its CPU time, more by wall time.
void setThreads(benchmark::State &state) {
  int threads = static_cast<int>(state.range(0));
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
  useThreadCpuTime = threads == 1;
  state.counters["thread_cpu_time"] = useThreadCpuTime;
}

/// A random unstructured mask that keeps a fraction 1 - sparsity of the
/// (m x k) weights, and the weights and B as multiples of 2^-6 in
/// [-127, 127] * 2^-6 (exact in every format here).
void fillOperands(AlignedFloats &w, std::vector<uint8_t> &mask,
                  AlignedFloats &b, double sparsity) {
  for (size_t i = 0; i < mask.size(); ++i) {
    mask[i] = (nextRandom() >> 7) >= sparsity * (1 << 24); // 24 random bits
    w[i] = mask[i] ? std::ldexp(float(int(nextRandom() % 255) - 127), -6) : 0;
  }
  for (float &x : b)
    x = std::ldexp(float(int(nextRandom() % 255) - 127), -6);
}

void sparseBench(benchmark::State &state, Config config) {
  setThreads(state);
  int64_t m = config.m, k = config.k, n = config.n;
  double sparsity = config.percent / 100.0;
  // 64-byte aligned, as buffers that MLIR allocates are.
  // Every kernel writes its own output: a peer writing the buffer that the
  // previous one just wrote would find it in cache (measured up to 20% at
  // batch 32, where the outputs are 25 MB).
  AlignedFloats w(m * k), b(k * n), c(m * n), peerC(m * n), csrC(m * n),
      denseC(m * n);
  std::vector<uint8_t> mask(m * k);
  fillOperands(w, mask, b, sparsity);
  int64_t kTile = kTileForDensity(1 - sparsity, m, n);
  Packed packed(
      mx::reference::packSegmentedCsr(w.data(), mask.data(), m, k, kTile));
  Packed plain(
      mx::reference::packSegmentedCsr(w.data(), mask.data(), m, k, 65536));
  SpmmFn fn = findTile(m, k, n, kTile), csrFn = findTile(m, k, n, 65536);
  // MX_SPARSE_BENCH_ALT_KTILE=<t>: also time k_tile t in the same loop
  // (counter x_alt_ktile = its time / ours), to tune the k_tile rule.
  const char *alt = std::getenv("MX_SPARSE_BENCH_ALT_KTILE");
  int64_t altKTile = alt ? std::atoll(alt) : 0;
  SpmmFn altFn = alt ? findTile(m, k, n, altKTile) : nullptr;
  if (alt && !altFn) {
    state.SkipWithError("MX_SPARSE_BENCH_ALT_KTILE: no kernel at that k_tile "
                        "(32, 64, 128, 256 or 65536)");
    return;
  }
  std::optional<Packed> altPacked;
  if (altFn)
    altPacked.emplace(
        mx::reference::packSegmentedCsr(w.data(), mask.data(), m, k, altKTile));
  DenseFn denseFn = findDense(m, k, n);
  if (!fn || !csrFn) {
    state.SkipWithError("no kernel for this shape and k_tile");
    return;
  }
  MemRef2D bv = view2D(b.data(), k, n), cv = view2D(c.data(), m, n);
  MemRef2D wv = view2D(w.data(), m, k);
  MemRef2D csrV = view2D(csrC.data(), m, n);
  MemRef2D denseV = view2D(denseC.data(), m, n);
  auto runOurs = [&] { fn(&packed.pos, &packed.crd, &packed.val, &bv, &cv); };
  auto runCsr = [&] { csrFn(&plain.pos, &plain.crd, &plain.val, &bv, &csrV); };
  auto runSgemm = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
                w.data(), k, b.data(), n, 0.0f, peerC.data(), n);
  };
  auto runDense = [&] { denseFn(&wv, &bv, &denseV); };
  std::vector<float> altC(altFn ? m * n : 0);
  MemRef2D altV = view2D(altC.data(), m, n);
  auto runAlt = [&] {
    altFn(&altPacked->pos, &altPacked->crd, &altPacked->val, &bv, &altV);
  };
  runOurs();
  runCsr();
  runSgemm();
  // Upstream's kernel (C += A B in place) on plain CSR with i32 indices.
  bool upstream = m == 256 && k == 2304 && n == 196;
  std::vector<float> upC(m * n);
  MemRef1D upCrd = view1D(plain.csr.crd.data(), plain.csr.pos.back());
  MemRef2D upCv = view2D(upC.data(), m, n);
  auto runUpstream = [&] {
    MemRef2D result;
    _mlir_ciface_upstream_spmm_256x2304x196(&result, &plain.pos, &upCrd,
                                            &plain.val, &bv, &upCv);
    if (result.allocated != upC.data())
      std::free(result.allocated);
  };
  if (upstream) {
    std::fill(c.begin(), c.end(), 0.0f);
    runOurs();
    runUpstream();
    state.counters["upstream_equal"] =
        std::memcmp(c.data(), upC.data(), c.size() * sizeof(float)) == 0;
  }
  std::vector<double> tOurs, tSgemm, tCsr, tDense, tUpstream, tAlt;
  for (auto _ : state) {
    double t = secondsOf(runOurs);
    state.SetIterationTime(t);
    tOurs.push_back(t);
    tSgemm.push_back(secondsOf(runSgemm));
    tCsr.push_back(secondsOf(runCsr));
    if (upstream)
      tUpstream.push_back(secondsOf(runUpstream));
    if (altFn)
      tAlt.push_back(secondsOf(runAlt));
    // The dense path takes up to half a second at batch 32: a few samples
    // suffice.
    if (denseFn && tDense.size() < 3)
      tDense.push_back(secondsOf(runDense));
  }
  double ours =
      reportOurs(state, tOurs, tSgemm, kTile, packed.csr.pos.back(), n);
  state.counters["x_csr"] = median(tCsr) / ours;
  if (!tUpstream.empty())
    state.counters["x_upstream"] = median(tUpstream) / ours;
  if (!tDense.empty())
    state.counters["x_dense"] = median(tDense) / ours;
  if (!tAlt.empty()) {
    state.counters["alt_k_tile"] = double(altKTile);
    state.counters["x_alt_ktile"] = median(tAlt) / ours;
  }
}

/// BM_SparseMatmulMX: MXFP8 non-zeros against SGEMM and the f32 kernel.
void sparseMxBench(benchmark::State &state, Config config) {
  setThreads(state);
  int64_t m = config.m, k = config.k, n = config.n;
  double sparsity = config.percent / 100.0;
  AlignedFloats w(m * k), b(k * n), c(m * n), peerC(m * n), f32C(m * n);
  std::vector<uint8_t> mask(m * k);
  fillOperands(w, mask, b, sparsity);
  mx::reference::MxRows rows = mx::reference::quantizeMaskedRows(
      w.data(), mask.data(), m, k, mx::ref::Format::E4M3);
  std::copy(rows.values.begin(), rows.values.end(), w.begin());
  int64_t kTile = kTileForDensity(1 - sparsity, m, n);
  Packed packed(mx::reference::packSegmentedCsr(w.data(), mask.data(), m, k,
                                                kTile, rows.codes.data()));
  SpmmFn f32Fn = findTile(m, k, n, kTile);
  SpmmMxFn fn = findMxTile(m, k, n, kTile);
  if (!fn || !f32Fn) {
    state.SkipWithError("no kernel for this shape and k_tile");
    return;
  }
  std::vector<uint8_t> codes = packed.csr.codes;
  codes.push_back(0);
  MemRef1D codeV = view1D(codes.data(), packed.csr.pos.back());
  MemRef1D scaleV = view1D(rows.scales.data(), int64_t(rows.scales.size()));
  MemRef2D bv = view2D(b.data(), k, n), cv = view2D(c.data(), m, n);
  MemRef2D f32V = view2D(f32C.data(), m, n);
  auto runOurs = [&] {
    fn(&packed.pos, &packed.crd, &codeV, &scaleV, &bv, &cv);
  };
  auto runF32 = [&] {
    f32Fn(&packed.pos, &packed.crd, &packed.val, &bv, &f32V);
  };
  auto runSgemm = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
                w.data(), k, b.data(), n, 0.0f, peerC.data(), n);
  };
  runOurs();
  runF32();
  state.counters["f32_equal"] =
      std::memcmp(c.data(), f32C.data(), c.size() * sizeof(float)) == 0;
  runSgemm();
  std::vector<double> tOurs, tSgemm, tF32;
  for (auto _ : state) {
    double t = secondsOf(runOurs);
    state.SetIterationTime(t);
    tOurs.push_back(t);
    tSgemm.push_back(secondsOf(runSgemm));
    tF32.push_back(secondsOf(runF32));
  }
  double ours =
      reportOurs(state, tOurs, tSgemm, kTile, packed.csr.pos.back(), n);
  state.counters["x_f32"] = median(tF32) / ours;
}

/// Registers <family>/<M>x<K>x<N>/sparsity:<percent>/threads:{1,2}.
void registerRow(const std::string &family,
                 void (*bench)(benchmark::State &, Config),
                 const int64_t (&shape)[3], int percent) {
  std::string name = family + "/" + std::to_string(shape[0]) + "x" +
                     std::to_string(shape[1]) + "x" + std::to_string(shape[2]) +
                     "/sparsity:" + std::to_string(percent);
  benchmark::RegisterBenchmark(name.c_str(), bench,
                               Config{shape[0], shape[1], shape[2], percent})
      ->ArgName("threads")
      ->Arg(1)
      ->Arg(2)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

int registerBenchmarks() {
  const char *core = std::getenv("OPENBLAS_CORETYPE");
  benchmark::AddCustomContext("sparse_openblas_coretype",
                              core ? core : "(unset)");
  static const int64_t shapes[][3] = {{256, 2304, 196},  {512, 4608, 49},
                                      {64, 576, 3136},   {1024, 256, 196},
                                      {256, 2304, 6272}, {512, 4608, 1568},
                                      {64, 576, 100352}, {1024, 256, 6272}};
  for (const auto &shape : shapes)
    for (int percent : {50, 80, 90, 95})
      registerRow("BM_SparseMatmul", sparseBench, shape, percent);
  for (const auto &shape : shapes) {
    if (!findMxTile(shape[0], shape[1], shape[2], 64))
      continue;
    for (int percent : {80, 90, 95})
      registerRow("BM_SparseMatmulMX", sparseMxBench, shape, percent);
  }
  return 0;
}

[[maybe_unused]] const int registered = registerBenchmarks();

} // namespace
