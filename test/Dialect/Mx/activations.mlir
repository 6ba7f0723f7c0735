// RUN: mx-opt %s | FileCheck %s
// RUN: mx-opt %s --mlir-print-op-generic | mx-opt | FileCheck %s

// Round trip of the K-TanH activations; the default mantissa is not printed.

// CHECK-LABEL: func @activations
func.func @activations(%x: tensor<4x64xf32>, %h: tensor<8x?xbf16>, %s: tensor<f32>) {
  // CHECK: mx.ktanh %{{.*}} : tensor<4x64xf32>
  %0 = mx.ktanh %x : tensor<4x64xf32>
  // CHECK: mx.ktanh %{{.*}} mantissa(bf16) : tensor<4x64xf32>
  %1 = mx.ktanh %x mantissa(bf16) : tensor<4x64xf32>
  // CHECK: mx.ktanh %{{.*}} mantissa(full) : tensor<4x64xf32>
  %2 = mx.ktanh %x mantissa(full) : tensor<4x64xf32>
  // CHECK: mx.ktanh %{{.*}} : tensor<8x?xbf16>
  %3 = mx.ktanh %h : tensor<8x?xbf16>
  // CHECK: mx.ksigmoid %{{.*}} : tensor<8x?xbf16>
  %4 = mx.ksigmoid %h : tensor<8x?xbf16>
  // CHECK: mx.kswish %{{.*}} mantissa(bf16) : tensor<4x64xf32>
  %5 = mx.kswish %x mantissa(bf16) : tensor<4x64xf32>
  // CHECK: mx.kgelu %{{.*}} : tensor<f32>
  %6 = mx.kgelu %s : tensor<f32>
  return
}
