// mx.matmul unordered on x86-64-amx: packing into AMX tile layouts, 2 x 2
// blocks of 16 x 16 f32 tiles with tdpbf16ps, the once-per-process AMX
// permission request with its scalar fallback; every other target (and the
// ordered form) keeps the ordered kernels, and x86-64-avx512 never emits AMX.
// RUN: mx-opt %s -split-input-file --mx-lower-to-vector=target=x86-64-amx \
// RUN:   | FileCheck %s --check-prefix=AMX
// RUN: mx-opt %s -split-input-file --mx-lower-to-vector=target=x86-64-avx512 \
// RUN:   | FileCheck %s --check-prefix=AVX512
// RUN: mx-opt %s -split-input-file --mx-to-llvm=target=x86-64-amx \
// RUN:   | FileCheck %s --check-prefix=LLVM
// RUN: mx-opt %s -split-input-file --mx-to-llvm=target=x86-64-avx512 \
// RUN:   | FileCheck %s --check-prefix=NOAMX

// AMX: memref.global "private" @__mx_amx_state : memref<i32> = dense<0>
// MX A is decoded inside the parallel loop: each worker first decodes the
// row tiles of A no other worker has claimed (an atomic counter), then
// waits until all are done. MX B stored K x N is decoded inside the
// parallel loop too, slab by slab into each worker's slot, as bf16 B is
// packed (see @bf16); the scalar fallback packs A and all of B first.
// AMX-LABEL: func.func @mx_fp8
// AMX-NOT: tensor<3x3x16x32xbf16>
// AMX: bufferization.to_buffer %{{.*}} read_only : tensor<48x45xi8> to memref<48x45xi8>
// AMX: llvm.inline_asm has_side_effects "syscall"
// AMX: scf.if
// AMX: %[[APACKED:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3x3x16x32xbf16>
// AMX: %[[ACLAIMED:.*]] = memref.alloc() : memref<1xi32>
// AMX: scf.forall (%{{.*}}) in (4) {
// AMX: memref.atomic_rmw addi %{{.*}}, %[[ACLAIMED]]
// AMX: vector.transfer_write {{.*}}, %[[APACKED]]{{.*}} : vector<32xbf16>, memref<3x3x16x32xbf16>
// B's scales are read once per panel and K tile, before its 16 row pairs.
// AMX: vector.transfer_read {{.*}} : memref<3x45xf8E8M0FNU>, vector<32xf8E8M0FNU>
// AMX-NOT: memref<3x45xf8E8M0FNU>
// AMX: vector.transfer_write {{.*}} : vector<32xbf16>, memref<4x1x2x3x16x32xbf16>
// AMX-NOT: memref<3x45xf8E8M0FNU>
// AMX: amx.tile_load {{.*}} into !amx.tile<16x16xf32>
// AMX: scf.for {{.*}} -> (!amx.tile<16x16xf32>, !amx.tile<16x16xf32>, !amx.tile<16x16xf32>, !amx.tile<16x16xf32>)
// AMX-COUNT-4: amx.tile_mulf {{.*}} : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
// AMX: amx.tile_store
// AMX: memref.subview {{.*}} : memref<4x32x32xf32> to memref<32x32xf32, strided<[32, 1], offset: ?>>
// AMX: } else {
// AMX: scf.forall {{.*}} -> (tensor<3x3x16x32xbf16>)
// AMX: scf.forall {{.*}} -> (tensor<4x3x16x32xbf16>)
// AMX: arith.mulf {{.*}} : f32
// AMX: bufferization.to_tensor {{.*}} restrict writable
// AVX512-LABEL: func.func @mx_fp8
// AVX512-NOT: amx.
// AVX512: math.fma
// LLVM-LABEL: llvm.func @mx_fp8
// LLVM: llvm.x86.tdpbf16ps.internal
// NOAMX-LABEL: llvm.func @mx_fp8
// NOAMX-NOT: x86_amx
// NOAMX-NOT: tdpbf16ps
func.func @mx_fp8(%ae: tensor<40x96xi8>, %as: tensor<40x3xf8E8M0FNU>,
                  %be: tensor<48x45xi8>, %bs: tensor<3x45xf8E8M0FNU>,
                  %c: tensor<40x45xf32>) -> tensor<40x45xf32> {
  %a = mx.assemble %ae, %as : tensor<40x96xi8>, tensor<40x3xf8E8M0FNU>
      -> !mx.tensor<40x96, e4m3, axis = 1>
  %b = mx.assemble %be, %bs : tensor<48x45xi8>, tensor<3x45xf8E8M0FNU>
      -> !mx.tensor<96x45, e2m1, axis = 0>
  %r = mx.matmul %a, %b, %c unordered
      : !mx.tensor<40x96, e4m3, axis = 1>, !mx.tensor<96x45, e2m1, axis = 0>
        -> tensor<40x45xf32>
  return %r : tensor<40x45xf32>
}

