//===- Word2VecVocab.cpp - word2vec corpus reading and vocabulary ---------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Runtime/Word2VecVocab.h"
#include "mx/Runtime/Word2VecVectors.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <sys/stat.h>

using namespace mx::rt::w2v;

namespace {

constexpr size_t kBufferBytes = 1 << 20;

bool isSeparator(char c) { return c == ' ' || c == '\t' || c == '\n'; }

/// Length of the valid UTF-8 sequence at `s` (n bytes available), 0 if
/// invalid (overlong forms, surrogates and code points above U+10FFFF are
/// invalid too).
size_t utf8Length(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  size_t length;
  uint32_t min;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    length = 2;
    min = 0x80;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    length = 3;
    min = 0x800;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    length = 4;
    min = 0x10000;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < length)
    return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return length;
}

} // namespace

int64_t mx::rt::w2v::fileSize(const std::string &path, std::string &error) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "'" + path + "' is not a regular file";
    return -1;
  }
  return int64_t(st.st_size);
}

//===----------------------------------------------------------------------===//
// WordReader
//===----------------------------------------------------------------------===//

WordReader::WordReader(const std::string &path, int64_t begin, int64_t end)
    : path(path), buffer(kBufferBytes), end(end) {
  file = std::fopen(path.c_str(), "rb");
  if (!file) {
    fail("cannot open '" + path + "': " + std::strerror(errno));
    return;
  }
  if (begin > 0) {
    // Start after the separator that ends the word containing byte begin-1,
    // so that a word belongs to the range its first byte is in.
    if (std::fseek(file, long(begin - 1), SEEK_SET) != 0) {
      fail("cannot seek in '" + path + "': " + std::strerror(errno));
      return;
    }
    position = begin - 1;
    int c;
    while ((c = std::fgetc(file)) != EOF) {
      ++position;
      if (isSeparator(char(c))) {
        // A newline at begin-1 ended the previous range's last sentence.
        break;
      }
    }
  }
}

WordReader::~WordReader() {
  if (file)
    std::fclose(file);
}

bool WordReader::fail(const std::string &message) {
  if (errorMessage.empty())
    errorMessage = message;
  return false;
}

bool WordReader::fill() {
  if (!file)
    return false;
  bufferPos = 0;
  bufferEnd = std::fread(buffer.data(), 1, buffer.size(), file);
  if (bufferEnd == 0 && std::ferror(file))
    return fail("cannot read '" + path + "': " + std::strerror(errno));
  return bufferEnd > 0;
}

bool WordReader::next(std::string_view &result) {
  if (!errorMessage.empty())
    return false;
  if (pendingNewline) {
    pendingNewline = false;
    result = kSentenceEnd;
    return true;
  }
  word.clear();
  bool started = false, truncated = false;
  while (true) {
    if (bufferPos == bufferEnd && !fill()) {
      if (!errorMessage.empty())
        return false;
      break; // end of file
    }
    char c = buffer[bufferPos];
    if (!started && end >= 0 && position >= end)
      return false; // the next word belongs to the next range
    ++bufferPos;
    ++position;
    if (c == '\0')
      return fail("'" + path +
                  "' looks like binary data (a NUL byte at "
                  "offset " +
                  std::to_string(position - 1) + ")");
    if (c == '\r')
      continue;
    if (isSeparator(c)) {
      if (!started) {
        if (c == '\n') {
          result = kSentenceEnd;
          return true;
        }
        continue;
      }
      if (c == '\n')
        pendingNewline = true;
      break;
    }
    started = true;
    if (!truncated)
      word.push_back(c);
    if (word.size() > kMaxWordBytes + 3)
      truncated = true;
  }
  if (!started)
    return false;
  // Validate, then cut at a character boundary.
  const auto *bytes = reinterpret_cast<const unsigned char *>(word.data());
  size_t i = 0, cut = 0;
  while (i < word.size()) {
    size_t length = utf8Length(bytes + i, word.size() - i);
    if (length == 0) {
      // A sequence cut by our own truncation is not an error.
      if (truncated && i + 4 > word.size())
        break;
      return fail("'" + path +
                  "' is not valid UTF-8 (in the word ending at "
                  "byte offset " +
                  std::to_string(position - 1) + ")");
    }
    if (i + length <= kMaxWordBytes)
      cut = i + length;
    i += length;
  }
  word.resize(cut);
  result = word;
  return true;
}

