//===- Word2VecTest.cpp - the word2vec graph against its reference -------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Builds the word2vec step with mxc::models::buildWord2VecStep, compiles it
// the way mx-compile does (policy passes, mx-loop-order, mx-to-llvm for the
// host, LLVM -O3) and JIT-runs it against the scalar C++ reference
// (mx/Reference/Word2VecStep.h) on dims 100, 128 and 300 with several batch
// sizes and negative counts, partial and out-of-range counts, repeated rows
// and multiplicities; FP32, BF16, the four MX precisions (on exact scores),
// the K-TanH sigmoid, i32 and i64 indices. Every table element must be within
// the reference's stated bound (derived in Word2VecStep.cpp; zero where the
// computation is exact, e.g. rows nobody touches); the negative control shows
// that the bounds reject an update that is slightly wrong.
//
//===----------------------------------------------------------------------===//

#include "mx/Models/Word2Vec.h"
#include "mx/InitAll.h"
#include "mx/Reference/Word2VecStep.h"
#include "mx/Runtime/Word2VecStepABI.h"
#include "mx/Target/Compile.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace mlir;
namespace mxc = mlir::mx;
namespace ref = ::mx::ref;

namespace {

struct Config {
  int64_t dim;
  int64_t batch;
  int64_t negatives;
  std::string precision = "fp32";
  std::string activations = "exact";
  unsigned indexBitwidth = 32;
  /// Word2VecOptions::trimToContexts (mx-compile's fp32 graph): products
  /// over the first nctx context rows only. With bf16, also
  /// Word2VecOptions::bf16Operands and no policy pass (mx-compile's and
  /// mx-word2vec's bf16 graph).
  bool trim = false;
};

std::string name(const testing::TestParamInfo<Config> &info) {
  const Config &c = info.param;
  return "d" + std::to_string(c.dim) + "_b" + std::to_string(c.batch) + "_k" +
         std::to_string(c.negatives) + "_" + c.precision + "_" + c.activations +
         "_i" + std::to_string(c.indexBitwidth) + (c.trim ? "_trim" : "");
}

using ::mx::rt::w2v::MemRef1D;
using ::mx::rt::w2v::MemRef2D;
using StepFn = ::mx::rt::w2v::StepFunction;

/// word2vec.c's generator.
struct Random {
  uint64_t state;
  explicit Random(uint64_t seed) : state(seed) {}
  uint64_t next() {
    state = state * 25214903917ULL + 11;
    return state >> 16;
  }
  double uniform() { return double(next() & 0xFFFFFF) / double(1 << 24); }
  int64_t below(int64_t n) { return int64_t(next() % uint64_t(n)); }
};

/// The compiled step of one configuration.
class CompiledStep {
public:
  explicit CompiledStep(const Config &config) : config(config) {
    error = compile();
  }

  std::string error;
  StepFn step = nullptr;

private:
  /// Empty on success, else what went wrong.
  std::string compile() {
    static bool registered = [] {
      mxc::registerCompilePasses();
      return true;
    }();
    (void)registered;
    DialectRegistry registry;
    mxc::registerAllDialects(registry);
    mxc::registerAllExtensions(registry);
    mxc::models::registerWord2VecDialects(registry);
    context = std::make_unique<MLIRContext>(registry);
    mxc::models::Word2VecOptions options;
    options.dim = config.dim;
    options.batch = config.batch;
    options.negatives = config.negatives;
    options.indexBitwidth = config.indexBitwidth;
    options.trimToContexts = config.trim;
    options.bf16Operands = config.trim && config.precision == "bf16";
    bool ktanh = config.activations == "ktanh";
    if (ktanh && !mxc::isKTanhPolicyAvailable())
      options.sigmoid = mxc::models::Word2VecSigmoid::KTanh;
    module = mxc::models::buildWord2VecStep(context.get(), options);
    if (!module)
      return "the graph was not built";
    auto spec = mxc::getTargetSpec("host");
    if (!spec)
      return toString(spec.takeError());
    auto pm = PassManager::on<ModuleOp>(context.get());
    mxc::PolicyOptions policy;
    policy.precision = options.bf16Operands ? "fp32" : config.precision;
    policy.activations = config.activations;
    if (llvm::Error err = mxc::addPolicyPasses(
            pm, policy, "word2vec",
            options.sigmoid == mxc::models::Word2VecSigmoid::KTanh))
      return toString(std::move(err));
    mxc::addLoweringPasses(pm, *spec);
    if (failed(pm.run(*module)))
      return "the pipeline failed";
    auto jit = mxc::createExecutionEngine(*module, *spec, 3);
    if (!jit)
      return toString(jit.takeError());
    engine = std::move(*jit);
    auto symbol = engine->lookup("_mlir_ciface_word2vec_step");
    if (!symbol)
      return toString(symbol.takeError());
    step = reinterpret_cast<StepFn>(*symbol);
    return "";
  }

