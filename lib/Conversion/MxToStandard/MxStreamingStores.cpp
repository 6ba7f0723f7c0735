//===- MxStreamingStores.cpp - non-temporal stores on x86 ----------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Versions loop nests that store whole vectors so that a copy with
// non-temporal stores runs when the stores are aligned. See the pass
// description in include/mx/Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/MathExtras.h"

#define DEBUG_TYPE "mx-streaming-stores"

namespace mlir::mx {
#define GEN_PASS_DEF_MXSTREAMINGSTORESPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;

namespace {

/// Power-of-two factors are tracked up to this bound (an index known to be
/// 0 has all of them).
constexpr uint64_t kMaxFactor = uint64_t(1) << 20;

uint64_t powerOfTwoFactor(int64_t value) {
  if (value == 0)
    return kMaxFactor;
  return std::min<uint64_t>(uint64_t(1) << llvm::countr_zero(uint64_t(value)),
                            kMaxFactor);
}

/// The largest power of two (up to kMaxFactor) that `value` is known to be a
/// multiple of, from constants, induction variables of loops with such
/// bounds and steps, and sums and products.
uint64_t knownFactor(Value value, unsigned depth = 0) {
  if (depth > 8)
    return 1;
  if (auto constant = getConstantIntValue(value))
    return powerOfTwoFactor(*constant);
  if (auto iv = dyn_cast<BlockArgument>(value)) {
    Operation *owner = iv.getOwner()->getParentOp();
    if (auto loop = dyn_cast<scf::ForOp>(owner);
        loop && loop.getInductionVar() == iv)
      return std::min(knownFactor(loop.getLowerBound(), depth + 1),
                      knownFactor(loop.getStep(), depth + 1));
    return 1;
  }
  Operation *op = value.getDefiningOp();
  if (isa<arith::AddIOp, arith::SubIOp>(op))
    return std::min(knownFactor(op->getOperand(0), depth + 1),
                    knownFactor(op->getOperand(1), depth + 1));
  if (isa<arith::MulIOp>(op))
    return std::min(knownFactor(op->getOperand(0), depth + 1) *
                        knownFactor(op->getOperand(1), depth + 1),
                    kMaxFactor);
  return 1;
}

/// A store that may become non-temporal.
struct Store {
  Operation *op;
  Value value, memref;
  SmallVector<Value> indices;
  /// The alignment its address needs: its size, at most 64.
  int64_t bytes;
};

/// Smallest store that streams. 16-byte non-temporal stores (an MXFP4
/// block's elements, 16 scale bytes) made quantizing slower than plain
/// stores at 64 MiB and 1 GiB (0.3-0.5x against 0.8-1.3x memcpy), while
/// 32-byte ones (MXFP8) made it faster.
constexpr int64_t kMinBytes = 32;

/// `op` as a Store if it writes a 1-D vector of 32, 64 or more (a
/// power of two) bytes of whole-byte elements contiguously into a memref
/// with a unit innermost stride.
std::optional<Store> asStreamableStore(Operation *op) {
  Store store;
  store.op = op;
  if (auto write = dyn_cast<vector::StoreOp>(op)) {
    if (write.getNontemporal())
      return std::nullopt;
    store.value = write.getValueToStore();
    store.memref = write.getBase();
    store.indices.assign(write.getIndices().begin(), write.getIndices().end());
  } else if (auto write = dyn_cast<vector::TransferWriteOp>(op)) {
    if (!isa<MemRefType>(write.getShapedType()) || write.getMask() ||
        !write.getPermutationMap().isMinorIdentity() ||
        !llvm::all_of(write.getInBoundsValues(), [](bool b) { return b; }))
      return std::nullopt;
    store.value = write.getVector();
    store.memref = write.getBase();
    store.indices.assign(write.getIndices().begin(), write.getIndices().end());
  } else {
    return std::nullopt;
  }
  auto vector = cast<VectorType>(store.value.getType());
  auto memref = cast<MemRefType>(store.memref.getType());
  if (vector.getRank() != 1 || vector.isScalable() ||
      !memref.getElementType().isIntOrFloat() ||
      memref.getElementType() != vector.getElementType() ||
      vector.getElementTypeBitWidth() % 8 != 0)
    return std::nullopt;
  // Wider vectors become several stores of one register each, aligned to
  // the register's size.
  int64_t bytes = vector.getNumElements() * vector.getElementTypeBitWidth() / 8;
  if (bytes < kMinBytes || !llvm::isPowerOf2_64(bytes))
    return std::nullopt;
  store.bytes = std::min<int64_t>(bytes, 64);
  SmallVector<int64_t> strides;
  int64_t offset;
  if (memref.getRank() == 0 ||
      failed(memref.getStridesAndOffset(strides, offset)) ||
      strides.back() != 1)
    return std::nullopt;
  return store;
}

/// The op to version for the stores in `op`: its outermost enclosing
/// sequential loop (or conditional) below a function or parallel-loop body.
Operation *versionPoint(Operation *op) {
  Operation *point = op;
  while (Operation *parent = point->getParentOp()) {
    if (!isa<scf::ForOp, scf::IfOp, scf::WhileOp>(parent))
      break;
    point = parent;
  }
  return point;
}

Value isMultipleOf(OpBuilder &b, Location loc, Value value, int64_t bytes) {
  Value low = arith::AndIOp::create(
      b, loc, value, arith::ConstantIndexOp::create(b, loc, bytes - 1));
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, low,
                               arith::ConstantIndexOp::create(b, loc, 0));
}

/// Adds to `conditions` (built at `b`, before the loop nest) what must hold
/// at run time for every address `store` writes to be aligned to its size;
/// false, adding nothing, if alignment cannot be established.
bool addAlignmentConditions(OpBuilder &b, const Store &store,
                            SmallVectorImpl<Value> &conditions) {
  // Static checks first, so that a store that cannot stream builds no IR.
  auto type = cast<MemRefType>(store.memref.getType());
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  SmallVector<int64_t> strides;
  int64_t offset;
  (void)type.getStridesAndOffset(strides, offset);
  SmallVector<std::pair<unsigned, uint64_t>> dynamicTerms;
  for (auto [k, index] : llvm::enumerate(store.indices)) {
    uint64_t factor = knownFactor(index) * elementBytes;
    if (factor % store.bytes == 0)
      continue;
    // The innermost stride is 1: its index alone must be aligned.
    if (k + 1 == store.indices.size())
      return false;
    if (ShapedType::isDynamic(strides[k]))
      dynamicTerms.emplace_back(k, factor);
    else if ((factor * powerOfTwoFactor(strides[k])) % store.bytes != 0)
      return false;
  }

  Location loc = store.op->getLoc();
  auto metadata =
      memref::ExtractStridedMetadataOp::create(b, loc, store.memref);
  for (auto [k, factor] : dynamicTerms) {
    Value step =
        arith::MulIOp::create(b, loc, metadata.getStrides()[k],
                              arith::ConstantIndexOp::create(b, loc, factor));
    conditions.push_back(isMultipleOf(b, loc, step, store.bytes));
  }
  Value base =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, store.memref);
  Value start = arith::AddIOp::create(
      b, loc, base,
      arith::MulIOp::create(
          b, loc, metadata.getOffset(),
          arith::ConstantIndexOp::create(b, loc, elementBytes)));
  conditions.push_back(isMultipleOf(b, loc, start, store.bytes));
  return true;
}

