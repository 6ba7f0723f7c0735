//===- FlopsReport.h - dense vs sparse MAC accounting -----------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The analysis behind mx-flops-report, callable from drivers and tests:
// the masked layers of a module with their GEMM view, density and MACs,
// and the AutoSparse cost model for the forward pass and the training step.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_TRANSFORMS_FLOPSREPORT_H
#define MX_DIALECT_MX_TRANSFORMS_FLOPSREPORT_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::mx {

struct LayerCost {
  std::string name;
  std::string kind;            // "conv2d" or "matmul"
  int64_t m = 0, k = 0, n = 0; // GEMM view: W[M x K] x X[K x N]
  int64_t weights = 0;
  double density = 1.0;
  std::string densitySource; // "attr", "constant" or "unknown"

  int64_t macs() const { return m * k * n; }
  double sparseMacs() const { return density * double(macs()); }
  /// Training step: forward + backward-data + weight gradient (dense while
  /// alpha > 0, SDDMM once alpha = 0).
  double trainDense() const { return 3.0 * double(macs()); }
  double trainAnnealing() const { return (2 * density + 1) * double(macs()); }
  double trainStr() const { return 3 * density * double(macs()); }
};

struct FlopsReport {
  std::vector<LayerCost> layers;

  int64_t denseMacs() const;
  double sparseMacs() const;
  int64_t weights() const;
  double keptWeights() const;
  double trainDense() const;
  double trainAnnealing() const;
  double trainStr() const;
};

/// Collects the masked layers under `root` in walk order. Fails (with a
/// diagnostic on the op) for an `mx.sparsity` outside [0, 1] or not a
/// float.
FailureOr<FlopsReport> computeFlopsReport(Operation *root);

/// Prints the report in the format of mx-flops-report.
void printFlopsReport(const FlopsReport &report, llvm::raw_ostream &os,
                      bool buckets = true);

} // namespace mlir::mx

#endif // MX_DIALECT_MX_TRANSFORMS_FLOPSREPORT_H
