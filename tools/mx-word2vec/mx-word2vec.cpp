//===- mx-word2vec.cpp - word2vec trainer on the compiled HogBatch step ---===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The command line of word2vec.c for skip-gram with negative sampling, plus
// mxir's options; the update is the step mxir compiles (StepLoader.h), the
// rest is lib/Runtime/Word2Vec*.cpp. A second mode, -eval, scores vector
// files on the analogy and word-similarity sets.
//
//===----------------------------------------------------------------------===//

#include "StepLoader.h"

#ifdef MX_HAVE_MPI
#include "mx/Runtime/Word2VecMpi.h"
#endif
#include "mx/Runtime/Word2VecTrainer.h"
#include "mx/Runtime/Word2VecVectors.h"
#include "mx/Runtime/Word2VecVocab.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <thread>
#include <vector>

using namespace mx::rt::w2v;
using namespace mx::word2vec;

namespace {

const char *const kUsage =
    R"(mx-word2vec: word2vec (skip-gram, negative sampling) on mxir's compiled
HogBatch step. Command line compatible with word2vec.c.

Usage: mx-word2vec -train <file> [-output <file>] [options]
       mpirun -np <N> mx-word2vec -train <file> [-output <file>] [options]
       mx-word2vec -eval <vectors> [-analogy <file>] [-wordsim <file>] [-restrict <n>]

Training (word2vec.c's options):
  -train <file>        corpus: words separated by spaces, tabs and newlines
  -output <file>       word vectors (written atomically)
  -size <int>          vector dimension (100)
  -window <int>        maximum context distance (5)
  -sample <float>      subsampling threshold, 0 = off (1e-3; 1e-4 is common)
  -negative <int>      negative samples per batch (5)
  -min-count <int>     discard words seen fewer times (5)
  -iter <int>          training iterations (5)
  -alpha <float>       starting learning rate (0.025)
  -threads <int>       Hogwild threads (the number of CPUs)
  -binary <0|1>        binary vector format (0)
  -save-vocab <file>   write the vocabulary (word count per line)
  -read-vocab <file>   read the vocabulary instead of counting the corpus
  -debug <int>         0 quiet, 1 summary, 2 progress too (2)
  -cbow 0 -hs 0        accepted (only skip-gram with negative sampling exists)
mxir:
  -batch-size <int>    contexts per step, sharing one set of negatives
                       (2 * window: one step per centre word)
  -precision <p>       fp32 | bf16 | mxfp8 | mxfp6 | mxfp4 | mxint8 (fp32)
  -activations <a>     exact | ktanh (exact)
  -target <t>          host | x86-64-avx2 | x86-64-avx512 | aarch64-neon | aarch64-sve | generic (host)
  -seed <int>          random seed (1); -threads 1 makes the run deterministic
  -step-library <so>   load the step from `mx-compile --model=word2vec
                       --emit=shared` instead of compiling it (same -size,
                       -negative, -batch-size, -precision; checked at startup)
  -step-symbol <name>  its function name (word2vec_step)
  -verify-steps <n>    check the first n steps against the scalar reference
                       (-threads 1; fp32 and bf16)
  -unigram-table <n>   draw negatives from word2vec.c's table of n entries
                       (1e8 in word2vec.c) instead of the exact alias
                       sampler (0, the default: same distribution, no
                       cache misses)
MPI mode (when built with MPI; mpirun -np <N> ...; docs/word2vec.md):
  -sync-period <s>     seconds between sync rounds (0.1)
  -min-sync-words <n>  most frequent rows synced every round; 2^ctz(round)
                       times as many in later rounds, up to all (1024)
  -full-sync-times <n> extra full syncs spread over the run (0)
  -message-size <MB>   largest all-reduce message (1024)
  -mpi-timeout <s>     abort the job when a collective waits longer (300)
  -mpi-allreduce-bench <MB>  time all-reduces of that size instead of training
  (-threads defaults to the CPUs divided by the ranks on the node)
Evaluation:
  -eval <file>         vectors in text or binary format
  -analogy <file>      questions-words.txt: accuracy on the top -restrict words
  -wordsim <file>      word pairs with scores: Spearman's rho
  -restrict <int>      most frequent words used by -analogy (30000)
)";

int fail(const std::string &message) {
  std::fprintf(stderr, "mx-word2vec: error: %s\n", message.c_str());
  return 1;
}

struct Options {
  std::map<std::string, std::string> values;
  bool has(const std::string &name) const { return values.count(name) != 0; }
  std::string get(const std::string &name, const std::string &def) const {
    auto it = values.find(name);
    return it == values.end() ? def : it->second;
  }
};

const char *const kOptionNames[] = {
    "train",    "output",     "size",         "window",      "sample",
    "negative", "min-count",  "iter",         "alpha",       "threads",
    "binary",   "save-vocab", "read-vocab",   "debug",       "cbow",
    "hs",       "classes",    "batch-size",   "precision",   "activations",
    "target",   "seed",       "step-library", "step-symbol", "verify-steps",
    "eval",     "analogy",    "wordsim",      "restrict",    "unigram-table"};

bool parseInt(const Options &options, const std::string &name, int64_t def,
              int64_t min, int64_t &value, std::string &error) {
  if (!options.has(name)) {
    value = def;
    return true;
  }
  const std::string &text = options.values.at(name);
  char *end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || parsed < min) {
    error = "-" + name + " expects an integer >= " + std::to_string(min) +
            ", got '" + text + "'";
    return false;
  }
  value = parsed;
  return true;
}

