//===- ResNet50Test.cpp - the ResNet-50 graph and its MAC budget ----------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Builds ResNet-50 with mx::models::buildResNet50 and checks what
// mx-flops-report (computeFlopsReport) makes of it against the published
// accounting (reference doc autosparse.md, sections 3 and 4): 4,089,184,256
// dense conv+fc MACs per image, 25,502,912 weights, the per-shape buckets
// typed in from section 4 (batch 1 and 32), and sparse totals
// sum (1 - s_l) MACs_l for a uniform and a made-up non-uniform per-layer
// budget, with the per-layer MACs listed here independently of the builder.
//
//===----------------------------------------------------------------------===//

#include "mx/Models/ResNet50.h"
#include "mx/Dialect/Mx/Transforms/FlopsReport.h"
#include "mx/InitAll.h"
#include "mx/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include "gtest/gtest.h"

#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

using namespace mlir;
namespace models = mlir::mx::models;

namespace {

struct Shape {
  int64_t m, k, n; // per image
};

/// The 54 layers of ResNet-50 v1.5 at 224x224 as W[M x K] x X[K x N],
/// written out per stage (not derived from the builder's tables).
std::vector<Shape> expectedLayers() {
  std::vector<Shape> layers = {{64, 3 * 49, 112 * 112}}; // conv1
  struct StageRows {
    int blocks, width, out, in, mapIn, mapOut;
  };
  const StageRows stages[] = {{3, 64, 256, 64, 56, 56},
                              {4, 128, 512, 256, 56, 28},
                              {6, 256, 1024, 512, 28, 14},
                              {3, 512, 2048, 1024, 14, 7}};
  for (const StageRows &s : stages) {
    for (int b = 0; b < s.blocks; ++b) {
      int in = b == 0 ? s.in : s.out;
      int mapIn = b == 0 ? s.mapIn : s.mapOut;
      layers.push_back({s.width, in, mapIn * mapIn}); // conv1 1x1
      layers.push_back({s.width, s.width * 9, s.mapOut * s.mapOut}); // 3x3
      layers.push_back({s.out, s.width, s.mapOut * s.mapOut}); // conv3 1x1
      if (b == 0)
        layers.push_back({s.out, s.in, s.mapOut * s.mapOut}); // downsample
    }
  }
  layers.push_back({1000, 2048, 1}); // fc
  return layers;
}

/// Section 4 of the reference doc: (M, K, N at b = 1) -> layers.
const std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> kBuckets = {
    {{256, 2304, 196}, 6}, {{128, 1152, 784}, 4}, {{64, 576, 3136}, 3},
    {{512, 4608, 49}, 3},  {{1024, 256, 196}, 6}, {{256, 1024, 196}, 5},
    {{256, 64, 3136}, 4},  {{512, 128, 784}, 4},  {{128, 512, 784}, 3},
    {{2048, 512, 49}, 3},  {{64, 147, 12544}, 1}, {{64, 256, 3136}, 2},
    {{128, 256, 3136}, 1}, {{512, 256, 784}, 1},  {{256, 512, 784}, 1},
    {{1024, 512, 196}, 1}, {{512, 1024, 196}, 1}, {{2048, 1024, 49}, 1},
    {{512, 2048, 49}, 2},  {{64, 64, 3136}, 1},   {{1000, 2048, 1}, 1}};

mx::FlopsReport build(MLIRContext &context,
                      const models::ResNet50Options &options) {
  OwningOpRef<ModuleOp> module = models::buildResNet50(&context, options);
  EXPECT_TRUE(module);
  if (!module)
    return {};
  FailureOr<mx::FlopsReport> report = mx::computeFlopsReport(*module);
  EXPECT_TRUE(succeeded(report));
  return succeeded(report) ? *report : mx::FlopsReport{};
}

TEST(ResNet50, DenseGoldenNumbers) {
  MLIRContext context;
  mx::FlopsReport report = build(context, {});
  ASSERT_EQ(report.layers.size(), 54u);
  EXPECT_EQ(report.denseMacs(), 4089184256);
  EXPECT_EQ(report.weights(), 25502912);
  EXPECT_EQ(report.sparseMacs(), 4089184256.0); // no sparsity, dense weights
  EXPECT_EQ(report.layers.front().name, "conv1");
  EXPECT_EQ(report.layers[4].name, "layer1.0.downsample.0");
  EXPECT_EQ(report.layers.back().name, "fc");
  for (const mx::LayerCost &l : report.layers)
    EXPECT_EQ(l.densitySource, "unknown") << l.name;

  std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> buckets;
  for (const mx::LayerCost &l : report.layers)
    ++buckets[{l.m, l.k, l.n}];
  EXPECT_EQ(buckets, kBuckets);

  std::vector<Shape> expected = expectedLayers();
  ASSERT_EQ(expected.size(), report.layers.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(report.layers[i].m, expected[i].m) << report.layers[i].name;
    EXPECT_EQ(report.layers[i].k, expected[i].k) << report.layers[i].name;
    EXPECT_EQ(report.layers[i].n, expected[i].n) << report.layers[i].name;
  }
}

TEST(ResNet50, Batch32) {
  MLIRContext context;
  models::ResNet50Options options;
  options.batch = 32;
  mx::FlopsReport report = build(context, options);
  ASSERT_EQ(report.layers.size(), 54u);
  EXPECT_EQ(report.denseMacs(), int64_t(32) * 4089184256); // 130.9 GMACs
  std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> buckets;
  for (const mx::LayerCost &l : report.layers)
    ++buckets[{l.m, l.k, l.n / 32}];
  EXPECT_EQ(buckets, kBuckets);
}

TEST(ResNet50, UniformSparsity) {
  MLIRContext context;
  models::ResNet50Options options;
  options.sparsity = {0.8};
  mx::FlopsReport report = build(context, options);
  ASSERT_EQ(report.layers.size(), 54u);
  double dense = 4089184256.0;
  EXPECT_NEAR(report.sparseMacs(), 0.2 * dense, 1e-9 * dense);
  // Training step: 3F dense, (2d + 1)F with GA, 3dF once alpha = 0.
  EXPECT_NEAR(report.trainDense(), 3 * dense, 1e-9 * dense);
  EXPECT_NEAR(report.trainAnnealing(), 1.4 * dense, 1e-9 * dense);
  EXPECT_NEAR(report.trainStr(), 0.6 * dense, 1e-9 * dense);
  EXPECT_NEAR(report.keptWeights(), 0.2 * 25502912, 1e-6);
  for (const mx::LayerCost &l : report.layers)
    EXPECT_EQ(l.densitySource, "attr") << l.name;
}

TEST(ResNet50, NonUniformBudget) {
  // A made-up budget: early layers pruned harder, fc lighter.
  std::vector<double> sparsity;
  for (int i = 0; i < 54; ++i)
    sparsity.push_back(i == 53 ? 0.5 : 0.95 - 0.004 * i + 0.01 * (i % 3));
  MLIRContext context;
  models::ResNet50Options options;
  options.sparsity = sparsity;
  mx::FlopsReport report = build(context, options);
  ASSERT_EQ(report.layers.size(), 54u);
  std::vector<Shape> layers = expectedLayers();
  double expected = 0, expectedGa = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    double macs = double(layers[i].m) * layers[i].k * layers[i].n;
    expected += (1 - sparsity[i]) * macs;
    expectedGa += (2 * (1 - sparsity[i]) + 1) * macs;
  }
  EXPECT_NEAR(report.sparseMacs(), expected, 1e-9 * expected);
  EXPECT_NEAR(report.trainAnnealing(), expectedGa, 1e-9 * expectedGa);
  EXPECT_DOUBLE_EQ(report.layers[0].density, 1 - sparsity[0]);
  EXPECT_DOUBLE_EQ(report.layers[53].density, 0.5);
}

