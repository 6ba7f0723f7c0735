// An mx.matmul of at least 16 row tiles whose packed B takes at most 1 MiB
// is split by rows between the workers (mx.worker_count): one scf.forall
// iteration per worker packs its share of A's row tiles and its own copy of
// B into buffers allocated before the loop (writable tensors of their
// parts) and computes its rows of C; the worker that has the last, partial
// row tile computes it too (scf.if). Fewer row tiles, a larger packed B or
// the AArch64 mmla kernel keep the shared packing phases, unless the product
// has at least 16 panels of B, a packed A of at most 1 MiB and a C of at
// most 2 MiB: then the panels are split between the workers, each packing
// its own copy of A and its panels of B (its part of one buffer) and
// computing its columns of C; the worker that has the last, partial panel
// packs and computes it too (scf.if).
// RUN: mx-opt %s --split-input-file --mx-lower-to-vector=target=x86-64-avx512 \
// RUN:   --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s
// RUN: mx-opt %s --split-input-file --mx-lower-to-vector=target=aarch64-neon \
// RUN:   --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefix=NEON

// 97 rows: 16 row tiles of 6 and one of 1 row.
// CHECK-LABEL: func.func @int8_workers
// CHECK: %[[W:.*]] = mx.worker_count
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<17x2x6x8xi32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<17x6x2xf32>
// CHECK: memref.alloc(%[[W]]) {alignment = 64 : i64} : memref<?x2x2x8x32xi32>
// CHECK: memref.alloc(%[[W]]) {alignment = 64 : i64} : memref<?x2x2x32xf32>
// CHECK: memref.alloc(%[[W]]) {alignment = 64 : i64} : memref<?x2x2x32xi32>
// CHECK: scf.forall (%[[I:.*]]) in (%[[W]]) shared_outs(%[[C:.*]] = %{{.*}}) -> (tensor<97x37xf32>)
// CHECK: arith.divsi %{{.*}}, %[[W]]
// CHECK: bufferization.to_tensor %{{.*}} restrict writable : memref<?x2x6x8xi32, {{.*}}> to tensor<?x2x6x8xi32>
// CHECK: memref.subview %{{.*}}[%[[I]], 0, 0, 0, 0] [1, 2, 2, 8, 32]
// CHECK: bufferization.to_tensor %{{.*}} restrict writable : memref<2x2x8x32xi32, {{.*}}> to tensor<2x2x8x32xi32>
// CHECK-NOT: scf.forall
// CHECK: scf.if {{.*}} -> (tensor<?x37xf32>)
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[C]][%{{.*}}, 0] [%{{.*}}, 37] [1, 1] : tensor<?x37xf32> into tensor<97x37xf32>
// NEON-LABEL: func.func @int8_workers
// NEON-NOT: mx.worker_count
// NEON: mx.mmla_i8
func.func @int8_workers(%a: !mx.tensor<97x64, int8, axis = 1>, %b: !mx.tensor<64x37, int8, axis = 0>, %c: tensor<97x37xf32>) -> tensor<97x37xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<97x64, int8, axis = 1>, !mx.tensor<64x37, int8, axis = 0> -> tensor<97x37xf32>
  return %r : tensor<97x37xf32>
}

// -----

// 96 rows: 16 whole row tiles, no partial one.
// CHECK-LABEL: func.func @int8_whole_tiles
// CHECK: mx.worker_count
// CHECK-NOT: scf.if {{.*}} -> (tensor
// CHECK: tensor.parallel_insert_slice
func.func @int8_whole_tiles(%a: !mx.tensor<96x64, int8, axis = 1>, %b: !mx.tensor<64x37, int8, axis = 0>, %c: tensor<96x37xf32>) -> tensor<96x37xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<96x64, int8, axis = 1>, !mx.tensor<64x37, int8, axis = 0> -> tensor<96x37xf32>
  return %r : tensor<96x37xf32>
}