bool parseFloat(const Options &options, const std::string &name, double def,
                double min, double &value, std::string &error) {
  if (!options.has(name)) {
    value = def;
    return true;
  }
  const std::string &text = options.values.at(name);
  char *end = nullptr;
  double parsed = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(parsed) || parsed < min) {
    error = "-" + name + " expects a number >= " + std::to_string(min) +
            ", got '" + text + "'";
    return false;
  }
  value = parsed;
  return true;
}

int runEval(const Options &options) {
  std::string error;
  WordVectors vectors;
  if (!readVectors(options.get("eval", ""), vectors, error))
    return fail(error);
  int64_t restrict;
  if (!parseInt(options, "restrict", 30000, 1, restrict, error))
    return fail(error);
  std::printf("vectors: %zu words, dim %lld, %s format\n", vectors.words.size(),
              static_cast<long long>(vectors.dim),
              vectors.binary ? "binary" : "text");
  if (options.has("analogy")) {
    AnalogyResult result;
    if (!evaluateAnalogies(vectors, options.get("analogy", ""), restrict,
                           result, error))
      return fail(error);
    auto percent = [](int64_t a, int64_t b) {
      return b ? 100.0 * double(a) / double(b) : 0.0;
    };
    for (const AnalogySection &s : result.sections)
      std::printf("analogy section %s: %.2f%% (%lld / %lld, %lld questions)\n",
                  s.name.c_str(), percent(s.correct, s.evaluated),
                  static_cast<long long>(s.correct),
                  static_cast<long long>(s.evaluated),
                  static_cast<long long>(s.total));
    std::printf("analogy: %.2f%% (%lld / %lld) semantic %.2f%% syntactic "
                "%.2f%%; questions seen %lld of %lld (%.1f%%), top %lld "
                "words\n",
                percent(result.correct, result.evaluated),
                static_cast<long long>(result.correct),
                static_cast<long long>(result.evaluated),
                percent(result.semanticCorrect, result.semanticEvaluated),
                percent(result.syntacticCorrect, result.syntacticEvaluated),
                static_cast<long long>(result.evaluated),
                static_cast<long long>(result.total),
                percent(result.evaluated, result.total),
                static_cast<long long>(restrict));
  }
  if (options.has("wordsim")) {
    SimilarityResult result;
    // Similarity uses the whole vocabulary (gensim's default restrict is
    // 300,000 words).
    if (!evaluateSimilarity(vectors, options.get("wordsim", ""), 300000, result,
                            error))
      return fail(error);
    std::printf(
        "wordsim: spearman %.4f pearson %.4f pairs %lld oov %lld "
        "(%.1f%%)\n",
        result.spearman, result.pearson, static_cast<long long>(result.pairs),
        static_cast<long long>(result.oov),
        result.pairs ? 100.0 * double(result.oov) / double(result.pairs) : 0.0);
  }
  return 0;
}

