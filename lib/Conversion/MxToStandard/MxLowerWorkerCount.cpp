//===- MxLowerWorkerCount.cpp - mx.worker_count to the thread count -------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Replaces mx.worker_count with omp_get_max_threads() (OpenMP parallel
// loops) or 1 (sequential loops). See the pass description in
// include/mx/Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/Passes.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXLOWERWORKERCOUNTPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kMaxThreads = "omp_get_max_threads";

struct MxLowerWorkerCountPass
    : mx::impl::MxLowerWorkerCountPassBase<MxLowerWorkerCountPass> {
  using MxLowerWorkerCountPassBase::MxLowerWorkerCountPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<mx::WorkerCountOp> ops;
    module.walk([&](mx::WorkerCountOp op) { ops.push_back(op); });
    if (ops.empty())
      return;
    OpBuilder b(module.getContext());
    auto i32 = b.getI32Type();
    if (openmp && !module.lookupSymbol<func::FuncOp>(kMaxThreads)) {
      b.setInsertionPointToStart(module.getBody());
      auto decl = func::FuncOp::create(b, module.getLoc(), kMaxThreads,
                                       b.getFunctionType({}, {i32}));
      decl.setPrivate();
    }
    for (mx::WorkerCountOp op : ops) {
      b.setInsertionPoint(op);
      Location loc = op.getLoc();
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      Value count = one;
      if (openmp) {
        Value threads =
            func::CallOp::create(b, loc, kMaxThreads, TypeRange{i32})
                .getResult(0);
        threads = arith::IndexCastOp::create(b, loc, b.getIndexType(), threads);
        count = arith::MaxSIOp::create(b, loc, threads, one);
      }
      op.replaceAllUsesWith(count);
      op.erase();
    }
  }
};

} // namespace
