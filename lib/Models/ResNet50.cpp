//===- ResNet50.cpp - ResNet-50 as a graph of masked ops ------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Models/ResNet50.h"
#include "ModelSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"

#include <limits>

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::models;

namespace {

/// One convolution of the network (fc is the last, 1x1 "conv" of 2048 ->
/// 1000 on a 1x1 map).
struct LayerSpec {
  std::string name;
  int64_t in, out, kernel, stride, padding;
};

/// Bottleneck stages of ResNet-50: (blocks, width, output channels, stride).
struct Stage {
  int64_t blocks, width, out, stride;
};
constexpr Stage kStages[] = {
    {3, 64, 256, 1}, {4, 128, 512, 2}, {6, 256, 1024, 2}, {3, 512, 2048, 2}};

/// The 54 layers in torchvision order.
std::vector<LayerSpec> getLayerSpecs() {
  std::vector<LayerSpec> specs = {{"conv1", 3, 64, 7, 2, 3}};
  int64_t channels = 64;
  for (int s = 0; s < 4; ++s) {
    const Stage &st = kStages[s];
    for (int64_t b = 0; b < st.blocks; ++b) {
      std::string prefix =
          "layer" + std::to_string(s + 1) + "." + std::to_string(b) + ".";
      int64_t stride = b == 0 ? st.stride : 1;
      specs.push_back({prefix + "conv1", channels, st.width, 1, 1, 0});
      // v1.5: the stride is on the 3x3.
      specs.push_back({prefix + "conv2", st.width, st.width, 3, stride, 1});
      specs.push_back({prefix + "conv3", st.width, st.out, 1, 1, 0});
      if (b == 0)
        specs.push_back(
            {prefix + "downsample.0", channels, st.out, 1, stride, 0});
      channels = st.out;
    }
  }
  specs.push_back({"fc", 2048, 1000, 1, 1, 0});
  return specs;
}

class ResNet50Builder {
public:
  ResNet50Builder(MLIRContext *context, const ResNet50Options &options)
      : b(context), options(options), specs(getLayerSpecs()) {}

  OwningOpRef<ModuleOp> build();

private:
  RankedTensorType tensorType(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  }
  Value constF32(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value filled(ArrayRef<int64_t> shape, float v) {
    Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
    return linalg::FillOp::create(b, loc, ValueRange{constF32(v)},
                                  ValueRange{empty})
        .getResult(0);
  }
  /// An elementwise generic over same-shaped f32 tensors.
  Value elementwise(ValueRange inputs,
                    function_ref<Value(OpBuilder &, Location, ValueRange)> fn);
  Value relu(Value x);
  Value add(Value x, Value y);
  Value conv(Value x, size_t layer);
  Value maxPool(Value x);
  Value classifier(Value x);
  /// Attaches mx.layer and mx.sparsity to the masked op of `layer`.
  void annotate(Operation *op, size_t layer);

  OpBuilder b;
  Location loc = UnknownLoc::get(b.getContext());
  const ResNet50Options &options;
  std::vector<LayerSpec> specs;
  Value thresholds;
  SmallVector<Value> weights;
};

Value ResNet50Builder::elementwise(
    ValueRange inputs,
    function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  auto type = cast<RankedTensorType>(inputs.front().getType());
  Value init =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<AffineMap> maps(inputs.size() + 1, id);
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, fn(nb, nl, args.drop_back()));
             })
      .getResult(0);
}

Value ResNet50Builder::relu(Value x) {
  return elementwise(x, [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
    Value zero = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(0));
    return arith::MaximumFOp::create(nb, nl, a[0], zero);
  });
}

Value ResNet50Builder::add(Value x, Value y) {
  return elementwise(ValueRange{x, y},
                     [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                       return arith::AddFOp::create(nb, nl, a[0], a[1]);
                     });
}

void ResNet50Builder::annotate(Operation *op, size_t layer) {
  op->setAttr("mx.layer", b.getStringAttr(specs[layer].name));
  if (!options.sparsity.empty()) {
    double s = options.sparsity.size() == 1 ? options.sparsity[0]
                                            : options.sparsity[layer];
    op->setAttr("mx.sparsity", b.getF64FloatAttr(s));
  }
}

Value ResNet50Builder::conv(Value x, size_t layer) {
  const LayerSpec &spec = specs[layer];
  ArrayRef<int64_t> in = cast<RankedTensorType>(x.getType()).getShape();
  int64_t size = (in[2] + 2 * spec.padding - spec.kernel) / spec.stride + 1;
  Value s = tensor::ExtractOp::create(
      b, loc, thresholds,
      ValueRange{arith::ConstantIndexOp::create(b, loc, layer)});
  auto op = MaskedConv2DOp::create(
      b, loc, tensorType({in[0], spec.out, size, size}), x, weights[layer], s,
      options.mode, b.getDenseI64ArrayAttr({spec.stride, spec.stride}),
      b.getDenseI64ArrayAttr({spec.padding, spec.padding}),
      b.getDenseI64ArrayAttr({1, 1}));
  annotate(op, layer);
  return op.getResult();
}

Value ResNet50Builder::maxPool(Value x) {
  // 3x3/2 with padding 1: the input inside a -inf border.
  ArrayRef<int64_t> in = cast<RankedTensorType>(x.getType()).getShape();
  Value padded = filled({in[0], in[1], in[2] + 2, in[3] + 2},
                        -std::numeric_limits<float>::infinity());
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                       b.getIndexAttr(1), b.getIndexAttr(1)};
  SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(b.getContext(), in);
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  padded =
      tensor::InsertSliceOp::create(b, loc, x, padded, offsets, sizes, strides);
  int64_t out = (in[2] + 2 - 3) / 2 + 1;
  SmallVector<int64_t> shape = {in[0], in[1], out, out};
  Value window =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{3, 3}, b.getF32Type());
  Value init = filled(shape, -std::numeric_limits<float>::infinity());
  return linalg::PoolingNchwMaxOp::create(
             b, loc, TypeRange{tensorType(shape)}, ValueRange{padded, window},
             ValueRange{init}, b.getI64VectorAttr({2, 2}),
             b.getI64VectorAttr({1, 1}))
      .getResult(0);
}

