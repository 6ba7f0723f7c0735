// K-TanH on AVX-512: for bf16 the 32 packed 16-bit table entries live in
// one zmm register, loaded once before the loop; inside the loop the
// parameters of 32 lanes come from one register-to-register vpermw, with no
// gather, no table load and no call. f32 uses two tables in registers.
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

// f32 looks its parameters up in two tables of 32-bit entries, offsets
// (with the input exponent folded in) and shifts, two zmm registers each,
// with vpermi2ps/vpermt2ps, then shifts the magnitude with vpsrlvd.
// CHECK-LABEL: ktanh_f32:
// CHECK: Inner Loop Header
// CHECK-NOT: {{gather|call|\(%rip\)}}
// CHECK: vperm{{[it]}}2ps %zmm{{[0-9]+}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: {{gather|call|\(%rip\)}}
// CHECK: vpsrlvd
// CHECK-NOT: {{gather|call|\(%rip\)}}
// CHECK: vperm{{[it]}}2ps %zmm{{[0-9]+}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: {{gather|call|\(%rip\)}}
// CHECK: jle
func.func @ktanh_f32(%x: memref<4096xf32>, %y: memref<4096xf32>) {
  %t = bufferization.to_tensor %x restrict : memref<4096xf32> to tensor<4096xf32>
  %r = mx.ktanh %t : tensor<4096xf32>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<4096xf32>, memref<4096xf32>) -> ()
  return
}

// bf16 sigmoid: the K-TanH of x / 2 from x's own index with the table
// rotated by 8 entries (no halving), then t * 0.5 + 0.5 on the two bf16
// halves of each 32-bit lane as f32 (no widening shuffles), both halves
// rounded into one register with vcvtne2ps2bf16 and put back in order with
// one vpermw.
// CHECK-LABEL: ksigmoid_bf16:
// CHECK: vmovdqa64 .LCPI{{.*}}, %[[TABLE:zmm[0-9]+]] {{.*}} = [321,4424,4425,4425,8536,8537,8537,16750,8567,16762,{{.*}},4356]
// CHECK: Inner Loop Header
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd}}
// CHECK: vpermw %[[TABLE]], %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd}}
// CHECK: vfmadd213ps
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd}}
// CHECK: vcvtne2ps2bf16
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd}}
// CHECK: vpermw
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd}}
// CHECK: jle
func.func @ksigmoid_bf16(%x: memref<4096xbf16>, %y: memref<4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<4096xbf16> to tensor<4096xbf16>
  %r = mx.ksigmoid %t : tensor<4096xbf16>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<4096xbf16>, memref<4096xbf16>) -> ()
  return
}

// bf16 GELU: w = |x| (c0 + c1 x^2) in f32 on the two halves of each lane,
// the high halves of w packed into one register (vpermt2w), 0.5 ktanh(2 w)
// for 32 lanes from two 16-bit tables (vpermw each: offsets and shifts),
// the fma in f32 and one vcvtne2ps2bf16; no NaN compare (the fma carries
// the NaN), no widening, no table load in the loop.
// CHECK-LABEL: kgelu_bf16:
// CHECK: Inner Loop Header
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd|vcmpunord}}
// CHECK: vfmadd{{[0-9]+}}ps
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd|vcmpunord}}
// CHECK: vpermt2w
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd|vcmpunord}}
// CHECK: vpermw %zmm{{[0-9]+}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK: vpermw %zmm{{[0-9]+}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd|vcmpunord}}
// CHECK: vpsrlvw
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd|vcmpunord}}
// CHECK: vcvtne2ps2bf16
// CHECK-NOT: {{gather|call|\(%rip\)|vpmovzxwd|vcmpunord|vcvtneps2bf16}}
// Tiny and -Inf lanes are fixed up in a branch.
// CHECK: kortest{{[dq]}}
// CHECK-NEXT: j{{n?}}e
func.func @kgelu_bf16(%x: memref<4096xbf16>, %y: memref<4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<4096xbf16> to tensor<4096xbf16>
  %r = mx.kgelu %t : tensor<4096xbf16>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<4096xbf16>, memref<4096xbf16>) -> ()
  return
}
