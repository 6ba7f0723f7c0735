//===- Run.cpp - mx-compile --run ---------------------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "Run.h"

#include "mx/Reference/Word2VecStep.h"
#include "mx/Runtime/Word2VecStepABI.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

using namespace mlir;
using namespace mlir::mx;

namespace {

LogicalResult fail(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "mx-compile") << message << "\n";
  return failure();
}

/// Calls `call(i)` `iterations` times, or (0) as often as fits in about half
/// a second, and prints the time per call.
void timeCalls(StringRef name, int64_t iterations,
               llvm::function_ref<void(int64_t)> call) {
  using Clock = std::chrono::steady_clock;
  int64_t calls = 0;
  double seconds = 0;
  int64_t chunk = iterations > 0 ? iterations : 10;
  while (true) {
    auto start = Clock::now();
    for (int64_t i = 0; i < chunk; ++i)
      call(calls + i);
    seconds += std::chrono::duration<double>(Clock::now() - start).count();
    calls += chunk;
    if (iterations > 0 || seconds >= 0.5 || calls >= (int64_t(1) << 30))
      break;
    chunk *= 2;
  }
  double perCall = seconds / double(calls);
  llvm::outs() << llvm::formatv(
      "{0}: {1} calls in {2:f3} s: {3:f3} us per call, {4:f0} calls per "
      "second\n",
      name, calls, seconds, perCall * 1e6, 1.0 / perCall);
}

/// word2vec.c's linear congruential generator.
struct Random {
  uint64_t state = 1;
  uint64_t next() {
    state = state * 25214903917ULL + 11;
    return state;
  }
  /// Uniform in [0, 1) with 16 bits, as word2vec.c draws.
  float uniform() { return float(next() & 0xFFFF) / 65536.0f; }
  int64_t below(int64_t n) { return int64_t((next() >> 16) % uint64_t(n)); }
};

using ::mx::rt::w2v::MemRef1D;
using ::mx::rt::w2v::MemRef2D;

MemRef2D table(std::vector<float> &data, int64_t dim) {
  int64_t rows = int64_t(data.size()) / dim;
  return {data.data(), data.data(), 0, {rows, dim}, {dim, 1}};
}

template <typename T> MemRef1D vector1D(T *data, int64_t size) {
  return {data, data, 0, size, 1};
}

/// One batch of indices, stored as both index widths.
struct Batch {
  std::vector<int64_t> ctx, out;
  std::vector<int32_t> ctx32, out32;
};

Batch makeBatch(Random &random, int64_t rows, int64_t batch, int64_t outputs) {
  Batch result;
  for (int64_t b = 0; b < batch; ++b)
    result.ctx.push_back(random.below(rows));
  for (int64_t o = 0; o < outputs; ++o)
    result.out.push_back(random.below(rows));
  result.ctx32.assign(result.ctx.begin(), result.ctx.end());
  result.out32.assign(result.out.begin(), result.out.end());
  return result;
}

} // namespace

