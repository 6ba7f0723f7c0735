//===- BufferCache.cpp - Heap temporaries kept between kernel calls -------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Runtime/BufferCache.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <deque>
#include <mutex>

using namespace mx::runtime;

namespace {

/// Every buffer starts `offset` bytes into its system allocation, after a
/// header that free() reads back.
struct Header {
  uint64_t size;      // bytes the caller asked for
  uint64_t alignment; // power of two, at least sizeof(Header)
};

struct Buffer {
  void *user;
  uint64_t size, alignment;
};

class Cache {
public:
  void *allocate(uint64_t alignment, uint64_t size) {
    alignment = std::max<uint64_t>(alignment, sizeof(Header));
    if (alignment & (alignment - 1))
      return nullptr; // not a power of two: as aligned_alloc would fail
    if (size >= kMinCachedBytes) {
      std::lock_guard<std::mutex> lock(mutex);
      readLimitOnce();
      // The most recently freed match: likeliest still in cache.
      for (auto it = buffers.rbegin(); it != buffers.rend(); ++it) {
        if (it->size != size || it->alignment != alignment)
          continue;
        void *user = it->user;
        cachedBytes -= size;
        buffers.erase(std::next(it).base());
        ++stats.hits;
        return user;
      }
      ++stats.misses;
    }
    // aligned_alloc wants a multiple of the alignment.
    uint64_t total = (alignment + size + alignment - 1) / alignment * alignment;
    char *raw = static_cast<char *>(std::aligned_alloc(alignment, total));
    if (!raw)
      return nullptr;
    char *user = raw + alignment;
    *reinterpret_cast<Header *>(user - sizeof(Header)) = {size, alignment};
    return user;
  }

  void release(void *ptr) {
    if (!ptr)
      return;
    Header header =
        *reinterpret_cast<Header *>(static_cast<char *>(ptr) - sizeof(Header));
    if (header.size >= kMinCachedBytes) {
      std::lock_guard<std::mutex> lock(mutex);
      readLimitOnce();
      if (header.size <= limit) {
        buffers.push_back({ptr, header.size, header.alignment});
        cachedBytes += header.size;
        trimTo(limit);
        return;
      }
    }
    systemFree(ptr, header.alignment);
  }

  void setLimit(uint64_t bytes) {
    std::lock_guard<std::mutex> lock(mutex);
    limitRead = true;
    limit = bytes;
    trimTo(limit);
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex);
    trimTo(0);
  }

  BufferCacheStats snapshot() {
    std::lock_guard<std::mutex> lock(mutex);
    BufferCacheStats s = stats;
    s.cachedBytes = cachedBytes;
    s.cachedBuffers = buffers.size();
    return s;
  }

private:
  static void systemFree(void *user, uint64_t alignment) {
    std::free(static_cast<char *>(user) - alignment);
  }

  void readLimitOnce() {
    if (limitRead)
      return;
    limitRead = true;
    if (const char *env = std::getenv("MXIR_BUFFER_CACHE_BYTES")) {
      char *end = nullptr;
      unsigned long long value = std::strtoull(env, &end, 10);
      if (end != env && *end == '\0')
        limit = value;
    }
  }

  /// Frees the oldest buffers until at most `bytes` are held.
  void trimTo(uint64_t bytes) {
    while (cachedBytes > bytes) {
      Buffer oldest = buffers.front();
      buffers.pop_front();
      cachedBytes -= oldest.size;
      systemFree(oldest.user, oldest.alignment);
    }
  }

  std::mutex mutex;
  std::deque<Buffer> buffers; // oldest first
  uint64_t cachedBytes = 0;
  uint64_t limit = uint64_t(1) << 30;
  bool limitRead = false;
  BufferCacheStats stats;
};

Cache &cache() {
  // Never destroyed: kernels may free buffers from static destructors of
  // the program, after this translation unit's statics are gone.
  static Cache *instance = new Cache;
  return *instance;
}

} // namespace

extern "C" void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  return cache().allocate(alignof(std::max_align_t), size);
}

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment,
                                                    uint64_t size) {
  return cache().allocate(alignment, size);
}

extern "C" void _mlir_memref_to_llvm_free(void *ptr) { cache().release(ptr); }

BufferCacheStats mx::runtime::bufferCacheStats() { return cache().snapshot(); }

void mx::runtime::setBufferCacheLimit(uint64_t bytes) {
  cache().setLimit(bytes);
}

void mx::runtime::clearBufferCache() { cache().clear(); }
