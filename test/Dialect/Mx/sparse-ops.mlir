// RUN: mx-opt %s | FileCheck %s
// RUN: mx-opt %s | mx-opt | FileCheck %s
// Round trip of the AutoSparse ops; mode(soft) is the default and not
// printed, and default strides/padding/dilations are elided.

// CHECK-LABEL: func.func @mask
func.func @mask(%w: tensor<64x576xf32>, %s: f32, %s0: tensor<f32>, %a: f32,
                %g: tensor<64x576xf32>) -> (tensor<64x576xf32>, tensor<64x576xf32>, tensor<64x576xf32>, f32, tensor<f32>) {
  // CHECK: mx.sparse_mask %{{.*}}, %{{.*}} : tensor<64x576xf32>, f32
  %0 = mx.sparse_mask %w, %s mode(soft) : tensor<64x576xf32>, f32
  // CHECK: mx.sparse_mask %{{.*}}, %{{.*}} mode(hard) : tensor<64x576xf32>, tensor<f32>
  %1 = mx.sparse_mask %w, %s0 mode(hard) : tensor<64x576xf32>, tensor<f32>
  // CHECK: mx.ga_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x576xf32>, f32, f32
  %2 = mx.ga_grad %g, %w, %s, %a : tensor<64x576xf32>, f32, f32
  // CHECK: mx.sparse_mask_grad_threshold %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x576xf32>, f32
  %3 = mx.sparse_mask_grad_threshold %w, %s, %g : tensor<64x576xf32>, f32
  // CHECK: mx.sparse_mask_grad_threshold %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x576xf32>, tensor<f32>
  %4 = mx.sparse_mask_grad_threshold %w, %s0, %g : tensor<64x576xf32>, tensor<f32>
  return %0, %1, %2, %3, %4 : tensor<64x576xf32>, tensor<64x576xf32>, tensor<64x576xf32>, f32, tensor<f32>
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%w: tensor<256x2304xf32>, %x: tensor<2304x196xf32>, %s: f32,
                  %dy: tensor<256x196xf32>, %xd: tensor<2304x?xf32>, %dyd: tensor<256x?xf32>)
    -> (tensor<256x196xf32>, tensor<2304x196xf32>, tensor<256x2304xf32>, tensor<256x?xf32>) {
  // CHECK: mx.masked_matmul %{{.*}}, %{{.*}}, %{{.*}} mode(hard) {mx.layer = "layer3.0.conv2", mx.sparsity = 8.000000e-01 : f64} : tensor<256x2304xf32>, tensor<2304x196xf32>, f32 -> tensor<256x196xf32>
  %0 = mx.masked_matmul %w, %x, %s mode(hard) {mx.layer = "layer3.0.conv2", mx.sparsity = 0.8 : f64}
         : tensor<256x2304xf32>, tensor<2304x196xf32>, f32 -> tensor<256x196xf32>
  // CHECK: mx.masked_matmul_grad_input %{{.*}}, %{{.*}}, %{{.*}} : tensor<256x2304xf32>, tensor<256x196xf32>, f32 -> tensor<2304x196xf32>
  %1 = mx.masked_matmul_grad_input %w, %dy, %s
         : tensor<256x2304xf32>, tensor<256x196xf32>, f32 -> tensor<2304x196xf32>
  // CHECK: mx.masked_matmul_grad_weight %{{.*}}, %{{.*}} : tensor<256x196xf32>, tensor<2304x196xf32> -> tensor<256x2304xf32>
  %2 = mx.masked_matmul_grad_weight %dy, %x
         : tensor<256x196xf32>, tensor<2304x196xf32> -> tensor<256x2304xf32>
  // Dynamic N.
  // CHECK: mx.masked_matmul %{{.*}} : tensor<256x2304xf32>, tensor<2304x?xf32>, f32 -> tensor<256x?xf32>
  %3 = mx.masked_matmul %w, %xd, %s : tensor<256x2304xf32>, tensor<2304x?xf32>, f32 -> tensor<256x?xf32>
  return %0, %1, %2, %3 : tensor<256x196xf32>, tensor<2304x196xf32>, tensor<256x2304xf32>, tensor<256x?xf32>
}

// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<1x256x28x28xf32>, %w: tensor<256x256x3x3xf32>, %s: f32,
                %dy: tensor<1x256x14x14xf32>)
    -> (tensor<1x256x14x14xf32>, tensor<1x256x28x28xf32>, tensor<256x256x3x3xf32>) {
  // CHECK: mx.masked_conv2d %{{.*}}, %{{.*}}, %{{.*}} {padding = array<i64: 1, 1>, strides = array<i64: 2, 2>} : tensor<1x256x28x28xf32>, tensor<256x256x3x3xf32>, f32 -> tensor<1x256x14x14xf32>
  %0 = mx.masked_conv2d %x, %w, %s {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>, dilations = array<i64: 1, 1>}
         : tensor<1x256x28x28xf32>, tensor<256x256x3x3xf32>, f32 -> tensor<1x256x14x14xf32>
  // CHECK: mx.masked_conv2d_grad_input %{{.*}}, %{{.*}}, %{{.*}} mode(hard) {padding = array<i64: 1, 1>, strides = array<i64: 2, 2>} : tensor<1x256x14x14xf32>, tensor<256x256x3x3xf32>, f32 -> tensor<1x256x28x28xf32>
  %1 = mx.masked_conv2d_grad_input %dy, %w, %s mode(hard) {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>}
         : tensor<1x256x14x14xf32>, tensor<256x256x3x3xf32>, f32 -> tensor<1x256x28x28xf32>
  // CHECK: mx.masked_conv2d_grad_weight %{{.*}}, %{{.*}} {padding = array<i64: 1, 1>, strides = array<i64: 2, 2>} : tensor<1x256x28x28xf32>, tensor<1x256x14x14xf32> -> tensor<256x256x3x3xf32>
  %2 = mx.masked_conv2d_grad_weight %x, %dy {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>}
         : tensor<1x256x28x28xf32>, tensor<1x256x14x14xf32> -> tensor<256x256x3x3xf32>
  return %0, %1, %2 : tensor<1x256x14x14xf32>, tensor<1x256x28x28xf32>, tensor<256x256x3x3xf32>
}
