//===- MemcpyBench.cpp - memory bandwidth reference ---------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// memcpy bandwidth: the yardstick for every memory-bound kernel (casts,
// quantize, dequantize). Their benchmarks report bytes/s and a ratio to this.
//
//===----------------------------------------------------------------------===//

#include "benchmark/benchmark.h"

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace {

/// Copies `bytes` bytes with `threads` threads, each taking one contiguous
/// slice, as the parallel kernels do.
void BM_Memcpy(benchmark::State &state) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  std::vector<uint8_t> src(bytes, 1), dst(bytes, 0);
  for (auto _ : state) {
    std::vector<std::thread> workers;
    size_t slice = bytes / threads;
    for (int t = 0; t < threads; ++t) {
      size_t begin = t * slice;
      size_t size = t == threads - 1 ? bytes - begin : slice;
      workers.emplace_back([&, begin, size] {
        std::memcpy(dst.data() + begin, src.data() + begin, size);
      });
    }
    for (std::thread &worker : workers)
      worker.join();
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * bytes);
}

BENCHMARK(BM_Memcpy)
    ->ArgNames({"bytes", "threads"})
    ->Args({1 << 20, 1})
    ->Args({64 << 20, 1})
    ->Args({64 << 20, 2})
    ->UseRealTime();

} // namespace
