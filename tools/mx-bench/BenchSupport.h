//===- BenchSupport.h - helpers shared by the mx-bench files ----*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_BENCH_BENCHSUPPORT_H
#define MX_BENCH_BENCHSUPPORT_H

#include "mx/Runtime/ThreadPool.h"

#include "benchmark/benchmark.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

namespace mx::bench {

/// Rank-1 and rank-2 memref descriptors as passed to `_mlir_ciface_*`
/// functions.
struct MemRef1D {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
};

struct MemRef2D {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
};

/// `n` contiguous elements at `base`.
inline MemRef1D view1D(void *base, int64_t n) {
  return {base, base, 0, {n}, {1}};
}

/// A row-major `rows` x `cols` matrix at `base`.
inline MemRef2D view2D(void *base, int64_t rows, int64_t cols) {
  return {base, base, 0, {rows, cols}, {cols, 1}};
}

/// At least `bytes` on a 64-byte boundary; exits with a message if there is
/// no memory.
inline void *allocateLines(size_t bytes) {
  bytes = (bytes + 63) / 64 * 64;
  void *memory = std::aligned_alloc(64, bytes);
  if (!memory) {
    std::fprintf(stderr, "mx-bench: cannot allocate %zu bytes\n", bytes);
    std::exit(1);
  }
  return memory;
}

/// A zeroed, 64-byte aligned buffer (its pages touched, so that page faults
/// stay out of the timings).
inline void *allocateTouched(size_t bytes) {
  void *memory = allocateLines(bytes);
  std::memset(memory, 0, bytes);
  return memory;
}

/// A std::vector allocator with 64-byte alignment. The tensors of ML
/// frameworks and oneDNN's own memory start on cache lines; glibc's malloc
/// puts large blocks 16 bytes past one, where every 64-byte tile row an AMX
/// kernel loads or stores spans two lines (the bf16 AMX kernel at 1024^3
/// took 4.1 ms instead of 2.5 with A, B and C 16 bytes off).
template <typename T> struct LineAllocator {
  using value_type = T;
  LineAllocator() = default;
  template <typename U> LineAllocator(const LineAllocator<U> &) {}
  T *allocate(size_t count) {
    return static_cast<T *>(allocateLines(count * sizeof(T)));
  }
  void deallocate(T *memory, size_t) { std::free(memory); }
  template <typename U> bool operator==(const LineAllocator<U> &) const {
    return true;
  }
  template <typename U> bool operator!=(const LineAllocator<U> &) const {
    return false;
  }
};
template <typename T> using LineVector = std::vector<T, LineAllocator<T>>;

/// One pool per thread count, shared by every benchmark.
inline mx::rt::ThreadPool &getPool(unsigned threads) {
  static std::map<unsigned, std::unique_ptr<mx::rt::ThreadPool>> pools;
  std::unique_ptr<mx::rt::ThreadPool> &pool = pools[threads];
  if (!pool)
    pool = std::make_unique<mx::rt::ThreadPool>(threads);
  return *pool;
}

/// `bench` run with 1 and 2 threads (argument `threads`), timed in
/// wall-clock milliseconds.
inline benchmark::internal::Benchmark *
onOneAndTwoThreads(benchmark::internal::Benchmark *bench) {
  return bench->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(
      benchmark::kMillisecond);
}

inline double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

inline double median(std::vector<double> times) {
  std::nth_element(times.begin(), times.begin() + times.size() / 2,
                   times.end());
  return times[times.size() / 2];
}

} // namespace mx::bench

#endif // MX_BENCH_BENCHSUPPORT_H
