//===- BufferCacheTest.cpp - libMxBufferCache -----------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Runtime/BufferCache.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <thread>
#include <vector>

using namespace mx::runtime;

namespace {

/// Each test starts from an empty cache with the default limit.
class BufferCacheTest : public ::testing::Test {
protected:
  void SetUp() override {
    setBufferCacheLimit(uint64_t(1) << 30);
    clearBufferCache();
    start = bufferCacheStats();
  }
  void TearDown() override { clearBufferCache(); }

  uint64_t hits() const { return bufferCacheStats().hits - start.hits; }
  uint64_t misses() const { return bufferCacheStats().misses - start.misses; }

  BufferCacheStats start;
};

void *allocate(uint64_t alignment, uint64_t size) {
  return _mlir_memref_to_llvm_aligned_alloc(alignment, size);
}

TEST_F(BufferCacheTest, LargeBufferIsReusedForTheSameRequest) {
  const uint64_t size = 3 << 20;
  void *first = allocate(64, size);
  ASSERT_NE(first, nullptr);
  std::memset(first, 0x5A, size); // the whole buffer is writable
  _mlir_memref_to_llvm_free(first);
  EXPECT_EQ(bufferCacheStats().cachedBytes, size);
  void *second = allocate(64, size);
  EXPECT_EQ(second, first);
  EXPECT_EQ(hits(), 1u);
  EXPECT_EQ(misses(), 1u);
  EXPECT_EQ(bufferCacheStats().cachedBytes, 0u);
  _mlir_memref_to_llvm_free(second);
}

TEST_F(BufferCacheTest, OtherSizesAndAlignmentsAllocate) {
  void *a = allocate(64, 1 << 20);
  _mlir_memref_to_llvm_free(a);
  void *b = allocate(64, (1 << 20) + 64);
  void *c = allocate(4096, 1 << 20);
  EXPECT_NE(b, a);
  EXPECT_NE(c, a);
  EXPECT_EQ(hits(), 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(c) % 4096, 0u);
  _mlir_memref_to_llvm_free(b);
  _mlir_memref_to_llvm_free(c);
  EXPECT_EQ(bufferCacheStats().cachedBuffers, 3u);
}

TEST_F(BufferCacheTest, SmallBuffersAreNotCached) {
  void *p = allocate(16, kMinCachedBytes - 1);
  ASSERT_NE(p, nullptr);
  _mlir_memref_to_llvm_free(p);
  EXPECT_EQ(bufferCacheStats().cachedBuffers, 0u);
  EXPECT_EQ(hits() + misses(), 0u);
}

TEST_F(BufferCacheTest, AlignmentIsHonoured) {
  for (uint64_t alignment : {1u, 8u, 16u, 64u, 256u, 4096u}) {
    for (uint64_t size : {uint64_t(1), uint64_t(100), uint64_t(1) << 20}) {
      void *p = allocate(alignment, size);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u)
          << "alignment " << alignment << " size " << size;
      std::memset(p, 1, size);
      _mlir_memref_to_llvm_free(p);
    }
  }
  void *p = _mlir_memref_to_llvm_alloc(1 << 20);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignof(std::max_align_t), 0u);
  _mlir_memref_to_llvm_free(p);
  _mlir_memref_to_llvm_free(nullptr); // like free(nullptr)
}

TEST_F(BufferCacheTest, LimitFreesTheOldestFirst) {
  const uint64_t size = 1 << 20;
  setBufferCacheLimit(2 * size);
  void *a = allocate(64, size), *b = allocate(64, size),
       *c = allocate(64, size);
  _mlir_memref_to_llvm_free(a);
  _mlir_memref_to_llvm_free(b);
  _mlir_memref_to_llvm_free(c); // a goes back to the system
  EXPECT_EQ(bufferCacheStats().cachedBytes, 2 * size);
  // The newest first: c, then b.
  EXPECT_EQ(allocate(64, size), c);
  EXPECT_EQ(allocate(64, size), b);
  EXPECT_EQ(hits(), 2u);
  _mlir_memref_to_llvm_free(b);
  _mlir_memref_to_llvm_free(c);
  setBufferCacheLimit(0); // caches nothing, frees what it held
  EXPECT_EQ(bufferCacheStats().cachedBuffers, 0u);
  void *d = allocate(64, size);
  _mlir_memref_to_llvm_free(d);
  EXPECT_EQ(bufferCacheStats().cachedBuffers, 0u);
}

TEST_F(BufferCacheTest, ConcurrentCallersGetDistinctBuffers) {
  const int threads = 4, rounds = 300;
  const uint64_t size = 256 << 10;
  std::vector<int> failures(threads, 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        auto *p = static_cast<unsigned char *>(allocate(64, size));
        std::memset(p, t + 1, size);
        std::this_thread::yield();
        for (uint64_t i = 0; i < size; i += 4093)
          failures[t] += p[i] != t + 1;
        _mlir_memref_to_llvm_free(p);
      }
    });
  for (std::thread &w : workers)
    w.join();
  for (int t = 0; t < threads; ++t)
    EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_EQ(hits() + misses(), uint64_t(threads) * rounds);
  EXPECT_GE(hits(), 1u);
  EXPECT_LE(bufferCacheStats().cachedBuffers, uint64_t(threads));
}

} // namespace