/// CPU seconds of this process (all threads).
double processCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double wallSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The training options every mode shares, parsed and checked.
struct TrainConfig {
  int64_t size, window, negative, minCount, iter, threads, binary, debug, batch,
      seed, verifySteps, unigramTable;
  double sample, alpha;
  StepSpec spec;
  std::string train, output, saveVocab;
};

bool parseTrainOptions(const Options &options, int64_t defaultThreads,
                       TrainConfig &c, std::string &error) {
  if (!options.has("train")) {
    error = "no corpus: give -train <file> (or -eval <vectors>)";
    return false;
  }
  for (const char *unsupported : {"cbow", "hs"})
    if (options.get(unsupported, "0") != "0") {
      error = std::string("-") + unsupported + " " +
              options.get(unsupported, "") +
              " is not supported: mx-word2vec trains skip-gram with "
              "negative sampling only (use -cbow 0 -hs 0)";
      return false;
    }
  if (options.get("classes", "0") != "0") {
    error = "-classes is not supported (no k-means clustering of the "
            "vectors); omit it";
    return false;
  }
  if (!parseInt(options, "size", 100, 1, c.size, error) ||
      !parseInt(options, "window", 5, 1, c.window, error) ||
      !parseInt(options, "negative", 5, 1, c.negative, error) ||
      !parseInt(options, "min-count", 5, 1, c.minCount, error) ||
      !parseInt(options, "iter", 5, 1, c.iter, error) ||
      !parseInt(options, "threads", defaultThreads, 1, c.threads, error) ||
      !parseInt(options, "binary", 0, 0, c.binary, error) ||
      !parseInt(options, "debug", 2, 0, c.debug, error) ||
      !parseInt(options, "seed", 1, 0, c.seed, error) ||
      !parseInt(options, "verify-steps", 0, 0, c.verifySteps, error) ||
      !parseInt(options, "unigram-table", 0, 0, c.unigramTable, error) ||
      !parseFloat(options, "sample", 1e-3, 0, c.sample, error) ||
      !parseFloat(options, "alpha", 0.025, 0, c.alpha, error))
    return false;
  if (!parseInt(options, "batch-size", 2 * c.window, 1, c.batch, error))
    return false;
  error.clear();
  if (c.binary > 1)
    error = "-binary expects 0 or 1";
  else if (c.size > 100000 || c.window > 1000 || c.negative > 1000 ||
           c.batch > 10000 || c.threads > 1024)
    error = "-size, -window, -negative, -batch-size or -threads is "
            "unreasonably large";
  else if (c.alpha <= 0)
    error = "-alpha must be positive";
  else if (c.verifySteps > 0 && c.threads != 1)
    error = "-verify-steps needs -threads 1";
  if (!error.empty())
    return false;
  c.spec.dim = c.size;
  c.spec.batch = c.batch;
  c.spec.negatives = c.negative;
  c.spec.precision = options.get("precision", "fp32");
  c.spec.activations = options.get("activations", "exact");
  c.spec.target = options.get("target", "host");
  c.spec.library = options.get("step-library", "");
  c.spec.symbol = options.get("step-symbol", "word2vec_step");
  if (c.verifySteps > 0 && c.spec.precision != "fp32" &&
      c.spec.precision != "bf16") {
    error = "-verify-steps supports -precision fp32 and bf16 only (the "
            "reference has no error bound for MX on arbitrary values)";
    return false;
  }
  c.train = options.get("train", "");
  c.output = options.get("output", "");
  c.saveVocab = options.get("save-vocab", "");
  return true;
}

/// The check every mode makes on the vocabulary it trains on.
bool checkVocabularySize(const Vocabulary &vocab, const TrainConfig &c,
                         std::string &error) {
  int64_t words = vocab.size() - 1;
  if (words >= 2 && words > c.window)
    return true;
  error = "the vocabulary has " + std::to_string(words) +
          " words with -min-count " + std::to_string(c.minCount) +
          "; training needs more words than the window (" +
          std::to_string(c.window) +
          "): give a larger corpus or a smaller -min-count";
  return false;
}

TrainerOptions trainerOptionsFor(const TrainConfig &c) {
  TrainerOptions t;
  t.window = c.window;
  t.negative = c.negative;
  t.iterations = c.iter;
  t.threads = c.threads;
  t.sample = c.sample;
  t.alpha = c.alpha;
  t.seed = uint64_t(c.seed);
  t.debug = int(c.debug);
  t.negativeTableSize = c.unigramTable;
  return t;
}

