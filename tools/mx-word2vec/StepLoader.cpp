//===- StepLoader.cpp - the compiled word2vec step for mx-word2vec --------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "StepLoader.h"

#include "mx/InitAll.h"
#include "mx/Models/Word2Vec.h"
#include "mx/Reference/Word2VecStep.h"
#include "mx/Target/Compile.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <dlfcn.h>
#include <optional>

using namespace mx::word2vec;
namespace w2v = mx::rt::w2v;

namespace {

std::optional<mx::ref::Word2VecPrecision>
referencePrecision(const std::string &name) {
  using P = mx::ref::Word2VecPrecision;
  if (name == "fp32")
    return P::FP32;
  if (name == "bf16")
    return P::BF16;
  if (name == "mxfp8")
    return P::MXFP8;
  if (name == "mxfp6")
    return P::MXFP6;
  if (name == "mxfp4")
    return P::MXFP4;
  if (name == "mxint8")
    return P::MXINT8;
  return std::nullopt;
}

mx::ref::Word2VecStepOptions referenceOptions(const StepSpec &spec) {
  mx::ref::Word2VecStepOptions options;
  options.dim = spec.dim;
  options.precision = *referencePrecision(spec.precision);
  options.sigmoid = spec.activations == "ktanh"
                        ? mx::ref::Word2VecSigmoid::KTanh
                        : mx::ref::Word2VecSigmoid::Exact;
  return options;
}

double seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

} // namespace

struct LoadedStep::Impl {
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  void *library = nullptr;
  ~Impl() {
    engine.reset();
    if (library)
      dlclose(library);
  }
};

LoadedStep::LoadedStep() : impl(std::make_unique<Impl>()) {}
LoadedStep::~LoadedStep() = default;

bool LoadedStep::load(const StepSpec &spec, std::string &error) {
  if (!referencePrecision(spec.precision)) {
    error = "unknown -precision '" + spec.precision +
            "'; expected fp32, bf16, mxfp8, mxfp6, mxfp4 or mxint8";
    return false;
  }
  if (spec.activations != "exact" && spec.activations != "ktanh") {
    error = "unknown -activations '" + spec.activations +
            "'; expected exact or ktanh";
    return false;
  }
  step.dim = spec.dim;
  step.batch = spec.batch;
  step.negatives = spec.negatives;
  double start = seconds();
  std::string symbol = "_mlir_ciface_" + spec.symbol;

  if (!spec.library.empty()) {
    impl->library = dlopen(spec.library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!impl->library) {
      const char *message = dlerror();
      error = "cannot load step library '" + spec.library +
              "': " + (message ? message : "unknown error");
      return false;
    }
    void *address = dlsym(impl->library, symbol.c_str());
    if (!address) {
      error = "step library '" + spec.library + "' has no symbol " + symbol +
              " (give -step-symbol)";
      return false;
    }
    step.function = reinterpret_cast<w2v::StepFunction>(address);
    description = "library " + spec.library;
    return true;
  }

  static bool registered = [] {
    mlir::mx::registerCompilePasses();
    return true;
  }();
  (void)registered;
  llvm::Expected<mlir::mx::TargetSpec> target =
      mlir::mx::getTargetSpec(spec.target);
  if (!target) {
    error = llvm::toString(target.takeError());
    return false;
  }
  if (llvm::Error err = mlir::mx::checkRunnableOnHost(*target)) {
    error = "-target " + spec.target + ": " + llvm::toString(std::move(err));
    return false;
  }
  mlir::DialectRegistry registry;
  mlir::mx::registerAllDialects(registry);
  mlir::mx::registerAllExtensions(registry);
  mlir::mx::models::registerWord2VecDialects(registry);
  impl->context = std::make_unique<mlir::MLIRContext>(registry);
  mlir::MLIRContext &context = *impl->context;
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(diagnostics);
    os << d << "\n";
    return mlir::success();
  });

  mlir::mx::models::Word2VecOptions model;
  model.dim = spec.dim;
  model.batch = spec.batch;
  model.negatives = spec.negatives;
  model.indexBitwidth = 32;
  model.functionName = spec.symbol;
  // fp32 and bf16 (rounded in the graph: no policy pass, below) compute
  // only the used context rows, as mx-compile does; the MX policies need
  // static shapes.
  model.bf16Operands = spec.precision == "bf16";
  model.trimToContexts = spec.precision == "fp32" || model.bf16Operands;
  if (std::string message = mlir::mx::models::checkWord2VecOptions(model);
      !message.empty()) {
    error = "word2vec step: " + message;
    return false;
  }
  // Without the K-TanH policy pass, the graph is built with K-TanH.
  if (spec.activations == "ktanh" && !mlir::mx::isKTanhPolicyAvailable())
    model.sigmoid = mlir::mx::models::Word2VecSigmoid::KTanh;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::mx::models::buildWord2VecStep(&context, model);
  if (!module) {
    error = "cannot build the word2vec step: " + diagnostics;
    return false;
  }
  auto pm = mlir::PassManager::on<mlir::ModuleOp>(&context);
  mlir::mx::PolicyOptions policy;
  policy.precision = model.bf16Operands ? "fp32" : spec.precision;
  policy.activations = spec.activations;
  if (llvm::Error err = mlir::mx::addPolicyPasses(
          pm, policy, "word2vec",
          model.sigmoid == mlir::mx::models::Word2VecSigmoid::KTanh)) {
    error = llvm::toString(std::move(err));
    return false;
  }
  mlir::mx::addLoweringPasses(pm, *target);
  if (mlir::failed(pm.run(*module))) {
    error = "compiling the word2vec step failed: " + diagnostics;
    return false;
  }
  auto engine = mlir::mx::createExecutionEngine(*module, *target, 3);
  if (!engine) {
    error = "JIT compilation failed: " + llvm::toString(engine.takeError());
    return false;
  }
  impl->engine = std::move(*engine);
  auto address = impl->engine->lookup(symbol);
  if (!address) {
    error = "no entry point: " + llvm::toString(address.takeError());
    return false;
  }
  step.function = reinterpret_cast<w2v::StepFunction>(*address);
  char text[128];
  std::snprintf(text, sizeof(text), "JIT for %s in %.2f s", spec.target.c_str(),
                seconds() - start);
  description = text;
  return true;
}

