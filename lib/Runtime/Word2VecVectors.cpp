//===- Word2VecVectors.cpp - word vector files and their evaluation -------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Runtime/Word2VecVectors.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>

using namespace mx::rt::w2v;

//===----------------------------------------------------------------------===//
// Atomic output
//===----------------------------------------------------------------------===//

AtomicFile::~AtomicFile() {
  if (file) {
    std::fclose(file);
    std::remove(tempPath.c_str());
  }
}

bool AtomicFile::open(const std::string &target, std::string &error) {
  path = target;
  tempPath = target + ".tmp-XXXXXX";
  int fd = ::mkstemp(tempPath.data());
  if (fd < 0) {
    error = "cannot write '" + target + "': " + std::strerror(errno);
    return false;
  }
  ::fchmod(fd, 0644);
  file = ::fdopen(fd, "wb");
  if (!file) {
    error = "cannot write '" + target + "': " + std::strerror(errno);
    ::close(fd);
    std::remove(tempPath.c_str());
    return false;
  }
  return true;
}

bool AtomicFile::commit(std::string &error) {
  bool ok = std::fflush(file) == 0 && !std::ferror(file);
  int savedErrno = errno;
  ok = std::fclose(file) == 0 && ok;
  file = nullptr;
  if (ok && std::rename(tempPath.c_str(), path.c_str()) == 0)
    return true;
  error =
      "cannot write '" + path + "': " + std::strerror(ok ? errno : savedErrno);
  std::remove(tempPath.c_str());
  return false;
}

bool mx::rt::w2v::checkWritable(const std::string &path, std::string &error) {
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  if (dir.empty())
    dir = "/";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    error = "cannot write '" + path + "': directory '" + dir +
            "': " + std::strerror(errno);
    return false;
  }
  if (::access(path.c_str(), F_OK) == 0 && ::access(path.c_str(), W_OK) != 0) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

