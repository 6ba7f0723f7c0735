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

#include "mx/Runtime/Word2VecTrainer.h"
#include "mx/Runtime/Word2VecVectors.h"
#include "mx/Runtime/Word2VecVocab.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
  -target <t>          host | x86-64-avx512 | aarch64-neon | generic (host)
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

double wallSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int runTrain(const Options &options) {
  std::string error;
  // Options: all checked before any work.
  if (!options.has("train"))
    return fail("no corpus: give -train <file> (or -eval <vectors>)");
  for (const char *unsupported : {"cbow", "hs"})
    if (options.get(unsupported, "0") != "0")
      return fail(std::string("-") + unsupported + " " +
                  options.get(unsupported, "") +
                  " is not supported: mx-word2vec trains skip-gram with "
                  "negative sampling only (use -cbow 0 -hs 0)");
  if (options.get("classes", "0") != "0")
    return fail("-classes is not supported (no k-means clustering of the "
                "vectors); omit it");
  int64_t size, window, negative, minCount, iter, threads, binary, debug, batch,
      seed, verifySteps, unigramTable;
  double sample, alpha;
  int64_t cpus = std::max<int64_t>(1, std::thread::hardware_concurrency());
  if (!parseInt(options, "size", 100, 1, size, error) ||
      !parseInt(options, "window", 5, 1, window, error) ||
      !parseInt(options, "negative", 5, 1, negative, error) ||
      !parseInt(options, "min-count", 5, 1, minCount, error) ||
      !parseInt(options, "iter", 5, 1, iter, error) ||
      !parseInt(options, "threads", cpus, 1, threads, error) ||
      !parseInt(options, "binary", 0, 0, binary, error) ||
      !parseInt(options, "debug", 2, 0, debug, error) ||
      !parseInt(options, "seed", 1, 0, seed, error) ||
      !parseInt(options, "verify-steps", 0, 0, verifySteps, error) ||
      !parseInt(options, "unigram-table", 0, 0, unigramTable, error) ||
      !parseFloat(options, "sample", 1e-3, 0, sample, error) ||
      !parseFloat(options, "alpha", 0.025, 0, alpha, error))
    return fail(error);
  if (!parseInt(options, "batch-size", 2 * window, 1, batch, error))
    return fail(error);
  if (binary > 1)
    return fail("-binary expects 0 or 1");
  if (size > 100000 || window > 1000 || negative > 1000 || batch > 10000 ||
      threads > 1024)
    return fail("-size, -window, -negative, -batch-size or -threads is "
                "unreasonably large");
  if (alpha <= 0)
    return fail("-alpha must be positive");
  if (verifySteps > 0 && threads != 1)
    return fail("-verify-steps needs -threads 1");
  StepSpec spec;
  spec.dim = size;
  spec.batch = batch;
  spec.negatives = negative;
  spec.precision = options.get("precision", "fp32");
  spec.activations = options.get("activations", "exact");
  spec.target = options.get("target", "host");
  spec.library = options.get("step-library", "");
  spec.symbol = options.get("step-symbol", "word2vec_step");
  if (verifySteps > 0 && spec.precision != "fp32" && spec.precision != "bf16")
    return fail("-verify-steps supports -precision fp32 and bf16 only (the "
                "reference has no error bound for MX on arbitrary values)");

  const std::string train = options.get("train", "");
  const std::string output = options.get("output", "");
  const std::string saveVocab = options.get("save-vocab", "");
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
  int64_t words = vocab.size() - 1;
  if (words < 2 || words <= window)
    return fail("the vocabulary has " + std::to_string(words) +
                " words with -min-count " + std::to_string(minCount) +
                "; training needs more words than the window (" +
                std::to_string(window) +
                "): give a larger corpus or a smaller -min-count");
  if (debug >= 1)
    std::fprintf(
        stderr, "vocabulary: %lld words, %lld words in train file, %.2f s\n",
        static_cast<long long>(words),
        static_cast<long long>(vocab.trainWords()), wallSeconds() - vocabStart);
  if (!saveVocab.empty() && !vocab.save(saveVocab, error))
    return fail(error);

  TrainerOptions trainerOptions;
  trainerOptions.window = window;
  trainerOptions.negative = negative;
  trainerOptions.iterations = iter;
  trainerOptions.threads = threads;
  trainerOptions.sample = sample;
  trainerOptions.alpha = alpha;
  trainerOptions.seed = uint64_t(seed);
  trainerOptions.debug = int(debug);
  trainerOptions.negativeTableSize = unigramTable;
  Trainer trainer(vocab, trainerOptions, loaded.get());
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
    if (!known)
      return fail("unknown option '" + arg + "' (see mx-word2vec -help)");
    if (i + 1 >= argc)
      return fail("option '" + arg + "' needs a value");
    if (options.has(name))
      return fail("option '" + arg + "' given twice");
    options.values[name] = argv[++i];
  }
  if (options.has("eval")) {
    if (options.has("train"))
      return fail("give either -train or -eval, not both");
    return runEval(options);
  }
  return runTrain(options);
}
