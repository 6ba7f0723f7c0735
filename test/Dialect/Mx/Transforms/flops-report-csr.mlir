// RUN: mx-opt %s --mx-flops-report=buckets=false -o /dev/null | FileCheck %s
// RUN: mx-opt %s --mx-sparsify=max-density=1 --mx-flops-report=buckets=false -o /dev/null \
// RUN:   | FileCheck %s --check-prefix=AFTER

// mx.sparse_matmul layers count too: density from mx.sparsity (which
// mx-sparsify sets, with mx.layer, on the kernels it makes), else from the
// stored non-zeros, else unknown (dynamic non-zero count).
// CHECK: mx-flops-report: 3 layers
// CHECK-NEXT: layer fc_const: matmul M=2 K=4 N=5 weights=8 d=0.375000 (constant) dense=40 sparse=15
// CHECK-NEXT: layer csr: matmul M=7 K=33 N=5 weights=231 d=0.090909 (csr) dense=1155 sparse=105
// CHECK-NEXT: layer loc("{{.*}}flops-report-csr.mlir":{{[0-9]+}}:{{[0-9]+}}): matmul M=7 K=33 N=5 weights=231 d=1.000000 (unknown) dense=1155 sparse=1155
// CHECK: total forward: dense=2350 sparse=1275

// After mx-sparsify the constant layer is a sparse kernel with the same
// name and density, so the totals do not change.
// AFTER: mx-flops-report: 3 layers
// AFTER-NEXT: layer fc_const: matmul M=2 K=4 N=5 weights=8 d=0.375000 (attr) dense=40 sparse=15
// AFTER: total forward: dense=2350 sparse=1275
func.func @f(%x: tensor<4x5xf32>, %pos: tensor<8xi32>, %crd: tensor<21xi16>,
             %val: tensor<21xf32>, %b: tensor<33x5xf32>, %acc: tensor<7x5xf32>,
             %dpos: tensor<?xi32>, %dcrd: tensor<?xi32>, %dval: tensor<?xf32>)
    -> (tensor<2x5xf32>, tensor<7x5xf32>, tensor<7x5xf32>) {
  %w = arith.constant dense<[[0.9, -0.2, 0.5, -0.75], [0.0, 0.51, -0.1, 0.4]]> : tensor<2x4xf32>
  %s0 = arith.constant 0.0 : f32
  %0 = mx.masked_matmul %w, %x, %s0 {mx.layer = "fc_const"}
         : tensor<2x4xf32>, tensor<4x5xf32>, f32 -> tensor<2x5xf32>
  %1 = mx.sparse_matmul %pos, %crd, %val, %b, %acc k_tile = 33 {mx.layer = "csr"}
         : tensor<8xi32>, tensor<21xi16>, tensor<21xf32>, tensor<33x5xf32> -> tensor<7x5xf32>
  %2 = mx.sparse_matmul %dpos, %dcrd, %dval, %b, %acc k_tile = 33
         : tensor<?xi32>, tensor<?xi32>, tensor<?xf32>, tensor<33x5xf32> -> tensor<7x5xf32>
  return %0, %1, %2 : tensor<2x5xf32>, tensor<7x5xf32>, tensor<7x5xf32>
}
