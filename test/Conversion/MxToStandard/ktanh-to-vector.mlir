// RUN: mx-opt %s --mx-lower-to-vector=target=x86-64-avx512 --split-input-file | FileCheck %s --check-prefix=X86
// RUN: mx-opt %s --mx-lower-to-vector=target=aarch64-neon --split-input-file | FileCheck %s --check-prefix=ARM
// RUN: mx-opt %s --mx-lower-to-vector=target=generic --split-input-file | FileCheck %s --check-prefix=GEN

// f32: a loop over 64-lane vectors and a masked tail (100 = 64 + 36).
// x86 looks offsets (the input exponent folded in) and shifts up in two
// tables of 32-bit entries at b >> 20; AArch64 in two byte tables, 16 lanes
// per iteration (96 = 6 * 16); generic in 32-bit packed entries.
// X86-LABEL: func @ktanh_f32
// X86-DAG: %[[OFF:.*]] = arith.constant dense<[796327936, 997851136, {{.*}}]> : vector<32xi32>
// X86-DAG: %[[SH:.*]] = arith.constant dense<[2, 4, 4, 4, 6, 6, 6, 6, 1, 0, {{.*}}, 4]> : vector<32xi32>
// X86: scf.for %{{.*}} = %c0 to %c64 step %c64
// X86: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<100xf32>, vector<64xf32>
// X86-DAG: mx.lookup %[[SH]][%{{.*}}] : vector<32xi32>, vector<64xi32> -> vector<64xi32>
// X86-DAG: mx.lookup %[[OFF]][%{{.*}}] : vector<32xi32>, vector<64xi32> -> vector<64xi32>
// X86: vector.transfer_read {{.*}} : tensor<100xf32>, vector<64xf32>
// X86-NOT: in_bounds
// X86: vector.transfer_write
// ARM-LABEL: func @ktanh_f32
// ARM: scf.for %{{.*}} = %c0 to %c96 step %c16
// ARM: arith.trunci %{{.*}} : vector<16xi32> to vector<16xi8>
// ARM-COUNT-2: mx.lookup %{{.*}}[%{{.*}}] : vector<32xi8>, vector<16xi8> -> vector<16xi8>
// GEN-LABEL: func @ktanh_f32
// GEN: mx.lookup %{{.*}}[%{{.*}}] : vector<32xi32>, vector<64xi32> -> vector<64xi32>
func.func @ktanh_f32(%x: tensor<100xf32>) -> tensor<100xf32> {
  %0 = mx.ktanh %x : tensor<100xf32>
  return %0 : tensor<100xf32>
}

// -----

// bf16 mx.ktanh stays in 16-bit lanes; 2-D tensors are flattened.
// X86-LABEL: func @ktanh_bf16
// X86: tensor.collapse_shape
// X86: mx.lookup %{{.*}}[%{{.*}}] : vector<32xi16>, vector<64xi16> -> vector<64xi16>
// X86-NOT: vector.transfer_read {{.*}} : tensor<256xbf16>, vector<64xbf16>{{$}}
// X86: tensor.expand_shape
// ARM-LABEL: func @ktanh_bf16
// ARM: arith.trunci %{{.*}} : vector<16xi16> to vector<16xi8>
// ARM-COUNT-2: mx.lookup
// GEN-LABEL: func @ktanh_bf16
// GEN: mx.lookup %{{.*}}[%{{.*}}] : vector<32xi16>, vector<64xi16> -> vector<64xi16>
func.func @ktanh_bf16(%x: tensor<4x64xbf16>) -> tensor<4x64xbf16> {
  %0 = mx.ktanh %x : tensor<4x64xbf16>
  return %0 : tensor<4x64xbf16>
}

// -----

// Dynamic sizes: full vectors up to n - n mod 64, then the masked tail.
// X86-LABEL: func @ksigmoid_dynamic
// X86: %[[N:.*]] = tensor.dim
// X86: %[[R:.*]] = arith.remui %[[N]], %c64
// X86: %[[F:.*]] = arith.subi %[[N]], %[[R]]
// X86: scf.for %{{.*}} = %c0 to %[[F]] step %c64
// X86: vector.transfer_write {{.*}}[%[[F]]]
func.func @ksigmoid_dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  %0 = mx.ksigmoid %x : tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// bf16 sigmoid: the table rotated by 8 entries (entry t is the K-TanH entry
// of t - 8, the index of x / 2), so x is never halved; in the identity
// region x / 2 is the magnitude minus 0x80 saturated at 0. x86 computes
// t * 0.5 + 0.5 on the two bf16 halves of each 32-bit lane, rounds each
// with vcvtneps2bf16 and interleaves them again.
// X86-LABEL: func @ksigmoid_bf16
// X86: %[[T:.*]] = arith.constant dense<[321, 4424, 4425, 4425, 8536, 8537, 8537, 16750, 8567, 16762, {{.*}}]> : vector<32xi16>
// X86: mx.lookup %[[T]][%{{.*}}] : vector<32xi16>, vector<64xi16> -> vector<64xi16>
// X86: arith.maxui
// X86-COUNT-2: x86vector.avx512.cvt.packed.f32_to_bf16 %{{.*}} : vector<16xf32> -> vector<16xbf16>
// X86: vector.shuffle %{{.*}}, %{{.*}} [0, 16, 1, 17, 2, 18, {{.*}}, 15, 31] : vector<16xi16>, vector<16xi16>
// GEN-LABEL: func @ksigmoid_bf16
// GEN: %[[T:.*]] = arith.constant dense<[321, 4424, {{.*}}]> : vector<32xi16>
// GEN: mx.lookup %[[T]][%{{.*}}] : vector<32xi16>, vector<64xi16> -> vector<64xi16>
// GEN-NOT: x86vector
// ARM-LABEL: func @ksigmoid_bf16
// ARM: scf.for %{{.*}} = %c0 to %c128 step %c16
// ARM: mx.lookup
func.func @ksigmoid_bf16(%x: tensor<128xbf16>) -> tensor<128xbf16> {
  %0 = mx.ksigmoid %x : tensor<128xbf16>
  return %0 : tensor<128xbf16>
}

// -----

// AArch64 GELU: 8 lanes per iteration; the 8 byte indices are padded to the
// 16 tbl takes and the low half of the result kept.
// ARM-LABEL: func @kgelu_f32
// ARM: scf.for %{{.*}} = %c0 to %c96 step %c8
// ARM: %[[P:.*]] = vector.shuffle %[[I:.*]], %[[I]] [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7] : vector<8xi8>, vector<8xi8>
// ARM: %[[L:.*]] = mx.lookup %{{.*}}[%[[P]]] : vector<32xi8>, vector<16xi8> -> vector<16xi8>
// ARM: vector.extract_strided_slice %[[L]] {offsets = [0], sizes = [8], strides = [1]} : vector<16xi8> to vector<8xi8>
func.func @kgelu_f32(%x: tensor<100xf32>) -> tensor<100xf32> {
  %0 = mx.kgelu %x : tensor<100xf32>
  return %0 : tensor<100xf32>
}