Value ResNet50Builder::classifier(Value x) {
  // Global average pool: a window over the whole map, then the mean.
  ArrayRef<int64_t> in = cast<RankedTensorType>(x.getType()).getShape();
  int64_t batch = in[0], channels = in[1], map = in[2];
  Value window = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{map, map},
                                         b.getF32Type());
  SmallVector<int64_t> pooledShape = {batch, channels, 1, 1};
  Value sum = linalg::PoolingNchwSumOp::create(
                  b, loc, TypeRange{tensorType(pooledShape)},
                  ValueRange{x, window}, ValueRange{filled(pooledShape, 0)},
                  b.getI64VectorAttr({1, 1}), b.getI64VectorAttr({1, 1}))
                  .getResult(0);
  float scale = 1.0f / float(map * map);
  Value mean =
      elementwise(sum, [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value f = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(scale));
        return arith::MulFOp::create(nb, nl, a[0], f);
      });
  Value flat = tensor::CollapseShapeOp::create(
      b, loc, mean, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{channels, batch}, b.getF32Type());
  Value features =
      linalg::TransposeOp::create(b, loc, flat, init, ArrayRef<int64_t>{1, 0})
          .getResult()[0];
  size_t layer = specs.size() - 1;
  Value s = tensor::ExtractOp::create(
      b, loc, thresholds,
      ValueRange{arith::ConstantIndexOp::create(b, loc, layer)});
  auto fc = MaskedMatmulOp::create(b, loc, tensorType({1000, batch}),
                                   weights[layer], features, s, options.mode);
  annotate(fc, layer);
  return fc.getResult();
}

OwningOpRef<ModuleOp> ResNet50Builder::build() {
  loc = NameLoc::get(b.getStringAttr("resnet50"));
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());

  int64_t batch = options.batch, image = options.imageSize;
  SmallVector<Type> argTypes = {tensorType({batch, 3, image, image}),
                                tensorType({int64_t(specs.size())})};
  SmallVector<std::string> names = {"x", "thresholds"};
  for (const LayerSpec &spec : specs) {
    argTypes.push_back(
        spec.name == "fc"
            ? tensorType({spec.out, spec.in})
            : tensorType({spec.out, spec.in, spec.kernel, spec.kernel}));
    names.push_back(spec.name + ".weight");
  }
  auto func = func::FuncOp::create(
      b, loc, options.functionName,
      b.getFunctionType(argTypes, {tensorType({1000, batch})}));
  Block *entry = func.addEntryBlock();
  for (auto [argument, name] : llvm::zip(entry->getArguments(), names))
    argument.setLoc(NameLoc::get(b.getStringAttr(name)));
  b.setInsertionPointToStart(entry);
  thresholds = entry->getArgument(1);
  for (size_t i = 0; i < specs.size(); ++i)
    weights.push_back(entry->getArgument(2 + i));

  size_t layer = 0;
  Value x = maxPool(relu(conv(entry->getArgument(0), layer++)));
  for (const Stage &stage : kStages) {
    for (int64_t block = 0; block < stage.blocks; ++block) {
      Value y = relu(conv(x, layer++));
      y = relu(conv(y, layer++));
      y = conv(y, layer++);
      Value shortcut = block == 0 ? conv(x, layer++) : x;
      x = relu(add(y, shortcut));
    }
  }
  func::ReturnOp::create(b, loc, classifier(x));
  return module;
}

} // namespace

const std::vector<std::string> &models::getResNet50LayerNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (const LayerSpec &spec : getLayerSpecs())
      result.push_back(spec.name);
    return result;
  }();
  return names;
}

void models::registerResNet50Dialects(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                  mx::MxDialect, tensor::TensorDialect>();
}

std::string models::checkResNet50Options(const ResNet50Options &options) {
  if (options.batch < 1)
    return "batch must be at least 1, got " + std::to_string(options.batch);
  if (options.imageSize < 32 || options.imageSize % 32 != 0)
    return "the image size must be a positive multiple of 32, got " +
           std::to_string(options.imageSize);
  size_t layers = getResNet50LayerNames().size();
  if (!options.sparsity.empty() && options.sparsity.size() != 1 &&
      options.sparsity.size() != layers)
    return "give no sparsity, one for every layer, or one per layer (" +
           std::to_string(layers) + "), got " +
           std::to_string(options.sparsity.size());
  for (double s : options.sparsity)
    if (!(s >= 0 && s <= 1))
      return "sparsities must be in [0, 1], got " + std::to_string(s);
  return checkFunctionName(options.functionName);
}

OwningOpRef<ModuleOp> models::buildResNet50(MLIRContext *context,
                                            const ResNet50Options &options) {
  if (std::string error = checkResNet50Options(options); !error.empty()) {
    emitError(UnknownLoc::get(context)) << "resnet50: " << error;
    return nullptr;
  }
  DialectRegistry registry;
  registerResNet50Dialects(registry);
  context->appendDialectRegistry(registry);
  context->loadDialect<arith::ArithDialect, func::FuncDialect,
                       linalg::LinalgDialect, mx::MxDialect,
                       tensor::TensorDialect>();
  OwningOpRef<ModuleOp> module = ResNet50Builder(context, options).build();
  if (failed(verify(*module)))
    return nullptr;
  return module;
}