int runTrain(const Options &options) {
  std::string error;
  // Options: all checked before any work.
  TrainConfig c;
  int64_t cpus = std::max<int64_t>(1, std::thread::hardware_concurrency());
  if (!parseTrainOptions(options, cpus, c, error))
    return fail(error);
  const int64_t size = c.size, minCount = c.minCount, iter = c.iter,
                binary = c.binary, debug = c.debug, verifySteps = c.verifySteps;
  const StepSpec &spec = c.spec;
  const std::string &train = c.train, &output = c.output,
                    &saveVocab = c.saveVocab;
  int64_t corpusBytes = fileSize(train, error);
  if (corpusBytes < 0)
    return fail(error);
  if (corpusBytes == 0)
    return fail("the corpus '" + train + "' is empty");
  for (const std::string &path : {output, saveVocab})
    if (!path.empty() && !checkWritable(path, error))
      return fail(error);

  // The step first: a bad -precision or -target fails before the corpus
  // is read.
  LoadedStep loaded;
  if (!loaded.load(spec, error))
    return fail(error);
  std::string message;
  if (!checkStepAgainstReference(loaded.get(), spec, message))
    return fail(message);
  if (debug >= 1)
    std::fprintf(stderr, "step: %s; %s\n", loaded.describe().c_str(),
                 message.c_str());

  // Vocabulary.
  double vocabStart = wallSeconds();
  Vocabulary vocab;
  if (options.has("read-vocab")) {
    if (!vocab.readFromFile(options.get("read-vocab", ""), error))
      return fail(error);
  } else if (!vocab.learnFromFile(train, error)) {
    return fail(error);
  }
  vocab.sortAndPrune(minCount);
  if (!checkVocabularySize(vocab, c, error))
    return fail(error);
  int64_t words = vocab.size() - 1;
  if (debug >= 1)
    std::fprintf(
        stderr, "vocabulary: %lld words, %lld words in train file, %.2f s\n",
        static_cast<long long>(words),
        static_cast<long long>(vocab.trainWords()), wallSeconds() - vocabStart);
  if (!saveVocab.empty() && !vocab.save(saveVocab, error))
    return fail(error);

  Trainer trainer(vocab, trainerOptionsFor(c), loaded.get());
  ReferenceObserver observer(spec, verifySteps);
  if (verifySteps > 0)
    trainer.setStepObserver(&observer);
  if (!trainer.train(train, error))
    return fail(error);
  const TrainerStats &stats = trainer.getStats();
  if (debug >= 1) {
    std::fprintf(stderr,
                 "summary: %lld words x %lld iterations in %.2f s (%.2f "
                 "CPU-s): %.0f words/s, %.0f words per CPU-second; %lld "
                 "steps, %lld pairs; loss %.4f -> %.4f\n",
                 static_cast<long long>(stats.rawWords / iter),
                 static_cast<long long>(iter), stats.seconds, stats.cpuSeconds,
                 double(stats.rawWords) / stats.seconds,
                 double(stats.rawWords) / stats.cpuSeconds,
                 static_cast<long long>(stats.steps),
                 static_cast<long long>(stats.pairs), stats.firstLoss,
                 stats.lastLoss);
  }
  if (verifySteps > 0) {
    std::fprintf(stderr,
                 "verify: %lld steps checked against the scalar reference, "
                 "%lld outside the bounds (max |diff| %.2e, %.2f of the "
                 "bound)\n",
                 static_cast<long long>(observer.checked()),
                 static_cast<long long>(observer.failures()),
                 observer.worstDiff(), observer.worstRatio());
    if (observer.failures() > 0 || observer.checked() == 0)
      return fail(observer.checked() ? "steps differ from the reference"
                                     : "no step was checked");
  }
  if (!output.empty()) {
    std::vector<std::string> names;
    names.reserve(size_t(vocab.size()));
    for (int64_t i = 0; i < vocab.size(); ++i)
      names.push_back(vocab[i].word);
    if (!writeVectors(output, names, trainer.inputVectors(), vocab.size(), size,
                      binary != 0, error))
      return fail(error);
  }
  return 0;
}

