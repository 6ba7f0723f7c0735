//===- BF16Policy.cpp - mx-bf16: BF16 mixed precision -------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxOps.h"
#include "mx/Dialect/Mx/Transforms/ConvAsMatmul.h"
#include "mx/Dialect/Mx/Transforms/MatmulAccumulation.h"
#include "mx/Dialect/Mx/Transforms/Passes.h"
#include "mx/Dialect/Mx/Transforms/PolicyOps.h"
#include "mx/Support/TensorUtils.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "mx-bf16"

namespace mlir::mx {
#define GEN_PASS_DEF_MXBF16PASS
#include "mx/Dialect/Mx/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// `value` rounded to bf16 (RNE, subnormals kept): a constant (a weight)
/// is rounded here, at compile time.
Value toBF16(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return b.createOrFold<CastOp>(loc, type.clone(b.getBF16Type()), value,
                                /*seed=*/Value(), RoundingMode::rne);
}

Value rewriteMatmul(OpBuilder &b, linalg::MatmulOp op) {
  Location loc = op.getLoc();
  return MatmulOp::create(b, loc, op.getResultTypes()[0],
                          toBF16(b, loc, op.getInputs()[0]),
                          toBF16(b, loc, op.getInputs()[1]),
                          op.getOutputs()[0]);
}

/// One mx.matmul per batch element, in an scf.for over the batch.
Value rewriteBatchMatmul(OpBuilder &b, linalg::BatchMatmulOp op) {
  Location loc = op.getLoc();
  Value lhs = toBF16(b, loc, op.getInputs()[0]);
  Value rhs = toBF16(b, loc, op.getInputs()[1]);
  Value acc = op.getOutputs()[0];
  int64_t batch = cast<RankedTensorType>(acc.getType()).getDimSize(0);
  return forEach(b, loc, batch, acc,
                 [&](OpBuilder &nb, Location l, Value i, Value carried) {
                   Value c = sliceAt(nb, l, carried, i);
                   Value product = MatmulOp::create(nb, l, c.getType(),
                                                    sliceAt(nb, l, lhs, i),
                                                    sliceAt(nb, l, rhs, i), c);
                   return insertAt(nb, l, product, carried, i);
                 });
}

/// GEMM operands of a convolution rewritten through im2col: bf16, K
/// unpadded (mx.matmul on bf16 takes any K).
struct BF16Operands : GemmOperands {
  int64_t padK(int64_t k) const override { return k; }
  Value convert(OpBuilder &b, Location loc, Value value, int64_t rows,
                int64_t cols, int64_t, int64_t, bool, int64_t) override {
    return toBF16(b, loc, reshape(b, loc, value, {rows, cols}));
  }
};

/// linalg.generic: bf16 inputs, extended back to f32 at the top of the body,
/// so the computation itself (and its outputs) stays f32.
Value rewriteGeneric(OpBuilder &b, linalg::GenericOp op) {
  Location loc = op.getLoc();
  SmallVector<Value> inputs;
  for (Value input : op.getInputs())
    inputs.push_back(toBF16(b, loc, input));
  auto generic = linalg::GenericOp::create(
      b, loc, op.getResultTypes(), inputs, op.getOutputs(),
      op.getIndexingMapsArray(), op.getIteratorTypesArray());
  Region &region = generic.getRegion();
  region.takeBody(op.getRegion());
  Block &body = region.front();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&body);
  for (unsigned i = 0, e = inputs.size(); i < e; ++i) {
    BlockArgument argument = body.getArgument(i);
    argument.setType(b.getBF16Type());
    auto wide = arith::ExtFOp::create(b, loc, b.getF32Type(), argument);
    argument.replaceAllUsesExcept(wide, wide);
  }
  return generic.getResult(0);
}

struct MxBF16Pass : mx::impl::MxBF16PassBase<MxBF16Pass> {
  using MxBF16PassBase::MxBF16PassBase;

  void runOnOperation() override {
    FailureOr<MatmulAccumulation> matmulAccumulation =
        MatmulAccumulation::get(getOperation(), "mx-bf16", accumulation);
    if (failed(matmulAccumulation))
      return signalPassFailure();
    llvm::StringSet<> allowed = policyOps(ops);

    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (allowed.contains(op->getName().getStringRef()) &&
          op->getNumResults() == 1 &&
          llvm::all_of(op->getOperands(), isStaticF32Tensor))
        candidates.push_back(op);
    });

    IRRewriter rewriter(&getContext());
    BF16Operands convOperands;
    for (linalg::LinalgOp op : candidates) {
      rewriter.setInsertionPoint(op);
      Value replacement =
          llvm::TypeSwitch<Operation *, Value>(op)
              .Case([&](linalg::MatmulOp m) {
                return rewriteMatmul(rewriter, m);
              })
              .Case([&](linalg::BatchMatmulOp m) {
                return rewriteBatchMatmul(rewriter, m);
              })
              .Case([&](linalg::Conv2DNhwcHwcfOp c) {
                return rewriteConvNhwcAsMatmul(rewriter, convOperands, c);
              })
              .Case([&](linalg::Conv2DNchwFchwOp c) {
                return rewriteConvNchwAsMatmul(rewriter, convOperands, c);
              })
              .Case([&](linalg::GenericOp g) {
                return rewriteGeneric(rewriter, g);
              })
              .Default([](Operation *) { return Value(); });
      if (!replacement) {
        op->emitError("mx-bf16 cannot rewrite '")
            << op->getName() << "'; supported: linalg.matmul, "
            << "linalg.batch_matmul, linalg.conv_2d_nhwc_hwcf, "
            << "linalg.conv_2d_nchw_fchw, linalg.generic";
        return signalPassFailure();
      }
      if (report) {
        bool conv = isa<linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNchwFchwOp>(
            op.getOperation());
        op->emitRemark("mx-bf16: bf16 inputs, f32 accumulation")
            << (conv ? " (im2col mx.matmul)" : "");
      }
      LLVM_DEBUG(llvm::dbgs() << "rewrote " << op->getName() << "\n");
      rewriter.replaceOp(op, replacement);
    }
    matmulAccumulation->markNewMatmuls(getOperation());
  }
};

} // namespace