bool mx::word2vec::checkStepAgainstReference(const w2v::CompiledStep &step,
                                             const StepSpec &spec,
                                             std::string &message) {
  const int64_t dim = spec.dim, batch = spec.batch;
  const int64_t outputs = 1 + spec.negatives;
  const int64_t rows = 64;
  mx::ref::Word2VecStepOptions options = referenceOptions(spec);
  bool exactScores = options.precision != mx::ref::Word2VecPrecision::FP32 &&
                     options.precision != mx::ref::Word2VecPrecision::BF16;
  w2v::Lcg random(12345);
  // A guard region after the tables: a library compiled for a larger
  // dimension reads and writes there instead of outside the allocation,
  // and the comparison below then fails.
  const int64_t guard = 64 * 4096;
  std::vector<float> wih(static_cast<size_t>(rows * dim + guard)),
      woh(static_cast<size_t>(rows * dim + guard));
  for (std::vector<float> *table : {&wih, &woh})
    for (int64_t i = 0; i < rows * dim; ++i)
      (*table)[size_t(i)] =
          exactScores ? float(int64_t(random.next() % 17) - 8) / 64.0f
                      : ((float(random.next() & 0xFFFF) / 65536.0f) - 0.5f) /
                            float(dim) * 8;
  std::vector<float> wihRef(wih.begin(), wih.begin() + rows * dim),
      wohRef(woh.begin(), woh.begin() + rows * dim);
  std::vector<double> wihBound(static_cast<size_t>(rows * dim)),
      wohBound(static_cast<size_t>(rows * dim));
  std::vector<int32_t> ctx(size_t(batch) + 64), out(size_t(outputs) + 64);
  std::vector<int64_t> ctx64(static_cast<size_t>(batch)),
      out64(static_cast<size_t>(outputs));
  for (int64_t b = 0; b < batch; ++b)
    ctx64[size_t(b)] = ctx[size_t(b)] = int32_t(random.next() % 16);
  for (int64_t o = 0; o < outputs; ++o)
    out64[size_t(o)] = out[size_t(o)] = int32_t(random.next() % rows);
  std::vector<float> meta(size_t(outputs) + 64, 1.0f);
  meta[0] = 1.0f;
  if (outputs > 1)
    meta[1] = 2.0f;
  const int64_t nctx = std::max<int64_t>(1, batch - 1), nout = outputs;
  const float alpha = 0.025f;
  w2v::MemRef2D wihRefD{wih.data(), wih.data(), 0, {rows, dim}, {dim, 1}};
  w2v::MemRef2D wohRefD{woh.data(), woh.data(), 0, {rows, dim}, {dim, 1}};
  w2v::MemRef1D ctxD{ctx.data(), ctx.data(), 0, batch, 1};
  w2v::MemRef1D outD{out.data(), out.data(), 0, outputs, 1};
  w2v::MemRef1D metaD{meta.data(), meta.data(), 0, outputs, 1};
  step.function(&wihRefD, &wohRefD, &ctxD, int32_t(nctx), &outD, &metaD,
                int32_t(nout), alpha);
  mx::ref::word2vecStep(options, wihRef.data(), wohRef.data(), ctx64.data(),
                        nctx, out64.data(), meta.data(), nout, alpha,
                        wihBound.data(), wohBound.data());
  double worst = 0, ratio = 0;
  int64_t bad = 0;
  auto compare = [&](const std::vector<float> &got,
                     const std::vector<float> &want,
                     const std::vector<double> &bound) {
    for (size_t i = 0; i < want.size(); ++i) {
      double diff = std::fabs(double(got[i]) - double(want[i]));
      worst = std::max(worst, diff);
      if (bound[i] > 0)
        ratio = std::max(ratio, diff / bound[i]);
      if (!(diff <= bound[i]))
        ++bad;
    }
    // Nothing may be written past the tables.
    for (size_t i = want.size(); i < got.size(); ++i)
      if (got[i] != 0.0f)
        ++bad;
  };
  compare(wih, wihRef, wihBound);
  compare(woh, wohRef, wohBound);
  char text[256];
  if (bad) {
    std::snprintf(text, sizeof(text),
                  "the step differs from the scalar reference in %lld "
                  "elements (max |diff| %.3g): was it compiled for -size %lld "
                  "-negative %lld -batch-size %lld -precision %s?",
                  static_cast<long long>(bad), worst,
                  static_cast<long long>(dim),
                  static_cast<long long>(spec.negatives),
                  static_cast<long long>(batch), spec.precision.c_str());
    message = text;
    return false;
  }
  std::snprintf(text, sizeof(text),
                "one step matches the scalar reference (max |diff| %.2e, "
                "%.2f of the bound%s)",
                worst, ratio, exactScores ? ", exact scores" : "");
  message = text;
  return true;
}

