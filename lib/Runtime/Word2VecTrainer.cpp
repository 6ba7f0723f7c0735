//===- Word2VecTrainer.cpp - Hogwild SGNS training on a compiled step -----===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Runtime/Word2VecTrainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>

using namespace mx::rt::w2v;

StepObserver::~StepObserver() = default;
WordCounter::~WordCounter() = default;

namespace {

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double processCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

float *allocateTable(int64_t floats) {
  void *memory = nullptr;
  size_t bytes = (size_t(floats) * sizeof(float) + 63) / 64 * 64;
  if (posix_memalign(&memory, 64, std::max<size_t>(bytes, 64)) != 0) {
    std::fprintf(stderr, "mx-word2vec: error: out of memory (%zu bytes)\n",
                 bytes);
    std::exit(1);
  }
  return static_cast<float *>(memory);
}

/// log(sigma(x)), stable for large |x|.
double logSigmoid(double x) {
  return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

std::string formatDuration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7)
    return "?";
  long s = long(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof(text), "%ld:%02ld:%02ld", s / 3600, s / 60 % 60,
                s % 60);
  return text;
}

} // namespace

/// One worker thread: its part of the corpus and its buffers.
struct Trainer::Worker {
  int64_t index = 0;        // 0 .. threads - 1
  int64_t part = 0;         // its corpus part
  std::vector<int32_t> ids; // the part as word ids, </s> = 0
  int64_t rawWords = 0;     // corpus words of the part, </s> excluded
  std::string error;
  // Step statistics and the sampled loss.
  int64_t steps = 0, pairs = 0;
  double firstLoss = 0, lastLoss = 0;
  int64_t firstCount = 0, lastCount = 0;
};

Trainer::Trainer(const Vocabulary &vocab, const TrainerOptions &options,
                 CompiledStep step)
    : vocab(vocab), options(options), step(step), vocabSize(vocab.size()) {
  if (this->options.parts <= 0) {
    this->options.parts = this->options.threads;
    this->options.firstPart = 0;
  }
  wih = allocateTable(vocabSize * step.dim);
  woh = allocateTable(vocabSize * step.dim);
  initialize();
}

Trainer::~Trainer() {
  std::free(wih);
  std::free(woh);
}

void Trainer::initialize() {
  Lcg random(options.seed);
  const int64_t dim = step.dim;
  for (int64_t i = 0; i < vocabSize * dim; ++i)
    wih[i] = ((float(random.next() & 0xFFFF) / 65536.0f) - 0.5f) / float(dim);
  std::memset(woh, 0, size_t(vocabSize * dim) * sizeof(float));
}

float Trainer::learningRate(double alpha0, int64_t done, int64_t total) {
  float alpha = float(alpha0 * (1 - double(done) / double(total + 1)));
  float floor = float(alpha0 * 0.0001);
  return alpha < floor ? floor : alpha;
}

void Trainer::reportProgress(int64_t done, bool final) {
  double t = now();
  if (!final && t - lastReport < 0.25)
    return;
  lastReport = t;
  double elapsed = t - startTime;
  double fraction = std::min(1.0, double(done) / double(totalWords));
  double rate = elapsed > 0 ? double(done) / elapsed : 0;
  double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : -1;
  std::fprintf(stderr,
               "\ralpha %.6f  progress %5.1f%%  words/s %8.1fk  elapsed %s  "
               "eta %s  ",
               double(learningRate(options.alpha, done, totalWords)),
               100 * fraction, rate / 1000, formatDuration(elapsed).c_str(),
               final ? "0:00:00" : formatDuration(eta).c_str());
  if (final)
    std::fputc('\n', stderr);
  std::fflush(stderr);
}

namespace {

/// The step calls of one centre word, drawn before they are made so that
/// the rows they touch can be prefetched while the previous centre word is
/// trained. The random draws happen in the same order either way.
struct CentreWork {
  int64_t nctx = 0, batches = 0;
  std::vector<int32_t> contexts; // 2 window + batch, zero padded
  std::vector<int32_t> out;      // batches x outputs
  std::vector<float> meta;       // batches x outputs
  std::vector<int64_t> nout;     // batches