// The whole graph (32x32 images, both mask modes) goes through mx-to-llvm
// for the reference and the generic targets without an mx op left.
TEST(ResNet50, LowersToLLVM) {
  for (std::string target : {"reference", "generic"}) {
    for (mx::SparseMaskMode mode :
         {mx::SparseMaskMode::soft, mx::SparseMaskMode::hard}) {
      DialectRegistry registry;
      mx::registerAllDialects(registry);
      mx::registerAllExtensions(registry);
      MLIRContext context(registry);
      models::ResNet50Options options;
      options.imageSize = 32;
      options.mode = mode;
      OwningOpRef<ModuleOp> module = models::buildResNet50(&context, options);
      ASSERT_TRUE(module);
      auto pm = PassManager::on<ModuleOp>(&context);
      mx::MxToLLVMOptions lowering;
      lowering.target = target;
      mx::buildMxToLLVMPipeline(pm, lowering);
      ASSERT_TRUE(succeeded(pm.run(*module))) << target;
      int mxOps = 0;
      module->walk([&](Operation *op) {
        mxOps += op->getDialect() && op->getDialect()->getNamespace() == "mx";
      });
      EXPECT_EQ(mxOps, 0) << target;
    }
  }
}

TEST(ResNet50, RejectsBadOptions) {
  models::ResNet50Options options;
  options.sparsity = {0.5, 0.5};
  EXPECT_NE(models::checkResNet50Options(options), "");
  options.sparsity = {1.5};
  EXPECT_NE(models::checkResNet50Options(options), "");
  options.sparsity = {};
  options.imageSize = 100;
  EXPECT_NE(models::checkResNet50Options(options), "");
  MLIRContext context;
  context.printOpOnDiagnostic(false);
  std::string message;
  context.getDiagEngine().registerHandler(
      [&](Diagnostic &d) { message = d.str(); });
  EXPECT_FALSE(models::buildResNet50(&context, options));
  EXPECT_NE(message.find("multiple of 32"), std::string::npos) << message;
}

} // namespace