// -----

// 90 rows: 15 row tiles, the shared phases.
// CHECK-LABEL: func.func @int8_few_tiles
// CHECK-NOT: mx.worker_count
// CHECK: scf.forall
func.func @int8_few_tiles(%a: !mx.tensor<90x64, int8, axis = 1>, %b: !mx.tensor<64x37, int8, axis = 0>, %c: tensor<90x37xf32>) -> tensor<90x37xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<90x64, int8, axis = 1>, !mx.tensor<64x37, int8, axis = 0> -> tensor<90x37xf32>
  return %r : tensor<90x37xf32>
}

// -----

// Packed B of 13 panels x 96 blocks x 8 words x 32 columns x 4 bytes
// (1.25 MiB): the shared phases.
// CHECK-LABEL: func.func @int8_large_b
// CHECK-NOT: mx.worker_count
// CHECK: tensor.empty() : tensor<13x96x8x32xi32>
func.func @int8_large_b(%a: !mx.tensor<96x3072, int8, axis = 1>, %b: !mx.tensor<3072x400, int8, axis = 0>, %c: tensor<96x400xf32>) -> tensor<96x400xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<96x3072, int8, axis = 1>, !mx.tensor<3072x400, int8, axis = 0> -> tensor<96x400xf32>
  return %r : tensor<96x400xf32>
}

// -----

// A constant B is packed at compile time, once: no copy per worker.
// CHECK-LABEL: func.func @int8_constant_b
// CHECK: arith.constant dense_resource<__elided__> : tensor<2x2x8x32xi32>
// CHECK: %[[W:.*]] = mx.worker_count
// CHECK-NOT: memref.alloc(%[[W]])
// CHECK: scf.forall
func.func @int8_constant_b(%a: !mx.tensor<97x64, int8, axis = 1>, %c: tensor<97x37xf32>) -> tensor<97x37xf32> {
  %be = arith.constant dense<3> : tensor<64x37xi8>
  %bs = arith.constant dense<0x7F> : tensor<2x37xf8E8M0FNU>
  %b = mx.assemble %be, %bs : tensor<64x37xi8>, tensor<2x37xf8E8M0FNU> -> !mx.tensor<64x37, int8, axis = 0>
  %r = mx.matmul %a, %b, %c : !mx.tensor<97x64, int8, axis = 1>, !mx.tensor<64x37, int8, axis = 0> -> tensor<97x37xf32>
  return %r : tensor<97x37xf32>
}

// -----

// Widened bf16 (12-row tiles on x86): 193 rows are 17 row tiles.
// CHECK-LABEL: func.func @bf16_workers
// CHECK: %[[W:.*]] = mx.worker_count
// CHECK: memref.alloc(%[[W]]) {alignment = 64 : i64} : memref<?x3x3x32x32xi32>
// CHECK: scf.forall
func.func @bf16_workers(%a: tensor<193x67xbf16>, %b: tensor<67x70xbf16>, %c: tensor<193x70xf32>) -> tensor<193x70xf32> {
  %r = mx.matmul %a, %b, %c : tensor<193x67xbf16>, tensor<67x70xbf16> -> tensor<193x70xf32>
  return %r : tensor<193x70xf32>
}

// -----

