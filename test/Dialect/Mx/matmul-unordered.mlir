// RUN: mx-opt %s | mx-opt | FileCheck %s

// `unordered` round-trips on both forms and after the transposes.
// CHECK-LABEL: func.func @bf16
// CHECK: mx.matmul %{{.*}}, %{{.*}}, %{{.*}} unordered : tensor<4x8xbf16>, tensor<8x2xbf16> -> tensor<4x2xf32>
func.func @bf16(%a: tensor<4x8xbf16>, %b: tensor<8x2xbf16>, %c: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %r = mx.matmul %a, %b, %c unordered : tensor<4x8xbf16>, tensor<8x2xbf16> -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// CHECK-LABEL: func.func @mx
// CHECK: mx.matmul %{{.*}}, %{{.*}}, %{{.*}} transpose_b unordered :
func.func @mx(%a: !mx.tensor<4x64, e4m3, axis = 1>, %b: !mx.tensor<2x64, e2m1, axis = 1>,
              %c: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %r = mx.matmul %a, %b, %c transpose_b unordered
      : !mx.tensor<4x64, e4m3, axis = 1>, !mx.tensor<2x64, e2m1, axis = 1> -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}
