// RUN: mx-opt %s --mx-sparsify="max-density=1" --split-input-file | FileCheck %s
// RUN: mx-opt %s --mx-sparsify="max-density=1 bf16-values=1" --split-input-file \
// RUN:   | FileCheck %s --check-prefix=BF16
// RUN: mx-opt %s --mx-sparsify="report=1" --split-input-file 2>&1 \
// RUN:   | FileCheck %s --check-prefix=DENSE
// RUN: not mx-opt %s --mx-sparsify="max-density=2" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD

// s = -2: tau = 1 / (1 + e^2) = 0.119202919 (f32). Soft mode keeps
// |w| > tau and shrinks by tau: 0.5 -> 0.380797088, 0.3 -> 0.1807971,
// -0.9 -> -0.780797064, 0.2 -> 0.0807970836, -0.25 -> -0.130797088;
// -0.05, 0.1 and the zeros are masked. 5 of 12 kept.
// CHECK-LABEL: func @soft
// CHECK-SAME: (%[[X:.*]]: tensor<6x3xf32>)
// CHECK-DAG: %[[POS:.*]] = arith.constant dense<[0, 3, 5]> : tensor<3xi32>
// CHECK-DAG: %[[CRD:.*]] = arith.constant dense<[0, 3, 4, 2, 5]> : tensor<5xi16>
// CHECK-DAG: %[[VAL:.*]] = arith.constant dense<[0.380797088, 0.1807971, -0.780797064, 0.0807970836, -0.130797088]> : tensor<5xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<2x3xf32>)
// CHECK: %[[Y:.*]] = mx.sparse_matmul %[[POS]], %[[CRD]], %[[VAL]], %[[X]], %[[ACC]] k_tile = 6
// CHECK-NOT: mx.masked_matmul
// CHECK: return %[[Y]]
// BF16-LABEL: func @soft
// BF16: arith.constant dense<[3.808590e-01, 1.806640e-01, -7.812500e-01, 8.056640e-02, -1.308590e-01]> : tensor<5xbf16>
// BF16: mx.sparse_matmul {{.*}} : tensor<3xi32>, tensor<5xi16>, tensor<5xbf16>, tensor<6x3xf32> -> tensor<2x3xf32>
// DENSE: remark: kept dense: density 4.166667e-01 > 4.000000e-01
// BAD: max-density must be in [0, 1], got 2
func.func @soft(%x: tensor<6x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[0.5, -0.05, 0.0, 0.3, -0.9, 0.1],
                             [0.0, 0.0, 0.2, 0.0, 0.0, -0.25]]> : tensor<2x6xf32>
  %s = arith.constant -2.0 : f32
  %y = mx.masked_matmul %w, %x, %s : tensor<2x6xf32>, tensor<6x3xf32>, f32 -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Hard mask with tau = 0 (s = -3200, a tensor<f32>): the non-zero weights,
// unchanged. 64 columns at density 2/128: k_tile 64 (= K), one segment.
// CHECK-LABEL: func @hard
// CHECK-DAG: arith.constant dense<[0, 1, 2]> : tensor<3xi32>
// CHECK-DAG: arith.constant dense<[63, 0]> : tensor<2xi16>
// CHECK-DAG: arith.constant dense<[-1.500000e+00, 2.500000e-01]> : tensor<2xf32>
// CHECK: mx.sparse_matmul {{.*}} k_tile = 64
// DENSE: remark: sparse: density 1.562500e-02, 2 non-zeros, k_tile 64, i16 coordinates, f32 values
func.func @hard(%x: tensor<64x5xf32>) -> tensor<2x5xf32> {
  %w = arith.constant sparse<[[0, 63], [1, 0]], [-1.5, 0.25]> : tensor<2x64xf32>
  %s = arith.constant dense<-3200.0> : tensor<f32>
  %y = mx.masked_matmul %w, %x, %s mode(hard) : tensor<2x64xf32>, tensor<64x5xf32>, tensor<f32> -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// Weights known only at run time stay as they are.
// CHECK-LABEL: func @runtime_weights
// CHECK: mx.masked_matmul
func.func @runtime_weights(%w: tensor<2x6xf32>, %x: tensor<6x3xf32>) -> tensor<2x3xf32> {
  %s = arith.constant -2.0 : f32
  %y = mx.masked_matmul %w, %x, %s : tensor<2x6xf32>, tensor<6x3xf32>, f32 -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// k_tile at density 2/1024 (about 12 entries per segment would need more
// than 256): 128 for fewer than 128 rows with an output of at most 1 MiB,
// else 256.
// CHECK-LABEL: func @ktile_few_rows_small_output
// CHECK: mx.sparse_matmul {{.*}} k_tile = 128 {{.*}}: tensor<9xi32>
// DENSE: remark: sparse: density 1.953125e-03, 2 non-zeros, k_tile 128,
func.func @ktile_few_rows_small_output(%x: tensor<512x4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant sparse<[[0, 5], [1, 300]], [1.0, 2.0]> : tensor<2x512xf32>
  %s = arith.constant -3200.0 : f32
  %y = mx.masked_matmul %w, %x, %s mode(hard) : tensor<2x512xf32>, tensor<512x4xf32>, f32 -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// 2 x 131073 f32 outputs: just over 1 MiB.
// CHECK-LABEL: func @ktile_few_rows_large_output
// CHECK: mx.sparse_matmul {{.*}} k_tile = 256 {{.*}}: tensor<5xi32>
// DENSE: remark: sparse: density 1.953125e-03, 2 non-zeros, k_tile 256,
func.func @ktile_few_rows_large_output(%x: tensor<512x131073xf32>) -> tensor<2x131073xf32> {
  %w = arith.constant sparse<[[0, 5], [1, 300]], [1.0, 2.0]> : tensor<2x512xf32>
  %s = arith.constant -3200.0 : f32
  %y = mx.masked_matmul %w, %x, %s mode(hard) : tensor<2x512xf32>, tensor<512x131073xf32>, f32 -> tensor<2x131073xf32>
  return %y : tensor<2x131073xf32>
}

// -----

// 128 rows: 256 at a small output too.
// CHECK-LABEL: func @ktile_many_rows
// CHECK: mx.sparse_matmul {{.*}} k_tile = 256 {{.*}}: tensor<257xi32>
// DENSE: remark: sparse: density 1.525879e-05, 1 non-zeros, k_tile 256,
func.func @ktile_many_rows(%x: tensor<512x4xf32>) -> tensor<128x4xf32> {
  %w = arith.constant sparse<[[127, 300]], [2.0]> : tensor<128x512xf32>
  %s = arith.constant -3200.0 : f32
  %y = mx.masked_matmul %w, %x, %s mode(hard) : tensor<128x512xf32>, tensor<512x4xf32>, f32 -> tensor<128x4xf32>
  return %y : tensor<128x4xf32>
}
