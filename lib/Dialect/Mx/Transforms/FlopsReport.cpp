//===- FlopsReport.cpp - dense vs sparse MAC accounting -------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// mx-flops-report: the AutoSparse cost model (reference doc section 3) over
// the masked layers of a module. Densities come from `mx.sparsity`, or from
// constant weights and threshold, or default to 1.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/Transforms/FlopsReport.h"
#include "mx/Dialect/Mx/Transforms/Passes.h"

#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <map>
#include <tuple>

namespace mlir::mx {
#define GEN_PASS_DEF_MXFLOPSREPORTPASS
#include "mx/Dialect/Mx/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

/// `mx.layer`, else the location as printed.
static std::string getLayerName(Operation *op) {
  if (auto name = op->getAttrOfType<StringAttr>("mx.layer"))
    return name.str();
  std::string text;
  llvm::raw_string_ostream os(text);
  op->getLoc().print(os);
  return text;
}

/// The f32 value of a constant threshold (`f32` or `tensor<f32>`).
static std::optional<float> getConstantScalar(Value value) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  if (auto f = dyn_cast<FloatAttr>(attr))
    return float(f.getValueAsDouble());
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr))
    if (dense.getNumElements() == 1)
      return (*dense.getValues<APFloat>().begin()).convertToFloat();
  return std::nullopt;
}

/// Fraction of kept weights |w| > sigmoid(s) (mx.sparse_mask's rule, with
/// the same f32 evaluation of the threshold) for constant operands.
static std::optional<double> getConstantDensity(Value weight, Value threshold) {
  std::optional<float> s = getConstantScalar(threshold);
  DenseFPElementsAttr weights;
  if (!s || !matchPattern(weight, m_Constant(&weights)))
    return std::nullopt;
  float e = std::exp(-*s);
  float tau = 1.0f / (1.0f + e);
  int64_t kept = 0, total = weights.getNumElements();
  if (total == 0)
    return std::nullopt;
  for (APFloat w : weights.getValues<APFloat>())
    kept += std::fabs(w.convertToFloat()) > tau;
  return double(kept) / double(total);
}

static LogicalResult setDensity(Operation *op, Value weight, Value threshold,
                                LayerCost &layer) {
  if (Attribute attr = op->getAttr("mx.sparsity")) {
    auto sparsity = dyn_cast<FloatAttr>(attr);
    if (!sparsity || sparsity.getValueAsDouble() < 0 ||
        sparsity.getValueAsDouble() > 1)
      return op->emitError("mx.sparsity must be a float in [0, 1], got ")
             << attr;
    layer.density = 1.0 - sparsity.getValueAsDouble();
    layer.densitySource = "attr";
  } else if (std::optional<double> d = getConstantDensity(weight, threshold)) {
    layer.density = *d;
    layer.densitySource = "constant";
  } else {
    layer.density = 1.0;
    layer.densitySource = "unknown";
  }
  return success();
}

