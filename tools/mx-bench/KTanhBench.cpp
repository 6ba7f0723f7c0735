//===- KTanhBench.cpp - K-TanH activation throughput ----------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Elements per second of tanh, sigmoid, swish and GELU on f32 and bf16 buffers
// of 4 KiB (in L1) and 64 MiB (memory), one thread:
//
//   BM_KAct/<fn>/<type>/ktanh   the mx K-TanH op lowered by mx-to-llvm for
//                               the host (mantissa(full) for f32)
//   BM_KAct/tanh/f32/ktanh_bf16m  the same with mantissa(bf16)
//   BM_KAct/<fn>/<type>/poly    math.tanh through MLIR's own polynomial
//                               approximation, same pipeline, 64-lane vectors
//   BM_KAct/<fn>/<type>/sleef   Sleef_tanhf16_u35avx512f (SLEEF 3.5, AVX-512)
//   BM_KAct/<fn>/<type>/glibc   tanhf in a loop
//
// bf16 peers widen, compute in f32 and round back. The ktanh rows also carry
// the ratios x_sleef, x_poly and x_glibc: the peer's median time over the
// same buffer in the same process divided by this row's time (2.0 = twice
// as fast as the peer). Times are this thread's CPU time (the machine is
// shared; items_per_second is per CPU second). Inputs are activations-like:
// uniform in [-6, 6].
//
// Accuracy to quote with the speed (max abs error against tanh in double):
// K-TanH bf16 8.9e-3, f32 full 9.8e-3, f32 bf16 mantissa 1.2e-2; MLIR's
// polynomial 2.9e-7 (reference/ktanh.md section 7).
//
//===----------------------------------------------------------------------===//

#include "BenchSupport.h"
#include "KTanhPeer.h"

#include "benchmark/benchmark.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

using mx::bench::MemRef1D;
using mx::bench::view1D;

using KernelFn = void (*)(MemRef1D *, MemRef1D *);

} // namespace

#define MX_KTANH_KERNEL(NAME)                                                  \
  extern "C" void _mlir_ciface_##NAME(MemRef1D *, MemRef1D *);
MX_KTANH_KERNEL(k_tanh_f32)
MX_KTANH_KERNEL(k_tanh_f32_bf16m)
MX_KTANH_KERNEL(k_tanh_bf16)
MX_KTANH_KERNEL(k_sigmoid_f32)
MX_KTANH_KERNEL(k_sigmoid_bf16)
MX_KTANH_KERNEL(k_swish_f32)
MX_KTANH_KERNEL(k_swish_bf16)
MX_KTANH_KERNEL(poly_swish_f32)
MX_KTANH_KERNEL(poly_swish_bf16)
MX_KTANH_KERNEL(k_gelu_f32)
MX_KTANH_KERNEL(k_gelu_bf16)
MX_KTANH_KERNEL(poly_tanh_f32)
MX_KTANH_KERNEL(poly_tanh_bf16)
MX_KTANH_KERNEL(poly_sigmoid_f32)
MX_KTANH_KERNEL(poly_sigmoid_bf16)
MX_KTANH_KERNEL(poly_gelu_f32)
MX_KTANH_KERNEL(poly_gelu_bf16)
#undef MX_KTANH_KERNEL

namespace {

using mx::bench::allocateTouched;
using mx::bench::Function;

constexpr size_t kMaxBytes = size_t(64) << 20;

struct Buffers {
  float *inF32, *outF32;
  uint16_t *inBF16, *outBF16;
  Buffers() {
    inF32 = static_cast<float *>(allocateTouched(kMaxBytes));
    outF32 = static_cast<float *>(allocateTouched(kMaxBytes));
    inBF16 = static_cast<uint16_t *>(allocateTouched(kMaxBytes));
    outBF16 = static_cast<uint16_t *>(allocateTouched(kMaxBytes));
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < kMaxBytes / 4; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      inF32[i] = static_cast<float>((state >> 40) * 0x1p-24 * 12.0 - 6.0);
    }
    for (size_t i = 0; i < kMaxBytes / 2; ++i) {
      uint32_t b;
      std::memcpy(&b, &inF32[i % (kMaxBytes / 4)], 4);
      inBF16[i] = static_cast<uint16_t>(b >> 16);
    }
  }
};

Buffers &getBuffers() {
  static Buffers buffers;
  return buffers;
}

enum class Impl { KTanh, KTanhBF16Mantissa, Poly, Sleef, Glibc };

struct Case {
  Function fn;
  bool bf16;
  Impl impl;
  size_t bytes;

  size_t elements() const { return bytes / (bf16 ? 2 : 4); }
};

