// RUN: mx-opt %s --mx-flops-report -o /dev/null | FileCheck %s
// RUN: mx-opt %s --mx-flops-report=buckets=false -o /dev/null | FileCheck %s --check-prefix=NOBUCKETS
// RUN: mx-opt %s --mx-flops-report | FileCheck %s --check-prefix=IR

// Densities from constants (|w| > sigmoid(s): s = 0 gives tau = 0.5, so
// 3 of the 8 weights are kept), from mx.sparsity, and unknown (dense; named
// by location).

// CHECK: mx-flops-report: 3 layers (MACs per call; d = density = 1 - sparsity)
// CHECK-NEXT: layer fc_const: matmul M=2 K=4 N=5 weights=8 d=0.375000 (constant) dense=40 sparse=15 train_dense=120 train_ga=70 train_str=45
// CHECK-NEXT: layer conv_attr: conv2d M=8 K=36 N=32 weights=288 d=0.250000 (attr) dense=9216 sparse=2304 train_dense=27648 train_ga=13824 train_str=6912
// CHECK-NEXT: layer loc("{{.*}}flops-report.mlir":{{[0-9]+}}:{{[0-9]+}}): matmul M=3 K=4 N=1 weights=12 d=1.000000 (unknown) dense=12 sparse=12 train_dense=36 train_ga=36 train_str=36
// CHECK-NEXT: total weights=308 kept=87
// CHECK-NEXT: total forward: dense=9268 sparse=2331 reduction=3.98x
// CHECK-NEXT: total training step (alpha > 0, dense weight gradient): dense=27804 sparse=13930 reduction=2.00x
// CHECK-NEXT: total training step (alpha = 0, SDDMM weight gradient): dense=27804 sparse=6993 reduction=3.98x
// CHECK-NEXT: bucket M=8 K=36 N=32: layers=1 macs=9216 share=99.4%
// CHECK-NEXT: bucket M=2 K=4 N=5: layers=1 macs=40 share=0.4%
// CHECK-NEXT: bucket M=3 K=4 N=1: layers=1 macs=12 share=0.1%
// NOBUCKETS: total training step (alpha = 0
// NOBUCKETS-NOT: bucket

// The IR is unchanged.
// IR: mx.masked_matmul
// IR: mx.masked_conv2d
func.func @f(%x: tensor<4x5xf32>, %img: tensor<2x4x6x6xf32>, %cw: tensor<8x4x3x3xf32>,
             %s: f32, %w3: tensor<3x4xf32>, %x1: tensor<4x1xf32>)
    -> (tensor<2x5xf32>, tensor<2x8x4x4xf32>, tensor<3x1xf32>) {
  %w = arith.constant dense<[[0.9, -0.2, 0.5, -0.75], [0.0, 0.51, -0.1, 0.4]]> : tensor<2x4xf32>
  %s0 = arith.constant 0.0 : f32
  %0 = mx.masked_matmul %w, %x, %s0 {mx.layer = "fc_const"}
         : tensor<2x4xf32>, tensor<4x5xf32>, f32 -> tensor<2x5xf32>
  %1 = mx.masked_conv2d %img, %cw, %s {mx.layer = "conv_attr", mx.sparsity = 0.75 : f64}
         : tensor<2x4x6x6xf32>, tensor<8x4x3x3xf32>, f32 -> tensor<2x8x4x4xf32>
  %2 = mx.masked_matmul %w3, %x1, %s : tensor<3x4xf32>, tensor<4x1xf32>, f32 -> tensor<3x1xf32>
  return %0, %1, %2 : tensor<2x5xf32>, tensor<2x8x4x4xf32>, tensor<3x1xf32>
}