  CentreWork(int64_t window, int64_t batch, int64_t outputs) {
    int64_t maxBatches = (2 * window + batch - 1) / batch;
    contexts.assign(size_t(2 * window + batch), 0);
    out.assign(size_t(maxBatches * outputs), 0);
    meta.assign(size_t(maxBatches * outputs), 0.0f);
    nout.assign(size_t(maxBatches), 0);
  }
};

void prefetchRow(const float *row, int64_t dim) {
  const char *bytes = reinterpret_cast<const char *>(row);
  for (int64_t offset = 0; offset < dim * int64_t(sizeof(float)); offset += 64)
    __builtin_prefetch(bytes + offset, 1, 3);
}

} // namespace

void Trainer::runWorker(Worker &worker) {
  const int64_t dim = step.dim, batch = step.batch;
  const int64_t outputs = 1 + step.negatives;
  const int64_t window = options.window;
  const int64_t negative = std::min(options.negative, step.negatives);
  const int64_t tableSize = int64_t(negativeTable.size());
  const bool subsample = options.sample > 0;
  Lcg random(options.seed ^
             (0x9E3779B97F4A7C15ULL * uint64_t(worker.part + 1)));

  // Descriptors of the C interface; only their pointers and counts change.
  MemRef2D wihRef{wih, wih, 0, {vocabSize, dim}, {dim, 1}};
  MemRef2D wohRef{woh, woh, 0, {vocabSize, dim}, {dim, 1}};
  CentreWork work[2] = {CentreWork(window, batch, outputs),
                        CentreWork(window, batch, outputs)};
  std::vector<int32_t> sentence;
  sentence.reserve(kMaxSentence);

  int64_t wordCount = 0, lastWordCount = 0;
  int64_t done = 0;
  float alpha = learningRate(options.alpha, 0, totalWords);

  auto drawNegative = [&]() -> int32_t {
    int32_t target;
    if (sampler) {
      target = sampler->draw(random);
      if (target == 0)
        target = int32_t(random.next() % uint64_t(vocabSize - 1) + 1);
    } else {
      uint64_t r = random.next();
      target = negativeTable[size_t((r >> 16) % uint64_t(tableSize))];
      if (target == 0)
        target = int32_t(r % uint64_t(vocabSize - 1) + 1);
    }
    return target;
  };

  // Contexts, batches and negatives of the centre word at `p`.
  auto prepare = [&](CentreWork &w, int64_t p, int64_t length) {
    const int32_t centre = sentence[size_t(p)];
    const int64_t b = int64_t(random.next() % uint64_t(window));
    int64_t nctx = 0;
    for (int64_t a = b; a < 2 * window + 1 - b; ++a) {
      if (a == window)
        continue;
      int64_t c = p - window + a;
      if (c < 0 || c >= length)
        continue;
      w.contexts[size_t(nctx++)] = sentence[size_t(c)];
    }
    w.nctx = nctx;
    w.batches = (nctx + batch - 1) / batch;
    for (int64_t k = 0; k < w.batches; ++k) {
      int32_t *out = &w.out[size_t(k * outputs)];
      float *meta = &w.meta[size_t(k * outputs)];
      // Outputs: the centre word, then the shared negatives (the centre
      // word dropped, duplicates merged).
      out[0] = centre;
      meta[0] = 1.0f;
      int64_t nout = 1;
      for (int64_t n = 0; n < negative; ++n) {
        int32_t target = drawNegative();
        if (target == centre)
          continue;
        int64_t o = 1;
        while (o < nout && out[o] != target)
          ++o;
        if (o < nout) {
          meta[o] += 1.0f;
        } else {
          out[nout] = target;
          meta[nout] = 1.0f;
          ++nout;
        }
      }
      w.nout[size_t(k)] = nout;
    }
    for (int64_t c = 0; c < nctx; ++c)
      prefetchRow(wih + int64_t(w.contexts[size_t(c)]) * dim, dim);
    for (int64_t k = 0; k < w.batches; ++k)
      for (int64_t o = 0; o < w.nout[size_t(k)]; ++o)
        prefetchRow(woh + int64_t(w.out[size_t(k * outputs + o)]) * dim, dim);
  };

  // SGNS loss of one batch before its step, for the summary only.
  auto sampleLoss = [&](const int32_t *ctx, int64_t nctx, const int32_t *out,
                        const float *meta, int64_t nout) {
    double loss = 0;
    for (int64_t b = 0; b < nctx; ++b) {
      const float *v = wih + int64_t(ctx[b]) * dim;
      for (int64_t o = 0; o < nout; ++o) {
        const float *u = woh + int64_t(out[o]) * dim;
        double dot = 0;
        for (int64_t d = 0; d < dim; ++d)
          dot += double(u[d]) * double(v[d]);
        loss -= meta[o] * logSigmoid(o == 0 ? dot : -dot);
      }
    }
    double fraction = double(done) / double(totalWords);
    if (fraction < 0.05) {
      worker.firstLoss += loss;
      worker.firstCount += nctx;
    } else if (fraction >= 0.95) {
      worker.lastLoss += loss;
      worker.lastCount += nctx;
    }
  };

  auto execute = [&](CentreWork &w) {
    for (int64_t k = 0; k < w.batches; ++k) {
      int32_t *ctx = &w.contexts[size_t(k * batch)];
      int32_t *out = &w.out[size_t(k * outputs)];
      float *meta = &w.meta[size_t(k * outputs)];
      const int64_t n = std::min(batch, w.nctx - k * batch);
      const int64_t nout = w.nout[size_t(k)];
      MemRef1D ctxRef{ctx, ctx, 0, batch, 1};
      MemRef1D outRef{out, out, 0, outputs, 1};
      MemRef1D metaRef{meta, meta, 0, outputs, 1};
      if ((worker.steps & 127) == 0)
        sampleLoss(ctx, n, out, meta, nout);
      StepCall call{wih,        woh, vocabSize, dim,           ctx,
                    int32_t(n), out, meta,      int32_t(nout), alpha};
      if (stepObserver)
        stepObserver->before(call);
      step.function(&wihRef, &wohRef, &ctxRef, int32_t(n), &outRef, &metaRef,
                    int32_t(nout), alpha);
      if (stepObserver)
        stepObserver->after(call);
      ++worker.steps;
      worker.pairs += n;
    }
  };

  const std::vector<int32_t> &ids = worker.ids;
  for (int64_t iteration = 0; iteration < options.iterations; ++iteration) {
    size_t position = 0;
    while (position < ids.size()) {
      // Progress: alpha from the global count, the hook, the report.
      if (wordCount - lastWordCount > options.chunkWords) {
        done = wordCounter->add(wordCount - lastWordCount);
        lastWordCount = wordCount;
        alpha = learningRate(options.alpha, done, totalWords);
        if (chunkHook)
          chunkHook(worker.index, done);
        if (worker.index == 0 && options.debug >= 2)
          reportProgress(done, false);
      }
      // The next sentence: up to </s> or 1000 kept words.
      sentence.clear();
      while (position < ids.size()) {
        int32_t word = ids[position++];
        ++wordCount;
        if (word == 0)
          break;
        if (subsample &&
            keep[size_t(word)] < float(random.next() & 0xFFFF) / 65536.0f)
          continue;
        sentence.push_back(word);
        if (int64_t(sentence.size()) >= kMaxSentence)
          break;
      }
      const int64_t length = int64_t(sentence.size());
      if (length == 0)
        continue;
      prepare(work[0], 0, length);
      for (int64_t p = 0; p < length; ++p) {
        CentreWork &current = work[p & 1];
        if (p + 1 < length)
          prepare(work[(p + 1) & 1], p + 1, length);
        execute(current);
      }
    }
  }
  done = wordCounter->add(wordCount - lastWordCount);
  if (chunkHook)
    chunkHook(worker.index, done);
}

