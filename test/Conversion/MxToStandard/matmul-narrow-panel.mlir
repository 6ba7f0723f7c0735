// A last panel of at most 8 columns in the x86 unordered bf16 kernel
// (bf16 pairs read from A in place, vdpbf16ps): each dot takes 4 pair
// words (at most 4 columns) or 2 (at most 8), lane i summing column
// i / split over the words congruent to i mod split. B's 4 (2) word rows
// of the columns are read and transposed by shuffles, A's 4 (2) pairs
// broadcast across the lanes; after the K blocks a butterfly of adds and
// a gather put each column's sum in its lane of the C row. Wider panels,
// the ordered kernel and AArch64 keep one pair word per dot.
// RUN: mx-opt %s --mx-lower-to-vector="target=x86-64-avx512 dot-bf16=on" --split-input-file | FileCheck %s
// RUN: mx-opt %s --mx-lower-to-vector="target=x86-64-avx512 dot-bf16=off" --split-input-file | FileCheck %s --check-prefix=ORDERED
// RUN: mx-opt %s --mx-lower-to-vector=target=aarch64-neon --split-input-file | FileCheck %s --check-prefix=NEON

// 36 columns: a 32-column panel, then 4 columns by 4 words per dot.
// CHECK-LABEL: func @four_columns
// CHECK: scf.forall
// CHECK-COUNT-384: mx.dot_bf16 {{.*}} : vector<16xf32>, vector<32xbf16>
// CHECK-COUNT-4: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<2x2x16x32xi32>, vector<4xi32>
// CHECK: %[[ROWS:.+]] = vector.shuffle {{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xi32>, vector<8xi32>
// CHECK: %[[T:.+]] = vector.shuffle %[[ROWS]], %[[ROWS]] [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]
// CHECK: %[[BV:.+]] = vector.bitcast %[[T]] : vector<16xi32> to vector<32xbf16>
// CHECK: %[[A:.+]] = vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<24x64xbf16>, vector<8xbf16>
// CHECK: %[[AW:.+]] = vector.bitcast %[[A]] : vector<8xbf16> to vector<4xi32>
// CHECK: %[[AB:.+]] = vector.shuffle %[[AW]], %[[AW]] [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]
// CHECK: %[[AV:.+]] = vector.bitcast %[[AB]] : vector<16xi32> to vector<32xbf16>
// CHECK: mx.dot_bf16 %{{.*}}, %[[AV]], %[[BV]]
// CHECK-COUNT-11: mx.dot_bf16 {{.*}}, %[[BV]]
// CHECK: vector.shuffle {{.*}} [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]
// CHECK: %[[S1:.+]] = vector.shuffle %[[P:.+]], %[[P]] [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14]
// CHECK: %[[A1:.+]] = arith.addf %[[P]], %[[S1]]
// CHECK: %[[S2:.+]] = vector.shuffle %[[A1]], %[[A1]] [2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13]
// CHECK: %[[A2:.+]] = arith.addf %[[A1]], %[[S2]]
// CHECK: %[[COLS:.+]] = vector.shuffle %[[A2]], %{{.*}} [0, 4, 8, 12, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16]
// CHECK: arith.addf %{{.*}}, %[[COLS]] : vector<16xf32>
// ORDERED-LABEL: func @four_columns
// ORDERED-NOT: [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]
// NEON-LABEL: func @four_columns
// NEON-NOT: [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]
func.func @four_columns(%a: tensor<24x64xbf16>, %b: tensor<64x36xbf16>, %c: tensor<24x36xf32>) -> tensor<24x36xf32> {
  %r = mx.matmul %a, %b, %c {unordered} : tensor<24x64xbf16>, tensor<64x36xbf16> -> tensor<24x36xf32>
  return %r : tensor<24x36xf32>
}

// -----

// 6 columns and an odd K: 2 words per dot, A's pairs read masked (zeros
// past K) and the packed words past K zeros.
// CHECK-LABEL: func @six_columns_odd_k
// CHECK-COUNT-2: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x3x16x32xi32>, vector<8xi32>
// CHECK: vector.shuffle {{.*}} [0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15]
// CHECK: vector.transfer_read {{.*}} : tensor<12x69xbf16>, vector<4xbf16>
// CHECK: vector.shuffle {{.*}} [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
// CHECK: vector.shuffle {{.*}} [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14]
// CHECK-NOT: vector.shuffle {{.*}} [2, 3, 0, 1
// CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 16, 16, 16, 16, 16, 16, 16]
func.func @six_columns_odd_k(%a: tensor<12x69xbf16>, %b: tensor<69x6xbf16>, %c: tensor<12x6xf32>) -> tensor<12x6xf32> {
  %r = mx.matmul %a, %b, %c {unordered} : tensor<12x69xbf16>, tensor<69x6xbf16> -> tensor<12x6xf32>
  return %r : tensor<12x6xf32>
}

// -----

// 20 columns: one pair word per dot, across the lanes.
// CHECK-LABEL: func @twenty_columns
// CHECK-NOT: [0, 4, 8, 12, 1, 5, 9, 13
// CHECK-NOT: [0, 8, 1, 9, 2, 10
// CHECK: return
func.func @twenty_columns(%a: tensor<12x64xbf16>, %b: tensor<64x20xbf16>, %c: tensor<12x20xf32>) -> tensor<12x20xf32> {
  %r = mx.matmul %a, %b, %c {unordered} : tensor<12x64xbf16>, tensor<64x20xbf16> -> tensor<12x20xf32>
  return %r : tensor<12x20xf32>
}