ReferenceObserver::ReferenceObserver(const StepSpec &spec, int64_t limit)
    : spec(spec), limit(limit) {}

void ReferenceObserver::before(const w2v::StepCall &call) {
  if (count >= limit)
    return;
  // The distinct rows the step touches, in the union of both tables.
  rows.clear();
  for (int32_t i = 0; i < call.nctx; ++i)
    rows.push_back(call.ctx[i]);
  for (int32_t i = 0; i < call.nout; ++i)
    rows.push_back(call.out[i]);
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  const int64_t dim = call.dim;
  wihBefore.resize(rows.size() * size_t(dim));
  wohBefore.resize(rows.size() * size_t(dim));
  for (size_t r = 0; r < rows.size(); ++r) {
    std::memcpy(&wihBefore[r * size_t(dim)], call.wih + rows[r] * dim,
                size_t(dim) * sizeof(float));
    std::memcpy(&wohBefore[r * size_t(dim)], call.woh + rows[r] * dim,
                size_t(dim) * sizeof(float));
  }
}

void ReferenceObserver::after(const w2v::StepCall &call) {
  if (count >= limit)
    return;
  ++count;
  // The reference on the compact tables of the touched rows.
  const int64_t dim = call.dim;
  auto compact = [&](int32_t row) {
    return int64_t(std::lower_bound(rows.begin(), rows.end(), row) -
                   rows.begin());
  };
  std::vector<int64_t> ctx, out;
  for (int32_t i = 0; i < call.nctx; ++i)
    ctx.push_back(compact(call.ctx[i]));
  for (int32_t i = 0; i < call.nout; ++i)
    out.push_back(compact(call.out[i]));
  std::vector<double> wihBound(wihBefore.size()), wohBound(wohBefore.size());
  mx::ref::word2vecStep(referenceOptions(spec), wihBefore.data(),
                        wohBefore.data(), ctx.data(), call.nctx, out.data(),
                        call.meta, call.nout, call.alpha, wihBound.data(),
                        wohBound.data());
  bool bad = false;
  for (size_t r = 0; r < rows.size(); ++r)
    for (int64_t d = 0; d < dim; ++d) {
      size_t i = r * size_t(dim) + size_t(d);
      double dw = std::fabs(double(call.wih[rows[r] * dim + d]) - wihBefore[i]);
      double dh = std::fabs(double(call.woh[rows[r] * dim + d]) - wohBefore[i]);
      worst = std::max({worst, dw, dh});
      if (wihBound[i] > 0)
        ratio = std::max(ratio, dw / wihBound[i]);
      if (wohBound[i] > 0)
        ratio = std::max(ratio, dh / wohBound[i]);
      bad |= !(dw <= wihBound[i]) || !(dh <= wohBound[i]);
    }
  failed += bad;
}
