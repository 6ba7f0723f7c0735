//===- ResNet50.h - ResNet-50 as a graph of masked ops ----------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Builds ResNet-50 (torchvision v1.5: the stride on the 3x3 conv of each
// bottleneck) as one function whose 53 convolutions are mx.masked_conv2d
// (NCHW / FCHW) and whose classifier is mx.masked_matmul, each with its
// torchvision name in `mx.layer` and, when given, its sparsity in
// `mx.sparsity`, so that mx-flops-report gives AutoSparse's per-layer MAC
// budget. Batch norm is taken as folded into the convolutions (inference
// form; it adds no MACs to the count), biases are omitted.
//
//   func.func @resnet50(%x: tensor<Bx3xSxSxf32>,        images, NCHW
//                       %thresholds: tensor<54xf32>,   s of each layer
//                       %<layer>.weight: tensor<...>   x 54, FCHW / [1000,
//                       2048])
//       -> tensor<1000xBxf32>                          logits, transposed
//
// Body: conv1 7x7/2 + ReLU, max pool 3x3/2 (pad 1, linalg.pooling_nchw_max
// on a -inf border), 16 bottlenecks (1x1, 3x3/s, 1x1, + downsample 1x1/s on
// the first block of each stage; ReLU after each conv and after the
// residual add), global average pool (linalg.pooling_nchw_sum / (S/32)^2),
// then fc = mx.masked_matmul(W[1000, 2048], X^T[2048, B]).
//
//===----------------------------------------------------------------------===//

#ifndef MX_MODELS_RESNET50_H
#define MX_MODELS_RESNET50_H

#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::mx::models {

/// The 54 layers with weights (53 convolutions and fc), in torchvision
/// order: conv1, layer1.0.conv1, layer1.0.conv2, layer1.0.conv3,
/// layer1.0.downsample.0, layer1.1.conv1, ..., layer4.2.conv3, fc.
const std::vector<std::string> &getResNet50LayerNames();

struct ResNet50Options {
  int64_t batch = 1;
  /// Image height and width; a multiple of 32.
  int64_t imageSize = 224;
  /// Empty: no `mx.sparsity` attributes (density from elsewhere). One
  /// value: the same sparsity for every layer. 54 values: per layer, in the
  /// order of getResNet50LayerNames(). Each in [0, 1].
  std::vector<double> sparsity;
  SparseMaskMode mode = SparseMaskMode::soft;
  std::string functionName = "resnet50";
};

/// Empty if `options` are valid, else what is wrong.
std::string checkResNet50Options(const ResNet50Options &options);

/// Dialects the builder creates ops of.
void registerResNet50Dialects(DialectRegistry &registry);

/// The module with the one function, or null (after emitting the
/// checkResNet50Options error on `context`) if the options are invalid.
/// Loads the dialects it needs.
OwningOpRef<ModuleOp> buildResNet50(MLIRContext *context,
                                    const ResNet50Options &options);

} // namespace mlir::mx::models

#endif // MX_MODELS_RESNET50_H
