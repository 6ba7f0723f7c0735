// K-TanH on AVX-512: the 32 packed 16-bit table entries live in one zmm
// register, loaded once before the loop; inside the loop the parameters of
// 32 lanes come from one register-to-register vpermw, with no gather, no
// table load and no call.
// REQUIRES: x86-registered-target
// RUN: mx-opt %s --mx-to-llvm=target=x86-64-avx512 | mlir-translate --mlir-to-llvmir \
// RUN:   | llc -O3 -mtriple=x86_64-linux-gnu -mcpu=sapphirerapids | FileCheck %s

// CHECK-LABEL: ktanh_bf16:
// CHECK: vmovdqa64 .LCPI{{.*}}, %[[TABLE:zmm[0-9]+]] {{.*}} = [8567,16762,16763,16763,24958,24958,24958,24958,4225,124,122,121,118,116,113,110,240,4348,4351,4354,4355,4356,4356,4356,321,4424,4425,4425,8536,8537,8537,16750]
// CHECK: Inner Loop Header
// CHECK-NOT: {{gather|call|\(%rip\)}}
// CHECK: vpermw %[[TABLE]], %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: {{gather|call|\(%rip\)}}
// CHECK: vpsrlvw
// CHECK-NOT: {{gather|call|\(%rip\)}}
// CHECK: jle
func.func @ktanh_bf16(%x: memref<4096xbf16>, %y: memref<4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<4096xbf16> to tensor<4096xbf16>
  %r = mx.ktanh %t : tensor<4096xbf16>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<4096xbf16>, memref<4096xbf16>) -> ()
  return
}

// f32 uses the same single-register table: vpermw on the 16-bit halves of
// the lanes, then a 32-bit variable shift.
// CHECK-LABEL: ktanh_f32:
// CHECK: vmovdqa64 .LCPI{{.*}}, %[[TABLE:zmm[0-9]+]] {{.*}} = [8567,16762,{{.*}},16750]
// CHECK: Inner Loop Header
// CHECK-NOT: {{gather|call|\(%rip\)}}
// CHECK: vpermw %[[TABLE]], %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: {{gather|call|\(%rip\)}}
// CHECK: vpsrlvd
// CHECK-NOT: {{gather|call|\(%rip\)}}
// CHECK: jle
func.func @ktanh_f32(%x: memref<4096xf32>, %y: memref<4096xf32>) {
  %t = bufferization.to_tensor %x restrict : memref<4096xf32> to tensor<4096xf32>
  %r = mx.ktanh %t : tensor<4096xf32>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<4096xf32>, memref<4096xf32>) -> ()
  return
}