// -----

// MX B stored N x K (transposed) is decoded and packed up front, in a
// parallel loop of its own, and the compute loop reads the packed B tiles.
// AMX-LABEL: func.func @mx_fp8_tb
// AMX: scf.forall {{.*}} -> (tensor<1x3x16x32xbf16>)
// AMX: scf.forall {{.*}} -> (tensor<4x3x16x32xbf16>)
// AMX: bufferization.to_buffer {{.*}} read_only : tensor<4x3x16x32xbf16>
// AMX: scf.if
// AMX: amx.tile_load {{.*}} : memref<4x3x16x32xbf16> into !amx.tile<16x32xbf16>
// AMX: amx.tile_mulf
func.func @mx_fp8_tb(%ae: tensor<16x96xi8>, %as: tensor<16x3xf8E8M0FNU>,
                     %be: tensor<64x96xi8>, %bs: tensor<64x3xf8E8M0FNU>,
                     %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %a = mx.assemble %ae, %as : tensor<16x96xi8>, tensor<16x3xf8E8M0FNU>
      -> !mx.tensor<16x96, e4m3, axis = 1>
  %b = mx.assemble %be, %bs : tensor<64x96xi8>, tensor<64x3xf8E8M0FNU>
      -> !mx.tensor<64x96, e4m3, axis = 1>
  %r = mx.matmul %a, %b, %c transpose_b unordered
      : !mx.tensor<16x96, e4m3, axis = 1>, !mx.tensor<64x96, e4m3, axis = 1>
        -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// bf16 x bf16 uses the same kernel without decoding. A (K = 70: partial
// tiles) is packed inside the parallel loop as MX A is decoded (see
// @mx_fp8); B is packed inside it too: two workers (one slab of one
// 32-column panel each) each claim a free slot of a [slot][panel][tile][K
// tile] scratch buffer (atomic exchange on a flag per slot), fill it, load
// their B tiles from it and release it. The scalar fallback reads B itself.
// AMX-LABEL: func.func @bf16
// AMX-NOT: tensor<4x3x16x32xbf16>
// AMX: bufferization.to_buffer %{{.*}} read_only : tensor<70x64xbf16> to memref<70x64xbf16>
// AMX: scf.if
// AMX: %[[SLOTS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x1x2x3x16x32xbf16>
// AMX: %[[FLAGS:.*]] = memref.alloc() : memref<2xi32>
// AMX: memref.alloc() {alignment = 64 : i64} : memref<4x3x16x32xbf16>
// AMX-NOT: extract_aligned_pointer_as_index
// AMX: scf.forall (%{{.*}}) in (2) {
// AMX: %[[SLOT:.*]] = scf.while
// AMX: memref.atomic_rmw assign %{{.*}}, %[[FLAGS]]
// AMX: vector.shuffle
// AMX: vector.transfer_write {{.*}}, %[[SLOTS]]{{.*}} : vector<32xbf16>, memref<2x1x2x3x16x32xbf16>
// AMX: amx.tile_load {{.*}} : memref<4x3x16x32xbf16> into !amx.tile<16x32xbf16>
// AMX: amx.tile_load %[[SLOTS]]{{.*}} : memref<2x1x2x3x16x32xbf16> into !amx.tile<16x32xbf16>
// AMX-COUNT-4: amx.tile_mulf
// AMX: memref.atomic_rmw assign %{{.*}}, %[[FLAGS]][%[[SLOT]]]
// AMX: } else {
// AMX: memref.load {{.*}} : memref<70x64xbf16>
// AVX512-LABEL: func.func @bf16
// AVX512-NOT: amx.
// AVX512: math.fma
func.func @bf16(%a: tensor<64x70xbf16>, %b: tensor<70x64xbf16>,
                %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %r = mx.matmul %a, %b, %c unordered
      : tensor<64x70xbf16>, tensor<70x64xbf16> -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// -----

// Partial panels and rows (N = 100: whole panels 0-2, a partial panel 3):
// two slabs of whole panels (0 and 1-2), and the partial panel as two items
// of its own, one row block each, placed after the first slab and last
// (items: slab 0, partial rows 0-31, slab 1, partial rows 32-39), so that
// two threads get equal shares. Partial C tiles go through a 32 x 32 C slot
// per worker.
// AMX-LABEL: func.func @bf16_edges
// AMX: memref.alloc() {alignment = 64 : i64} : memref<4x2x2x8x16x32xbf16>
// AMX: memref.alloc() {alignment = 64 : i64} : memref<4x32x32xf32>
// AMX: scf.forall (%{{.*}}) in (4) {
// AMX: arith.cmpi eq, %[[ITEM:.*]], %c1 : index
// AMX: memref.subview {{.*}} : memref<4x32x32xf32> to memref<32x32xf32, strided<[32, 1], offset: ?>>
// AMX: arith.cmpi eq, %[[ITEM]], %c3 : index
// AMX: arith.cmpi ugt, %[[ITEM]], %c1 : index
func.func @bf16_edges(%a: tensor<40x256xbf16>, %b: tensor<256x100xbf16>,
                      %c: tensor<40x100xf32>) -> tensor<40x100xf32> {
  %r = mx.matmul %a, %b, %c unordered
      : tensor<40x256xbf16>, tensor<256x100xbf16> -> tensor<40x100xf32>
  return %r : tensor<40x100xf32>
}

// -----

// A over 512 KiB: K is split in halves (33 K tiles: 17 and 16) so that two
// threads each keep half of A in L2; each half goes in chunks of at most 9
// K tiles (the B slot holds one chunk of the slab). Every panel (one whole,
// one partial) fits one slab, so there is one unit of two items, one per
// half of K, each packing the partial panel into slot 0 after the whole
// one, and A is packed chunk by chunk into the worker's ring slot right
// before its tiles are used. Half 0 owns row blocks 0-3 (rows 0-127), half
// 1 the others: an item sums its own rows into C and the other half's rows
// into `partial`, or into C when it runs alone (mx.worker_count is 1) or
// after the other item finished (the unit's counter, +1 per start and +16
// per finish, was 16 when it started). Items whose rows the other put into
// `partial` wait until the counter is 34 (both finished) and add their rows
// of `partial` to C, for the whole panel and the partial one. The rows of
// `partial` start on cache lines (40 columns in rows of 48), and C is cast
// to the same strided type so that an item can pick either.
// AMX-LABEL: func.func @bf16_k_split
// AMX: memref.alloc() {alignment = 64 : i64} : memref<2x1x2x9x16x32xbf16>
// AMX: %[[STATE:.*]] = memref.alloc() : memref<1xi32>
// AMX: %[[LINES:.*]] = memref.alloc() {alignment = 64 : i64} : memref<256x48xf32>
// AMX: %[[ROWS:.*]] = memref.subview %[[LINES]][0, 0] [256, 40] [1, 1]
// AMX: %[[PARTIAL:.*]] = memref.cast %[[ROWS]] : memref<256x40xf32, strided<[48, 1]>> to memref<256x40xf32, strided<[?, 1], offset: ?>>
// AMX: %[[C:.*]] = memref.cast %{{.*}} : memref<256x40xf32> to memref<256x40xf32, strided<[?, 1], offset: ?>>
// AMX: %[[RING:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x16x9x16x32xbf16>
// AMX: %[[WORKERS:.*]] = mx.worker_count
// AMX: %[[ALONE:.*]] = arith.cmpi eq, %[[WORKERS]], %c1
// AMX: scf.forall (%{{.*}}) in (2) {
// AMX: %[[STARTED:.*]] = memref.atomic_rmw addi %c1_i32, %[[STATE]][%c0]
// AMX: %[[AFTER:.*]] = arith.cmpi eq, %[[STARTED]], %c17_i32
// AMX: %[[TO_C:.*]] = arith.ori %[[ALONE]], %[[AFTER]]
// AMX: %[[OTHER:.*]] = arith.select %[[TO_C]], %[[C]], %[[PARTIAL]] : memref<256x40xf32, strided<[?, 1], offset: ?>>
// AMX: %[[LOW_HALF:.*]] = arith.cmpi eq, %{{.*}}, %c0 : index
// AMX: arith.select %[[LOW_HALF]], %[[C]], %[[OTHER]]
// AMX: arith.select %[[LOW_HALF]], %[[OTHER]], %[[C]]
// AMX: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c9 {
// AMX: vector.transfer_read {{.*}} {in_bounds = [true]} : memref<256x1040xbf16>, vector<32xbf16>
// AMX: vector.transfer_write {{.*}}, %[[RING]]{{.*}} : vector<32xbf16>, memref<2x16x9x16x32xbf16>
// AMX: arith.cmpi ult, %{{.*}}, %c4 : index
// AMX: amx.tile_load %[[RING]]
// AMX: amx.tile_mulf
// AMX: memref.subview {{.*}} : memref<2x32x32xf32> to memref<32x32xf32
// AMX: amx.tile_load %[[RING]]
// AMX: %[[FINISHED:.*]] = memref.atomic_rmw addi %c16_i32, %[[STATE]][%c0]
// AMX: arith.andi %[[FINISHED]], %c15_i32
// AMX: scf.while
// AMX: memref.atomic_rmw addi %c0_i32, %[[STATE]][%c0]
// AMX: arith.cmpi eq, %{{.*}}, %c34_i32
// AMX: arith.select %[[LOW_HALF]], %c0, %c128
// AMX: arith.select %[[LOW_HALF]], %c128, %c256
// AMX: vector.transfer_read %[[ROWS]]{{.*}} {in_bounds = [true]}
// AMX: arith.addf {{.*}} : vector<32xf32>
// AMX: vector.transfer_read %[[ROWS]][{{.*}}], %{{[a-z_0-9]*}} : memref<256x40xf32, strided<[48, 1]>>, vector<32xf32>
// AMX: arith.addf {{.*}} : vector<32xf32>
func.func @bf16_k_split(%a: tensor<256x1040xbf16>, %b: tensor<1040x40xbf16>,
                        %c: tensor<256x40xf32>) -> tensor<256x40xf32> {
  %r = mx.matmul %a, %b, %c unordered
      : tensor<256x1040xbf16>, tensor<1040x40xbf16> -> tensor<256x40xf32>
  return %r : tensor<256x40xf32>
}

// -----

// MX with K split (A packed is 1.1 MiB): A is decoded inside the parallel
// loop too, into a packed buffer, each half of K by the first item that
// needs it (an atomic claim per half); the other items of that half spin
// until its flag is set. The scalar fallback packs A and B first.
// AMX-LABEL: func.func @mx_k_split
// AMX: bufferization.to_buffer %{{.*}} read_only : tensor<256x2304xi8> to memref<256x2304xi8>
// AMX: scf.if
// AMX: memref.alloc() {alignment = 64 : i64} : memref<256x48xf32>
// AMX: %[[PA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x72x16x32xbf16>
// AMX: %[[CLAIMED:.*]] = memref.alloc() : memref<2xi32>
// AMX: %[[DECODED:.*]] = memref.alloc() : memref<2xi32>
// AMX: scf.forall (%{{.*}}) in (4) {
// AMX: memref.atomic_rmw addi %c1_i32, %[[CLAIMED]][%[[HALF:.*]]]
// AMX: vector.transfer_write {{.*}}, %[[PA]]{{.*}} : vector<32xbf16>, memref<16x72x16x32xbf16>
// AMX: memref.atomic_rmw assign %c1_i32, %[[DECODED]][%[[HALF]]]
// AMX: } else {
// AMX: scf.while
// AMX: memref.atomic_rmw addi %c0_i32, %[[DECODED]][%[[HALF]]]
// AMX: amx.tile_load %[[PA]]
// AMX: amx.tile_mulf
// AMX: } else {
// AMX: scf.forall {{.*}} -> (tensor<16x72x16x32xbf16>)
// AMX: scf.forall {{.*}} -> (tensor<4x72x16x32xbf16>)
// AMX: arith.mulf {{.*}} : f32
func.func @mx_k_split(%ae: tensor<256x2304xi8>, %as: tensor<256x72xf8E8M0FNU>,
                      %be: tensor<2304x40xi8>, %bs: tensor<72x40xf8E8M0FNU>,
                      %c: tensor<256x40xf32>) -> tensor<256x40xf32> {
  %a = mx.assemble %ae, %as : tensor<256x2304xi8>, tensor<256x72xf8E8M0FNU>
      -> !mx.tensor<256x2304, e4m3, axis = 1>
  %b = mx.assemble %be, %bs : tensor<2304x40xi8>, tensor<72x40xf8E8M0FNU>
      -> !mx.tensor<2304x40, e4m3, axis = 0>
  %r = mx.matmul %a, %b, %c unordered
      : !mx.tensor<256x2304, e4m3, axis = 1>, !mx.tensor<2304x40, e4m3, axis = 0>
        -> tensor<256x40xf32>
  return %r : tensor<256x40xf32>
}

// -----

// C = A B: the accumulator is a zero fill used only here, so the tiles start
// from tilezero, the fill is gone and C (the fill's destination) is never
// read; the scalar fallback starts from 0. A fill of -0.0 is read as usual.
// AMX-LABEL: func.func @bf16_zero_acc
// AMX-NOT: linalg.fill
// AMX: scf.forall
// AMX-NOT: amx.tile_load {{.*}} into !amx.tile<16x16xf32>
// AMX: amx.tile_zero : !amx.tile<16x16xf32>
// AMX-NOT: amx.tile_load {{.*}} into !amx.tile<16x16xf32>
// AMX: } else {
// AMX-NOT: memref.load {{.*}} : memref<64x64xf32>
// AMX: return
// AMX-LABEL: func.func @bf16_negative_zero_acc
// AMX: linalg.fill
// AMX-NOT: amx.tile_zero
// AMX: amx.tile_load {{.*}} into !amx.tile<16x16xf32>
// AMX-NOT: amx.tile_zero
// AMX: return
// LLVM-LABEL: llvm.func @bf16_zero_acc
// LLVM: llvm.x86.tilezero.internal
func.func @bf16_zero_acc(%a: tensor<64x70xbf16>, %b: tensor<70x64xbf16>)
    -> tensor<64x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x64xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>)
      -> tensor<64x64xf32>
  %r = mx.matmul %a, %b, %c unordered
      : tensor<64x70xbf16>, tensor<70x64xbf16> -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}