LogicalResult mlir::mx::runWord2Vec(ModuleOp module, const TargetSpec &spec,
                                    const models::Word2VecOptions &model,
                                    StringRef precision, bool ktanhActivations,
                                    const RunOptions &options) {
  if (options.vocabulary < 1)
    return fail("--vocab must be at least 1");
  auto engine = createExecutionEngine(module, spec, options.optLevel);
  if (!engine)
    return fail("JIT compilation failed: " + toString(engine.takeError()));
  auto symbol = (*engine)->lookup("_mlir_ciface_" + model.functionName);
  if (!symbol)
    return fail("no entry point: " + toString(symbol.takeError()));
  auto step = reinterpret_cast<::mx::rt::w2v::StepFunction>(*symbol);

  const int64_t dim = model.dim, batch = model.batch;
  const int64_t outputs = 1 + model.negatives;
  const bool wide = model.indexBitwidth == 64;
  const float alpha = 0.025f;
  std::vector<float> meta(outputs, 1.0f);
  MemRef1D metaRef = vector1D(meta.data(), outputs);
  auto call = [&](std::vector<float> &wih, std::vector<float> &woh,
                  Batch &indices, int64_t nctx, int64_t nout) {
    MemRef2D wihRef = table(wih, dim), wohRef = table(woh, dim);
    MemRef1D ctx = wide ? vector1D(indices.ctx.data(), batch)
                        : vector1D(indices.ctx32.data(), batch);
    MemRef1D out = wide ? vector1D(indices.out.data(), outputs)
                        : vector1D(indices.out32.data(), outputs);
    step(&wihRef, &wohRef, &ctx, int32_t(nctx), &out, &metaRef, int32_t(nout),
         alpha);
  };
  Random random;
  auto fill = [&](std::vector<float> &data) {
    for (float &value : data)
      value = (random.uniform() - 0.5f) / float(dim);
  };

  // Check: one step on small tables (so rows repeat within the batch),
  // against the C++ reference and its bounds, with partial counts.
  std::optional<::mx::ref::Word2VecPrecision> referencePrecision =
      llvm::StringSwitch<std::optional<::mx::ref::Word2VecPrecision>>(precision)
          .Case("fp32", ::mx::ref::Word2VecPrecision::FP32)
          .Case("bf16", ::mx::ref::Word2VecPrecision::BF16)
          .Case("mxfp8", ::mx::ref::Word2VecPrecision::MXFP8)
          .Case("mxfp6", ::mx::ref::Word2VecPrecision::MXFP6)
          .Case("mxfp4", ::mx::ref::Word2VecPrecision::MXFP4)
          .Case("mxint8", ::mx::ref::Word2VecPrecision::MXINT8)
          .Default(std::nullopt);
  if (!referencePrecision) {
    llvm::outs() << "check: skipped, the C++ reference has no " << precision
                 << " precision\n";
  } else {
    // MX is checked on values whose scores are exact in any order (the
    // reference has no bound for MX otherwise): multiples of 1/64 in
    // [-1/8, 1/8].
    bool exactScores =
        *referencePrecision != ::mx::ref::Word2VecPrecision::FP32 &&
        *referencePrecision != ::mx::ref::Word2VecPrecision::BF16;
    const int64_t rows = 64;
    std::vector<float> wih(rows * dim), woh(rows * dim);
    fill(wih);
    fill(woh);
    if (exactScores)
      for (std::vector<float> *table : {&wih, &woh})
        for (float &value : *table)
          value = float(int64_t(random.next() % 17) - 8) / 64.0f;
    std::vector<float> wihRef = wih, wohRef = woh;
    std::vector<double> wihBound(rows * dim), wohBound(rows * dim);
    Batch indices = makeBatch(random, rows, batch, outputs);
    int64_t nctx = std::max<int64_t>(1, batch - 1);
    int64_t nout = outputs;
    call(wih, woh, indices, nctx, nout);
    ::mx::ref::Word2VecStepOptions reference;
    reference.dim = dim;
    reference.precision = *referencePrecision;
    reference.sigmoid = ktanhActivations ? ::mx::ref::Word2VecSigmoid::KTanh
                                         : ::mx::ref::Word2VecSigmoid::Exact;
    ::mx::ref::word2vecStep(reference, wihRef.data(), wohRef.data(),
                            indices.ctx.data(), nctx, indices.out.data(),
                            meta.data(), nout, alpha, wihBound.data(),
                            wohBound.data());
    double worst = 0, worstRatio = 0;
    int64_t bad = 0;
    auto compare = [&](const std::vector<float> &got,
                       const std::vector<float> &want,
                       const std::vector<double> &bound) {
      for (size_t i = 0; i < got.size(); ++i) {
        double diff = std::fabs(double(got[i]) - double(want[i]));
        worst = std::max(worst, diff);
        if (bound[i] > 0)
          worstRatio = std::max(worstRatio, diff / bound[i]);
        if (!(diff <= bound[i]))
          ++bad;
      }
    };
    compare(wih, wihRef, wihBound);
    compare(woh, wohRef, wohBound);
    if (bad)
      return fail(llvm::formatv("the first step differs from the C++ "
                                "reference beyond its bounds in {0} "
                                "elements (max |diff| {1:e})",
                                bad, worst)
                      .str());
    llvm::outs() << llvm::formatv(
        "check: one step matches the C++ reference (max |diff| {0:e2}, "
        "{1:f2} of the bound{2})\n",
        worst, worstRatio, exactScores ? ", exact scores" : "");
  }

  // Timing: full batches over `vocabulary` rows.
  std::vector<float> wih(options.vocabulary * dim),
      woh(options.vocabulary * dim);
  fill(wih);
  fill(woh);
  std::vector<Batch> batches;
  for (int i = 0; i < 1024; ++i)
    batches.push_back(makeBatch(random, options.vocabulary, batch, outputs));
  timeCalls(model.functionName, options.iterations, [&](int64_t i) {
    call(wih, woh, batches[i % batches.size()], batch, outputs);
  });
  return success();
}

