// RUN: mx-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mx-prefetch))" | FileCheck %s
// RUN: mx-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mx-prefetch{distance=256}))" | FileCheck %s --check-prefix=D256
// RUN: mx-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mx-prefetch{distance=0}))" | FileCheck %s --check-prefix=OFF

// An innermost loop walking rows: a prefetch 1 KiB (256 f32) ahead of each
// vector read, clamped to the row, before the read. The outer loop and the
// store get none.
// CHECK-LABEL: func @rows
// CHECK: scf.for %[[I:[a-z0-9]+]] =
// CHECK-NOT: memref.prefetch
// CHECK-DAG: %[[AHEAD:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[LAST:.*]] = arith.constant 4095 : index
// CHECK: scf.for %[[J:[a-z0-9]+]] =
// CHECK-NEXT: %[[A:.*]] = arith.addi %[[J]], %[[AHEAD]] : index
// CHECK: %[[P:.*]] = arith.minsi %[[A]], %[[LAST]] : index
// CHECK: memref.prefetch %{{.*}}[%[[I]], %[[P]]], read, locality<3>, data : memref<64x4096xf32>
// CHECK-NEXT: vector.load %{{.*}}[%[[I]], %[[J]]]
// CHECK-NOT: memref.prefetch
// CHECK: vector.store
// D256-LABEL: func @rows
// D256: arith.constant 64 : index
// D256: memref.prefetch
// OFF-NOT: memref.prefetch
func.func @rows(%in: memref<64x4096xf32>, %out: memref<64x4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %c4096 = arith.constant 4096 : index
  scf.for %i = %c0 to %c64 step %c1 {
    scf.for %j = %c0 to %c4096 step %c16 {
      %v = vector.load %in[%i, %j] : memref<64x4096xf32>, vector<16xf32>
      vector.store %v, %out[%i, %j] : memref<64x4096xf32>, vector<16xf32>
    }
  }
  return
}

// -----

// bf16 elements (2 bytes): 512 elements ahead; a dynamic row length is
// read with memref.dim; a transfer_read is prefetched like a load.
// CHECK-LABEL: func @dynamic_bf16
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[AHEAD:.*]] = arith.constant 512 : index
// CHECK: scf.for %[[J:[a-z0-9]+]] =
// CHECK: %[[N:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?xbf16>
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %[[C1]] : index
// CHECK: %[[A:.*]] = arith.addi %[[J]], %[[AHEAD]] : index
// CHECK: %[[P:.*]] = arith.minsi %[[A]], %[[LAST]] : index
// CHECK: memref.prefetch %{{.*}}[%[[P]]], read, locality<3>, data : memref<?xbf16>
// CHECK-NEXT: vector.transfer_read
func.func @dynamic_bf16(%in: memref<?xbf16>, %n: index) -> vector<32xbf16> {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %pad = arith.constant 0.0 : bf16
  %zero = arith.constant dense<0.0> : vector<32xbf16>
  %r = scf.for %j = %c0 to %n step %c32 iter_args(%acc = %zero) -> vector<32xbf16> {
    %v = vector.transfer_read %in[%j], %pad : memref<?xbf16>, vector<32xbf16>
    %s = arith.addf %acc, %v : vector<32xbf16>
    scf.yield %s : vector<32xbf16>
  }
  return %r : vector<32xbf16>
}

// -----

// Reads that do not walk along the loop (a loop-invariant innermost index,
// a table) and reads in non-innermost loops get no prefetch.
// CHECK-LABEL: func @invariant
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @invariant(%table: memref<16x16xf32>, %out: memref<64x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %c64 step %c1 {
    %v = vector.load %table[%c0, %c0] : memref<16x16xf32>, vector<16xf32>
    scf.for %k = %c0 to %c64 step %c1 {
      %w = vector.load %table[%c1, %c0] : memref<16x16xf32>, vector<16xf32>
      vector.store %w, %out[%k, %c0] : memref<64x16xf32>, vector<16xf32>
    }
    vector.store %v, %out[%i, %c0] : memref<64x16xf32>, vector<16xf32>
  }
  return
}
