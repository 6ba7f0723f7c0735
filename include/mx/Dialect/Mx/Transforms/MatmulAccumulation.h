//===- MatmulAccumulation.h - accumulation= option of the policies -*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The `accumulation=ordered|unordered` option shared by mx-quantize and
// mx-bf16: the mx.matmul ops a pass makes get the `unordered` attribute,
// the ones that were there before it ran are left as they were.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_TRANSFORMS_MATMULACCUMULATION_H
#define MX_DIALECT_MX_TRANSFORMS_MATMULACCUMULATION_H

#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::mx {

class MatmulAccumulation {
public:
  /// Checks `value` (an error naming `pass` unless it is ordered or
  /// unordered) and records the mx.matmul ops of `func` as they are now.
  static FailureOr<MatmulAccumulation> get(func::FuncOp func, StringRef pass,
                                           StringRef value) {
    if (value != "ordered" && value != "unordered") {
      func.emitError() << pass << ": unknown accumulation '" << value
                       << "'; expected ordered or unordered";
      return failure();
    }
    MatmulAccumulation accumulation;
    accumulation.unordered = value == "unordered";
    func.walk([&](MatmulOp op) { accumulation.before.insert(op); });
    return accumulation;
  }

  /// For `unordered`, marks the mx.matmul ops of `func` made since get().
  void markNewMatmuls(func::FuncOp func) const {
    if (!unordered)
      return;
    func.walk([&](MatmulOp op) {
      if (!before.contains(op))
        op.setUnordered(true);
    });
  }

private:
  bool unordered = false;
  llvm::DenseSet<Operation *> before;
};

} // namespace mlir::mx

#endif // MX_DIALECT_MX_TRANSFORMS_MATMULACCUMULATION_H
