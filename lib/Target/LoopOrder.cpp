//===- LoopOrder.cpp - mx-loop-order ------------------------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Target/Passes.h"

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

struct MxLoopOrderPass : mx::impl::MxLoopOrderPassBase<MxLoopOrderPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, SmallVector<unsigned>>> work;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<SmallVector<unsigned>> order = chooseOrder(op))
        work.emplace_back(op, std::move(*order));
    });
    IRRewriter rewriter(&getContext());
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
  }
};

} // namespace