namespace {

/// Bytes per element in a memref of `type` (storage of the C interface).
int64_t elementBytes(Type type) {
  if (type.isIndex())
    return 8;
  unsigned bits = type.getIntOrFloatBitWidth();
  return bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8;
}

/// Writes the generated value of element `k` of `type` to `dst`.
void generate(Type type, int64_t k, char *dst) {
  if (auto floatType = dyn_cast<FloatType>(type)) {
    double value = 0.5 * double(k % 7 - 3);
    if (type.isF64()) {
      std::memcpy(dst, &value, 8);
      return;
    }
    float single = float(value);
    uint32_t bits;
    std::memcpy(&bits, &single, 4);
    if (type.isF32())
      std::memcpy(dst, &bits, 4);
    else if (type.isBF16()) {
      uint16_t high = uint16_t(bits >> 16);
      std::memcpy(dst, &high, 2);
    } else {
      std::memset(dst, 0, size_t(elementBytes(type)));
    }
    return;
  }
  int64_t value = k % 8;
  std::memcpy(dst, &value, size_t(elementBytes(type)));
}

/// Scalar arguments: 1 (integers, index) or 1.0 (floats).
void generateScalar(Type type, char *dst) {
  std::memset(dst, 0, 8);
  if (type.isF32()) {
    float one = 1.0f;
    std::memcpy(dst, &one, 4);
  } else if (type.isF64()) {
    double one = 1.0;
    std::memcpy(dst, &one, 8);
  } else {
    int64_t one = 1;
    std::memcpy(dst, &one, size_t(elementBytes(type)));
  }
}

std::string printScalar(Type type, const char *src) {
  if (type.isF32()) {
    float value;
    std::memcpy(&value, src, 4);
    return llvm::formatv("{0}", value).str();
  }
  if (type.isF64()) {
    double value;
    std::memcpy(&value, src, 8);
    return llvm::formatv("{0}", value).str();
  }
  int64_t value = 0;
  std::memcpy(&value, src, size_t(elementBytes(type)));
  int64_t bits = type.isIndex() ? 64 : type.getIntOrFloatBitWidth();
  if (bits < 64)
    value = (value << (64 - bits)) >> (64 - bits); // sign-extend
  return std::to_string(value);
}

/// A generated memref: its data and its descriptor words.
struct Buffer {
  std::vector<char> data;
  std::vector<int64_t> descriptor;
  void *pointer = nullptr; // descriptor.data(), as the C interface takes it
};

} // namespace

