// The stock mlir-opt loads MxPlugin.so and parses and prints MX IR.
// REQUIRES: mlir-dylib
// RUN: mlir-opt %s --load-dialect-plugin=%mx_lib_dir/MxPlugin%shlibext \
// RUN:   --load-pass-plugin=%mx_lib_dir/MxPlugin%shlibext | FileCheck %s

// CHECK-LABEL: func @roundtrip
// CHECK: mx.quantize %{{.*}} : tensor<4x64xf32> -> !mx.tensor<4x64, e2m1, axis = 1>
// CHECK: mx.dequantize %{{.*}} : !mx.tensor<4x64, e2m1, axis = 1> -> tensor<4x64xf32>
func.func @roundtrip(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64, e2m1, axis = 1>
  %y = mx.dequantize %q : !mx.tensor<4x64, e2m1, axis = 1> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}