/// The options of the MPI mode (docs/word2vec.md); -debug-* are for tests.
const char *const kMpiOptionNames[] = {"sync-period",
                                       "min-sync-words",
                                       "full-sync-times",
                                       "message-size",
                                       "mpi-timeout",
                                       "mpi-allreduce-bench",
                                       "debug-replica-checksum",
                                       "debug-fail-rank",
                                       "debug-fail-how",
                                       "debug-no-final-sync"};

/// The first MPI option given, or "".
std::string firstMpiOption(const Options &options) {
  for (const char *name : kMpiOptionNames)
    if (options.has(name))
      return name;
  return "";
}

/// From the launcher's environment: started by mpirun (or another PMI
/// launcher), and with how many ranks (0 if unknown).
bool underMpiLauncher() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") ||
         std::getenv("PMI_RANK");
}
int64_t launcherRanks() {
  const char *size = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (!size)
    size = std::getenv("PMI_SIZE");
  return size ? std::atoll(size) : 0;
}

#ifdef MX_HAVE_MPI

struct MpiConfig {
  double syncPeriod, messageSize, timeout;
  int64_t minSyncWords, fullSyncTimes, checksum, failRank, noFinalSync;
  std::string failHow;
};

bool parseMpiOptions(const Options &options, MpiConfig &m, std::string &error) {
  if (!parseFloat(options, "sync-period", 0.1, 0, m.syncPeriod, error) ||
      !parseInt(options, "min-sync-words", 1024, 1, m.minSyncWords, error) ||
      !parseInt(options, "full-sync-times", 0, 0, m.fullSyncTimes, error) ||
      !parseFloat(options, "message-size", 1024, 0, m.messageSize, error) ||
      !parseFloat(options, "mpi-timeout", 300, 0, m.timeout, error) ||
      !parseInt(options, "debug-replica-checksum", 0, 0, m.checksum, error) ||
      !parseInt(options, "debug-fail-rank", -1, 0, m.failRank, error) ||
      !parseInt(options, "debug-no-final-sync", 0, 0, m.noFinalSync, error))
    return false;
  m.failHow = options.get("debug-fail-how", "exit");
  error.clear();
  if (m.syncPeriod <= 0 || m.syncPeriod > 3600)
    error = "-sync-period expects seconds in (0, 3600]";
  else if (m.messageSize < 0.001 || m.messageSize > 2047)
    error = "-message-size expects megabytes in [0.001, 2047] (an MPI count "
            "is an int)";
  else if (m.timeout <= 0)
    error = "-mpi-timeout must be positive";
  else if (m.checksum > 1 || m.noFinalSync > 1)
    error = "-debug-replica-checksum and -debug-no-final-sync expect 0 or 1";
  else if (m.failHow != "exit" && m.failHow != "kill" && m.failHow != "hang")
    error = "-debug-fail-how expects exit, kill or hang";
  else if (options.has("debug-fail-how") && m.failRank < 0)
    error = "-debug-fail-how needs -debug-fail-rank";
  return error.empty();
}

/// mpirun -np N mx-word2vec -mpi-allreduce-bench <MB>: the all-reduce
/// cost the sync thread pays, per MB.
int runAllreduceBench(const Options &options, int *argc, char ***argv) {
  std::string error;
  double megabytes;
  if (!parseFloat(options, "mpi-allreduce-bench", 0, 0, megabytes, error))
    return fail(error);
  if (megabytes <= 0 || megabytes > 2047)
    return fail("-mpi-allreduce-bench expects megabytes in (0, 2047]");
  for (const auto &entry : options.values)
    if (entry.first != "mpi-allreduce-bench" && entry.first != "mpi-timeout")
      return fail("-mpi-allreduce-bench takes no other option than "
                  "-mpi-timeout, got -" +
                  entry.first);
  double timeout;
  if (!parseFloat(options, "mpi-timeout", 300, 0, timeout, error))
    return fail(error);
  mx::rt::w2v::mpi::Cluster cluster;
  if (!cluster.init(argc, argv, error)) {
    cluster.finalize();
    return fail(error);
  }
  cluster.setTimeout(timeout);
  const int64_t repeats = 10;
  double seconds = cluster.benchmarkAllreduce(megabytes, repeats);
  if (cluster.rank() == 0)
    std::printf("allreduce: %d ranks, %.3f MB of floats: median %.6f s of %lld "
                "(%.6f s per MB, %.1f MB/s)\n",
                cluster.size(), megabytes, seconds,
                static_cast<long long>(repeats), seconds / megabytes,
                megabytes / seconds);
  cluster.finalize();
  return 0;
}