// 20 rows (4 row tiles) and 520 columns: 17 panels, the last of 8 columns.
// CHECK-LABEL: func.func @int8_panel_workers
// CHECK: %[[W:.*]] = mx.worker_count
// CHECK: memref.alloc(%[[W]]) {alignment = 64 : i64} : memref<?x4x2x6x8xi32>
// CHECK: memref.alloc(%[[W]]) {alignment = 64 : i64} : memref<?x4x6x2xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<17x2x8x32xi32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<17x2x32xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<17x2x32xi32>
// CHECK: scf.forall (%[[I:.*]]) in (%[[W]]) shared_outs(%[[C:.*]] = %{{.*}}) -> (tensor<20x520xf32>)
// CHECK: memref.subview %{{.*}}[%[[I]], 0, 0, 0, 0] [1, 4, 2, 6, 8]
// CHECK: memref.subview %{{.*}}[%[[FIRST:.*]], 0, 0, 0] [%{{.*}}, 2, 8, 32]
// CHECK: bufferization.to_tensor %{{.*}} restrict writable : memref<?x2x8x32xi32, {{.*}}> to tensor<?x2x8x32xi32>
// CHECK-NOT: scf.forall
// CHECK: scf.if %{{.*}} -> (tensor<?x2x8x32xi32>, tensor<?x2x32xf32>, tensor<?x2x32xi32>)
// CHECK: scf.for %{{.*}} = %[[FIRST]] to
// CHECK: scf.if %{{.*}} -> (tensor<20x?xf32>)
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[C]][0, %{{.*}}] [20, %{{.*}}] [1, 1] : tensor<20x?xf32> into tensor<20x520xf32>
// NEON-LABEL: func.func @int8_panel_workers
// NEON-NOT: mx.worker_count
// NEON: mx.mmla_i8
func.func @int8_panel_workers(%a: !mx.tensor<20x64, int8, axis = 1>, %b: !mx.tensor<64x520, int8, axis = 0>, %c: tensor<20x520xf32>) -> tensor<20x520xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<20x64, int8, axis = 1>, !mx.tensor<64x520, int8, axis = 0> -> tensor<20x520xf32>
  return %r : tensor<20x520xf32>
}

// -----

// 16 whole panels: no partial one.
// CHECK-LABEL: func.func @int8_whole_panels
// CHECK: mx.worker_count
// CHECK-NOT: scf.if {{.*}} -> (tensor
// CHECK: tensor.parallel_insert_slice
func.func @int8_whole_panels(%a: !mx.tensor<20x64, int8, axis = 1>, %b: !mx.tensor<64x512, int8, axis = 0>, %c: tensor<20x512xf32>) -> tensor<20x512xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<20x64, int8, axis = 1>, !mx.tensor<64x512, int8, axis = 0> -> tensor<20x512xf32>
  return %r : tensor<20x512xf32>
}

// -----

// 15 panels: the shared phases.
// CHECK-LABEL: func.func @int8_few_panels
// CHECK-NOT: mx.worker_count
// CHECK: scf.forall
func.func @int8_few_panels(%a: !mx.tensor<20x64, int8, axis = 1>, %b: !mx.tensor<64x480, int8, axis = 0>, %c: tensor<20x480xf32>) -> tensor<20x480xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<20x64, int8, axis = 1>, !mx.tensor<64x480, int8, axis = 0> -> tensor<20x480xf32>
  return %r : tensor<20x480xf32>
}

// -----

// A constant A is packed at compile time, once: no copy per worker.
// CHECK-LABEL: func.func @int8_panel_workers_constant_a
// CHECK: arith.constant dense_resource<__elided__> : tensor<4x2x6x8xi32>
// CHECK: %[[W:.*]] = mx.worker_count
// CHECK-NOT: memref.alloc(%[[W]])
// CHECK: scf.forall
func.func @int8_panel_workers_constant_a(%b: !mx.tensor<64x520, int8, axis = 0>, %c: tensor<20x520xf32>) -> tensor<20x520xf32> {
  %ae = arith.constant dense<3> : tensor<20x64xi8>
  %as = arith.constant dense<0x7F> : tensor<20x2xf8E8M0FNU>
  %a = mx.assemble %ae, %as : tensor<20x64xi8>, tensor<20x2xf8E8M0FNU> -> !mx.tensor<20x64, int8, axis = 1>
  %r = mx.matmul %a, %b, %c : !mx.tensor<20x64, int8, axis = 1>, !mx.tensor<64x520, int8, axis = 0> -> tensor<20x520xf32>
  return %r : tensor<20x520xf32>
}