bool Trainer::train(const std::string &corpus, std::string &error) {
  if (!load(corpus, error))
    return false;
  run();
  return true;
}

bool Trainer::load(const std::string &corpus, std::string &error) {
  double wallStart = now();
  cpuStart = processCpuSeconds();
  startTime = wallStart;
  int64_t size = fileSize(corpus, error);
  if (size < 0)
    return false;
  const int64_t threads = options.threads;
  const int64_t perIteration = options.globalTrainWords > 0
                                   ? options.globalTrainWords
                                   : vocab.trainWords();
  totalWords = options.iterations * perIteration;

  // Subsampling thresholds, as word2vec.c computes them (in float).
  keep.assign(size_t(vocabSize), 1.0f);
  if (options.sample > 0)
    for (int64_t w = 1; w < vocabSize; ++w)
      if (vocab[w].count > 0)
        keep[size_t(w)] = float(keepProbability(
            vocab[w].count, vocab.trainWords(), options.sample));

  workers.assign(static_cast<size_t>(threads), Worker());
  std::vector<std::thread> pool;
  // Negative table and corpus parts in parallel.
  std::thread tableThread([&] {
    if (options.negativeTableSize > 0)
      negativeTable = buildNegativeTable(vocab, options.negativeTableSize);
    else
      sampler = std::make_unique<UnigramSampler>(vocab);
  });
  for (int64_t t = 0; t < threads; ++t) {
    Worker &worker = workers[size_t(t)];
    worker.index = t;
    worker.part = options.firstPart + t;
    pool.emplace_back([&, size] {
      int64_t begin = size * worker.part / options.parts;
      int64_t end = size * (worker.part + 1) / options.parts;
      WordReader reader(corpus, begin, end);
      std::string_view word;
      while (reader.next(word)) {
        if (word != kSentenceEnd)
          ++worker.rawWords;
        int32_t id = vocab.find(word);
        if (id >= 0)
          worker.ids.push_back(id);
      }
      worker.error = reader.error();
    });
  }
  for (std::thread &thread : pool)
    thread.join();
  tableThread.join();
  for (Worker &worker : workers)
    if (!worker.error.empty()) {
      error = worker.error;
      return false;
    }
  return true;
}

