// RUN: mx-opt %s --mx-lower-to-vector=target=x86-64-avx512 --split-input-file \
// RUN:   | FileCheck %s --check-prefixes=CHECK,X86
// RUN: mx-opt %s --mx-lower-to-vector=target=aarch64-neon --split-input-file \
// RUN:   | FileCheck %s --check-prefixes=CHECK,NEON
// RUN: mx-opt %s --mx-lower-to-vector=target=generic --split-input-file \
// RUN:   | FileCheck %s --check-prefixes=CHECK,GENERIC

// Loops over the rows; along a row, four vectors of 16 per iteration (the
// narrowed ones stored in pairs as vector<32xbf16>: 64-byte stores), then
// masked vectors of 16 for the tail (100 = 64 + 36). rne + flush is
// vcvtneps2bf16 on x86; AArch64 flushes subnormal inputs with integer ops
// and converts with llvm.fptrunc (bfcvtn); generic is integer code.

// CHECK-LABEL: func.func @rne_flush
// CHECK-SAME: (%[[X:.+]]: tensor<4x100xf32>)
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG: %[[C64:.+]] = arith.constant 64 : index
// CHECK-DAG: %[[C100:.+]] = arith.constant 100 : index
// CHECK: %[[EMPTY:.+]] = tensor.empty() : tensor<4x100xbf16>
// CHECK: scf.for %[[I:arg[0-9]+]] = %[[C0]] to %[[C4]]
// CHECK: scf.for %[[J:arg[0-9]+]] = %[[C0]] to %[[C64]] step %[[C64]]
// CHECK: %[[V:.+]] = vector.transfer_read %[[X]][%[[I]], %[[J]]], %{{.+}} {in_bounds = [true]} : tensor<4x100xf32>, vector<16xf32>
// X86-NEXT: %[[R:.+]] = x86vector.avx512.cvt.packed.f32_to_bf16 %[[V]] : vector<16xf32> -> vector<16xbf16>
// NEON: arith.cmpi ult
// NEON: %[[F:.+]] = arith.bitcast %{{.+}} : vector<16xi32> to vector<16xf32>
// NEON-NEXT: %[[R:.+]] = llvm.fptrunc %[[F]] : vector<16xf32> to vector<16xbf16>
// GENERIC-NOT: x86vector
// GENERIC-NOT: llvm.fptrunc
// GENERIC: %[[R:.+]] = arith.bitcast %{{.+}} : vector<16xi16> to vector<16xbf16>
// CHECK: %[[J16:.+]] = arith.addi %[[J]], %{{.+}} : index
// CHECK: vector.transfer_read %[[X]][%[[I]], %[[J16]]]
// CHECK: %[[PAIR:.+]] = vector.shuffle %[[R]], %{{.+}} [0, 1, 2, {{.*}}, 30, 31] : vector<16xbf16>, vector<16xbf16>
// CHECK-NEXT: vector.transfer_write %[[PAIR]], %{{.+}}[%[[I]], %[[J]]] {in_bounds = [true]} : vector<32xbf16>, tensor<4x100xbf16>
// CHECK: vector.transfer_write %{{.+}} {in_bounds = [true]} : vector<32xbf16>, tensor<4x100xbf16>
// CHECK: scf.for %[[T:arg[0-9]+]] = %[[C64]] to %[[C100]] step %{{.+}}
// CHECK: vector.transfer_read %[[X]][%[[I]], %[[T]]], %{{.+}} : tensor<4x100xf32>, vector<16xf32>
// X86: x86vector.avx512.cvt.packed.f32_to_bf16
// NEON: llvm.fptrunc
// CHECK: vector.transfer_write %{{.+}}, %{{.+}}[%[[I]], %[[T]]] : vector<16xbf16>, tensor<4x100xbf16>
func.func @rne_flush(%x: tensor<4x100xf32>) -> tensor<4x100xbf16> {
  %0 = mx.cast %x denormals(flush) : tensor<4x100xf32> -> tensor<4x100xbf16>
  return %0 : tensor<4x100xbf16>
}

// -----

// rne + preserve: vcvtneps2bf16 would flush subnormals, so x86 uses the
// integer sequence; bfcvtn keeps them (FPCR.FZ = 0), so AArch64 uses it.
// No tail loop: 128 is a multiple of 64.