//===----------------------------------------------------------------------===//
// Vocabulary
//===----------------------------------------------------------------------===//

Vocabulary::Vocabulary() {
  table.assign(1024, -1);
  add(kSentenceEnd, 0);
}

uint64_t Vocabulary::hash(std::string_view word) const {
  uint64_t h = 1469598103934665603ULL; // FNV-1a
  for (char c : word) {
    h ^= uint8_t(c);
    h *= 1099511628211ULL;
  }
  return h;
}

void Vocabulary::rebuildHash() {
  size_t size = 1024;
  while (size < words.size() * 2)
    size *= 2;
  table.assign(size, -1);
  for (size_t i = 0; i < words.size(); ++i) {
    size_t slot = hash(words[i].word) & (table.size() - 1);
    while (table[slot] >= 0)
      slot = (slot + 1) & (table.size() - 1);
    table[slot] = int32_t(i);
  }
}

int32_t Vocabulary::find(std::string_view word) const {
  size_t mask = table.size() - 1;
  for (size_t slot = hash(word) & mask;; slot = (slot + 1) & mask) {
    int32_t index = table[slot];
    if (index < 0)
      return -1;
    if (words[index].word == word)
      return index;
  }
}

void Vocabulary::add(std::string_view word, int64_t count) {
  size_t mask = table.size() - 1;
  size_t slot = hash(word) & mask;
  for (;; slot = (slot + 1) & mask) {
    int32_t index = table[slot];
    if (index < 0)
      break;
    if (words[index].word == word) {
      words[index].count += count;
      return;
    }
  }
  table[slot] = int32_t(words.size());
  words.push_back({std::string(word), count});
  if (words.size() * 2 > table.size())
    rebuildHash();
}

void Vocabulary::reduce() {
  std::vector<VocabWord> kept;
  kept.reserve(words.size());
  for (size_t i = 0; i < words.size(); ++i)
    if (i == 0 || words[i].count > minReduceCount)
      kept.push_back(std::move(words[i]));
  words = std::move(kept);
  rebuildHash();
  ++minReduceCount;
}

void Vocabulary::sortAndPrune(int64_t minCount) {
  // </s> stays first whatever its count; ties keep first-seen order.
  std::vector<size_t> order;
  order.reserve(words.size());
  for (size_t i = 1; i < words.size(); ++i)
    if (words[i].count >= minCount)
      order.push_back(i);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return words[a].count != words[b].count ? words[a].count > words[b].count
                                            : a < b;
  });
  std::vector<VocabWord> kept;
  kept.reserve(order.size() + 1);
  kept.push_back(std::move(words[0]));
  for (size_t i : order)
    kept.push_back(std::move(words[i]));
  words = std::move(kept);
  rebuildHash();
  totalWords = 0;
  for (const VocabWord &w : words)
    totalWords += w.count;
}

bool Vocabulary::learnFromFile(const std::string &path, std::string &error,
                               int64_t reduceThreshold) {
  WordReader reader(path);
  std::string_view word;
  while (reader.next(word)) {
    if (word != kSentenceEnd)
      ++rawWordCount;
    add(word);
    ++totalWords;
    if (int64_t(words.size()) > reduceThreshold)
      reduce();
  }
  if (!reader.error().empty()) {
    error = reader.error();
    return false;
  }
  return true;
}

