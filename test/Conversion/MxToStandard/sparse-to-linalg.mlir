// RUN: mx-opt %s --mx-lower-to-linalg | FileCheck %s
// Every target of mx-to-llvm takes the ops to the LLVM dialect (the vector
// targets fall back to this lowering):
// RUN: mx-opt %s --mx-to-llvm=target=reference | FileCheck %s --check-prefix=LLVM
// RUN: mx-opt %s --mx-to-llvm=target=generic | FileCheck %s --check-prefix=LLVM
// RUN: mx-opt %s --mx-to-llvm=target=x86-64-avx512 | FileCheck %s --check-prefix=LLVM
// RUN: mx-opt %s --mx-to-llvm=target=aarch64-neon | FileCheck %s --check-prefix=LLVM

// LLVM-NOT: mx.
// LLVM-NOT: linalg.
// LLVM-LABEL: llvm.func @mm
// LLVM: llvm.intr.exp
// LLVM-LABEL: llvm.func @gth
// LLVM-LABEL: llvm.func @conv
// LLVM-LABEL: llvm.func @conv_gin
// LLVM-LABEL: llvm.func @ga

// tau = 1 / (1 + exp(-s)), then the hard mask, then W~ X with k innermost.
// CHECK-DAG: #[[$ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$IK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$KJ:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[$IJ:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[$XPAD:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 * 2 + d5, d3 + d6 * 2)>
// CHECK-LABEL: func.func @mm
// CHECK-SAME: (%[[W:.*]]: tensor<8x16xf32>, %[[X:.*]]: tensor<16x4xf32>, %[[S:.*]]: f32)
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[NEG:.*]] = arith.negf %[[S]] : f32
// CHECK: %[[E:.*]] = math.exp %[[NEG]] : f32
// CHECK: %[[DEN:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK: %[[TAU:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK: %[[WT:.*]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[W]]
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[ABS:.*]] = math.absf %[[IN]]
// CHECK:   %[[KEEP:.*]] = arith.cmpf ogt, %[[ABS]], %[[TAU]]
// CHECK:   %[[Z:.*]] = arith.constant 0.000000e+00
// CHECK:   arith.select %[[KEEP]], %[[IN]], %[[Z]]
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[$IK]], #[[$KJ]], #[[$IJ]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[WT]], %[[X]] : {{.*}}) outs(%[[INIT]]
// CHECK:   %[[P:.*]] = arith.mulf
// CHECK:   arith.addf %{{.*}}, %[[P]]
func.func @mm(%w: tensor<8x16xf32>, %x: tensor<16x4xf32>, %s: f32) -> tensor<8x4xf32> {
  %0 = mx.masked_matmul %w, %x, %s mode(hard) : tensor<8x16xf32>, tensor<16x4xf32>, f32 -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// The threshold gradient: a row-major reduction into a 0-d tensor, then
// -((tau * (1 - tau)) * acc) as a tensor<f32>.
// CHECK-LABEL: func.func @gth
// CHECK: tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: %[[TAU:.*]] = arith.divf
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$ID2]], #[[$SCALAR]]], iterator_types = ["reduction", "reduction"]}
// CHECK:   arith.cmpf olt
// CHECK:   arith.negf
// CHECK:   math.absf
// CHECK:   arith.cmpf ogt
// CHECK: %[[ACC:.*]] = tensor.extract %[[SUM]][]
// CHECK: %[[OM:.*]] = arith.subf %{{.*}}, %[[TAU]]
// CHECK: %[[SL:.*]] = arith.mulf %[[TAU]], %[[OM]]
// CHECK: %[[PR:.*]] = arith.mulf %[[SL]], %[[ACC]]
// CHECK: %[[R:.*]] = arith.negf %[[PR]]
// CHECK: tensor.from_elements %[[R]] : tensor<f32>
func.func @gth(%w: tensor<8x16xf32>, %s: tensor<f32>, %g: tensor<8x16xf32>) -> tensor<f32> {
  %0 = mx.sparse_mask_grad_threshold %w, %s, %g : tensor<8x16xf32>, tensor<f32>
  return %0 : tensor<f32>
}

// Soft mask (copysign(|w| - tau, w)); the input padded by a generic; loops
// (n, f, oh, ow, c, kh, kw) with c, kh, kw reductions.
// CHECK-LABEL: func.func @conv
// CHECK: math.copysign
// CHECK: %[[XP:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x4x10x10xf32>)
// CHECK:   tensor.extract
// CHECK: linalg.generic {indexing_maps = [#[[$XPAD]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[XP]], %{{.*}} : tensor<1x4x10x10xf32>, tensor<6x4x3x3xf32>)
func.func @conv(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>, %s: f32) -> tensor<1x6x4x6xf32> {
  %0 = mx.masked_conv2d %x, %w, %s {strides = array<i64: 2, 1>, padding = array<i64: 1, 1>, dilations = array<i64: 1, 2>}
         : tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>, f32 -> tensor<1x6x4x6xf32>
  return %0 : tensor<1x6x4x6xf32>
}

// Input gradient: a gather of dY at the output position each tap reads.
// CHECK-LABEL: func.func @conv_gin
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%{{.*}} : tensor<6x4x3x3xf32>) outs(%{{.*}} : tensor<1x4x8x8xf32>)
// CHECK:   arith.divui
// CHECK:   arith.remui
// CHECK:   tensor.extract %{{.*}} : tensor<1x6x4x4xf32>
func.func @conv_gin(%dy: tensor<1x6x4x4xf32>, %w: tensor<6x4x3x3xf32>, %s: f32) -> tensor<1x4x8x8xf32> {
  %0 = mx.masked_conv2d_grad_input %dy, %w, %s {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>}
         : tensor<1x6x4x4xf32>, tensor<6x4x3x3xf32>, f32 -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// Gradient Annealing: m ? g : alpha * g.
// CHECK-LABEL: func.func @ga
// CHECK-SAME: %[[A:[^:]*]]: f32)
// CHECK: linalg.generic
// CHECK: ^bb0(%[[G:.*]]: f32, %[[WV:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[K:.*]] = arith.cmpf ogt
// CHECK:   %[[SC:.*]] = arith.mulf %[[A]], %[[G]]
// CHECK:   arith.select %[[K]], %[[G]], %[[SC]]
func.func @ga(%g: tensor<5x7xf32>, %w: tensor<5x7xf32>, %s: f32, %alpha: f32) -> tensor<5x7xf32> {
  %0 = mx.ga_grad %g, %w, %s, %alpha : tensor<5x7xf32>, f32, f32
  return %0 : tensor<5x7xf32>
}
