//===- Word2VecVocab.h - word2vec corpus reading and vocabulary -*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The corpus side of the word2vec trainer, with word2vec.c's semantics:
//
// - Words are separated by space, tab and newline; '\r' is ignored; every
//   newline is the sentence end `</s>`, which is word 0 of the vocabulary.
// - Vocabulary: counts of every word; while counting, when the table holds
//   more than `reduceThreshold` words (word2vec.c: 0.7 x 30M) every word
//   seen at most `minReduce` times is dropped and `minReduce` grows by one;
//   then words below `minCount` are removed (except `</s>`) and the rest
//   sorted by descending count (ties keep first-seen order, as glibc's
//   qsort does for word2vec.c).
// - Subsampling keeps word w with probability
//   sqrt(t/f) + t/f, t = sample * trainWords, f = count(w).
// - Negatives are drawn from a 1e8-entry table of unigram^0.75.
//
// Plain C++17, no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef MX_RUNTIME_WORD2VECVOCAB_H
#define MX_RUNTIME_WORD2VECVOCAB_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace mx::rt::w2v {

/// Longest word kept, in bytes (word2vec.c's MAX_STRING - 1); longer
/// words are cut at a UTF-8 character boundary.
constexpr size_t kMaxWordBytes = 99;
/// word2vec.c's MAX_SENTENCE_LENGTH.
constexpr int64_t kMaxSentence = 1000;
/// The sentence-end token.
constexpr std::string_view kSentenceEnd = "</s>";

/// word2vec.c's linear congruential generator.
struct Lcg {
  uint64_t state;
  explicit Lcg(uint64_t seed) : state(seed) {}
  uint64_t next() {
    state = state * 25214903917ULL + 11;
    return state;
  }
};

/// Reads the words of one byte range of a file, word2vec.c's tokenization.
/// A range that starts inside a word skips to the next word; a word belongs
/// to the range its first byte is in, so ranges that tile the file see
/// every word once.
class WordReader {
public:
  /// Opens `path`; check `error()` afterwards.
  WordReader(const std::string &path, int64_t begin = 0, int64_t end = -1);
  ~WordReader();
  WordReader(const WordReader &) = delete;
  WordReader &operator=(const WordReader &) = delete;

  /// The next word (`</s>` for a newline), valid until the next call;
  /// false at the end of the range or on error (see `error()`).
  bool next(std::string_view &word);
  /// Empty unless the file could not be read, holds a NUL byte (binary
  /// data) or is not valid UTF-8; the message names the byte offset.
  const std::string &error() const { return errorMessage; }
  /// Byte offset of the next unread byte.
  int64_t offset() const { return position; }

private:
  bool fill();
  bool fail(const std::string &message);

  std::FILE *file = nullptr;
  std::string path;
  std::vector<char> buffer;
  size_t bufferPos = 0, bufferEnd = 0;
  int64_t position = 0, end = -1;
  std::string word;
  std::string errorMessage;
  bool pendingNewline = false;
};

/// Size of the file at `path`, or -1 (with `error` set) if it cannot be
/// opened or is not a regular file.
int64_t fileSize(const std::string &path, std::string &error);

struct VocabWord {
  std::string word;
  int64_t count = 0;
};

class Vocabulary {
public:
  Vocabulary();

  /// Counts every word of the file (the vocabulary pass of word2vec.c,
  /// including its reduction when the table outgrows `reduceThreshold`).
  /// False with `error` set on unreadable, binary or non-UTF-8 input.
  bool learnFromFile(const std::string &path, std::string &error,
                     int64_t reduceThreshold = 21000000);
  /// Reads a file written by `save` (or word2vec.c's -save-vocab): one
  /// "word count" per line.
  bool readFromFile(const std::string &path, std::string &error);
  /// Writes "word count" lines, atomically.
  bool save(const std::string &path, std::string &error) const;

  /// Adds `count` occurrences of `word`.
  void add(std::string_view word, int64_t count = 1);
  /// word2vec.c's ReduceVocab: drops every word (but `</s>`) with count <=
  /// `minReduce`, then increments `minReduce`.
  void reduce();
  /// word2vec.c's SortVocab: `</s>` first, words below `minCount` removed,
  /// the rest by descending count, ties in first-seen order. Recomputes
  /// `trainWords`.
  void sortAndPrune(int64_t minCount);

  /// Index of `word`, -1 if absent.
  int32_t find(std::string_view word) const;
  int64_t size() const { return int64_t(words.size()); }
  const VocabWord &operator[](int64_t i) const { return words[i]; }
  /// Sum of all counts (after sortAndPrune: of the kept words), `</s>`
  /// included, as word2vec.c's train_words.
  int64_t trainWords() const { return totalWords; }
  /// Words read by learnFromFile, `</s>` excluded (`wc -w`).
  int64_t rawWords() const { return rawWordCount; }
  int64_t minReduce() const { return minReduceCount; }

private:
  void rebuildHash();
  uint64_t hash(std::string_view word) const;

  std::vector<VocabWord> words;
  std::vector<int32_t> table; // open addressing, -1 = empty
  int64_t totalWords = 0, rawWordCount = 0;
  int64_t minReduceCount = 1;
};

/// Probability that subsampling keeps a word seen `count` times out of
/// `trainWords`, at threshold `sample` (> 0); may exceed 1.
double keepProbability(int64_t count, int64_t trainWords, double sample);

/// The unigram^0.75 table: entry i is the word whose cumulative share of
/// sum(count^0.75) first exceeds i / size (word2vec.c's InitUnigramTable,
/// with the sum in double precision).
std::vector<int32_t> buildNegativeTable(const Vocabulary &vocab,
                                        int64_t size = 100000000);

/// Draws words from the unigram^0.75 distribution exactly (Walker's alias
/// method: V entries, so it stays in cache, unlike the 400 MB table whose
/// random reads are cache misses). Like word2vec.c's table it includes
/// `</s>` (word 0); the trainer replaces a 0 as word2vec.c does.
class UnigramSampler {
public:
  explicit UnigramSampler(const Vocabulary &vocab);
  /// One word; consumes two outputs of `random`.
  int32_t draw(Lcg &random) const {
    uint64_t r = random.next();
    size_t i = size_t((r >> 16) % uint64_t(probability.size()));
    float u = float((random.next() >> 40) & 0xFFFFFF) * 0x1p-24f;
    return u < probability[i] ? int32_t(i) : alias[i];
  }
  /// The probability of word `w` as this sampler draws it (for tests).
  double probabilityOf(int32_t w) const;

private:
  std::vector<float> probability;
  std::vector<int32_t> alias;
};

} // namespace mx::rt::w2v

#endif // MX_RUNTIME_WORD2VECVOCAB_H