/// One rank of `mpirun -np N mx-word2vec -train ...`.
int runTrainMpi(const Options &options, int *argc, char ***argv) {
  using namespace mx::rt::w2v::mpi;
  std::string error;
  // Options first, before MPI: every rank sees the same command line, so
  // every rank reports the same error.
  TrainConfig c;
  MpiConfig m;
  int64_t cpus = std::max<int64_t>(1, std::thread::hardware_concurrency());
  int64_t local = std::max<int64_t>(1, launcherLocalSize());
  if (!parseTrainOptions(options, std::max<int64_t>(1, cpus / local), c,
                         error) ||
      !parseMpiOptions(options, m, error))
    return fail(error);
  if (c.verifySteps > 0)
    return fail("-verify-steps is not supported under mpirun (run it in one "
                "process)");

  Cluster cluster;
  if (!cluster.init(argc, argv, error)) {
    cluster.finalize();
    return fail(error);
  }
  cluster.setTimeout(m.timeout);
  const int rank = cluster.rank(), ranks = cluster.size();
  const std::string tag = cluster.tag();
  // An error every rank knows about: print it on each, then leave
  // together (MPI_Finalize), so the launcher sees every rank fail.
  auto stop = [&](const std::string &message) {
    std::fprintf(stderr, "mx-word2vec: error: %s%s\n", tag.c_str(),
                 message.c_str());
    std::fflush(stderr);
    cluster.finalize();
    return 1;
  };
  const double timeout = m.timeout;
  if (m.failRank >= ranks)
    return stop("-debug-fail-rank " + std::to_string(m.failRank) +
                " is not a rank of this job (" + std::to_string(ranks) +
                " ranks)");

  // The corpus must exist on every rank; the outputs are rank 0's.
  int64_t corpusBytes = fileSize(c.train, error);
  bool ok = corpusBytes >= 0;
  if (ok && corpusBytes == 0) {
    ok = false;
    error = "the corpus '" + c.train + "' is empty";
  }
  if (!cluster.agree(ok, error, "the corpus check", timeout))
    return stop(error);
  ok = true;
  if (rank == 0)
    for (const std::string &path : {c.output, c.saveVocab})
      if (ok && !path.empty() && !checkWritable(path, error))
        ok = false;
  if (!cluster.agree(ok, error, "the output check", timeout))
    return stop(error);

  // The step, on every rank (compile times differ: no timeout).
  LoadedStep loaded;
  std::string message;
  ok = loaded.load(c.spec, error);
  if (ok && !checkStepAgainstReference(loaded.get(), c.spec, message)) {
    ok = false;
    error = message;
  }
  if (!cluster.agree(ok, error, "loading the step", kNoTimeout))
    return stop(error);
  if (rank == 0 && c.debug >= 1)
    std::fprintf(stderr, "step: %s; %s\n", loaded.describe().c_str(),
                 message.c_str());

  // The vocabulary: read by every rank, or counted once by rank 0 (the
  // others wait as long as that takes) and broadcast.
  double vocabStart = wallSeconds();
  Vocabulary vocab;
  if (options.has("read-vocab")) {
    ok = vocab.readFromFile(options.get("read-vocab", ""), error);
    if (!cluster.agree(ok, error, "reading the vocabulary", kNoTimeout))
      return stop(error);
    vocab.sortAndPrune(c.minCount);
  } else {
    ok = rank != 0 || vocab.learnFromFile(c.train, error);
    if (!cluster.agree(ok, error, "counting the vocabulary", kNoTimeout))
      return stop(error);
    if (rank == 0)
      vocab.sortAndPrune(c.minCount);
    cluster.broadcastVocabulary(vocab, c.minCount);
  }
  if (!checkVocabularySize(vocab, c, error))
    return stop(error);
  if (rank == 0 && c.debug >= 1)
    std::fprintf(
        stderr, "vocabulary: %lld words, %lld words in train file, %.2f s\n",
        static_cast<long long>(vocab.size() - 1),
        static_cast<long long>(vocab.trainWords()), wallSeconds() - vocabStart);
  ok = rank != 0 || c.saveVocab.empty() || vocab.save(c.saveVocab, error);
  if (!cluster.agree(ok, error, "saving the vocabulary", timeout))
    return stop(error);

  // Rank r trains parts r T .. r T + T - 1 of P T; alpha decays over the
  // words of all ranks; the same seed gives every replica the same start.
  TrainerOptions trainerOptions = trainerOptionsFor(c);
  trainerOptions.parts = int64_t(ranks) * c.threads;
  trainerOptions.firstPart = int64_t(rank) * c.threads;
  trainerOptions.globalTrainWords = vocab.trainWords();
  trainerOptions.debug = rank == 0 ? int(c.debug) : 0;
  // A thread sees at least ~100 updates of the global count (alpha, the
  // loss windows) even on tiny shards; 10,000 words as word2vec.c else.
  trainerOptions.chunkWords = std::clamp<int64_t>(
      c.iter * vocab.trainWords() / (trainerOptions.parts * 100), 500, 10000);
  Trainer trainer(vocab, trainerOptions, loaded.get());
  MpiWordCounter counter(ranks);
  trainer.setWordCounter(&counter);
  if (rank == m.failRank && m.failHow != "hang")
    trainer.setChunkHook([&](int64_t thread, int64_t) {
      if (thread != 0)
        return;
      std::fprintf(stderr,
                   "mx-word2vec: error: %s-debug-fail-rank: this rank fails "
                   "now (%s)\n",
                   tag.c_str(), m.failHow.c_str());
      std::fflush(stderr);
      if (m.failHow == "kill")
        std::raise(SIGKILL);
      std::_Exit(1);
    });

  double loadStart = wallSeconds(), cpuStart = processCpuSeconds();
  ok = trainer.load(c.train, error);
  if (!cluster.agree(ok, error, "reading the corpus", kNoTimeout))
    return stop(error);

  SyncOptions syncOptions;
  syncOptions.syncPeriod = m.syncPeriod;
  syncOptions.minSyncWords = m.minSyncWords;
  syncOptions.fullSyncTimes = m.fullSyncTimes;
  syncOptions.messageSizeMB = m.messageSize;
  syncOptions.totalWords = c.iter * vocab.trainWords();
  syncOptions.skipFinalSync = m.noFinalSync != 0;
  syncOptions.debug = int(c.debug);
  syncOptions.hang = rank == m.failRank && m.failHow == "hang";
  ModelSync sync(cluster, trainer, counter, syncOptions);
  double runStart = wallSeconds();
  sync.start();
  trainer.run();
  double computeEnd = wallSeconds();
  sync.finish();
  double runEnd = wallSeconds(), cpu = processCpuSeconds() - cpuStart;

  // Global statistics for rank 0's summary.
  const TrainerStats &stats = trainer.getStats();
  const SyncStats &syncStats = sync.getStats();
  double totals[8] = {double(stats.rawWords),       double(stats.steps),
                      double(stats.pairs),          stats.firstLossSum,
                      double(stats.firstLossPairs), stats.lastLossSum,
                      double(stats.lastLossPairs),  cpu};
  cluster.allreduceSum(totals, 8, "the statistics", timeout);
  if (rank == 0 && c.debug >= 1) {
    double wall = runEnd - loadStart;
    std::fprintf(
        stderr,
        "summary: %lld words x %lld iterations in %.2f s (%.2f CPU-s): %.0f "
        "words/s, %.0f words per CPU-second; %lld steps, %lld pairs; loss "
        "%.4f -> %.4f\n",
        static_cast<long long>(totals[0] / double(c.iter) + 0.5),
        static_cast<long long>(c.iter), wall, totals[7], totals[0] / wall,
        totals[0] / totals[7], static_cast<long long>(totals[1]),
        static_cast<long long>(totals[2]),
        totals[4] > 0 ? totals[3] / totals[4] : 0.0,
        totals[6] > 0 ? totals[5] / totals[6] : 0.0);
    // The share of this rank's computing time its sync thread spent in
    // all-reduce calls (it overlaps the compute threads); then the time
    // rank 0 waited for slower ranks, and the final sync.
    double computing = computeEnd - runStart;
    std::fprintf(
        stderr,
        "mpi: %d ranks x %lld compute threads; %lld sync rounds (%lld extra "
        "full), %.1f MB all-reduced per rank; allreduce %.3f s = %.1f%% of "
        "%.2f s computing (rounds %.3f s); then %.3f s waiting for other "
        "ranks, final sync %.3f s; sync thread CPU %.3f s = %.1f%% of rank "
        "0's\n",
        ranks, static_cast<long long>(c.threads),
        static_cast<long long>(syncStats.rounds),
        static_cast<long long>(syncStats.fullSyncs),
        syncStats.bytes / 1048576.0, syncStats.allreduceSeconds,
        computing > 0 ? 100.0 * syncStats.allreduceSeconds / computing : 0.0,
        computing, syncStats.syncSeconds, syncStats.tailSeconds,
        syncStats.finalSeconds, syncStats.cpuSeconds,
        cpu > 0 ? 100.0 * syncStats.cpuSeconds / cpu : 0.0);
  }
  if (m.checksum) {
    std::printf("replica checksum rank %d: %016llx\n", rank,
                static_cast<unsigned long long>(replicaChecksum(trainer)));
    std::fflush(stdout);
  }

  // Only rank 0 writes (atomically); every rank learns whether it could.
  ok = true;
  if (rank == 0 && !c.output.empty()) {
    std::vector<std::string> names;
    names.reserve(size_t(vocab.size()));
    for (int64_t i = 0; i < vocab.size(); ++i)
      names.push_back(vocab[i].word);
    ok = writeVectors(c.output, names, trainer.inputVectors(), vocab.size(),
                      c.size, c.binary != 0, error);
  }
  if (!cluster.agree(ok, error, "writing the output", timeout))
    return stop(error);
  cluster.finalize();
  return 0;
}

