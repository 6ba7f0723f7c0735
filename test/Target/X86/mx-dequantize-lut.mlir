// The AVX-512 dequantize of MXFP4 and MXFP6 decodes codes with one register
// permute per 16 lanes, MXFP8 through f16 (vcvtph2ps), and the whole hot
// loop stays in zmm registers: no calls, no scalar conversion loop.
// REQUIRES: x86-registered-target
// RUN: mx-opt %s --mx-to-llvm=target=x86-64-avx512 | mlir-translate --mlir-to-llvmir \
// RUN:   | llc -O3 -mtriple=x86_64-linux-gnu -mcpu=sapphirerapids | FileCheck %s

// CHECK-LABEL: dequantize_fp4:
// CHECK-NOT: call
// CHECK: vpermd {{.*}}%zmm
// CHECK: vmulps {{.*}}%zmm
// CHECK: vmovups %zmm
// CHECK-NOT: call
// CHECK: retq
func.func @dequantize_fp4(%e: memref<64x512xi8>, %s: memref<64x32xf8E8M0FNU>, %y: memref<64x1024xf32>) {
  %et = bufferization.to_tensor %e restrict : memref<64x512xi8> to tensor<64x512xi8>
  %st = bufferization.to_tensor %s restrict : memref<64x32xf8E8M0FNU> to tensor<64x32xf8E8M0FNU>
  %q = mx.assemble %et, %st : tensor<64x512xi8>, tensor<64x32xf8E8M0FNU> -> !mx.tensor<64x1024, e2m1, axis = 1>
  %r = mx.dequantize %q : !mx.tensor<64x1024, e2m1, axis = 1> -> tensor<64x1024xf32>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<64x1024xf32>, memref<64x1024xf32>) -> ()
  return
}

// FP6 codes: one byte permute gives each lane the two bytes of its code,
// a variable shift and a mask extract it.
// CHECK-LABEL: dequantize_fp6:
// CHECK-NOT: call
// CHECK: vpermt2b {{.*}}%zmm
// CHECK: vpsrlvd {{.*}}%zmm
// CHECK: vpermi2ps {{.*}}%zmm
// CHECK-NOT: call
// CHECK: retq
func.func @dequantize_fp6(%e: memref<64x768xi8>, %s: memref<64x32xf8E8M0FNU>, %y: memref<64x1024xf32>) {
  %et = bufferization.to_tensor %e restrict : memref<64x768xi8> to tensor<64x768xi8>
  %st = bufferization.to_tensor %s restrict : memref<64x32xf8E8M0FNU> to tensor<64x32xf8E8M0FNU>
  %q = mx.assemble %et, %st : tensor<64x768xi8>, tensor<64x32xf8E8M0FNU> -> !mx.tensor<64x1024, e3m2, axis = 1>
  %r = mx.dequantize %q : !mx.tensor<64x1024, e3m2, axis = 1> -> tensor<64x1024xf32>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<64x1024xf32>, memref<64x1024xf32>) -> ()
  return
}

// CHECK-LABEL: dequantize_fp8:
// CHECK-NOT: call
// CHECK: vcvtph2ps{{x?}} {{.*}}%zmm
// CHECK: vmulps {{.*}}%zmm
// CHECK-NOT: call
// CHECK: retq
func.func @dequantize_fp8(%e: memref<64x1024xi8>, %s: memref<64x32xf8E8M0FNU>, %y: memref<64x1024xf32>) {
  %et = bufferization.to_tensor %e restrict : memref<64x1024xi8> to tensor<64x1024xi8>
  %st = bufferization.to_tensor %s restrict : memref<64x32xf8E8M0FNU> to tensor<64x32xf8E8M0FNU>
  %q = mx.assemble %et, %st : tensor<64x1024xi8>, tensor<64x32xf8E8M0FNU> -> !mx.tensor<64x1024, e4m3, axis = 1>
  %r = mx.dequantize %q : !mx.tensor<64x1024, e4m3, axis = 1> -> tensor<64x1024xf32>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<64x1024xf32>, memref<64x1024xf32>) -> ()
  return
}

// Quantize: amax, scale and RNE (a magic-number fused multiply-add) are zmm
// integer/float ops; the sign bytes are gathered with one byte permute and
// saturation is an unsigned byte min on the packed codes.
// CHECK-LABEL: quantize_fp8:
// CHECK-NOT: call
// CHECK-DAG: vfmadd{{.*}}%zmm
// CHECK-DAG: vpermt2b {{.*}}%zmm
// CHECK-DAG: vpminub
// CHECK-NOT: call
// CHECK: retq
func.func @quantize_fp8(%x: memref<64x1024xf32>, %e: memref<64x1024xi8>, %s: memref<64x32xf8E8M0FNU>) {
  %t = bufferization.to_tensor %x restrict : memref<64x1024xf32> to tensor<64x1024xf32>
  %q = mx.quantize %t : tensor<64x1024xf32> -> !mx.tensor<64x1024, e4m3, axis = 1>
  %et, %st = mx.disassemble %q : !mx.tensor<64x1024, e4m3, axis = 1> -> tensor<64x1024xi8>, tensor<64x32xf8E8M0FNU>
  bufferization.materialize_in_destination %et in restrict writable %e : (tensor<64x1024xi8>, memref<64x1024xi8>) -> ()
  bufferization.materialize_in_destination %st in restrict writable %s : (tensor<64x32xf8E8M0FNU>, memref<64x32xf8E8M0FNU>) -> ()
  return
}
