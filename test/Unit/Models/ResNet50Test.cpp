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

// STR's published per-layer budgets (RAIVNLab/STR,
// budgets/STR_Budgets_ResNet50.csv: the 81.27%, 90.23% and 95.15% overall
// columns, in percent) applied by mx-flops-report give STR's published
// sparse MAC counts, 705.3M, 342.6M and 162.2M per image (rounded there to
// 0.1M; the average pool's 100,352 MACs are fully "sparse" in the CSV).
TEST(ResNet50, StrPublishedBudgets) {
  const std::map<std::string, std::array<double, 3>> budgets = {
      {"conv1", {51.4, 59.8, 66.96}},
      {"layer1.0.conv1", {73.24, 83.28, 91.11}},
      {"layer1.0.conv2", {76.26, 89.48, 95.04}},
      {"layer1.0.conv3", {74.65, 85.8, 93.67}},
      {"layer1.0.downsample.0", {72.96, 83.34, 90.17}},
      {"layer1.1.conv1", {79.58, 89.89, 95.78}},
      {"layer1.1.conv2", {80.95, 90.6, 96.18}},
      {"layer1.1.conv3", {80.11, 91.7, 95.81}},
      {"layer1.2.conv1", {79.79, 88.07, 94.74}},
      {"layer1.2.conv2", {81.53, 87.03, 94.26}},
      {"layer1.2.conv3", {83.28, 90.99, 96.01}},
      {"layer2.0.conv1", {73.96, 85.95, 93.86}},
      {"layer2.0.conv2", {85.7, 93.91, 97.65}},
      {"layer2.0.conv3", {83.55, 93.13, 97.21}},
      {"layer2.0.downsample.0", {87.66, 94.96, 98.15}},
      {"layer2.1.conv1", {85.79, 95.31, 98.21}},
      {"layer2.1.conv2", {82.75, 91.5, 96.07}},
      {"layer2.1.conv3", {84.71, 93.66, 97.35}},
      {"layer2.2.conv1", {85.34, 94.61, 98.21}},
      {"layer2.2.conv2", {85.43, 94.86, 98.11}},
      {"layer2.2.conv3", {84.21, 93.38, 97.59}},
      {"layer2.3.conv1", {84.41, 93.26, 96.99}},
      {"layer2.3.conv2", {84.03, 93.21, 96.96}},
      {"layer2.3.conv3", {85.65, 94.14, 97.04}},
      {"layer3.0.conv1", {77.98, 88.85, 94.97}},
      {"layer3.0.conv2", {88.68, 96.14, 98.72}},
      {"layer3.0.conv3", {83.22, 93.19, 97.32}},
      {"layer3.0.downsample.0", {90.99, 97.2, 99.2}},
      {"layer3.1.conv1", {87.35, 95.36, 98.87}},
      {"layer3.1.conv2", {86.24, 95.06, 98.36}},
      {"layer3.1.conv3", {86.79, 94.84, 98.11}},
      {"layer3.2.conv1", {89.15, 96.77, 98.96}},
      {"layer3.2.conv2", {88.67, 95.59, 98.91}},
      {"layer3.2.conv3", {86.9, 94.99, 98.42}},
      {"layer3.3.conv1", {89.46, 96.08, 98.77}},
      {"layer3.3.conv2", {87.97, 96.1, 98.89}},
      {"layer3.3.conv3", {86.81, 94.94, 98.43}},
      {"layer3.4.conv1", {88.4, 95.49, 98.55}},
      {"layer3.4.conv2", {87.38, 95.66, 98.56}},
      {"layer3.4.conv3", {85.76, 94.49, 97.99}},
      {"layer3.5.conv1", {85.77, 95.09, 97.92}},
      {"layer3.5.conv2", {86.67, 94.92, 98.32}},
      {"layer3.5.conv3", {82.23, 93.14, 97.3}},
      {"layer4.0.conv1", {79.61, 90.32, 95.92}},
      {"layer4.0.conv2", {88, 95.66, 98.55}},
      {"layer4.0.conv3", {80.48, 91.14, 96.47}},
      {"layer4.0.downsample.0", {89.98, 96.79, 99.11}},
      {"layer4.1.conv1", {84.02, 93.69, 97.76}},
      {"layer4.1.conv2", {85.23, 93.98, 97.71}},
      {"layer4.1.conv3", {79.96, 90.48, 95.89}},
      {"layer4.2.conv1", {77.93, 87.57, 94.16}},
      {"layer4.2.conv2", {74.97, 84.37, 92.22}},
      {"layer4.2.conv3", {70.38, 80.29, 89.65}},
      {"fc", {52.46, 64.5, 75.8}},
  };
  const std::array<double, 3> publishedMacs = {705.3e6, 342.6e6, 162.2e6};
  for (size_t column = 0; column < 3; ++column) {
    models::ResNet50Options options;
    for (const std::string &name : models::getResNet50LayerNames()) {
      auto it = budgets.find(name);
      ASSERT_NE(it, budgets.end()) << name;
      options.sparsity.push_back(it->second[column] / 100);
    }
    MLIRContext context;
    mx::FlopsReport report = build(context, options);
    EXPECT_NEAR(report.sparseMacs(), publishedMacs[column], 0.05e6)
        << "column " << column;
  }
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
