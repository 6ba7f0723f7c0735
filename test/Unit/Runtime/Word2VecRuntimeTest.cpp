//===- Word2VecRuntimeTest.cpp - word2vec runtime against definitions -----===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The corpus side of mx-word2vec checked against the definitions in
// word2vec.c's terms: tokenization and byte ranges, vocabulary counting,
// reduction and sorting, subsampling, the unigram^0.75 negatives (table and
// alias sampler) and the learning-rate schedule.
//
//===----------------------------------------------------------------------===//

#include "mx/Runtime/Word2VecTrainer.h"
#include "mx/Runtime/Word2VecVectors.h"
#include "mx/Runtime/Word2VecVocab.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace mx::rt::w2v;

namespace {

std::string writeTemp(const std::string &contents) {
  char path[] = "/tmp/mx-w2v-unit-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  FILE *f = fdopen(fd, "wb");
  std::fwrite(contents.data(), 1, contents.size(), f);
  std::fclose(f);
  return path;
}

std::vector<std::string> readAll(const std::string &path, int64_t begin = 0,
                                 int64_t end = -1) {
  WordReader reader(path, begin, end);
  std::vector<std::string> words;
  std::string_view word;
  while (reader.next(word))
    words.emplace_back(word);
  EXPECT_EQ(reader.error(), "");
  return words;
}

TEST(Word2VecRuntime, Tokenization) {
  std::string path = writeTemp("the  cat\tsat\r\non\n\nthe mat");
  std::vector<std::string> expected{"the",  "cat",  "sat", "</s>", "on",
                                    "</s>", "</s>", "the", "mat"};
  EXPECT_EQ(readAll(path), expected);
  std::remove(path.c_str());
}

TEST(Word2VecRuntime, RangesTileTheFile) {
  // Every split point gives every word exactly once, in order.
  std::string text = "alpha beta\ngamma  delta epsilon\n\nzeta eta\ttheta\n";
  std::string path = writeTemp(text);
  std::vector<std::string> all = readAll(path);
  for (int64_t split = 0; split <= int64_t(text.size()); ++split) {
    std::vector<std::string> words = readAll(path, 0, split);
    std::vector<std::string> rest = readAll(path, split, -1);
    words.insert(words.end(), rest.begin(), rest.end());
    EXPECT_EQ(words, all) << "split at " << split;
  }
  std::remove(path.c_str());
}

TEST(Word2VecRuntime, LongWordsAreCutAtACharacter) {
  // 98 ASCII bytes then a 2-byte character: 100 bytes, cut before it.
  std::string word = std::string(98, 'a') + "\xC3\xA9" + "b";
  std::string path = writeTemp(word + " x\n");
  std::vector<std::string> words = readAll(path);
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(words[0], std::string(98, 'a'));
  EXPECT_EQ(words[1], "x");
  std::remove(path.c_str());
}

TEST(Word2VecRuntime, BadBytes) {
  for (std::string text : {std::string("ok\0no", 5), std::string("caf\xE9 x"),
                           std::string("\xED\xA0\x80"), // a surrogate
                           std::string("\xC0\xAF")}) {  // overlong
    std::string path = writeTemp(text);
    WordReader reader(path);
    std::string_view word;
    while (reader.next(word)) {
    }
    EXPECT_NE(reader.error(), "") << text;
    std::remove(path.c_str());
  }
}

TEST(Word2VecRuntime, VocabularyCountsAndOrder) {
  std::string path = writeTemp("b a c a b d\na e\n");
  Vocabulary vocab;
  std::string error;
  ASSERT_TRUE(vocab.learnFromFile(path, error)) << error;
  EXPECT_EQ(vocab.rawWords(), 8);
  vocab.sortAndPrune(2);
  // </s> first (count 2), then a (3), then b (2): c, d, e are pruned.
  ASSERT_EQ(vocab.size(), 3);
  EXPECT_EQ(vocab[0].word, "</s>");
  EXPECT_EQ(vocab[0].count, 2);
  EXPECT_EQ(vocab[1].word, "a");
  EXPECT_EQ(vocab[2].word, "b");
  EXPECT_EQ(vocab.trainWords(), 2 + 3 + 2);
  EXPECT_EQ(vocab.find("b"), 2);
  EXPECT_EQ(vocab.find("c"), -1);
  std::remove(path.c_str());
}

TEST(Word2VecRuntime, VocabularyTiesKeepFirstSeenOrder) {
  Vocabulary vocab;
  for (const char *w : {"z", "y", "x", "y", "z", "x", "w"})
    vocab.add(w);
  vocab.sortAndPrune(1);
  std::vector<std::string> order;
  for (int64_t i = 1; i < vocab.size(); ++i)
    order.push_back(vocab[i].word);
  EXPECT_EQ(order, (std::vector<std::string>{"z", "y", "x", "w"}));
}

TEST(Word2VecRuntime, VocabularyReduction) {
  // word2vec.c's ReduceVocab: each reduction drops words seen at most
  // min_reduce times, then min_reduce grows.
  std::string path = writeTemp("a a a b b c d e f g\n");
  Vocabulary vocab;
  std::string error;
  ASSERT_TRUE(vocab.learnFromFile(path, error, /*reduceThreshold=*/5));
  // After "a a a b b c d": 5 words (</s>, a, b, c, d) then "e" makes 6 > 5:
  // c, d, e (count 1) go, min_reduce = 2. Then f, g: 5 words again.
  EXPECT_EQ(vocab.minReduce(), 2);
  EXPECT_EQ(vocab.find("c"), -1);
  EXPECT_EQ(vocab.find("e"), -1);
  EXPECT_GE(vocab.find("f"), 0);
  EXPECT_EQ(vocab[vocab.find("a")].count, 3);
  std::remove(path.c_str());
}

TEST(Word2VecRuntime, SaveAndRead) {
  Vocabulary vocab;
  for (const char *w : {"x", "y", "x", "z", "x", "y"})
    vocab.add(w);
  vocab.sortAndPrune(1);
  std::string path = writeTemp("");
  std::string error;
  ASSERT_TRUE(vocab.save(path, error)) << error;
  Vocabulary read;
  ASSERT_TRUE(read.readFromFile(path, error)) << error;
  read.sortAndPrune(1);
  ASSERT_EQ(read.size(), vocab.size());
  for (int64_t i = 0; i < vocab.size(); ++i) {
    EXPECT_EQ(read[i].word, vocab[i].word);
    EXPECT_EQ(read[i].count, vocab[i].count);
  }
  std::remove(path.c_str());
}

TEST(Word2VecRuntime, SubsamplingProbability) {
  // word2vec.c: keep if (sqrt(f / (s T)) + 1) (s T) / f >= U.
  const int64_t trainWords = 1000000;
  const double sample = 1e-4;
  for (int64_t count : {1, 50, 100, 1000, 10000, 100000}) {
    double st = sample * double(trainWords);
    double definition =
        (std::sqrt(double(count) / st) + 1) * st / double(count);
    EXPECT_NEAR(keepProbability(count, trainWords, sample), definition,
                1e-12 * definition);
  }
  // A word at exactly the threshold frequency is always kept; one 100
  // times above it is kept 11% of the time.
  EXPECT_DOUBLE_EQ(keepProbability(100, trainWords, sample), 2.0);
  EXPECT_NEAR(keepProbability(10000, trainWords, sample), 0.11, 1e-12);
}

Vocabulary skewedVocabulary() {
  Vocabulary vocab;
  vocab.add("</s>", 40);
  const int64_t counts[] = {5000, 1200, 1200, 300, 77, 10, 5, 1};
  for (int i = 0; i < 8; ++i)
    vocab.add("w" + std::to_string(i), counts[i]);
  vocab.sortAndPrune(1);
  return vocab;
}

double unigramShare(const Vocabulary &vocab, int64_t w) {
  double total = 0;
  for (int64_t i = 0; i < vocab.size(); ++i)
    total += std::pow(double(vocab[i].count), 0.75);
  return std::pow(double(vocab[w].count), 0.75) / total;
}

TEST(Word2VecRuntime, NegativeTable) {
  Vocabulary vocab = skewedVocabulary();
  const int64_t size = 1000000;
  std::vector<int32_t> table = buildNegativeTable(vocab, size);
  std::vector<int64_t> entries(size_t(vocab.size()), 0);
  for (int32_t w : table) {
    ASSERT_GE(w, 0);
    ASSERT_LT(w, vocab.size());
    ++entries[size_t(w)];
  }
  // Each word's share of the table is its unigram^0.75 share, to within
  // the table's resolution (an entry either side).
  for (int64_t w = 0; w < vocab.size(); ++w)
    EXPECT_NEAR(double(entries[size_t(w)]) / double(size),
                unigramShare(vocab, w), 2.0 / double(size))
        << vocab[w].word;
  // Word ids are non-decreasing along the table.
  for (size_t i = 1; i < table.size(); ++i)
    ASSERT_LE(table[i - 1], table[i]);
}

TEST(Word2VecRuntime, AliasSampler) {
  Vocabulary vocab = skewedVocabulary();
  UnigramSampler sampler(vocab);
  // Its exact distribution (from its tables) is unigram^0.75.
  double sum = 0;
  for (int64_t w = 0; w < vocab.size(); ++w) {
    EXPECT_NEAR(sampler.probabilityOf(int32_t(w)), unigramShare(vocab, w), 1e-6)
        << vocab[w].word;
    sum += sampler.probabilityOf(int32_t(w));
  }
  EXPECT_NEAR(sum, 1.0, 1e-6);
  // And draws follow it: within 5 standard deviations.
  const int64_t draws = 2000000;
  Lcg random(42);
  std::vector<int64_t> seen(size_t(vocab.size()), 0);
  for (int64_t i = 0; i < draws; ++i)
    ++seen[size_t(sampler.draw(random))];
  for (int64_t w = 0; w < vocab.size(); ++w) {
    double p = unigramShare(vocab, w);
    double sigma = std::sqrt(double(draws) * p * (1 - p));
    EXPECT_NEAR(double(seen[size_t(w)]), double(draws) * p, 5 * sigma + 1)
        << vocab[w].word;
  }
}

TEST(Word2VecRuntime, LearningRate) {
  // alpha0 (1 - done / (total + 1)), floored at alpha0 1e-4.
  const double alpha0 = 0.025;
  EXPECT_FLOAT_EQ(Trainer::learningRate(alpha0, 0, 1000), 0.025f);
  EXPECT_FLOAT_EQ(Trainer::learningRate(alpha0, 500, 999), 0.0125f);
  EXPECT_FLOAT_EQ(Trainer::learningRate(alpha0, 1000, 1000),
                  float(alpha0 * (1 - 1000.0 / 1001.0)));
  EXPECT_FLOAT_EQ(Trainer::learningRate(alpha0, 1000000, 1000000),
                  float(alpha0 * 1e-4));
  EXPECT_FLOAT_EQ(Trainer::learningRate(alpha0, 2000000, 1000000),
                  float(alpha0 * 1e-4));
}

TEST(Word2VecRuntime, Spearman) {
  // Ties get average ranks: x ranks (1, 2.5, 2.5, 4), y ranks (1, 2, 3, 4):
  // rho = Pearson of the ranks = 0.9486832980505138.
  std::vector<double> x{1, 2, 2, 3}, y{10, 20, 30, 40};
  EXPECT_NEAR(spearman(x, y), 0.9486832980505138, 1e-12);
  std::vector<double> z{4, 3, 2, 1};
  EXPECT_NEAR(spearman(y, z), -1.0, 1e-12);
}

} // namespace