void Trainer::run() {
  const int64_t threads = options.threads;
  std::vector<std::thread> pool;
  for (int64_t t = 1; t < threads; ++t)
    pool.emplace_back([&, t] { runWorker(workers[size_t(t)]); });
  runWorker(workers[0]);
  for (std::thread &thread : pool)
    thread.join();
  if (options.debug >= 2)
    reportProgress(totalWords, true);

  stats = TrainerStats();
  for (const Worker &worker : workers) {
    stats.rawWords += worker.rawWords * options.iterations;
    stats.steps += worker.steps;
    stats.pairs += worker.pairs;
    stats.firstLossSum += worker.firstLoss;
    stats.firstLossPairs += worker.firstCount;
    stats.lastLossSum += worker.lastLoss;
    stats.lastLossPairs += worker.lastCount;
  }
  stats.firstLoss = stats.firstLossPairs
                        ? stats.firstLossSum / double(stats.firstLossPairs)
                        : 0;
  stats.lastLoss =
      stats.lastLossPairs ? stats.lastLossSum / double(stats.lastLossPairs) : 0;
  stats.seconds = now() - startTime;
  stats.cpuSeconds = processCpuSeconds() - cpuStart;
  // The parts in memory (4 bytes a word) are not needed any more.
  for (Worker &worker : workers)
    std::vector<int32_t>().swap(worker.ids);
}