FailureOr<FlopsReport> mx::computeFlopsReport(Operation *root) {
  FlopsReport report;
  WalkResult result = root->walk([&](Operation *op) -> WalkResult {
    LayerCost layer;
    if (auto conv = dyn_cast<MaskedConv2DOp>(op)) {
      ArrayRef<int64_t> w = conv.getWeight().getType().getShape();
      ArrayRef<int64_t> y = conv.getResult().getType().getShape();
      layer.kind = "conv2d";
      layer.m = w[0];
      layer.k = w[1] * w[2] * w[3];
      layer.n = y[0] * y[2] * y[3];
      layer.weights = w[0] * w[1] * w[2] * w[3];
      if (failed(setDensity(op, conv.getWeight(), conv.getThreshold(), layer)))
        return WalkResult::interrupt();
    } else if (auto mm = dyn_cast<MaskedMatmulOp>(op)) {
      auto w = mm.getWeight().getType(), x = mm.getInput().getType();
      if (!w.hasStaticShape() || !x.hasStaticShape()) {
        op->emitError("mx-flops-report needs static shapes");
        return WalkResult::interrupt();
      }
      layer.kind = "matmul";
      layer.m = w.getDimSize(0);
      layer.k = w.getDimSize(1);
      layer.n = x.getDimSize(1);
      layer.weights = layer.m * layer.k;
      if (failed(setDensity(op, mm.getWeight(), mm.getThreshold(), layer)))
        return WalkResult::interrupt();
    } else if (auto sparse = dyn_cast<SparseMatmulOp>(op)) {
      // A layer mx-sparsify already turned into CSR (it carries mx.layer
      // and mx.sparsity over); otherwise the stored non-zeros give d.
      auto acc = cast<RankedTensorType>(sparse.getAcc().getType());
      auto b = cast<RankedTensorType>(sparse.getB().getType());
      auto values = cast<RankedTensorType>(sparse.getValues().getType());
      if (!acc.hasStaticShape() || !b.hasStaticShape()) {
        op->emitError("mx-flops-report needs static shapes");
        return WalkResult::interrupt();
      }
      layer.kind = "matmul";
      layer.m = acc.getDimSize(0);
      layer.k = b.getDimSize(0);
      layer.n = acc.getDimSize(1);
      layer.weights = layer.m * layer.k;
      if (op->hasAttr("mx.sparsity")) {
        if (failed(setDensity(op, Value(), Value(), layer)))
          return WalkResult::interrupt();
      } else if (values.hasStaticShape()) {
        layer.density =
            layer.weights ? double(values.getDimSize(0)) / double(layer.weights)
                          : 0.0;
        layer.densitySource = "csr";
      } else {
        layer.density = 1.0;
        layer.densitySource = "unknown";
      }
    } else {
      return WalkResult::advance();
    }
    layer.name = getLayerName(op);
    report.layers.push_back(std::move(layer));
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  return report;
}

/// The sum of `cost` over the layers of `report`.
template <typename T, typename Cost>
static T sumOverLayers(const FlopsReport &report, Cost cost) {
  T sum = 0;
  for (const LayerCost &l : report.layers)
    sum += cost(l);
  return sum;
}

int64_t FlopsReport::denseMacs() const {
  return sumOverLayers<int64_t>(*this, [](auto &l) { return l.macs(); });
}

double FlopsReport::sparseMacs() const {
  return sumOverLayers<double>(*this, [](auto &l) { return l.sparseMacs(); });
}

int64_t FlopsReport::weights() const {
  return sumOverLayers<int64_t>(*this, [](auto &l) { return l.weights; });
}

double FlopsReport::keptWeights() const {
  return sumOverLayers<double>(
      *this, [](auto &l) { return l.density * double(l.weights); });
}

double FlopsReport::trainDense() const {
  return sumOverLayers<double>(*this, [](auto &l) { return l.trainDense(); });
}

double FlopsReport::trainAnnealing() const {
  return sumOverLayers<double>(*this,
                               [](auto &l) { return l.trainAnnealing(); });
}

double FlopsReport::trainStr() const {
  return sumOverLayers<double>(*this, [](auto &l) { return l.trainStr(); });
}

/// A MAC count as an integer (sparse counts are sums of d * F).
static std::string count(double value) {
  return std::to_string(std::llround(value));
}

static std::string ratio(double dense, double sparse) {
  if (sparse <= 0)
    return "inf";
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.2f", dense / sparse) << "x";
  return text;
}

void mx::printFlopsReport(const FlopsReport &report, llvm::raw_ostream &os,
                          bool buckets) {
  os << "mx-flops-report: " << report.layers.size()
     << " layers (MACs per call; d = density = 1 - sparsity)\n";
  for (const LayerCost &l : report.layers)
    os << "layer " << l.name << ": " << l.kind << " M=" << l.m << " K=" << l.k
       << " N=" << l.n << " weights=" << l.weights
       << " d=" << llvm::format("%.6f", l.density) << " (" << l.densitySource
       << ") dense=" << l.macs() << " sparse=" << count(l.sparseMacs())
       << " train_dense=" << count(l.trainDense())
       << " train_ga=" << count(l.trainAnnealing())
       << " train_str=" << count(l.trainStr()) << "\n";
  double dense = double(report.denseMacs());
  os << "total weights=" << report.weights()
     << " kept=" << count(report.keptWeights()) << "\n";
  os << "total forward: dense=" << report.denseMacs()
     << " sparse=" << count(report.sparseMacs())
     << " reduction=" << ratio(dense, report.sparseMacs()) << "\n";
  os << "total training step (alpha > 0, dense weight gradient): dense="
     << count(report.trainDense())
     << " sparse=" << count(report.trainAnnealing())
     << " reduction=" << ratio(report.trainDense(), report.trainAnnealing())
     << "\n";
  os << "total training step (alpha = 0, SDDMM weight gradient): dense="
     << count(report.trainDense()) << " sparse=" << count(report.trainStr())
     << " reduction=" << ratio(report.trainDense(), report.trainStr()) << "\n";
  if (!buckets)
    return;
  // Layers with equal (M, K, N), largest share first.
  std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> merged;
  for (const LayerCost &l : report.layers)
    ++merged[{l.m, l.k, l.n}];
  std::vector<std::pair<std::tuple<int64_t, int64_t, int64_t>, int64_t>> rows(
      merged.begin(), merged.end());
  auto total = [](const auto &row) {
    auto [m, k, n] = row.first;
    return m * k * n * row.second;
  };
  // Keys are unique, so sorting by (total desc, key) is deterministic.
  llvm::sort(rows, [&](const auto &a, const auto &b) {
    if (total(a) != total(b))
      return total(a) > total(b);
    return a.first < b.first;
  });
  for (const auto &row : rows) {
    auto [m, k, n] = row.first;
    os << "bucket M=" << m << " K=" << k << " N=" << n
       << ": layers=" << row.second << " macs=" << total(row) << " share="
       << llvm::format("%.1f", dense > 0 ? 100.0 * total(row) / dense : 0.0)
       << "%\n";
  }
}

namespace {

struct MxFlopsReportPass : mx::impl::MxFlopsReportPassBase<MxFlopsReportPass> {
  using MxFlopsReportPassBase::MxFlopsReportPassBase;

  void runOnOperation() override {
    FailureOr<FlopsReport> report = computeFlopsReport(getOperation());
    if (failed(report))
      return signalPassFailure();
    printFlopsReport(*report, llvm::outs(), buckets);
    llvm::outs().flush();
    markAllAnalysesPreserved();
  }
};

} // namespace
