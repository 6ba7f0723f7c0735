//===- Word2VecTrainer.h - Hogwild SGNS training on a compiled step -*- C++
//-*-//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The orchestration of word2vec training (skip-gram, negative sampling) in
// the HogBatch form (Ji et al., arXiv 1611.06172): the update itself is the
// compiled step (`mx::models::buildWord2VecStep`, compiled by mx-compile or
// its library), called through its C interface (docs/abi.md). This file only
// feeds it, with word2vec.c's semantics:
//
// - Each thread owns a byte range of the corpus (a shard) and reads it into
//   word ids once; words not in the vocabulary are skipped.
// - Per iteration, sentences end at `</s>` or when 1000 words are kept
//   (as word2vec.c); subsampling drops word w unless keepProbability(w) >=
//   U, U = (r & 0xFFFF) / 65536.
// - Per centre word: b = r % window, contexts at offsets -(window-b) ..
//   window-b except 0 inside the sentence; they are cut into batches of at
//   most `batch` contexts; per batch one set of `negative` draws from
//   unigram^0.75 (an alias sampler, or word2vec.c's table; 0 -> r % (V-1) +
//   1; the centre word itself dropped;
//   duplicates merged into a multiplicity), shared by the batch, then one
//   step call: inputs = contexts (rows of Wih), outputs = centre + negatives
//   (rows of Woh).
// - alpha = alpha0 (1 - done / (iterations * trainWords + 1)), floored at
//   alpha0 * 1e-4, recomputed every `chunkWords` words of a thread from the
//   global word counter.
// - Threads update the shared tables without locks (Hogwild). With one
//   thread and a seed the result is deterministic.
//
// For the multi-process mode (MPI, one sync thread averaging the most
// frequent rows): the word counter is an interface (global counts), a hook
// runs between chunks, and a process can own a subset of the corpus parts.
//
//===----------------------------------------------------------------------===//

#ifndef MX_RUNTIME_WORD2VECTRAINER_H
#define MX_RUNTIME_WORD2VECTRAINER_H

#include "mx/Runtime/Word2VecStepABI.h"
#include "mx/Runtime/Word2VecVocab.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mx::rt::w2v {

/// A compiled step and the shape it was compiled for.
struct CompiledStep {
  StepFunction function = nullptr;
  int64_t dim = 0, batch = 0, negatives = 0;
};

/// One call of the step with its arguments: ctx has `batch` entries (the
/// first `nctx` used), out and meta `1 + negatives` (the first `nout`).
struct StepCall {
  float *wih, *woh;
  int64_t rows, dim;
  const int32_t *ctx;
  int32_t nctx;
  const int32_t *out;
  const float *meta;
  int32_t nout;
  float alpha;
};

/// Sees every step call (testing: compare with the reference). Slow.
class StepObserver {
public:
  virtual ~StepObserver();
  virtual void before(const StepCall &call) = 0;
  virtual void after(const StepCall &call) = 0;
};

/// Words processed, shared by the worker threads; with several processes
/// an implementation returns the global estimate.
class WordCounter {
public:
  virtual ~WordCounter();
  /// Adds `words` done by this process; returns the words done so far
  /// (globally).
  virtual int64_t add(int64_t words) = 0;
};

class LocalWordCounter : public WordCounter {
public:
  int64_t add(int64_t words) override { return count += words; }

private:
  std::atomic<int64_t> count{0};
};

struct TrainerOptions {
  int64_t window = 5;
  int64_t negative = 5;
  int64_t iterations = 5;
  int64_t threads = 1;
  double sample = 1e-3;
  double alpha = 0.025;
  uint64_t seed = 1;
  /// 0 quiet, 1 summary, 2 progress too (on stderr).
  int debug = 2;
  /// Words of a thread between updates of alpha, progress and the hook.
  int64_t chunkWords = 10000;
  /// The corpus is cut into `parts` byte ranges; this process's threads
  /// train parts firstPart .. firstPart + threads - 1. Default (0): parts =
  /// threads, firstPart 0.
  int64_t parts = 0, firstPart = 0;
  /// Words per iteration over all parts, for alpha (default: the
  /// vocabulary's trainWords).
  int64_t globalTrainWords = 0;
  /// 0: negatives from the exact unigram^0.75 distribution (alias
  /// method); else word2vec.c's table with this many entries (1e8).
  int64_t negativeTableSize = 0;
};

struct TrainerStats {
  /// Corpus words of this process's parts, `</s>` excluded, before
  /// subsampling, times iterations.
  int64_t rawWords = 0;
  /// Step calls and (context, centre) pairs trained.
  int64_t steps = 0, pairs = 0;
  /// Wall and process CPU seconds of train() (shard parsing included).
  double seconds = 0, cpuSeconds = 0;
  /// Mean SGNS loss per pair, sampled on one step in 128, over the first
  /// and the last 5% of training.
  double firstLoss = 0, lastLoss = 0;
  /// The sums and pair counts behind them (to combine processes).
  double firstLossSum = 0, lastLossSum = 0;
  int64_t firstLossPairs = 0, lastLossPairs = 0;
};

class Trainer {
public:
  Trainer(const Vocabulary &vocab, const TrainerOptions &options,
          CompiledStep step);
  ~Trainer();

  /// Wih uniform in (-0.5, 0.5) / dim from word2vec.c's generator seeded
  /// with `seed`, Woh zero. Called by the constructor.
  void initialize();
  float *inputVectors() { return wih; }
  float *outputVectors() { return woh; }
  int64_t rows() const { return vocabSize; }
  int64_t dim() const { return step.dim; }

  /// Global word counting (default: a LocalWordCounter).
  void setWordCounter(WordCounter *counter) { wordCounter = counter; }
  void setStepObserver(StepObserver *observer) { stepObserver = observer; }
  /// Called by worker `thread` between chunks with the global words done.
  void setChunkHook(std::function<void(int64_t thread, int64_t done)> hook) {
    chunkHook = std::move(hook);
  }

  /// Trains on `corpus`; false with `error` set if it cannot be read.
  /// The same as load() then run().
  bool train(const std::string &corpus, std::string &error);
  /// The first half of train(): reads this process's parts of `corpus`
  /// into word ids and prepares the samplers (a multi-process run agrees
  /// that every process could read its parts before training).
  bool load(const std::string &corpus, std::string &error);
  /// The second half: trains on the loaded parts.
  void run();
  const TrainerStats &getStats() const { return stats; }

  /// Learning rate after `done` of `total` words.
  static float learningRate(double alpha0, int64_t done, int64_t total);

private:
  struct Worker;
  void runWorker(Worker &worker);
  void reportProgress(int64_t done, bool final);

  std::vector<Worker> workers;
  double cpuStart = 0;
  const Vocabulary &vocab;
  TrainerOptions options;
  CompiledStep step;
  int64_t vocabSize;
  float *wih = nullptr, *woh = nullptr;
  std::vector<int32_t> negativeTable;
  std::unique_ptr<UnigramSampler> sampler;
  std::vector<float> keep; // subsampling threshold per word
  int64_t totalWords = 0;  // iterations x words per iteration, for alpha
  LocalWordCounter localCounter;
  WordCounter *wordCounter = &localCounter;
  StepObserver *stepObserver = nullptr;
  std::function<void(int64_t, int64_t)> chunkHook;
  TrainerStats stats;
  double startTime = 0, lastReport = 0;
  std::atomic<int64_t> lossSamples{0};
};

} // namespace mx::rt::w2v

#endif // MX_RUNTIME_WORD2VECTRAINER_H
