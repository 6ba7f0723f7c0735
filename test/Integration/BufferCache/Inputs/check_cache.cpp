//===- check_cache.cpp - kernels with libMxBufferCache --------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Runs kernel.mlir lowered with aligned_alloc/free (mm) and with
// buffer-cache=true (mm_cached) on the same random operands: every call of
// mm_cached must give mm's bits, and after the first call no cacheable
// request may miss (the kernel asks for the same sizes each time).
// --corrupt flips one bit of the expected output: the checker must fail.
//
//===----------------------------------------------------------------------===//

#include "mx/Runtime/BufferCache.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

struct MemRef2D {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

extern "C" void _mlir_ciface_mm(MemRef2D *, MemRef2D *, MemRef2D *, MemRef2D *,
                                MemRef2D *);
extern "C" void _mlir_ciface_mm_cached(MemRef2D *, MemRef2D *, MemRef2D *,
                                       MemRef2D *, MemRef2D *);

namespace {
MemRef2D view(void *data, int64_t rows, int64_t cols) {
  return {data, data, 0, {rows, cols}, {cols, 1}};
}
} // namespace

int main(int argc, char **argv) {
  bool corrupt = argc > 1 && std::strcmp(argv[1], "--corrupt") == 0;
  const int64_t m = 64, k = 4096, n = 300;
  std::mt19937 rng(7);
  std::vector<int8_t> ae(m * k), be(k * n);
  for (int8_t &x : ae)
    x = static_cast<int8_t>(rng());
  for (int8_t &x : be)
    x = static_cast<int8_t>(rng());
  // Scales 2^-4 .. 2^3 (E8M0 bytes 123 .. 130).
  std::vector<uint8_t> as(m * k / 32), bs(k / 32 * n);
  for (uint8_t &x : as)
    x = 123 + rng() % 8;
  for (uint8_t &x : bs)
    x = 123 + rng() % 8;
  std::vector<float> init(m * n);
  for (float &x : init)
    x = static_cast<float>(static_cast<int>(rng() % 2001) - 1000) / 64;
  MemRef2D a = view(ae.data(), m, k), aScales = view(as.data(), m, k / 32),
           b = view(be.data(), k, n), bScales = view(bs.data(), k / 32, n);

  std::vector<float> expected = init;
  MemRef2D c = view(expected.data(), m, n);
  _mlir_ciface_mm(&a, &aScales, &b, &bScales, &c);
  if (corrupt)
    reinterpret_cast<uint32_t *>(expected.data())[n + 3] ^= 1;

  int failures = 0;
  uint64_t missesAfterFirst = 0;
  for (int call = 1; call <= 3; ++call) {
    std::vector<float> got = init;
    MemRef2D out = view(got.data(), m, n);
    _mlir_ciface_mm_cached(&a, &aScales, &b, &bScales, &out);
    int64_t mismatches = 0;
    for (int64_t i = 0; i < m * n; ++i)
      mismatches += std::memcmp(&got[i], &expected[i], 4) != 0;
    mx::runtime::BufferCacheStats s = mx::runtime::bufferCacheStats();
    std::printf("call %d: %lld mismatches, %llu hits, %llu misses, %llu "
                "buffers cached\n",
                call, static_cast<long long>(mismatches),
                static_cast<unsigned long long>(s.hits),
                static_cast<unsigned long long>(s.misses),
                static_cast<unsigned long long>(s.cachedBuffers));
    failures += mismatches != 0;
    if (call == 1) {
      missesAfterFirst = s.misses;
      failures += s.misses == 0; // the kernel did not use the cache at all
    } else {
      failures += s.misses != missesAfterFirst;
    }
  }
  std::printf(failures ? "FAILED\n" : "BUFFER CACHE OK\n");
  return failures ? 1 : 0;
}