LogicalResult mlir::mx::runEntry(ModuleOp module, const TargetSpec &spec,
                                 const EntrySignature &entry,
                                 const RunOptions &options) {
  if (entry.results.size() > 1)
    return fail("--run supports entry points with at most one result; @" +
                entry.name + " has " + Twine(entry.results.size()));
  std::vector<Buffer> buffers(entry.arguments.size());
  std::vector<std::vector<char>> scalars(entry.arguments.size());
  SmallVector<void *> packed;
  // A memref result comes back through a descriptor passed first.
  std::vector<int64_t> resultDescriptor;
  void *resultPointer = nullptr;
  bool memrefResult = false;
  if (entry.results.size() == 1) {
    if (auto shaped = dyn_cast<ShapedType>(entry.results[0])) {
      memrefResult = true;
      resultDescriptor.assign(3 + 2 * shaped.getRank(), 0);
      resultPointer = resultDescriptor.data();
      packed.push_back(&resultPointer);
    }
  }
  for (auto [i, type] : llvm::enumerate(entry.arguments)) {
    if (auto shaped = dyn_cast<ShapedType>(type)) {
      if (!shaped.hasRank())
        return fail("--run cannot generate an unranked argument");
      Buffer &buffer = buffers[i];
      SmallVector<int64_t> shape;
      int64_t count = 1;
      for (int64_t extent : shaped.getShape()) {
        shape.push_back(ShapedType::isDynamic(extent) ? options.dynamicSize
                                                      : extent);
        count *= shape.back();
      }
      Type element = shaped.getElementType();
      if (!element.isIntOrIndexOrFloat())
        return fail("--run cannot generate elements of type " +
                    Twine(llvm::formatv("{0}", element).str()));
      int64_t bytes = elementBytes(element);
      buffer.data.assign(size_t(std::max<int64_t>(count, 1) * bytes), 0);
      for (int64_t k = 0; k < count; ++k)
        generate(element, k, buffer.data.data() + k * bytes);
      int64_t rank = int64_t(shape.size());
      buffer.descriptor.assign(size_t(3 + 2 * rank), 0);
      auto address = reinterpret_cast<intptr_t>(buffer.data.data());
      buffer.descriptor[0] = address;
      buffer.descriptor[1] = address;
      int64_t stride = 1;
      for (int64_t d = rank - 1; d >= 0; --d) {
        buffer.descriptor[3 + d] = shape[d];
        buffer.descriptor[3 + rank + d] = stride;
        stride *= shape[d];
      }
      buffer.pointer = buffer.descriptor.data();
      packed.push_back(&buffer.pointer);
    } else {
      if (!type.isIntOrIndexOrFloat())
        return fail("--run cannot generate a scalar of type " +
                    Twine(llvm::formatv("{0}", type).str()));
      scalars[i].assign(8, 0);
      generateScalar(type, scalars[i].data());
      packed.push_back(scalars[i].data());
    }
  }
  std::vector<char> scalarResult(8, 0);
  if (entry.results.size() == 1 && !memrefResult)
    packed.push_back(scalarResult.data());

  auto engine = createExecutionEngine(module, spec, options.optLevel);
  if (!engine)
    return fail("JIT compilation failed: " + toString(engine.takeError()));
  std::string symbol = "_mlir_ciface_" + entry.name;
  auto function = (*engine)->lookupPacked(symbol);
  if (!function)
    return fail("no entry point: " + toString(function.takeError()));

  // Results allocated by the callee are freed, unless they are one of the
  // arguments' buffers.
  auto releaseResult = [&] {
    if (!memrefResult)
      return;
    auto *allocated = reinterpret_cast<char *>(resultDescriptor[0]);
    for (const Buffer &buffer : buffers)
      if (allocated == buffer.data.data())
        return;
    std::free(allocated);
  };
  (*function)(packed.data());
  if (entry.results.size() == 1 && !memrefResult)
    llvm::outs() << entry.name << ": result "
                 << printScalar(entry.results[0], scalarResult.data()) << "\n";
  releaseResult();
  timeCalls(entry.name, options.iterations, [&](int64_t) {
    (*function)(packed.data());
    releaseResult();
  });
  return success();
}