func.func @bf16_negative_zero_acc(%a: tensor<64x70xbf16>,
    %b: tensor<70x64xbf16>) -> tensor<64x64xf32> {
  %zero = arith.constant -0.0 : f32
  %e = tensor.empty() : tensor<64x64xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>)
      -> tensor<64x64xf32>
  %r = mx.matmul %a, %b, %c unordered
      : tensor<64x70xbf16>, tensor<70x64xbf16> -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// -----

// A of whole tiles in the fused path: the tile loads read A in place when
// its rows start on cache lines (checked at run time), else the workers
// pack it first (as in @bf16), so that no tile row straddles two lines.
// Each row block sweeps all panels of the slot (block by block).
// AMX-LABEL: func.func @bf16_whole_a
// AMX: %[[A:.*]] = bufferization.to_buffer %arg0 read_only : tensor<64x96xbf16> to memref<64x96xbf16>
// AMX: %[[PACKED:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x3x16x32xbf16>
// AMX: %[[ADDRESS:.*]] = memref.extract_aligned_pointer_as_index %[[A]]
// AMX: %[[LINE:.*]] = arith.remui %[[ADDRESS]], %c64
// AMX: %[[INPLACE:.*]] = arith.cmpi eq, %[[LINE]], %c0
// AMX: %[[VIEW:.*]] = memref.reinterpret_cast %[[A]] to offset: [0], sizes: [4, 3, 16, 32], strides: [1536, 32, 96, 1]
// AMX: %[[V1:.*]] = memref.cast %[[VIEW]] {{.*}} to memref<4x3x16x32xbf16, strided<[?, ?, ?, 1]>>
// AMX: %[[V2:.*]] = memref.cast %[[PACKED]] {{.*}} to memref<4x3x16x32xbf16, strided<[?, ?, ?, 1]>>
// AMX: %[[TILES:.*]] = arith.select %[[INPLACE]], %[[V1]], %[[V2]]
// AMX: scf.forall
// AMX: %[[PACK:.*]] = arith.xori %[[INPLACE]], %true
// AMX: scf.if %[[PACK]] {
// AMX: vector.transfer_write {{.*}}, %[[PACKED]]
// AMX: amx.tile_load %[[TILES]]
// AMX: amx.tile_mulf
func.func @bf16_whole_a(%a: tensor<64x96xbf16>, %b: tensor<96x64xbf16>,
                        %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %r = mx.matmul %a, %b, %c unordered
      : tensor<64x96xbf16>, tensor<96x64xbf16> -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// -----

// A larger than the L2 budget (1.5 MiB packed): B is packed once, in its own
// parallel loop over K tiles, into tiles of two-panel pairs.
// AMX-LABEL: func.func @bf16_large_a
// AMX: scf.forall (%{{.*}}) in (32) shared_outs(%{{.*}}) -> (tensor<4x32x16x32xbf16>)
// AMX: bufferization.to_buffer %{{.*}} read_only : tensor<1600x1024xbf16> to memref<1600x1024xbf16>
// AMX: bufferization.to_buffer {{.*}} read_only : tensor<4x32x16x32xbf16>
// AMX-NOT: memref<{{.*}}x2x{{.*}}x16x32xbf16>
// AMX: amx.tile_mulf
func.func @bf16_large_a(%a: tensor<1600x1024xbf16>, %b: tensor<1024x40xbf16>,
                        %c: tensor<1600x40xf32>) -> tensor<1600x40xf32> {
  %r = mx.matmul %a, %b, %c unordered
      : tensor<1600x1024xbf16>, tensor<1024x40xbf16> -> tensor<1600x40xf32>
  return %r : tensor<1600x40xf32>
}

// -----

// Integer pairs keep their exact VNNI kernel; without `unordered` every
// pair keeps the ordered kernel.
// AMX-LABEL: func.func @int_pair
// AMX-NOT: amx.
// AMX: mx.dot_i8
// AMX-LABEL: func.func @ordered
// AMX-NOT: amx.
// AMX: math.fma
func.func @int_pair(%ae: tensor<16x64xi8>, %as: tensor<16x2xf8E8M0FNU>,
                    %be: tensor<32x16xi8>, %bs: tensor<2x16xf8E8M0FNU>,
                    %c: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %a = mx.assemble %ae, %as : tensor<16x64xi8>, tensor<16x2xf8E8M0FNU>
      -> !mx.tensor<16x64, int8, axis = 1>
  %b = mx.assemble %be, %bs : tensor<32x16xi8>, tensor<2x16xf8E8M0FNU>
      -> !mx.tensor<64x16, e2m1, axis = 0>
  %r = mx.matmul %a, %b, %c unordered
      : !mx.tensor<16x64, int8, axis = 1>, !mx.tensor<64x16, e2m1, axis = 0>
        -> tensor<16x16xf32>
  return %r : tensor<16x16xf32>
}
func.func @ordered(%ae: tensor<16x64xi8>, %as: tensor<16x2xf8E8M0FNU>,
                   %be: tensor<64x16xi8>, %bs: tensor<2x16xf8E8M0FNU>,
                   %c: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %a = mx.assemble %ae, %as : tensor<16x64xi8>, tensor<16x2xf8E8M0FNU>
      -> !mx.tensor<16x64, e4m3, axis = 1>
  %b = mx.assemble %be, %bs : tensor<64x16xi8>, tensor<2x16xf8E8M0FNU>
      -> !mx.tensor<64x16, e4m3, axis = 0>
  %r = mx.matmul %a, %b, %c
      : !mx.tensor<16x64, e4m3, axis = 1>, !mx.tensor<64x16, e4m3, axis = 0>
        -> tensor<16x16xf32>
  return %r : tensor<16x16xf32>
}

// -----

// A constant MX weight is packed into its AMX tile layout at compile time.
// AMX-LABEL: func.func @const_weight
// AMX: arith.constant dense<{{.*}}> : tensor<2x2x16x32xbf16>
// AMX: amx.tile_mulf
func.func @const_weight(%ae: tensor<16x64xi8>, %as: tensor<16x2xf8E8M0FNU>,
                        %c: tensor<16x32xf32>) -> tensor<16x32xf32> {
  %be = arith.constant dense<56> : tensor<64x32xi8>
  %bs = arith.constant dense<2.0> : tensor<2x32xf8E8M0FNU>
  %a = mx.assemble %ae, %as : tensor<16x64xi8>, tensor<16x2xf8E8M0FNU>
      -> !mx.tensor<16x64, e4m3, axis = 1>
  %b = mx.assemble %be, %bs : tensor<64x32xi8>, tensor<2x32xf8E8M0FNU>
      -> !mx.tensor<64x32, e4m3, axis = 0>
  %r = mx.matmul %a, %b, %c unordered
      : !mx.tensor<16x64, e4m3, axis = 1>, !mx.tensor<64x32, e4m3, axis = 0>
        -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}