// CHECK-LABEL: func.func @rne_preserve
// X86-NOT: x86vector
// X86: arith.addi
// X86-NOT: x86vector
// NEON-NOT: arith.cmpi ult
// NEON: llvm.fptrunc %{{.+}} : vector<16xf32> to vector<16xbf16>
// GENERIC-NOT: llvm.fptrunc
// CHECK: scf.yield
// CHECK-NOT: scf.for
// CHECK: return
func.func @rne_preserve(%x: tensor<2x128xf32>) -> tensor<2x128xbf16> {
  %0 = mx.cast %x : tensor<2x128xf32> -> tensor<2x128xbf16>
  return %0 : tensor<2x128xbf16>
}

// -----

// Truncation and stochastic rounding are integer code on every target. The
// stochastic index of lane l is (row * cols + col + l) modulo 2^32, with
// cols dynamic here.

// CHECK-LABEL: func.func @stochastic
// CHECK-SAME: (%[[X:.+]]: tensor<3x?xf32>, %[[SEED:.+]]: i32)
// CHECK-NOT: x86vector
// CHECK-NOT: llvm.fptrunc
// CHECK: %[[N:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<3x?xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<3x?xbf16>
// CHECK: scf.for %[[I:arg[0-9]+]] =
// CHECK: %[[ROW:.+]] = arith.muli %[[I]], %{{.+}} : index
// CHECK: scf.for %[[J:arg[0-9]+]] =
// CHECK: vector.transfer_read %[[X]][%[[I]], %[[J]]]
// CHECK: %[[FIRST:.+]] = arith.addi %[[ROW]], %[[J]] : index
// CHECK: %[[FIRST32:.+]] = arith.index_cast %[[FIRST]] : index to i32
// CHECK: %[[BASE:.+]] = vector.broadcast %[[FIRST32]] : i32 to vector<16xi32>
// CHECK: %[[LANES:.+]] = arith.addi %[[BASE]], %{{.+}} : vector<16xi32>
// CHECK: vector.broadcast %[[SEED]] : i32 to vector<16xi32>
// CHECK-NOT: x86vector
// CHECK-NOT: llvm.fptrunc
// CHECK: return
func.func @stochastic(%x: tensor<3x?xf32>, %seed: i32) -> tensor<3x?xbf16> {
  %0 = mx.cast %x rounding(stochastic) seed(%seed) : tensor<3x?xf32> -> tensor<3x?xbf16>
  return %0 : tensor<3x?xbf16>
}

// -----

// Widening is integer code everywhere: zero-extend, shift, flush, quiet NaN.

// CHECK-LABEL: func.func @widen
// CHECK: %[[V:.+]] = vector.transfer_read %{{.+}} : tensor<64xbf16>, vector<16xbf16>
// CHECK-NEXT: %[[H:.+]] = arith.bitcast %[[V]] : vector<16xbf16> to vector<16xi16>
// CHECK-NEXT: arith.extui %[[H]] : vector<16xi16> to vector<16xi32>
// CHECK: arith.shli
// CHECK: %[[F:.+]] = arith.bitcast %{{.+}} : vector<16xi32> to vector<16xf32>
// CHECK-NEXT: vector.transfer_write %[[F]], %{{.+}} : vector<16xf32>, tensor<64xf32>
func.func @widen(%x: tensor<64xbf16>) -> tensor<64xf32> {
  %0 = mx.cast %x : tensor<64xbf16> -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// Rank 0 goes through a one-element 1-D cast.

// CHECK-LABEL: func.func @scalar
// CHECK: %[[E:.+]] = tensor.expand_shape %{{.+}} [] output_shape [1] : tensor<f32> into tensor<1xf32>
// CHECK: vector.transfer_read %[[E]]
// CHECK: %[[R:.+]] = scf.for
// CHECK: tensor.collapse_shape %[[R]] [] : tensor<1xbf16> into tensor<bf16>
func.func @scalar(%x: tensor<f32>) -> tensor<bf16> {
  %0 = mx.cast %x rounding(truncate) : tensor<f32> -> tensor<bf16>
  return %0 : tensor<bf16>
}
