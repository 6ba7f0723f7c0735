//===- MxPrefetch.cpp - software prefetch for streaming loops -------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Adds a memref.prefetch ahead of every vector read that walks a buffer along
// an innermost loop. See the pass description in
// include/mx/Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#define DEBUG_TYPE "mx-prefetch"

namespace mlir::mx {
#define GEN_PASS_DEF_MXPREFETCHPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;

namespace {

/// A 1-D vector read of a memref with a unit-stride innermost dimension, or
/// nothing.
struct VectorRead {
  Value memref;
  SmallVector<Value> indices;
};

std::optional<VectorRead> getVectorRead(Operation *op) {
  VectorRead read;
  VectorType type;
  if (auto load = dyn_cast<vector::LoadOp>(op)) {
    read = {load.getBase(), load.getIndices()};
    type = load.getVectorType();
  } else if (auto transfer = dyn_cast<vector::TransferReadOp>(op)) {
    if (!transfer.getPermutationMap().isMinorIdentity())
      return std::nullopt;
    read = {transfer.getBase(), transfer.getIndices()};
    type = transfer.getVectorType();
  } else {
    return std::nullopt;
  }
  auto memref = dyn_cast<MemRefType>(read.memref.getType());
  if (!memref || type.getRank() != 1 || type.isScalable() ||
      read.indices.empty() || !memref.isLastDimUnitStride())
    return std::nullopt;
  return read;
}

struct MxPrefetchPass : mx::impl::MxPrefetchPassBase<MxPrefetchPass> {
  using MxPrefetchPassBase::MxPrefetchPassBase;

  void runOnOperation() override {
    if (distance == 0)
      return;
    SmallVector<scf::ForOp> innermost;
    getOperation()->walk([&](scf::ForOp loop) {
      bool hasInnerLoop = false;
      loop.getBody()->walk([&](LoopLikeOpInterface) { hasInnerLoop = true; });
      if (!hasInnerLoop)
        innermost.push_back(loop);
    });
    for (scf::ForOp loop : innermost)
      for (Operation &op : loop.getBody()->without_terminator())
        if (std::optional<VectorRead> read = getVectorRead(&op))
          prefetchAhead(loop, &op, *read);
  }

  /// memref.prefetch of the element `distance` bytes past the read along the
  /// innermost dimension, clamped to that dimension so that the address
  /// stays inside the buffer. Reads whose innermost index does not change in
  /// the loop walk nothing and get none.
  void prefetchAhead(scf::ForOp loop, Operation *op, const VectorRead &read) {
    Value last = read.indices.back();
    if (loop.isDefinedOutsideOfLoop(last))
      return;
    auto memref = cast<MemRefType>(read.memref.getType());
    int64_t elementBytes =
        std::max<int64_t>(memref.getElementTypeBitWidth() / 8, 1);
    // Constants go before the loop, the rest next to the read.
    OpBuilder before(loop);
    OpBuilder b(op);
    Location loc = op->getLoc();
    int64_t dim = memref.getRank() - 1;
    Value lastIndex;
    if (memref.isDynamicDim(dim)) {
      Value size = memref::DimOp::create(b, loc, read.memref, dim);
      lastIndex = arith::SubIOp::create(
          b, loc, size, arith::ConstantIndexOp::create(before, loc, 1));
    } else {
      lastIndex = arith::ConstantIndexOp::create(before, loc,
                                                 memref.getDimSize(dim) - 1);
    }
    Value ahead = arith::AddIOp::create(
        b, loc, last,
        arith::ConstantIndexOp::create(before, loc, distance / elementBytes));
    SmallVector<Value> indices(read.indices);
    indices.back() = arith::MinSIOp::create(b, loc, ahead, lastIndex);
    memref::PrefetchOp::create(b, loc, read.memref, indices,
                               /*isWrite=*/false, /*localityHint=*/3,
                               /*isDataCache=*/true);
  }
};

} // namespace
