// RUN: mx-opt %s --mx-sparsify="max-density=1" --split-input-file | FileCheck %s
// RUN: mx-opt %s --mx-sparsify="max-density=1 bf16-values=1" --split-input-file \
// RUN:   | FileCheck %s --check-prefix=BF16
// RUN: mx-opt %s --mx-sparsify="max-density=1 value-format=e4m3" \
// RUN:   --split-input-file | FileCheck %s --check-prefix=E4M3
// RUN: mx-opt %s --mx-sparsify="max-density=1 value-format=int8 report=1" \
// RUN:   --split-input-file 2>&1 | FileCheck %s --check-prefix=INT8
// RUN: not mx-opt %s --mx-sparsify="value-format=e9m9" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADFORMAT
// RUN: not mx-opt %s --mx-sparsify="value-format=e2m1 bf16-values=1" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADBF16
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
// MXFP8 (E4M3, emax 8), one block per row (K = 6), by hand:
// row 0: amax 0.7808 in [2^-1, 1): scale 2^(-1-8) (byte 118, 1.953125e-3);
//   0.3808 * 2^9 = 194.97 -> 192 = 1.5 * 2^7: 0 1110 100 = 116;
//   0.1808 * 2^9 = 92.57 -> 96 = 1.5 * 2^6: 0 1101 100 = 108;
//   -0.7808 * 2^9 = -399.8 -> -384 = -1.5 * 2^8: 1 1111 100 = 0xFC = -4.
// row 1: amax 0.1308 in [2^-3, 2^-2): scale 2^-11 (byte 116);
//   0.0808 * 2^11 = 165.5 -> 160 = 1.25 * 2^7: 0 1110 010 = 114;
//   -0.1308 * 2^11 = -267.9 -> -256 = -2^8: 1 1111 000 = 0xF8 = -8.
// E4M3-LABEL: func @soft
// E4M3-DAG: arith.constant dense<[116, 108, -4, 114, -8]> : tensor<5xi8>
// E4M3-DAG: arith.constant dense<[1.953130e-03, 4.882810e-04]> : tensor<2xf8E8M0FNU>
// E4M3: mx.sparse_matmul {{.*}} scales {{.*}} k_tile = 6 value_format = e4m3 {{.*}}: tensor<3xi32>, tensor<5xi16>, tensor<5xi8>, tensor<6x3xf32>, tensor<2xf8E8M0FNU> -> tensor<2x3xf32>
// INT8: remark: sparse: density 4.166667e-01, 5 non-zeros, k_tile 6, i16 coordinates, int8 values
// BADFORMAT: unknown value-format 'e9m9'; expected f32, bf16, e4m3, e5m2, e2m3, e3m2, e2m1 or int8
// BADBF16: bf16-values contradicts value-format=e2m1
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
// MXINT8 (k / 64, emax 0), two blocks per row: row 0 block 0 and row 1
// block 1 are all zero (scale byte 0, 2^-127); -1.5: scale 2^0, code
// RNE(64 * -1.5) = -96; 0.25: scale 2^-2, code 64.
// INT8-LABEL: func @hard
// INT8-DAG: arith.constant dense<[-96, 64]> : tensor<2xi8>
// INT8-DAG: arith.constant dense<[5.877470e-39, 1.000000e+00, 2.500000e-01, 5.877470e-39]> : tensor<4xf8E8M0FNU>
// INT8: mx.sparse_matmul {{.*}} value_format = int8
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