bool Vocabulary::readFromFile(const std::string &path, std::string &error) {
  std::FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = "cannot open vocabulary '" + path + "': " + std::strerror(errno);
    return false;
  }
  char line[4096];
  int64_t lineNumber = 0;
  bool ok = true;
  while (std::fgets(line, sizeof(line), file)) {
    ++lineNumber;
    std::string_view text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
      text.remove_suffix(1);
    if (text.empty())
      continue;
    size_t space = text.find_last_of(" \t");
    std::string_view countText =
        space == std::string_view::npos ? "" : text.substr(space + 1);
    char *endPtr = nullptr;
    std::string countString(countText);
    long long count = countString.empty()
                          ? -1
                          : std::strtoll(countString.c_str(), &endPtr, 10);
    if (space == 0 || countString.empty() || *endPtr != '\0' || count < 0) {
      error =
          path + ":" + std::to_string(lineNumber) + ": expected 'word count'";
      ok = false;
      break;
    }
    add(text.substr(0, space), count);
    totalWords += count;
  }
  std::fclose(file);
  return ok;
}

bool Vocabulary::save(const std::string &path, std::string &error) const {
  AtomicFile out;
  if (!out.open(path, error))
    return false;
  for (const VocabWord &w : words)
    std::fprintf(out.stream(), "%s %lld\n", w.word.c_str(),
                 static_cast<long long>(w.count));
  return out.commit(error);
}

//===----------------------------------------------------------------------===//
// Subsampling and negatives
//===----------------------------------------------------------------------===//

double mx::rt::w2v::keepProbability(int64_t count, int64_t trainWords,
                                    double sample) {
  double ratio = sample * double(trainWords) / double(count);
  return std::sqrt(ratio) + ratio;
}

std::vector<int32_t> mx::rt::w2v::buildNegativeTable(const Vocabulary &vocab,
                                                     int64_t size) {
  const double power = 0.75;
  double total = 0;
  for (int64_t a = 0; a < vocab.size(); ++a)
    total += std::pow(double(vocab[a].count), power);
  std::vector<int32_t> table(size);
  int64_t i = 0;
  double cumulative = std::pow(double(vocab[0].count), power) / total;
  for (int64_t a = 0; a < size; ++a) {
    table[a] = int32_t(i);
    if (double(a) / double(size) > cumulative) {
      ++i;
      if (i < vocab.size())
        cumulative += std::pow(double(vocab[i].count), power) / total;
    }
    if (i >= vocab.size())
      i = vocab.size() - 1;
  }
  return table;
}

UnigramSampler::UnigramSampler(const Vocabulary &vocab) {
  const size_t n = size_t(vocab.size());
  std::vector<double> scaled(n);
  double total = 0;
  for (size_t i = 0; i < n; ++i)
    total += scaled[i] = std::pow(double(vocab[int64_t(i)].count), 0.75);
  for (double &p : scaled)
    p = p * double(n) / total;
  probability.assign(n, 1.0f);
  alias.resize(n);
  std::vector<size_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    alias[i] = int32_t(i);
    (scaled[i] < 1.0 ? small : large).push_back(i);
  }
  while (!small.empty() && !large.empty()) {
    size_t s = small.back(), l = large.back();
    small.pop_back();
    probability[s] = float(scaled[s]);
    alias[s] = int32_t(l);
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers are 1 up to rounding.
}

double UnigramSampler::probabilityOf(int32_t w) const {
  // Mass of column w kept, plus the mass other columns alias to w. The
  // coin compares 24-bit values, so use the quantised probabilities.
  const double n = double(probability.size());
  auto kept = [](float p) {
    return std::min(1.0, std::ceil(double(p) * 0x1p24) * 0x1p-24);
  };
  double mass = kept(probability[size_t(w)]);
  for (size_t i = 0; i < probability.size(); ++i)
    if (alias[i] == w && int32_t(i) != w)
      mass += 1.0 - kept(probability[i]);
  return mass / n;
}
