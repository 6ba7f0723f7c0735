// RUN: mx-opt %s --mx-flops-report -split-input-file -verify-diagnostics -o /dev/null

func.func @sparsity_out_of_range(%w: tensor<2x4xf32>, %x: tensor<4x5xf32>, %s: f32) -> tensor<2x5xf32> {
  // expected-error @+1 {{mx.sparsity must be a float in [0, 1], got 1.500000e+00 : f64}}
  %0 = mx.masked_matmul %w, %x, %s {mx.sparsity = 1.5 : f64} : tensor<2x4xf32>, tensor<4x5xf32>, f32 -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @sparsity_not_float(%w: tensor<2x4xf32>, %x: tensor<4x5xf32>, %s: f32) -> tensor<2x5xf32> {
  // expected-error @+1 {{mx.sparsity must be a float in [0, 1], got "high"}}
  %0 = mx.masked_matmul %w, %x, %s {mx.sparsity = "high"} : tensor<2x4xf32>, tensor<4x5xf32>, f32 -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}
