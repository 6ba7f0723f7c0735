//===- ThreadPool.cpp - fixed worker pool for compiled kernels ----------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Runtime/ThreadPool.h"

using namespace mx::rt;

ThreadPool::ThreadPool(unsigned threads) {
  for (unsigned i = 1; i < threads; ++i)
    workers.emplace_back([this, i] { runWorker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &worker : workers)
    worker.join();
}

/// Slice `index` of `threads` over [0, count).
static void sliceOf(int64_t count, unsigned threads, unsigned index,
                    int64_t &begin, int64_t &end) {
  begin = count * index / threads;
  end = count * (index + 1) / threads;
}

void ThreadPool::parallelFor(
    int64_t count, const std::function<void(int64_t, int64_t)> &body) {
  unsigned threads = getThreadCount();
  if (threads > 1) {
    std::lock_guard<std::mutex> lock(mutex);
    task = &body;
    taskCount = count;
    pending = workers.size();
    ++generation;
  }
  wake.notify_all();
  int64_t begin, end;
  sliceOf(count, threads, 0, begin, end);
  if (begin < end)
    body(begin, end);
  if (threads > 1) {
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [this] { return pending == 0; });
    task = nullptr;
  }
}

void ThreadPool::runWorker(unsigned index) {
  uint64_t seen = 0;
  while (true) {
    const std::function<void(int64_t, int64_t)> *body;
    int64_t count;
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping)
        return;
      seen = generation;
      body = task;
      count = taskCount;
    }
    int64_t begin, end;
    sliceOf(count, getThreadCount(), index, begin, end);
    if (begin < end)
      (*body)(begin, end);
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (--pending == 0)
        done.notify_one();
    }
  }
}
