// Round trip of block-scaled mx.matmul (MX x MX -> f32), mx.dot_i8,
// mx.dot_i16, mx.mmla_i8 and mx.mmla_bf16.
// RUN: mx-opt %s | FileCheck %s
// RUN: mx-opt %s | mx-opt | FileCheck %s
// RUN: mx-opt %s --mlir-print-op-generic | mx-opt | FileCheck %s

// CHECK-LABEL: func @matmul_mx
// CHECK: mx.matmul %{{.*}}, %{{.*}}, %{{.*}} : !mx.tensor<4x64, int8, axis = 1>, !mx.tensor<64x8, e2m1, axis = 0> -> tensor<4x8xf32>
// CHECK: mx.matmul %{{.*}}, %{{.*}}, %{{.*}} transpose_a transpose_b : !mx.tensor<64x4, e4m3, axis = 0>, !mx.tensor<8x64, e3m2, axis = 1> -> tensor<4x8xf32>
// CHECK: mx.matmul %{{.*}}, %{{.*}}, %{{.*}} transpose_b : !mx.tensor<4x64, e2m3, axis = 1, block = 16>, !mx.tensor<8x64, e5m2, axis = 1, block = 16> -> tensor<4x8xf32>
func.func @matmul_mx(%a: !mx.tensor<4x64, int8, axis = 1>,
                     %b: !mx.tensor<64x8, e2m1, axis = 0>,
                     %at: !mx.tensor<64x4, e4m3, axis = 0>,
                     %bt: !mx.tensor<8x64, e3m2, axis = 1>,
                     %a16: !mx.tensor<4x64, e2m3, axis = 1, block = 16>,
                     %b16: !mx.tensor<8x64, e5m2, axis = 1, block = 16>,
                     %c: tensor<4x8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = mx.matmul %a, %b, %c
         : !mx.tensor<4x64, int8, axis = 1>, !mx.tensor<64x8, e2m1, axis = 0>
           -> tensor<4x8xf32>
  %1 = mx.matmul %at, %bt, %c transpose_a transpose_b
         : !mx.tensor<64x4, e4m3, axis = 0>, !mx.tensor<8x64, e3m2, axis = 1>
           -> tensor<4x8xf32>
  %2 = mx.matmul %a16, %b16, %c transpose_b
         : !mx.tensor<4x64, e2m3, axis = 1, block = 16>,
           !mx.tensor<8x64, e5m2, axis = 1, block = 16> -> tensor<4x8xf32>
  return %0, %1, %2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func @dot_i8
// CHECK: mx.dot_i8 %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi32>, vector<64xi8>
// CHECK: mx.dot_i8 %{{.*}}, %{{.*}}, %{{.*}} : vector<4xi32>, vector<16xi8>
func.func @dot_i8(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>,
                  %acc4: vector<4xi32>, %x: vector<16xi8>)
    -> (vector<16xi32>, vector<4xi32>) {
  %0 = mx.dot_i8 %acc, %a, %b : vector<16xi32>, vector<64xi8>
  %1 = mx.dot_i8 %acc4, %x, %x : vector<4xi32>, vector<16xi8>
  return %0, %1 : vector<16xi32>, vector<4xi32>
}

// CHECK-LABEL: func @dot_i16
// CHECK: mx.dot_i16 %{{.*}}, %{{.*}}, %{{.*}} : vector<8xi32>, vector<16xi16>
func.func @dot_i16(%acc: vector<8xi32>, %a: vector<16xi16>, %b: vector<16xi16>) -> vector<8xi32> {
  %0 = mx.dot_i16 %acc, %a, %b : vector<8xi32>, vector<16xi16>
  return %0 : vector<8xi32>
}

// CHECK-LABEL: func @mmla_i8
// CHECK: mx.mmla_i8 %{{.*}}, %{{.*}}, %{{.*}} : vector<4xi32>, vector<16xi8>
func.func @mmla_i8(%acc: vector<4xi32>, %a: vector<16xi8>, %b: vector<16xi8>) -> vector<4xi32> {
  %0 = mx.mmla_i8 %acc, %a, %b : vector<4xi32>, vector<16xi8>
  return %0 : vector<4xi32>
}

// CHECK-LABEL: func @mmla_bf16
// CHECK: mx.mmla_bf16 %{{.*}}, %{{.*}}, %{{.*}} : vector<4xf32>, vector<8xbf16>
func.func @mmla_bf16(%acc: vector<4xf32>, %a: vector<8xbf16>, %b: vector<8xbf16>) -> vector<4xf32> {
  %0 = mx.mmla_bf16 %acc, %a, %b : vector<4xf32>, vector<8xbf16>
  return %0 : vector<4xf32>
}