KernelFn kernel(Function fn, bool bf16, Impl impl) {
  bool poly = impl == Impl::Poly;
  switch (fn) {
  case Function::Tanh:
    if (impl == Impl::KTanhBF16Mantissa)
      return _mlir_ciface_k_tanh_f32_bf16m;
    return poly ? (bf16 ? _mlir_ciface_poly_tanh_bf16
                        : _mlir_ciface_poly_tanh_f32)
                : (bf16 ? _mlir_ciface_k_tanh_bf16 : _mlir_ciface_k_tanh_f32);
  case Function::Sigmoid:
    return poly ? (bf16 ? _mlir_ciface_poly_sigmoid_bf16
                        : _mlir_ciface_poly_sigmoid_f32)
                : (bf16 ? _mlir_ciface_k_sigmoid_bf16
                        : _mlir_ciface_k_sigmoid_f32);
  case Function::Swish:
    return poly ? (bf16 ? _mlir_ciface_poly_swish_bf16
                        : _mlir_ciface_poly_swish_f32)
                : (bf16 ? _mlir_ciface_k_swish_bf16 : _mlir_ciface_k_swish_f32);
  case Function::Gelu:
    return poly ? (bf16 ? _mlir_ciface_poly_gelu_bf16
                        : _mlir_ciface_poly_gelu_f32)
                : (bf16 ? _mlir_ciface_k_gelu_bf16 : _mlir_ciface_k_gelu_f32);
  }
  return nullptr;
}

/// One pass of `c` over its buffer.
void run(const Case &c) {
  Buffers &b = getBuffers();
  size_t n = c.elements();
  void *in = c.bf16 ? static_cast<void *>(b.inBF16) : b.inF32;
  void *out = c.bf16 ? static_cast<void *>(b.outBF16) : b.outF32;
  switch (c.impl) {
  case Impl::Sleef:
    if (c.bf16)
      mx::bench::sleefBF16(c.fn, b.inBF16, b.outBF16, n);
    else
      mx::bench::sleefF32(c.fn, b.inF32, b.outF32, n);
    return;
  case Impl::Glibc:
    if (c.bf16)
      mx::bench::glibcBF16(c.fn, b.inBF16, b.outBF16, n);
    else
      mx::bench::glibcF32(c.fn, b.inF32, b.outF32, n);
    return;
  default: {
    MemRef1D x = view1D(in, static_cast<int64_t>(n));
    MemRef1D y = view1D(out, static_cast<int64_t>(n));
    kernel(c.fn, c.bf16, c.impl)(&x, &y);
  }
  }
}

/// CPU time of this thread: the machine is shared, and wall time would
/// charge other processes' time slices to whichever row is running.
double threadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Median over 5 samples of the CPU time of one pass of `c`; each sample
/// runs enough passes to last at least 2 ms.
double medianPassTime(const Case &c) {
  run(c); // warm up
  std::vector<double> samples;
  for (int s = 0; s < 5; ++s) {
    // Batches of passes between clock reads (reading the thread CPU clock
    // is a system call, as long as a 4 KiB pass).
    for (size_t batch = 1;; batch *= 2) {
      double start = threadSeconds();
      for (size_t i = 0; i < batch; ++i)
        run(c);
      double elapsed = threadSeconds() - start;
      if (elapsed >= 2e-3) {
        samples.push_back(elapsed / static_cast<double>(batch));
        break;
      }
    }
  }
  std::nth_element(samples.begin(), samples.begin() + 2, samples.end());
  return samples[2];
}

void bench(benchmark::State &state, Case c) {
  run(c);
  double start = threadSeconds();
  for (auto _ : state) {
    run(c);
    benchmark::ClobberMemory();
  }
  double perPass = (threadSeconds() - start) / state.iterations();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(c.elements()));
  if (c.impl == Impl::KTanh || c.impl == Impl::KTanhBF16Mantissa) {
    for (auto [impl, name] :
         {std::pair{Impl::Sleef, "x_sleef"}, std::pair{Impl::Poly, "x_poly"},
          std::pair{Impl::Glibc, "x_glibc"}}) {
      Case peer = c;
      peer.impl = impl;
      state.counters[name] = medianPassTime(peer) / perPass;
    }
  }
}

int registerBenchmarks() {
  const std::pair<Function, const char *> fns[] = {
      {Function::Tanh, "tanh"},
      {Function::Sigmoid, "sigmoid"},
      {Function::Swish, "swish"},
      {Function::Gelu, "gelu"}};
  const std::pair<Impl, const char *> impls[] = {
      {Impl::KTanh, "ktanh"},
      {Impl::KTanhBF16Mantissa, "ktanh_bf16m"},
      {Impl::Poly, "poly"},
      {Impl::Sleef, "sleef"},
      {Impl::Glibc, "glibc"}};
  for (auto [fn, fnName] : fns)
    for (bool bf16 : {false, true})
      for (auto [impl, implName] : impls) {
        if (impl == Impl::KTanhBF16Mantissa && (fn != Function::Tanh || bf16))
          continue;
        if (impl == Impl::Sleef && !mx::bench::haveSleef())
          continue;
        for (size_t bytes : {size_t(4) << 10, kMaxBytes}) {
          std::string name = std::string("BM_KAct/") + fnName + "/" +
                             (bf16 ? "bf16/" : "f32/") + implName + "/" +
                             (bytes == kMaxBytes ? "64MiB" : "4KiB");
          benchmark::RegisterBenchmark(name.c_str(), bench,
                                       Case{fn, bf16, impl, bytes});
        }
      }
  return 0;
}

[[maybe_unused]] const int registered = registerBenchmarks();

} // namespace
