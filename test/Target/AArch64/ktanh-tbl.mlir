// K-TanH on AArch64: the packed 16-bit entries as two 32-byte tables (low
// and high bytes), looked up with two-register tbl; the per-lane right
// shift is ushl by a negated count. No calls, and the four table registers
// stay in registers across the loop (no load, spill or reload inside it).
// REQUIRES: aarch64-registered-target
// RUN: mx-opt %s --mx-to-llvm=target=aarch64-neon | mlir-translate --mlir-to-llvmir \
// RUN:   | llc -O3 -mtriple=aarch64-linux-gnu -mattr=+neon,+bf16,+i8mm | FileCheck %s

// CHECK-LABEL: ktanh_bf16:
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]}}
// CHECK: Inner Loop Header
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: tbl v{{[0-9]+}}.16b, { v{{[0-9]+}}.16b, v{{[0-9]+}}.16b }, v{{[0-9]+}}.16b
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: ushl v{{[0-9]+}}.8h
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: b.{{le|lt|ne}} .LBB
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]}}
// CHECK: ret
func.func @ktanh_bf16(%x: memref<4096xbf16>, %y: memref<4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<4096xbf16> to tensor<4096xbf16>
  %r = mx.ktanh %t : tensor<4096xbf16>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<4096xbf16>, memref<4096xbf16>) -> ()
  return
}

// GELU's f32 arithmetic needs more registers: 8 lanes per iteration.
// CHECK-LABEL: kgelu_f32:
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]}}
// CHECK: Inner Loop Header
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: tbl v{{[0-9]+}}.16b, { v{{[0-9]+}}.16b, v{{[0-9]+}}.16b }, v{{[0-9]+}}.16b
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: ushl v{{[0-9]+}}.4s
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: b.{{le|lt|ne}} .LBB
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]}}
// CHECK: ret
func.func @kgelu_f32(%x: memref<4096xf32>, %y: memref<4096xf32>) {
  %t = bufferization.to_tensor %x restrict : memref<4096xf32> to tensor<4096xf32>
  %r = mx.kgelu %t : tensor<4096xf32>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<4096xf32>, memref<4096xf32>) -> ()
  return
}

// CHECK-LABEL: ksigmoid_bf16:
// CHECK: Inner Loop Header
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: tbl v{{[0-9]+}}.16b, { v{{[0-9]+}}.16b, v{{[0-9]+}}.16b }, v{{[0-9]+}}.16b
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: b.{{le|lt|ne}} .LBB
func.func @ksigmoid_bf16(%x: memref<4096xbf16>, %y: memref<4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<4096xbf16> to tensor<4096xbf16>
  %r = mx.ksigmoid %t : tensor<4096xbf16>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<4096xbf16>, memref<4096xbf16>) -> ()
  return
}

// CHECK-LABEL: kgelu_bf16:
// CHECK: Inner Loop Header
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: tbl v{{[0-9]+}}.16b, { v{{[0-9]+}}.16b, v{{[0-9]+}}.16b }, v{{[0-9]+}}.16b
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: b.{{le|lt|ne}} .LBB
func.func @kgelu_bf16(%x: memref<4096xbf16>, %y: memref<4096xbf16>) {
  %t = bufferization.to_tensor %x restrict : memref<4096xbf16> to tensor<4096xbf16>
  %r = mx.kgelu %t : tensor<4096xbf16>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<4096xbf16>, memref<4096xbf16>) -> ()
  return
}

// CHECK-LABEL: kswish_f32:
// CHECK: Inner Loop Header
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: tbl v{{[0-9]+}}.16b, { v{{[0-9]+}}.16b, v{{[0-9]+}}.16b }, v{{[0-9]+}}.16b
// CHECK-NOT: {{^[[:space:]]+bl[[:space:]]|Reload|Spill|ld1|lo12}}
// CHECK: b.{{le|lt|ne}} .LBB
func.func @kswish_f32(%x: memref<?xf32>, %y: memref<?xf32>) {
  %t = bufferization.to_tensor %x restrict : memref<?xf32> to tensor<?xf32>
  %r = mx.kswish %t : tensor<?xf32>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<?xf32>, memref<?xf32>) -> ()
  return
}
