//===- ConvBench.cpp - bf16 convolutions, with and without the cache ------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// BM_BF16Conv/<layer>/threads:<t>: an FP32 linalg.conv_2d_nchw_fchw of a
// ResNet-50 layer rewritten by mx-bf16 (im2col onto the bf16 mx.matmul) and
// lowered for the host with OpenMP, built twice (kernels/ConvKernels.mlir.in):
// with aligned_alloc/free and with buffer-cache=true, linked with
// libMxBufferCache. GOPS is the cached kernel's; x_malloc is the median,
// over 21 back-to-back pairs, of the plain kernel's time over the cached
// one's: what the page faults of fresh per-call temporaries cost.
//
//===----------------------------------------------------------------------===//

#include "BenchSupport.h"

#include "benchmark/benchmark.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

extern "C" void omp_set_num_threads(int);

namespace {

using mx::bench::median;
using mx::bench::seconds;

/// A rank-4 memref descriptor.
struct MemRef4D {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[4];
  int64_t strides[4];
};

MemRef4D view4D(float *base, int64_t n, int64_t c, int64_t h, int64_t w) {
  return {base, base, 0, {n, c, h, w}, {c * h * w, h * w, w, 1}};
}

using ConvFn = void (*)(MemRef4D *, MemRef4D *, MemRef4D *);

// Keep in sync with MX_CONV_LAYERS in CMakeLists.txt.
#define MX_CONV_KERNELS(NAME)                                                  \
  void _mlir_ciface_conv_##NAME(MemRef4D *, MemRef4D *, MemRef4D *);           \
  void _mlir_ciface_conv_##NAME##_cached(MemRef4D *, MemRef4D *, MemRef4D *);
extern "C" {
MX_CONV_KERNELS(64x64x56x56)
MX_CONV_KERNELS(256x256x14x14)
}

/// A 3x3 convolution, stride 1, of an input padded by one on each side:
/// C input and F output channels, an H x W output, batch 1.
struct Layer {
  const char *name;
  int64_t c, f, h, w;
  ConvFn plain, cached;
};

// ResNet-50 conv2_x and conv4_x (GEMMs 64x576x3136 and 256x2304x196).
const Layer kLayers[] = {
    {"64x64x56x56", 64, 64, 56, 56, _mlir_ciface_conv_64x64x56x56,
     _mlir_ciface_conv_64x64x56x56_cached},
    {"256x256x14x14", 256, 256, 14, 14, _mlir_ciface_conv_256x256x14x14,
     _mlir_ciface_conv_256x256x14x14_cached},
};

void convBench(benchmark::State &state, const Layer *layer) {
  int threads = static_cast<int>(state.range(0));
  omp_set_num_threads(threads);
  const Layer &l = *layer;
  std::vector<float> x(l.c * (l.h + 2) * (l.w + 2)), w(l.f * l.c * 9),
      y(l.f * l.h * l.w);
  uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return static_cast<float>(static_cast<int>(seed >> 22) - 512) / 256;
  };
  for (float &v : x)
    v = next();
  for (float &v : w)
    v = next();
  MemRef4D xv = view4D(x.data(), 1, l.c, l.h + 2, l.w + 2),
           wv = view4D(w.data(), l.f, l.c, 3, 3),
           yv = view4D(y.data(), 1, l.f, l.h, l.w);
  l.cached(&xv, &wv, &yv); // warm-up: fills the cache
  l.plain(&xv, &wv, &yv);
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state)
    l.cached(&xv, &wv, &yv);
  double ours =
      seconds(std::chrono::steady_clock::now() - start) / state.iterations();
  state.counters["GOPS"] = 2.0 * l.f * l.h * l.w * l.c * 9 / ours * 1e-9;
  std::vector<double> ratios;
  for (int pair = 0; pair < 21; ++pair) {
    auto t0 = std::chrono::steady_clock::now();
    l.cached(&xv, &wv, &yv);
    auto t1 = std::chrono::steady_clock::now();
    l.plain(&xv, &wv, &yv);
    auto t2 = std::chrono::steady_clock::now();
    ratios.push_back(seconds(t2 - t1) / seconds(t1 - t0));
  }
  state.counters["x_malloc"] = median(ratios);
}

int registerBenchmarks() {
  for (const Layer &layer : kLayers)
    mx::bench::onOneAndTwoThreads(benchmark::RegisterBenchmark(
        ("BM_BF16Conv/" + std::string(layer.name)).c_str(), convBench, &layer));
  return 0;
}

[[maybe_unused]] const int registered = registerBenchmarks();

} // namespace