bool mx::rt::w2v::writeVectors(const std::string &path,
                               const std::vector<std::string> &words,
                               const float *data, int64_t rows, int64_t dim,
                               bool binary, std::string &error) {
  AtomicFile out;
  if (!out.open(path, error))
    return false;
  std::FILE *f = out.stream();
  std::vector<char> buffer(1 << 20);
  std::setvbuf(f, buffer.data(), _IOFBF, buffer.size());
  std::fprintf(f, "%lld %lld\n", static_cast<long long>(rows),
               static_cast<long long>(dim));
  for (int64_t r = 0; r < rows; ++r) {
    std::fputs(words[r].c_str(), f);
    std::fputc(' ', f);
    const float *row = data + r * dim;
    if (binary) {
      std::fwrite(row, sizeof(float), size_t(dim), f);
    } else {
      for (int64_t d = 0; d < dim; ++d)
        std::fprintf(f, "%lf ", double(row[d]));
    }
    std::fputc('\n', f);
  }
  bool ok = out.commit(error);
  return ok;
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

namespace {

bool readFileBytes(const std::string &path, std::string &bytes,
                   std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::ostringstream os;
  os << in.rdbuf();
  bytes = os.str();
  return true;
}

std::string upper(std::string s) {
  for (char &c : s)
    c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

} // namespace

bool mx::rt::w2v::readVectors(const std::string &path, WordVectors &vectors,
                              std::string &error) {
  std::string bytes;
  if (!readFileBytes(path, bytes, error))
    return false;
  const char *p = bytes.data(), *end = bytes.data() + bytes.size();
  auto bad = [&](const std::string &what) {
    error = "'" + path + "' is not a word2vec vector file: " + what;
    return false;
  };
  char *next = nullptr;
  long long rows = std::strtoll(p, &next, 10);
  if (next == p)
    return bad("no 'words dim' header");
  p = next;
  long long dim = std::strtoll(p, &next, 10);
  if (next == p || rows < 0 || dim < 1 || dim > (1 << 20))
    return bad("no 'words dim' header");
  p = next;
  while (p < end && *p != '\n')
    ++p;
  if (p < end)
    ++p;
  vectors.dim = dim;
  vectors.words.clear();
  vectors.data.assign(size_t(rows * dim), 0.0f);
  // Binary if the bytes after the first word are not a line of numbers.
  const char *firstWordEnd =
      static_cast<const char *>(std::memchr(p, ' ', size_t(end - p)));
  bool binary = false;
  if (rows > 0) {
    if (!firstWordEnd)
      return bad("truncated");
    const char *q = firstWordEnd + 1;
    size_t n = std::min<size_t>(size_t(end - q), size_t(4 * dim));
    for (size_t i = 0; i < n && !binary; ++i)
      if (!std::strchr("0123456789.-+eE \tnaifNAIF\r\n", q[i]) || q[i] == 0)
        binary = true;
  }
  vectors.binary = binary;
  for (long long r = 0; r < rows; ++r) {
    while (p < end && (*p == '\n' || *p == ' ' || *p == '\r' || *p == '\t'))
      ++p;
    const char *wordStart = p;
    while (p < end && *p != ' ')
      ++p;
    if (p >= end)
      return bad("truncated at word " + std::to_string(r));
    vectors.words.emplace_back(wordStart, p);
    ++p;
    float *row = &vectors.data[size_t(r * dim)];
    if (binary) {
      if (end - p < 4 * dim)
        return bad("truncated at word " + std::to_string(r));
      std::memcpy(row, p, size_t(4 * dim));
      p += 4 * dim;
    } else {
      for (long long d = 0; d < dim; ++d) {
        // strtof stops at the end of the buffer: the file ends with '\n'.
        float value = std::strtof(p, &next);
        if (next == p)
          return bad("bad number in the vector of '" + vectors.words.back() +
                     "'");
        row[d] = value;
        p = next;
      }
    }
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Evaluation
//===----------------------------------------------------------------------===//

namespace {

/// Unit-normalised copy of the first `rows` vectors, and an upper-cased
/// word index (first occurrence wins).
struct Normalised {
  std::vector<float> data;
  std::unordered_map<std::string, int64_t> index;
  int64_t rows, dim;

  Normalised(const WordVectors &vectors, int64_t restrict) {
    dim = vectors.dim;
    rows = std::min<int64_t>(int64_t(vectors.words.size()), restrict);
    data.assign(vectors.data.begin(), vectors.data.begin() + rows * dim);
    for (int64_t r = 0; r < rows; ++r) {
      float *row = &data[size_t(r * dim)];
      double norm = 0;
      for (int64_t d = 0; d < dim; ++d)
        norm += double(row[d]) * row[d];
      norm = std::sqrt(norm);
      if (norm > 0)
        for (int64_t d = 0; d < dim; ++d)
          row[d] = float(row[d] / norm);
      index.emplace(upper(vectors.words[r]), r);
    }
  }
  int64_t find(const std::string &word) const {
    auto it = index.find(upper(word));
    return it == index.end() ? -1 : it->second;
  }
  const float *row(int64_t r) const { return &data[size_t(r * dim)]; }
};

std::vector<double> ranks(const std::vector<double> &x) {
  std::vector<size_t> order(x.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> result(x.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]])
      ++j;
    double rank = (double(i) + double(j)) / 2 + 1;
    for (size_t k = i; k <= j; ++k)
      result[order[k]] = rank;
    i = j + 1;
  }
  return result;
}

double pearson(const std::vector<double> &x, const std::vector<double> &y) {
  size_t n = x.size();
  if (n < 2)
    return 0;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= double(n);
  my /= double(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0 || syy == 0)
    return 0;
  return sxy / std::sqrt(sxx * syy);
}

} // namespace

double mx::rt::w2v::spearman(const std::vector<double> &x,
                             const std::vector<double> &y) {
  return pearson(ranks(x), ranks(y));
}

bool mx::rt::w2v::evaluateAnalogies(const WordVectors &vectors,
                                    const std::string &questionsPath,
                                    int64_t restrict, AnalogyResult &result,
                                    std::string &error) {
  std::ifstream in(questionsPath);
  if (!in) {
    error = "cannot open '" + questionsPath + "': " + std::strerror(errno);
    return false;
  }
  Normalised vocab(vectors, restrict);
  const int64_t dim = vocab.dim;
  std::vector<float> target(static_cast<size_t>(dim), 0.0f);
  std::string line;
  int64_t lineNumber = 0;
  while (std::getline(in, line)) {
    ++lineNumber;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      continue;
    if (line[0] == ':') {
      std::string name = line.substr(1);
      name.erase(0, name.find_first_not_of(' '));
      result.sections.push_back({name});
      continue;
    }
    if (result.sections.empty())
      result.sections.push_back({"(no section)"});
    std::istringstream words(line);
    std::string w[4];
    if (!(words >> w[0] >> w[1] >> w[2] >> w[3])) {
      error = questionsPath + ":" + std::to_string(lineNumber) +
              ": expected four words";
      return false;
    }
    AnalogySection &section = result.sections.back();
    ++section.total;
    int64_t id[4];
    bool known = true;
    for (int i = 0; i < 4; ++i)
      known &= (id[i] = vocab.find(w[i])) >= 0;
    if (!known)
      continue;
    ++section.evaluated;
    const float *a = vocab.row(id[0]), *b = vocab.row(id[1]),
                *c = vocab.row(id[2]);
    for (int64_t d = 0; d < dim; ++d)
      target[d] = b[d] - a[d] + c[d];
    int64_t best = -1;
    float bestScore = -INFINITY;
    for (int64_t r = 0; r < vocab.rows; ++r) {
      if (r == id[0] || r == id[1] || r == id[2])
        continue;
      const float *row = vocab.row(r);
      float score = 0;
      for (int64_t d = 0; d < dim; ++d)
        score += row[d] * target[d];
      if (score > bestScore) {
        bestScore = score;
        best = r;
      }
    }
    if (best == id[3])
      ++section.correct;
  }
  for (const AnalogySection &section : result.sections) {
    bool syntactic = section.name.rfind("gram", 0) == 0;
    result.correct += section.correct;
    result.evaluated += section.evaluated;
    result.total += section.total;
    (syntactic ? result.syntacticCorrect : result.semanticCorrect) +=
        section.correct;
    (syntactic ? result.syntacticEvaluated : result.semanticEvaluated) +=
        section.evaluated;
  }
  return true;
}

bool mx::rt::w2v::evaluateSimilarity(const WordVectors &vectors,
                                     const std::string &path, int64_t restrict,
                                     SimilarityResult &result,
                                     std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  Normalised vocab(vectors, restrict);
  std::vector<double> human, model;
  std::string line;
  int64_t lineNumber = 0;
  while (std::getline(in, line)) {
    ++lineNumber;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields(line);
    std::string a, b;
    double score;
    if (!(fields >> a >> b >> score)) {
      error = path + ":" + std::to_string(lineNumber) +
              ": expected 'word word score'";
      return false;
    }
    ++result.pairs;
    int64_t ia = vocab.find(a), ib = vocab.find(b);
    if (ia < 0 || ib < 0) {
      ++result.oov;
      continue;
    }
    double cosine = 0;
    for (int64_t d = 0; d < vocab.dim; ++d)
      cosine += double(vocab.row(ia)[d]) * vocab.row(ib)[d];
    human.push_back(score);
    model.push_back(cosine);
  }
  result.spearman = spearman(human, model);
  result.pearson = pearson(human, model);
  return true;
}
