//===- StepLoader.h - the compiled word2vec step for mx-word2vec -*- C++
//-*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Where the trainer's step comes from: compiled at startup by the project's
// compiler (the model graph, the policy passes, the lowering for a target,
// the JIT of mlir::ExecutionEngine), or loaded from a shared library that
// `mx-compile --model=word2vec --emit=shared` produced. Either way it is
// checked once against the scalar reference (lib/Reference/Word2VecStep.cpp)
// before training, which also catches a library compiled for other shapes.
//
//===----------------------------------------------------------------------===//

#ifndef MX_TOOLS_MX_WORD2VEC_STEPLOADER_H
#define MX_TOOLS_MX_WORD2VEC_STEPLOADER_H

#include "mx/Runtime/Word2VecTrainer.h"

#include <memory>
#include <string>

namespace mx::word2vec {

struct StepSpec {
  int64_t dim = 100, batch = 10, negatives = 5;
  std::string precision = "fp32";
  std::string activations = "exact";
  std::string target = "host";
  /// A shared library to load instead of compiling, and its entry point.
  std::string library;
  std::string symbol = "word2vec_step";
};

/// Owns what keeps the step's code alive (the JIT or the library).
class LoadedStep {
public:
  LoadedStep();
  ~LoadedStep();
  LoadedStep(const LoadedStep &) = delete;
  LoadedStep &operator=(const LoadedStep &) = delete;

  /// Compiles (or loads) the step; false with `error` set.
  bool load(const StepSpec &spec, std::string &error);
  const rt::w2v::CompiledStep &get() const { return step; }
  /// How it was obtained, for the summary ("JIT, host, 0.41 s").
  const std::string &describe() const { return description; }

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
  rt::w2v::CompiledStep step;
  std::string description;
};

/// Checks one call of `step` on random tables (rows repeated within the
/// batch, partial counts) against the scalar reference within its error
/// bounds; MX precisions on values whose scores are exact in any order.
/// False with `error` saying how far off it is.
bool checkStepAgainstReference(const rt::w2v::CompiledStep &step,
                               const StepSpec &spec, std::string &message);

/// A StepObserver that checks every step the trainer makes against the
/// reference on the rows it touches (fp32 and bf16 only).
class ReferenceObserver : public rt::w2v::StepObserver {
public:
  ReferenceObserver(const StepSpec &spec, int64_t limit);
  void before(const rt::w2v::StepCall &call) override;
  void after(const rt::w2v::StepCall &call) override;
  int64_t checked() const { return count; }
  int64_t failures() const { return failed; }
  double worstDiff() const { return worst; }
  double worstRatio() const { return ratio; }

private:
  StepSpec spec;
  int64_t limit, count = 0, failed = 0;
  double worst = 0, ratio = 0;
  std::vector<int32_t> rows; // distinct table rows touched
  std::vector<float> wihBefore, wohBefore;
};

} // namespace mx::word2vec

#endif // MX_TOOLS_MX_WORD2VEC_STEPLOADER_H
