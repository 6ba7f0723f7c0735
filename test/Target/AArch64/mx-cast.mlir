// mx.cast on AArch64 with FEAT_BF16: rne is bfcvtn/bfcvtn2 (with integer
// subnormal flushing before it for flush); truncation is integer code.
// REQUIRES: aarch64-registered-target
// RUN: mx-opt %s --mx-to-llvm=target=aarch64-neon | mlir-translate --mlir-to-llvmir \
// RUN:   | llc -O3 -mtriple=aarch64-linux-gnu -mattr=+neon,+bf16,+i8mm | FileCheck %s

// CHECK-LABEL: cast_rne:
// CHECK-NOT: bl
// CHECK: bfcvtn v{{[0-9]+}}.4h, v{{[0-9]+}}.4s
// CHECK: bfcvtn2 v{{[0-9]+}}.8h, v{{[0-9]+}}.4s
// CHECK-NOT: bl
// CHECK: ret
func.func @cast_rne(%x: memref<64x4096xf32>, %y: memref<64x4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<64x4096xf32> to tensor<64x4096xf32>
  %c = mx.cast %t : tensor<64x4096xf32> -> tensor<64x4096xbf16>
  bufferization.materialize_in_destination %c in restrict writable %y : (tensor<64x4096xbf16>, memref<64x4096xbf16>) -> ()
  return
}

// CHECK-LABEL: cast_rne_flush:
// CHECK-NOT: bl
// CHECK: cm{{hi|hs|lo|ls|gt}}
// CHECK: bfcvtn
// CHECK: ret
func.func @cast_rne_flush(%x: memref<64x4096xf32>, %y: memref<64x4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<64x4096xf32> to tensor<64x4096xf32>
  %c = mx.cast %t denormals(flush) : tensor<64x4096xf32> -> tensor<64x4096xbf16>
  bufferization.materialize_in_destination %c in restrict writable %y : (tensor<64x4096xbf16>, memref<64x4096xbf16>) -> ()
  return
}

// CHECK-LABEL: cast_truncate:
// CHECK-NOT: bfcvt
// CHECK: ret
func.func @cast_truncate(%x: memref<64x4096xf32>, %y: memref<64x4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<64x4096xf32> to tensor<64x4096xf32>
  %c = mx.cast %t rounding(truncate) : tensor<64x4096xf32> -> tensor<64x4096xbf16>
  bufferization.materialize_in_destination %c in restrict writable %y : (tensor<64x4096xbf16>, memref<64x4096xbf16>) -> ()
  return
}
