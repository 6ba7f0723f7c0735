//===- MathPolynomialApproximation.cpp - upstream math approximations -----===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/Transforms/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "mx-math-polynomial-approximation"

namespace mlir::mx {
#define GEN_PASS_DEF_MXMATHPOLYNOMIALAPPROXIMATIONPASS
#include "mx/Dialect/Mx/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;

namespace {
struct MxMathPolynomialApproximationPass
    : mx::impl::MxMathPolynomialApproximationPassBase<
          MxMathPolynomialApproximationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // The upstream default set (f32 expansion of f16/bf16 included).
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