/// Replaces `point` by `scf.if %streaming { clone, non-temporal; sfence }
/// else { point }`.
void version(Operation *point, Value streaming, ArrayRef<Store> stores) {
  OpBuilder b(point);
  Location loc = point->getLoc();
  auto branch = scf::IfOp::create(b, loc, point->getResultTypes(), streaming,
                                  /*withElseRegion=*/true);
  // Without results, the builder has added empty yields already.
  for (Block *block : {branch.thenBlock(), branch.elseBlock()})
    if (!block->empty())
      block->back().erase();

  b.setInsertionPointToStart(branch.thenBlock());
  IRMapping mapping;
  Operation *copy = b.clone(*point, mapping);
  for (const Store &store : stores) {
    Operation *op = mapping.lookup(store.op);
    OpBuilder at(op);
    auto mapped = [&](Value value) { return mapping.lookupOrDefault(value); };
    vector::StoreOp::create(
        at, op->getLoc(), mapped(store.value), mapped(store.memref),
        llvm::map_to_vector(store.indices, mapped),
        /*nontemporal=*/true, llvm::MaybeAlign(store.bytes));
    op->erase();
  }
  LLVM::CallIntrinsicOp::create(b, loc, b.getStringAttr("llvm.x86.sse.sfence"),
                                ValueRange{});
  scf::YieldOp::create(b, loc, copy->getResults());

  point->replaceAllUsesWith(branch.getResults());
  b.setInsertionPointToStart(branch.elseBlock());
  auto yield = scf::YieldOp::create(b, loc, point->getResults());
  point->moveBefore(yield);
}

struct MxStreamingStoresPass
    : mx::impl::MxStreamingStoresPassBase<MxStreamingStoresPass> {
  void runOnOperation() override {
    llvm::MapVector<Operation *, SmallVector<Store>> storesByPoint;
    getOperation()->walk([&](Operation *op) {
      if (auto store = asStreamableStore(op))
        storesByPoint[versionPoint(op)].push_back(*store);
    });

    DominanceInfo dominance(getOperation());
    for (auto &[point, candidates] : storesByPoint) {
      OpBuilder b(point);
      SmallVector<Value> conditions;
      SmallVector<Store> stores;
      for (const Store &store : candidates) {
        // The conditions are evaluated before the loop nest.
        if (!dominance.properlyDominates(store.memref, point))
          continue;
        if (addAlignmentConditions(b, store, conditions))
          stores.push_back(store);
      }
      if (stores.empty())
        continue;
      Value streaming = conditions.front();
      for (Value condition : llvm::drop_begin(conditions))
        streaming =
            arith::AndIOp::create(b, point->getLoc(), streaming, condition);
      version(point, streaming, stores);
    }
  }
};

} // namespace
