// The AArch64 dequantize of MXFP4 and MXFP6 E2M3 decodes codes with tbl.
// REQUIRES: aarch64-registered-target
// RUN: mx-opt %s --mx-to-llvm=target=aarch64-neon | mlir-translate --mlir-to-llvmir \
// RUN:   | llc -O3 -mtriple=aarch64-linux-gnu -mattr=+neon,+bf16,+i8mm | FileCheck %s

// CHECK-LABEL: dequantize_fp4:
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]}}
// CHECK: tbl v{{[0-9]+}}.16b, { v{{[0-9]+}}.16b }
// CHECK: ret
func.func @dequantize_fp4(%e: memref<64x512xi8>, %s: memref<64x32xf8E8M0FNU>, %y: memref<64x1024xf32>) {
  %et = bufferization.to_tensor %e restrict : memref<64x512xi8> to tensor<64x512xi8>
  %st = bufferization.to_tensor %s restrict : memref<64x32xf8E8M0FNU> to tensor<64x32xf8E8M0FNU>
  %q = mx.assemble %et, %st : tensor<64x512xi8>, tensor<64x32xf8E8M0FNU> -> !mx.tensor<64x1024, e2m1, axis = 1>
  %r = mx.dequantize %q : !mx.tensor<64x1024, e2m1, axis = 1> -> tensor<64x1024xf32>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<64x1024xf32>, memref<64x1024xf32>) -> ()
  return
}

// CHECK-LABEL: dequantize_fp6:
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]}}
// CHECK: tbl v{{[0-9]+}}.16b, { v{{[0-9]+}}.16b, v{{[0-9]+}}.16b }
// CHECK: ret
func.func @dequantize_fp6(%e: memref<64x768xi8>, %s: memref<64x32xf8E8M0FNU>, %y: memref<64x1024xf32>) {
  %et = bufferization.to_tensor %e restrict : memref<64x768xi8> to tensor<64x768xi8>
  %st = bufferization.to_tensor %s restrict : memref<64x32xf8E8M0FNU> to tensor<64x32xf8E8M0FNU>
  %q = mx.assemble %et, %st : tensor<64x768xi8>, tensor<64x32xf8E8M0FNU> -> !mx.tensor<64x1024, e2m3, axis = 1>
  %r = mx.dequantize %q : !mx.tensor<64x1024, e2m3, axis = 1> -> tensor<64x1024xf32>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<64x1024xf32>, memref<64x1024xf32>) -> ()
  return
}
