//===- BufferCache.h - Heap temporaries kept between calls ---*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Code lowered with `mx-to-llvm{buffer-cache=true}` allocates its heap
// temporaries (packed operands, im2col patches) through MLIR's generic
// allocation functions instead of aligned_alloc/free. libMxBufferCache
// defines them: a buffer of at least kMinCachedBytes is kept when freed and
// handed out again to the next request of the same size and alignment (a
// kernel with static shapes asks for the same sizes on every call), so a
// large temporary costs no page faults after the first call. glibc returns
// such buffers to the kernel on free (mmap, or trimming the heap top), and
// touching them again faults every page: a bf16 convolution at the
// ResNet-50 layer 64x576x3136 spent more than half its time there.
//
// Cached bytes are bounded (setBufferCacheLimit, or the environment
// variable MXIR_BUFFER_CACHE_BYTES read at the first allocation; default
// 1 GiB); the oldest cached buffers are freed first. All functions are
// thread-safe. A program may instead define the three functions itself
// (an arena, a pool it owns): docs/abi.md.
//
//===----------------------------------------------------------------------===//

#ifndef MX_RUNTIME_BUFFERCACHE_H
#define MX_RUNTIME_BUFFERCACHE_H

#include <cstdint>

extern "C" {
/// What the lowered code calls (upstream MemRefToLLVM, use-generic-functions).
void *_mlir_memref_to_llvm_alloc(uint64_t size);
void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size);
void _mlir_memref_to_llvm_free(void *ptr);
}

namespace mx::runtime {

/// Smaller buffers go straight back to the system allocator, whose free
/// lists keep them without page faults.
constexpr uint64_t kMinCachedBytes = 64 << 10;

struct BufferCacheStats {
  uint64_t hits = 0;        // requests served from the cache
  uint64_t misses = 0;      // cacheable requests that allocated
  uint64_t cachedBytes = 0; // bytes held now
  uint64_t cachedBuffers = 0;
};

BufferCacheStats bufferCacheStats();
/// Bounds the bytes held (0: cache nothing), freeing the oldest as needed.
void setBufferCacheLimit(uint64_t bytes);
/// Frees every cached buffer.
void clearBufferCache();

} // namespace mx::runtime

#endif // MX_RUNTIME_BUFFERCACHE_H