  Config config;
  std::unique_ptr<MLIRContext> context;
  OwningOpRef<ModuleOp> module;
  std::unique_ptr<ExecutionEngine> engine;
};

enum class Data {
  /// Uniform values scaled so that scores spread over [-8, 8]: both
  /// saturated and unsaturated sigmoid arguments.
  Spread,
  /// word2vec's initial scale, (-0.5, 0.5) / dim.
  Initial,
  /// Multiples of 1/64 in [-1/8, 1/8]: bf16-exact, and every score is
  /// computed exactly in any order (so sigma's argument is the same).
  Dyadic,
};

ref::Word2VecPrecision referencePrecision(const std::string &precision) {
  if (precision == "bf16")
    return ref::Word2VecPrecision::BF16;
  if (precision == "mxfp8")
    return ref::Word2VecPrecision::MXFP8;
  if (precision == "mxfp6")
    return ref::Word2VecPrecision::MXFP6;
  if (precision == "mxfp4")
    return ref::Word2VecPrecision::MXFP4;
  if (precision == "mxint8")
    return ref::Word2VecPrecision::MXINT8;
  return ref::Word2VecPrecision::FP32;
}

bool isMX(const Config &config) {
  return config.precision.compare(0, 2, "mx") == 0;
}

/// One update on fresh tables, compiled vs reference; returns the number of
/// elements outside the bound (and the worst diff / bound in `ratio`).
int64_t checkOneStep(const Config &config, StepFn step, Data data,
                     uint64_t seed, int64_t nctx, int64_t nout,
                     double *ratio = nullptr, float alphaScale = 1.0f) {
  const int64_t dim = config.dim, batch = config.batch;
  const int64_t outputs = 1 + config.negatives;
  // Few rows, so that rows repeat within a batch.
  const int64_t rows = 40;
  Random random(seed);
  std::vector<float> wih(rows * dim), woh(rows * dim);
  double scale = std::sqrt(4.0 * 3.0 / std::sqrt(double(dim)));
  for (float *table : {wih.data(), woh.data()})
    for (int64_t i = 0; i < rows * dim; ++i) {
      double u = random.uniform();
      switch (data) {
      case Data::Spread:
        table[i] = float((2 * u - 1) * scale);
        break;
      case Data::Initial:
        table[i] = float((u - 0.5) / double(dim));
        break;
      case Data::Dyadic:
        table[i] = float(random.below(17) - 8) / 64.0f;
        break;
      }
    }
  std::vector<int64_t> ctx(batch), out(outputs);
  for (int64_t &row : ctx)
    row = random.below(rows);
  for (int64_t &row : out)
    row = random.below(rows);
  std::vector<int32_t> ctx32(ctx.begin(), ctx.end()),
      out32(out.begin(), out.end());
  std::vector<float> meta(outputs);
  for (float &m : meta)
    m = float(random.below(4)); // 0 drops a row
  const float alpha = 0.025f + float(random.uniform()) * 0.5f;

  std::vector<float> wihRef = wih, wohRef = woh;
  std::vector<double> wihBound(rows * dim), wohBound(rows * dim);
  MemRef2D wihArg{wih.data(), wih.data(), 0, {rows, dim}, {dim, 1}};
  MemRef2D wohArg{woh.data(), woh.data(), 0, {rows, dim}, {dim, 1}};
  bool wide = config.indexBitwidth == 64;
  MemRef1D ctxArg = wide ? MemRef1D{ctx.data(), ctx.data(), 0, batch, 1}
                         : MemRef1D{ctx32.data(), ctx32.data(), 0, batch, 1};
  MemRef1D outArg = wide ? MemRef1D{out.data(), out.data(), 0, outputs, 1}
                         : MemRef1D{out32.data(), out32.data(), 0, outputs, 1};
  MemRef1D metaArg{meta.data(), meta.data(), 0, outputs, 1};
  step(&wihArg, &wohArg, &ctxArg, int32_t(nctx), &outArg, &metaArg,
       int32_t(nout), alpha * alphaScale);

  // The kernel clamps the counts to [0, batch] and [0, outputs].
  int64_t usedCtx = std::min(std::max<int64_t>(nctx, 0), batch);
  int64_t usedOut = std::min(std::max<int64_t>(nout, 0), outputs);
  ref::Word2VecStepOptions options;
  options.dim = dim;
  options.precision = referencePrecision(config.precision);
  options.sigmoid = config.activations == "ktanh" ? ref::Word2VecSigmoid::KTanh
                                                  : ref::Word2VecSigmoid::Exact;
  ref::word2vecStep(options, wihRef.data(), wohRef.data(), ctx.data(), usedCtx,
                    out.data(), meta.data(), usedOut, alpha, wihBound.data(),
                    wohBound.data());
  int64_t bad = 0;
  double worst = 0;
  auto compare = [&](const std::vector<float> &got,
                     const std::vector<float> &want,
                     const std::vector<double> &bound) {
    for (size_t i = 0; i < got.size(); ++i) {
      double diff = std::fabs(double(got[i]) - double(want[i]));
      // An infinite bound would check nothing: count it as a failure.
      if (!(diff <= bound[i]) || std::isinf(bound[i]))
        ++bad;
      if (bound[i] > 0)
        worst = std::max(worst, diff / bound[i]);
    }
  };
  compare(wih, wihRef, wihBound);
  compare(woh, wohRef, wohBound);
  if (ratio)
    *ratio = worst;
  return bad;
}

class Word2VecStepTest : public testing::TestWithParam<Config> {};

TEST_P(Word2VecStepTest, MatchesReference) {
  const Config &config = GetParam();
  CompiledStep compiled(config);
  ASSERT_TRUE(compiled.error.empty()) << compiled.error;
  const int64_t batch = config.batch, outputs = 1 + config.negatives;
  struct Trial {
    Data data;
    int64_t nctx, nout;
  };
  std::vector<Trial> trials;
  if (isMX(config)) {
    // The reference bounds MX on exact scores only.
    trials = {{Data::Dyadic, batch, outputs},
              {Data::Dyadic, batch, outputs},
              {Data::Dyadic, std::max<int64_t>(batch / 2, 1), outputs},
              {Data::Dyadic, batch, std::max<int64_t>(outputs - 1, 1)},
              // Unused slots must not enter the block scales.
              {Data::Dyadic, batch, 1},
              {Data::Dyadic, 1, outputs},
              {Data::Dyadic, 0, outputs},
              {Data::Dyadic, batch + 3, outputs + 2}};
  } else {
    trials = {
        {Data::Dyadic, batch, outputs},
        {Data::Dyadic, std::max<int64_t>(batch / 2, 1), outputs},
        {Data::Initial, batch, outputs},
        {Data::Initial, batch, std::max<int64_t>(outputs - 1, 1)},
        {Data::Initial, 0, outputs},             // no context: nothing changes
        {Data::Initial, batch, 0},               // no outputs: nothing changes
        {Data::Initial, batch + 3, outputs + 2}, // clamped to the maximum
        {Data::Initial, -1, outputs},            // clamped to 0
    };
  }
  // The exact sigmoid is smooth: its bound also covers scores that differ
  // by reassociation. K-TanH has steps, so it is checked on exact scores.
  if (config.activations == "exact" && !isMX(config))
    for (int i = 0; i < 3; ++i)
      trials.push_back({Data::Spread, batch, outputs});
  uint64_t seed = 1;
  for (const Trial &trial : trials) {
    double ratio = 0;
    int64_t bad = checkOneStep(config, compiled.step, trial.data, seed++,
                               trial.nctx, trial.nout, &ratio);
    EXPECT_EQ(bad, 0) << "data " << int(trial.data) << ", nctx " << trial.nctx
                      << ", nout " << trial.nout << ": worst diff/bound "
                      << ratio;
  }
}

std::vector<Config> configs() {
  std::vector<Config> result;
  for (int64_t dim : {100, 128, 300})
    for (auto [batch, negatives] : std::vector<std::pair<int64_t, int64_t>>{
             {11, 5}, {1, 0}, {17, 15}, {4, 2}})
      result.push_back({dim, batch, negatives});
  for (int64_t dim : {100, 128, 300})
    result.push_back({dim, 11, 5, "bf16"});
  result.push_back({100, 11, 5, "fp32", "ktanh"});
  result.push_back({300, 17, 5, "fp32", "ktanh"});
  result.push_back({128, 11, 5, "bf16", "ktanh"});
  result.push_back({100, 11, 5, "mxfp8"});
  result.push_back({128, 17, 15, "mxfp6"});
  result.push_back({300, 4, 2, "mxfp4"});
  result.push_back({128, 11, 5, "mxint8", "exact", 64});
  result.push_back({128, 11, 5, "fp32", "exact", 64});
  result.push_back({300, 4, 15, "bf16", "exact", 64});
  // The trimmed fp32 graph (what mx-compile and mx-word2vec build for fp32)
  // on the same shapes, partial and out-of-range counts included.
  for (int64_t dim : {100, 128, 300})
    for (auto [batch, negatives] : std::vector<std::pair<int64_t, int64_t>>{
             {11, 5}, {1, 0}, {17, 15}, {4, 2}})
      result.push_back({dim, batch, negatives, "fp32", "exact", 32, true});
  result.push_back({300, 10, 5, "fp32", "ktanh", 32, true});
  result.push_back({128, 11, 5, "fp32", "exact", 64, true});
  // The bf16 graph (roundings in the gathers and the sigmoid step, trimmed
  // f32 products) against the BF16 reference.
  for (int64_t dim : {100, 128, 300})
    for (auto [batch, negatives] : std::vector<std::pair<int64_t, int64_t>>{
             {11, 5}, {1, 0}, {17, 15}, {4, 2}})
      result.push_back({dim, batch, negatives, "bf16", "exact", 32, true});
  result.push_back({128, 11, 5, "bf16", "ktanh", 32, true});
  result.push_back({300, 4, 15, "bf16", "exact", 64, true});
  return result;
}

INSTANTIATE_TEST_SUITE_P(Word2Vec, Word2VecStepTest,
                         testing::ValuesIn(configs()), name);

// Negative control: the bounds are tight enough to reject a step whose
// learning rate is off by one part in 10^4, or that drops one context row.
TEST(Word2VecBounds, RejectWrongUpdates) {
  Config config{100, 11, 5};
  CompiledStep compiled(config);
  ASSERT_TRUE(compiled.error.empty()) << compiled.error;
  // Same data, but the compiled step gets 1.0001 x alpha.
  EXPECT_GT(checkOneStep(config, compiled.step, Data::Initial, 7, 11, 6,
                         nullptr, 1.0001f),
            0);
  // A kernel that skips the last context row: emulate by comparing a run
  // with nctx = 10 against a reference with nctx = 11.
  struct DropLast {
    static StepFn &inner() {
      static StepFn fn = nullptr;
      return fn;
    }
    static void step(MemRef2D *wih, MemRef2D *woh, MemRef1D *ctx, int32_t nctx,
                     MemRef1D *out, MemRef1D *meta, int32_t nout, float alpha) {
      inner()(wih, woh, ctx, nctx - 1, out, meta, nout, alpha);
    }
  };
  DropLast::inner() = compiled.step;
  EXPECT_GT(checkOneStep(config, &DropLast::step, Data::Initial, 7, 11, 6), 0);
}

// The same for BF16 on exact scores, where the bound has no bf16 rounding
// slack: alpha off by 0.3% (less than one bf16 ulp of g, 0.4% to 0.8%) is
// rejected. (1e-4 would not be: g is rounded to bf16 before it is used, so
// such a change mostly vanishes.)
TEST(Word2VecBounds, RejectWrongBF16Updates) {
  Config config{128, 11, 5, "bf16"};
  CompiledStep compiled(config);
  ASSERT_TRUE(compiled.error.empty()) << compiled.error;
  EXPECT_EQ(checkOneStep(config, compiled.step, Data::Dyadic, 9, 11, 6), 0);
  EXPECT_GT(checkOneStep(config, compiled.step, Data::Dyadic, 9, 11, 6, nullptr,
                         1.003f),
            0);
}

// The bf16 graph: alpha off by 0.3% is rejected as above; on data that is
// not bf16-exact it fails against the FP32 reference, and the fp32 graph
// fails against the BF16 one (both roundings are really there).
TEST(Word2VecBounds, RejectWrongBF16GraphUpdates) {
  Config bf16{128, 11, 5, "bf16", "exact", 32, true};
  CompiledStep compiled(bf16);
  ASSERT_TRUE(compiled.error.empty()) << compiled.error;
  EXPECT_EQ(checkOneStep(bf16, compiled.step, Data::Dyadic, 9, 11, 6), 0);
  EXPECT_GT(checkOneStep(bf16, compiled.step, Data::Dyadic, 9, 11, 6, nullptr,
                         1.003f),
            0);
  EXPECT_EQ(checkOneStep(bf16, compiled.step, Data::Spread, 5, 11, 6), 0);
  Config fp32{128, 11, 5, "fp32", "exact", 32, true};
  EXPECT_GT(checkOneStep(fp32, compiled.step, Data::Spread, 5, 11, 6), 0);
  CompiledStep unrounded(fp32);
  ASSERT_TRUE(unrounded.error.empty()) << unrounded.error;
  EXPECT_GT(checkOneStep(bf16, unrounded.step, Data::Spread, 5, 11, 6), 0);
}

// And MX: an MXFP4 kernel passes against the MXFP4 reference and fails
// against MXFP8 and FP32 ones (the quantization of g is what differs).
TEST(Word2VecBounds, RejectWrongMXFormat) {
  Config mxfp4{100, 11, 5, "mxfp4"};
  CompiledStep compiled(mxfp4);
  ASSERT_TRUE(compiled.error.empty()) << compiled.error;
  EXPECT_EQ(checkOneStep(mxfp4, compiled.step, Data::Dyadic, 11, 11, 6), 0);
  Config mxfp8{100, 11, 5, "mxfp8"};
  EXPECT_GT(checkOneStep(mxfp8, compiled.step, Data::Dyadic, 11, 11, 6), 0);
  Config fp32{100, 11, 5};
  EXPECT_GT(checkOneStep(fp32, compiled.step, Data::Dyadic, 11, 11, 6), 0);
}

} // namespace
