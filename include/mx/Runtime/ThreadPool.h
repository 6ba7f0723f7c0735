//===- ThreadPool.h - fixed worker pool for compiled kernels ----*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The runtime's orchestration of compiled kernels: a fixed set of workers
// that split a range of independent chunks. No MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef MX_RUNTIME_THREADPOOL_H
#define MX_RUNTIME_THREADPOOL_H

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mx::rt {

class ThreadPool {
public:
  /// Starts `threads - 1` workers; the calling thread is the last one.
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  unsigned getThreadCount() const { return workers.size() + 1; }

  /// Calls `body(begin, end)` on contiguous slices that cover [0, count),
  /// one slice per thread, and returns when all are done.
  void parallelFor(int64_t count,
                   const std::function<void(int64_t, int64_t)> &body);

private:
  void runWorker(unsigned index);

  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake, done;
  const std::function<void(int64_t, int64_t)> *task = nullptr;
  int64_t taskCount = 0;
  uint64_t generation = 0;
  unsigned pending = 0;
  bool stopping = false;
};

} // namespace mx::rt

#endif // MX_RUNTIME_THREADPOOL_H
