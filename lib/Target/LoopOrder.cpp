//===- LoopOrder.cpp - mx-loop-order ------------------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Target/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/Debug.h"

#include <optional>

#define DEBUG_TYPE "mx-loop-order"

namespace mlir::mx {
#define GEN_PASS_DEF_MXLOOPORDERPASS
#include "mx/Target/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;

namespace {

/// The dimension that `map` uses as its last (contiguous) index, if any.
std::optional<unsigned> lastDim(AffineMap map) {
  if (map.getNumResults() == 0)
    return std::nullopt;
  if (auto dim = dyn_cast<AffineDimExpr>(map.getResults().back()))
    return dim.getPosition();
  return std::nullopt;
}

/// The new loop order (old dimensions, outermost first) for `op`, or
/// std::nullopt to keep it.
std::optional<SmallVector<unsigned>> chooseOrder(linalg::LinalgOp op) {
  unsigned numLoops = op.getNumLoops();
  if (numLoops < 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (!linalg::isReductionIterator(iterators.back()))
    return std::nullopt;
  std::optional<unsigned> inner =
      lastDim(op.getMatchingIndexingMap(op.getDpsInitOperand(0)));
  if (!inner || !linalg::isParallelIterator(iterators[*inner]))
    return std::nullopt;
  auto contiguousUses = [&](unsigned dim) {
    unsigned uses = 0;
    for (AffineMap map : op.getIndexingMapsArray())
      if (lastDim(map) == dim)
        ++uses;
    return uses;
  };
  if (contiguousUses(*inner) < contiguousUses(numLoops - 1))
    return std::nullopt;
  SmallVector<unsigned> order;
  for (unsigned dim = 0; dim < numLoops; ++dim)
    if (dim != *inner)
      order.push_back(dim);
  order.push_back(*inner);
  return order;
}

/// Whether the body of `op` is `out + a * b` (a multiply-accumulate).
bool isMulAcc(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 3)
    return false;
  auto mul = dyn_cast<arith::MulFOp>(body.front());
  auto add = dyn_cast<arith::AddFOp>(*std::next(body.begin()));
  return mul && add &&
         (add.getLhs() == mul.getResult() || add.getRhs() == mul.getResult());
}

/// The innermost loop of `op` if it is a reduction that every input reads
/// contiguously (the last index of each input map, and of at least two):
/// a batch of dot products, which LLVM vectorizes only if the sum may be
/// reassociated.
bool isDotProductOrder(linalg::GenericOp op) {
  unsigned last = op.getNumLoops() - 1;
  if (op.getNumDpsInits() != 1 || op.getNumLoops() < 2 ||
      !linalg::isReductionIterator(op.getIteratorTypesArray()[last]))
    return false;
  unsigned readers = 0;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (lastDim(map) == last)
      ++readers;
    else if (map.isFunctionOfDim(last))
      return false;
  }
  return readers >= 2;
}

struct MxLoopOrderPass : mx::impl::MxLoopOrderPassBase<MxLoopOrderPass> {
  using MxLoopOrderPassBase::MxLoopOrderPassBase;

  /// Folds linalg.transpose results that reductions read into their
  /// indexing maps (upstream elementwise fusion of the generalized
  /// transpose), so that no transposed copy is written.
  LogicalResult foldTransposes(IRRewriter &rewriter) {
    SmallVector<linalg::LinalgOp> consumers;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics() ||
          llvm::none_of(op.getIteratorTypesArray(),
                        linalg::isReductionIterator))
        return;
      if (llvm::any_of(op.getDpsInputs(), [](Value v) {
            return v.getDefiningOp<linalg::TransposeOp>() != nullptr;
          }))
        consumers.push_back(op);
    });
    for (linalg::LinalgOp op : consumers) {
      rewriter.setInsertionPoint(op);
      auto consumer = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!consumer) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          continue;
        consumer = *generalized;
      }
      for (bool changed = true; changed;) {
        changed = false;
        for (OpOperand *input : consumer.getDpsInputOperands()) {
          auto transpose = input->get().getDefiningOp<linalg::TransposeOp>();
          if (!transpose)
            continue;
          rewriter.setInsertionPoint(transpose);
          FailureOr<linalg::GenericOp> producer =
              linalg::generalizeNamedOp(rewriter, transpose);
          if (failed(producer))
            return transpose.emitError("mx-loop-order: cannot generalize");
          if (!linalg::areElementwiseOpsFusable(input))
            continue;
          rewriter.setInsertionPoint(consumer);
          FailureOr<linalg::ElementwiseOpFusionResult> fused =
              linalg::fuseElementwiseOps(rewriter, input);
          if (failed(fused))
            continue;
          for (auto [from, to] : fused->replacements)
            rewriter.replaceAllUsesExcept(from, to, fused->fusedOp);
          rewriter.eraseOp(consumer);
          if (producer->use_empty())
            rewriter.eraseOp(*producer);
          consumer = cast<linalg::GenericOp>(fused->fusedOp);
          changed = true;
          break;
        }
      }
    }
    return success();
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    if (foldTransposesOption && failed(foldTransposes(rewriter)))
      return signalPassFailure();
    SmallVector<std::pair<linalg::LinalgOp, SmallVector<unsigned>>> work;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<SmallVector<unsigned>> order = chooseOrder(op))
        work.emplace_back(op, std::move(*order));
    });
    for (auto &[op, order] : work) {
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          continue;
        generic = *generalized;
      }
      if (failed(linalg::interchangeGenericOp(rewriter, generic, order))) {
        generic.emitError("mx-loop-order: cannot interchange the loops");
        return signalPassFailure();
      }
      LLVM_DEBUG(llvm::dbgs() << "reordered " << generic << "\n");
    }
    if (!reassociateDotProducts && !contractMulAcc)
      return;
    // Multiply-accumulates may become one fma; dot products may also be
    // summed in another order, so that LLVM vectorizes along the contiguous
    // reduction (partial sums per lane).
    getOperation().walk([&](linalg::GenericOp op) {
      if (!isMulAcc(op))
        return;
      bool dot = reassociateDotProducts && isDotProductOrder(op);
      if (!dot && !contractMulAcc)
        return;
      Block &body = op.getRegion().front();
      auto mul = cast<arith::MulFOp>(body.front());
      auto add = cast<arith::AddFOp>(*std::next(body.begin()));
      mul.setFastmath(arith::FastMathFlags::contract);
      add.setFastmath(dot ? arith::FastMathFlags::reassoc |
                                arith::FastMathFlags::contract
                          : arith::FastMathFlags::contract);
    });
  }
};

} // namespace
