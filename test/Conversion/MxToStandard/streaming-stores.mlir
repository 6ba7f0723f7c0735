// RUN: mx-opt %s --split-input-file --mx-streaming-stores | FileCheck %s

// Stores whose indices are multiples of 16 elements: the loop nest is
// versioned on the base address, the copy stores non-temporally and ends
// with an sfence, the original stays as it was.
// CHECK-LABEL: func.func @static_rows
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %[[OUT:.*]] :
// CHECK: %[[LOW:.*]] = arith.andi %{{.*}}, %c63
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[LOW]]
// CHECK: scf.if %[[OK]] {
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       vector.store %{{.*}}, %[[OUT]][%{{.*}}, %{{.*}}] {alignment = 64 : i64, nontemporal = true}
// CHECK:   llvm.call_intrinsic "llvm.x86.sse.sfence"()
// CHECK: } else {
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       vector.transfer_write %{{.*}}, %[[OUT]]
// CHECK: }
func.func @static_rows(%v: vector<16xf32>, %out: memref<64x4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %c4096 = arith.constant 4096 : index
  scf.for %i = %c0 to %c64 step %c1 {
    scf.for %j = %c0 to %c4096 step %c16 {
      vector.transfer_write %v, %out[%i, %j] {in_bounds = [true]}
          : vector<16xf32>, memref<64x4096xf32>
    }
  }
  return
}

// -----

// A dynamic row stride is checked at run time, once, before the loops.
// CHECK-LABEL: func.func @dynamic_stride
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata
// CHECK: arith.muli %[[STRIDES]]#0, %c4
// CHECK: arith.andi
// CHECK: scf.if
// CHECK:   vector.store {{.*}}nontemporal = true
func.func @dynamic_stride(%v: vector<16xf32>,
                          %out: memref<?x?xf32, strided<[?, 1], offset: ?>>,
                          %n: index, %m: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %m step %c16 {
      vector.store %v, %out[%i, %j]
          : memref<?x?xf32, strided<[?, 1], offset: ?>>, vector<16xf32>
    }
  }
  return
}

// -----

// Not provably aligned (step 8 for a 64-byte vector), masked, not
// unit-stride, or only 16 bytes (16-byte streaming stores were slower than
// plain ones): left alone, without any run-time check built.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: memref.extract_strided_metadata
// CHECK-NOT: scf.if
// CHECK-NOT: nontemporal
// CHECK-NOT: sfence
func.func @left_alone(%v: vector<16xf32>, %out: memref<64x4096xf32>,
                      %mask: vector<16xi1>,
                      %col: memref<64x64xf32, strided<[1, 64]>>,
                      %b: vector<16xi8>, %bytes: memref<64x4096xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  scf.for %j = %c0 to %c64 step %c8 {
    vector.transfer_write %v, %out[%c0, %j] {in_bounds = [true]}
        : vector<16xf32>, memref<64x4096xf32>
  }
  vector.transfer_write %v, %out[%c0, %c0], %mask {in_bounds = [true]}
      : vector<16xf32>, memref<64x4096xf32>
  vector.transfer_write %v, %col[%c0, %c0] {in_bounds = [true]}
      : vector<16xf32>, memref<64x64xf32, strided<[1, 64]>>
  scf.for %j = %c0 to %c64 step %c64 {
    vector.store %b, %bytes[%c0, %j] : memref<64x4096xi8>, vector<16xi8>
  }
  return
}
