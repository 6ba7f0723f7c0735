//===- Word2VecVectors.h - word vector files and their evaluation -*- C++ -*-=//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The word2vec vector formats (word2vec.c's, read by gensim's
// KeyedVectors.load_word2vec_format):
//
//   text:   "V D\n", then per word "word v1 v2 ... vD \n" (%lf)
//   binary: "V D\n", then per word "word " + D little-endian floats + "\n"
//
// and the two standard evaluations:
//
// - Analogy (word2vec.c's compute-accuracy): only the `restrict` most
//   frequent words (the first in the file) take part, words compared case
//   insensitively; a question counts only when its four words are among
//   them; the answer is argmax cos(w, b - a + c) over them, excluding a, b
//   and c (on unit vectors). Sections starting with "gram" are syntactic,
//   the others semantic.
// - Word similarity: Spearman's rho (average ranks for ties) between the
//   human scores and the cosine similarities of the pairs whose words are
//   in the vocabulary; the out-of-vocabulary pairs are counted.
//
// Output files are written atomically: to a temporary file in the same
// directory, renamed into place on success, removed otherwise.
//
//===----------------------------------------------------------------------===//

#ifndef MX_RUNTIME_WORD2VECVECTORS_H
#define MX_RUNTIME_WORD2VECVECTORS_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace mx::rt::w2v {

/// A file written to `path.tmp-XXXXXX` and renamed to `path` by commit();
/// removed if not committed.
class AtomicFile {
public:
  AtomicFile() = default;
  ~AtomicFile();
  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;

  bool open(const std::string &path, std::string &error);
  std::FILE *stream() { return file; }
  /// Flushes, closes and renames; false (and the temporary removed) on any
  /// write error.
  bool commit(std::string &error);

private:
  std::FILE *file = nullptr;
  std::string path, tempPath;
};

/// Checks that `path` can be created (its directory exists and is
/// writable), without creating it.
bool checkWritable(const std::string &path, std::string &error);

/// Writes `rows` vectors of `dim` floats (row-major in `data`), named
/// `words[i]`, in the text or binary format, atomically.
bool writeVectors(const std::string &path,
                  const std::vector<std::string> &words, const float *data,
                  int64_t rows, int64_t dim, bool binary, std::string &error);

struct WordVectors {
  std::vector<std::string> words;
  std::vector<float> data; // words.size() x dim
  int64_t dim = 0;
  bool binary = false;
};

/// Reads either format (detected from the bytes after the first word).
bool readVectors(const std::string &path, WordVectors &vectors,
                 std::string &error);

struct AnalogySection {
  std::string name;
  int64_t correct = 0, evaluated = 0, total = 0;
};

struct AnalogyResult {
  std::vector<AnalogySection> sections;
  int64_t correct = 0, evaluated = 0, total = 0;
  int64_t semanticCorrect = 0, semanticEvaluated = 0;
  int64_t syntacticCorrect = 0, syntacticEvaluated = 0;
};

bool evaluateAnalogies(const WordVectors &vectors,
                       const std::string &questionsPath, int64_t restrict,
                       AnalogyResult &result, std::string &error);

struct SimilarityResult {
  double spearman = 0, pearson = 0;
  int64_t pairs = 0, oov = 0;
};

bool evaluateSimilarity(const WordVectors &vectors, const std::string &path,
                        int64_t restrict, SimilarityResult &result,
                        std::string &error);

/// Spearman's rho of two equally long samples (average ranks for ties).
double spearman(const std::vector<double> &x, const std::vector<double> &y);

} // namespace mx::rt::w2v

#endif // MX_RUNTIME_WORD2VECVECTORS_H