#endif // MX_HAVE_MPI

} // namespace

int main(int argc, char **argv) {
  if (argc == 1) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "-help" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::string name = arg.size() > 1 && arg[0] == '-' ? arg.substr(1) : "";
    if (name.size() > 1 && name[0] == '-')
      name = name.substr(1); // --size works too
    bool known = false;
    for (const char *option : kOptionNames)
      known |= name == option;
    for (const char *option : kMpiOptionNames)
      known |= name == option;
    if (!known)
      return fail("unknown option '" + arg + "' (see mx-word2vec -help)");
    if (i + 1 >= argc)
      return fail("option '" + arg + "' needs a value");
    if (options.has(name))
      return fail("option '" + arg + "' given twice");
    options.values[name] = argv[++i];
  }
  // One process, or one rank of an MPI job.
  const bool launched = underMpiLauncher();
  const std::string mpiOption = firstMpiOption(options);
#ifdef MX_HAVE_MPI
  if (!mpiOption.empty() && !launched)
    return fail("-" + mpiOption +
                " is an option of the MPI mode: start mx-word2vec with "
                "mpirun -np <N> (see docs/word2vec.md)");
#else
  if (!mpiOption.empty())
    return fail("-" + mpiOption +
                " is an option of the MPI mode, but this mx-word2vec was "
                "built without MPI (install libopenmpi-dev, see "
                "scripts/setup.sh, and rebuild)");
  if (launched && launcherRanks() > 1)
    return fail("started by mpirun with " + std::to_string(launcherRanks()) +
                " ranks, but this mx-word2vec was built without MPI: every "
                "rank would train alone (install libopenmpi-dev, see "
                "scripts/setup.sh, and rebuild)");
#endif
  if (options.has("eval")) {
    if (options.has("train"))
      return fail("give either -train or -eval, not both");
    if (launched && launcherRanks() > 1)
      return fail("-eval runs in one process: start it without mpirun");
    return runEval(options);
  }
#ifdef MX_HAVE_MPI
  if (options.has("mpi-allreduce-bench"))
    return runAllreduceBench(options, &argc, &argv);
  if (launched)
    return runTrainMpi(options, &argc, &argv);
#endif
  return runTrain(options);
}
