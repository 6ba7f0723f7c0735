// mx.cast on AVX-512: rne + flush is one vcvtneps2bf16 (zmm in, ymm out) per 16 lanes; every
// other policy stays in zmm integer code (vpmovdw packs the halves), and
// nothing calls the soft-float __truncsfbf2.
// REQUIRES: x86-registered-target
// RUN: mx-opt %s --mx-to-llvm=target=x86-64-avx512 | mlir-translate --mlir-to-llvmir \
// RUN:   | llc -O3 -mtriple=x86_64-linux-gnu -mcpu=sapphirerapids | FileCheck %s

// CHECK-LABEL: cast_rne_flush:
// CHECK-NOT: call
// CHECK: vcvtneps2bf16 {{.*}}, %ymm
// CHECK-NOT: call
// CHECK: retq
func.func @cast_rne_flush(%x: memref<64x4096xf32>, %y: memref<64x4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<64x4096xf32> to tensor<64x4096xf32>
  %c = mx.cast %t denormals(flush) : tensor<64x4096xf32> -> tensor<64x4096xbf16>
  bufferization.materialize_in_destination %c in restrict writable %y : (tensor<64x4096xbf16>, memref<64x4096xbf16>) -> ()
  return
}

// CHECK-LABEL: cast_rne:
// CHECK-NOT: vcvtneps2bf16
// CHECK-NOT: call
// CHECK: vpaddd {{.*}}%zmm
// CHECK: vpmovdw %zmm
// CHECK-NOT: vcvtneps2bf16
// CHECK-NOT: call
// CHECK: retq
func.func @cast_rne(%x: memref<64x4096xf32>, %y: memref<64x4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<64x4096xf32> to tensor<64x4096xf32>
  %c = mx.cast %t : tensor<64x4096xf32> -> tensor<64x4096xbf16>
  bufferization.materialize_in_destination %c in restrict writable %y : (tensor<64x4096xbf16>, memref<64x4096xbf16>) -> ()
  return
}

// CHECK-LABEL: cast_stochastic:
// CHECK-NOT: vcvtneps2bf16
// CHECK-NOT: call
// CHECK: vpmulld {{.*}}%zmm
// CHECK: vpmovdw %zmm
// CHECK-NOT: call
// CHECK: retq
func.func @cast_stochastic(%x: memref<64x4096xf32>, %y: memref<64x4096xbf16>, %s: i32) {
  %t = bufferization.to_tensor %x restrict : memref<64x4096xf32> to tensor<64x4096xf32>
  %c = mx.cast %t rounding(stochastic) seed(%s) : tensor<64x4096xf32> -> tensor<64x4096xbf16>
  bufferization.materialize_in_destination %c in restrict writable %y : (tensor<64x4096xbf16>, memref<64x4096xbf16>) -> ()
  return
}

// CHECK-LABEL: cast_widen:
// CHECK-NOT: call
// CHECK: vpmovzxwd {{.*}}%zmm
// CHECK: vpslld $16
// CHECK-NOT: call
// CHECK: retq
func.func @cast_widen(%x: memref<64x4096xbf16>, %y: memref<64x4096xf32>) {
  %t = bufferization.to_tensor %x restrict : memref<64x4096xbf16> to tensor<64x4096xbf16>
  %c = mx.cast %t : tensor<64x4096xbf16> -> tensor<64x4096xf32>
  bufferization.materialize_in_destination %c in restrict writable %y : (tensor<64x4096xf32>, memref<64x4096xf32>) -> ()
  return
}
