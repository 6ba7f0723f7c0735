// Lowerings of block-scaled mx.matmul (and of bf16 x bf16 unordered on
// AArch64, which shares its mmla kernel): the reference (linalg, the
// meaning) and the vector one (packing and a register-blocked
// micro-kernel), and the
// target lowerings of mx.dot_i8, mx.dot_i16, mx.mmla_i8, mx.mmla_bf16 and of
// 16-entry byte-table lookups.
// RUN: mx-opt %s --mx-lower-to-linalg --split-input-file | FileCheck %s --check-prefix=REF
// RUN: mx-opt %s --mx-lower-to-vector="target=x86-64-avx512 dot-bf16=on" --split-input-file | FileCheck %s --check-prefix=VEC
// RUN: mx-opt %s --mx-lower-to-vector="target=x86-64-avx512 dot-bf16=off" --split-input-file | FileCheck %s --check-prefix=VECOFF
// RUN: mx-opt %s --mx-lower-to-vector=target=generic --split-input-file | FileCheck %s --check-prefix=VECGEN
// RUN: mx-opt %s --mx-lower-to-vector=target=aarch64-neon --split-input-file | FileCheck %s --check-prefix=MMLA
// RUN: mx-opt %s --mx-lower-to-vector=target=x86-64-avx2 --split-input-file | FileCheck %s --check-prefix=AVX2
// RUN: mx-opt %s --mx-lower-vector-ops=target=x86-64-avx2 --split-input-file | FileCheck %s --check-prefix=X86V2
// RUN: mx-opt %s --mx-lower-vector-ops=target=x86-64-avx512 --split-input-file | FileCheck %s --check-prefix=X86
// RUN: mx-opt %s --mx-lower-vector-ops=target=aarch64-neon --split-input-file | FileCheck %s --check-prefix=ARM
// RUN: mx-opt %s --mx-lower-vector-ops=target=generic --split-input-file | FileCheck %s --check-prefix=GEN

// Integer pair (INT8 x FP4): exact i32 block dots, then one fma per block.
// REF-LABEL: func @int_pair
// REF: mx.disassemble
// REF: mx.disassemble
// REF: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins({{.*}} : tensor<8x2x32xi32>, tensor<2x32x40xi32>) outs({{.*}} : tensor<8x40x2xi32>)
// REF:   arith.muli
// REF:   arith.addi
// REF: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins({{.*}} : tensor<8x40x2xi32>, tensor<8x2xf32>, tensor<2x40xf32>) outs(%{{.*}} : tensor<8x40xf32>)
// REF:   arith.sitofp
// REF:   arith.mulf
// REF:   math.fma
// REF-NOT: mx.matmul
// Vector: pack A (row tiles), pack B (full panels, then the last one with
// masked reads; column sums by mx.dot_i8 of ones), then one parallel loop
// per tile size: full 6x32 tiles, the
// 8-column last panel, the 2-row last tile, the corner.
// VEC-LABEL: func @int_pair
// VEC: scf.forall (%{{.*}}) in (2) shared_outs({{.*}}) -> (tensor<2x2x6x8xi32>, tensor<2x6x2xf32>)
// VEC: arith.xori
// VEC: scf.forall (%{{.*}}) in (1) shared_outs({{.*}}) -> (tensor<2x2x8x32xi32>, tensor<2x2x32xf32>, tensor<2x2x32xi32>)
// VEC: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<32x40xi8>, vector<32xi8>
// VEC: mx.lookup
// VEC: mx.dot_i8
// VEC: scf.forall (%{{.*}}) in (1) shared_outs({{.*}}) -> (tensor<2x2x8x32xi32>, tensor<2x2x32xf32>, tensor<2x2x32xi32>)
// VEC: vector.transfer_read {{.*}} : tensor<32x40xi8>, vector<32xi8>
// VEC: scf.forall (%{{.*}}, %{{.*}}) in (1, 1) shared_outs({{.*}}) -> (tensor<8x40xf32>)
// VEC-COUNT-96: mx.dot_i8
// VEC: arith.sitofp
// VEC: math.fma
// VEC: scf.forall (%{{.*}}) in (1) shared_outs({{.*}}) -> (tensor<8x40xf32>)
// VEC: scf.forall (%{{.*}}) in (1) shared_outs({{.*}}) -> (tensor<8x40xf32>)
// VEC: tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] [2, 8] [1, 1]
// VEC-NOT: mx.matmul
// AArch64: A's rows and B's columns packed as 8-byte K groups (4-row tiles,
// 8-column panels; signed values, no offset, no column sums), then 4 x 8
// tiles of 2 x 4 smmla per K group, 4 groups per block of 32.
// MMLA-LABEL: func @int_pair
// MMLA-NOT: arith.xori
// MMLA: scf.forall (%{{.*}}) in (2) shared_outs({{.*}}) -> (tensor<2x2x4x32xi8>, tensor<2x2x4xf32>)
// MMLA: vector.transfer_write {{.*}} : vector<4x8xi8>, tensor<1x2x4x32xi8>
// MMLA: scf.forall (%{{.*}}) in (5) shared_outs({{.*}}) -> (tensor<5x2x4x64xi8>, tensor<5x2x8xf32>)
// MMLA-COUNT-8: mx.lookup
// MMLA: vector.transfer_write {{.*}} : vector<64xi8>, tensor<1x2x4x64xi8>
// MMLA-NOT: mx.dot_i8
// MMLA: scf.forall (%{{.*}}, %{{.*}}) in (2, 5) shared_outs({{.*}}) -> (tensor<8x40xf32>)
// MMLA-COUNT-32: mx.mmla_i8 {{.*}} : vector<4xi32>, vector<16xi8>
// MMLA-COUNT-8: arith.sitofp {{.*}} : vector<4xi32> to vector<4xf32>
// MMLA: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<8xf32>, tensor<4x8xf32>
// MMLA-NOT: mx.mmla_i8
// MMLA: return
// x86-64-avx2: 6-row tiles and 16-column panels of i16 pairs (signed
// values, no offset, no column sums), 6 x 2 mx.dot_i16 per pair word in a
// loop over the 16 words of a block of 32 (not unrolled: see design.md).
// AVX2-LABEL: func @int_pair
// AVX2-NOT: arith.xori
// AVX2: scf.forall (%{{.*}}) in (2) shared_outs({{.*}}) -> (tensor<2x2x6x16xi32>, tensor<2x6x2xf32>)
// AVX2: arith.extsi {{.*}} : vector<32xi8> to vector<32xi16>
// AVX2: scf.forall (%{{.*}}) in (2) shared_outs({{.*}}) -> (tensor<3x2x16x16xi32>, tensor<3x2x16xf32>)
// AVX2: arith.extsi {{.*}} : vector<16xi8> to vector<16xi16>
// AVX2: scf.forall (%{{.*}}, %{{.*}}) in (1, 2) shared_outs({{.*}}) -> (tensor<8x40xf32>)
// AVX2: scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args({{.*}}) -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>)
// AVX2-COUNT-12: mx.dot_i16 {{.*}} : vector<8xi32>, vector<16xi16>
// AVX2-NEXT: scf.yield
// AVX2-NOT: mx.dot_i8
// AVX2: arith.sitofp {{.*}} : vector<8xi32> to vector<8xf32>
func.func @int_pair(%a: !mx.tensor<8x64, int8, axis = 1>, %b: !mx.tensor<64x40, e2m1, axis = 0>,
                    %c: tensor<8x40xf32>) -> tensor<8x40xf32> {
  %0 = mx.matmul %a, %b, %c : !mx.tensor<8x64, int8, axis = 1>, !mx.tensor<64x40, e2m1, axis = 0> -> tensor<8x40xf32>
  return %0 : tensor<8x40xf32>
}

// -----

// Floating-point pair (E4M3 x E2M1): f32 block sums in pair order (odd
// element first), then one fma per block.
// REF-LABEL: func @float_pair
// REF: linalg.generic {{.*}} ins({{.*}} : tensor<6x2x16xf32>, tensor<6x2x16xf32>, tensor<2x16x32xf32>, tensor<2x16x32xf32>) outs({{.*}} : tensor<6x32x2xf32>)
// REF-NEXT: ^bb0(%[[AO:.*]]: f32, %[[AE:.*]]: f32, %[[BO:.*]]: f32, %[[BE:.*]]: f32, %[[D:.*]]: f32):
// REF-NEXT:   %[[P:.*]] = arith.mulf %[[AO]], %[[BO]] : f32
// REF-NEXT:   %[[S:.*]] = arith.addf %[[D]], %[[P]] : f32
// REF-NEXT:   %[[Q:.*]] = arith.mulf %[[AE]], %[[BE]] : f32
// REF-NEXT:   %[[T:.*]] = arith.addf %[[S]], %[[Q]] : f32
// REF: math.fma
// On x86 with dot-bf16 (AMD Zen's default) the element values go into
// bf16 pairs (decoded straight to bf16 bits from a register table: 128
// entries for E4M3, 32 for E2M1), packed A as 16 words per block row, and each block is 16 mx.dot_bf16 (vdpbf16ps) per accumulator
// (6 x 2), then one fma per block; without dot-bf16 and on the generic
// fallback, f32 words and one fma per value (32 per accumulator).
// VEC-LABEL: func @float_pair
// VEC-NOT: mx.dot_i8
// VEC: scf.forall (%{{.*}}) in (1) shared_outs({{.*}}) -> (tensor<1x2x6x16xi32>, tensor<1x6x2xf32>)
// VEC: mx.lookup %{{.*}} : vector<128xi16>, vector<32xi16> -> vector<32xi16>
// VEC: vector.bitcast {{.*}} : vector<32xbf16> to vector<16xi32>
// VEC: mx.lookup %{{.*}} : vector<32xi16>, vector<32xi16> -> vector<32xi16>
// VEC: scf.forall (%{{.*}}, %{{.*}}) in (1, 1)
// VEC-COUNT-192: mx.dot_bf16 {{.*}} : vector<16xf32>, vector<32xbf16>
// VEC-NOT: mx.dot_bf16
// VEC-COUNT-12: math.fma {{.*}} : vector<16xf32>
// VEC: return
// VECOFF-LABEL: func @float_pair
// VECOFF-NOT: mx.dot_bf16
// VECOFF-COUNT-384: math.fma {{.*}} : vector<16xf32>
// VECOFF: return
// VECGEN-LABEL: func @float_pair
// VECGEN: scf.forall (%{{.*}}) in (1) shared_outs({{.*}}) -> (tensor<1x2x6x32xi32>, tensor<1x6x2xf32>)
// VECGEN-NOT: mx.dot_bf16
// VECGEN-COUNT-384: math.fma {{.*}} : vector<16xf32>
// VECGEN: return
// Floating-point pairs keep the fma kernel on AArch64 unless the op is
// unordered: then bf16 values in 8-byte groups of 4 and 2 x 4 bfmmla per
// group (8 groups per block of 32).
// MMLA-LABEL: func @float_pair
// MMLA-NOT: mx.mmla
// MMLA: return
// x86-64-avx2: f32 words and 6 x 16 tiles, 6 x 2 fma per word (12
// independent chains), 32 words per block, then 12 fma by the scales; the
// block loop twice (scale factors by an integer add or by a multiply).
// AVX2-LABEL: func @float_pair
// AVX2: scf.forall (%{{.*}}) in (1) shared_outs({{.*}}) -> (tensor<1x2x6x32xi32>, tensor<1x6x2xf32>)
// AVX2: scf.forall (%{{.*}}, %{{.*}}) in (1, 2)
// AVX2-COUNT-396: math.fma {{.*}} : vector<8xf32>
// AVX2: scf.yield
// AVX2-COUNT-396: math.fma {{.*}} : vector<8xf32>
// AVX2-NOT: math.fma
// AVX2: return
func.func @float_pair(%a: !mx.tensor<6x64, e4m3, axis = 1>, %b: !mx.tensor<64x32, e2m1, axis = 0>,
                      %c: tensor<6x32xf32>) -> tensor<6x32xf32> {
  %0 = mx.matmul %a, %b, %c : !mx.tensor<6x64, e4m3, axis = 1>, !mx.tensor<64x32, e2m1, axis = 0> -> tensor<6x32xf32>
  return %0 : tensor<6x32xf32>
}

// -----

// MMLA-LABEL: func @float_pair_unordered
// MMLA: scf.forall (%{{.*}}) in (2) shared_outs({{.*}}) -> (tensor<2x2x8x16xbf16>, tensor<2x2x4xf32>)
// MMLA: arith.truncf {{.*}} : vector<32xf32> to vector<32xbf16>
// MMLA: vector.transfer_write {{.*}} : vector<8x4xbf16>, tensor<1x2x8x16xbf16>
// MMLA: scf.forall (%{{.*}}) in (4) shared_outs({{.*}}) -> (tensor<4x2x8x32xbf16>, tensor<4x2x8xf32>)
// MMLA: vector.transfer_write {{.*}} : vector<32xbf16>, tensor<1x2x8x32xbf16>
// MMLA: scf.forall (%{{.*}}, %{{.*}}) in (1, 4) shared_outs({{.*}}) -> (tensor<6x32xf32>)
// MMLA-COUNT-64: mx.mmla_bf16 {{.*}} : vector<4xf32>, vector<8xbf16>
// MMLA-NOT: arith.sitofp
// MMLA: math.fma {{.*}} : vector<4xf32>
// MMLA-NOT: mx.dot_bf16
// MMLA: return
func.func @float_pair_unordered(%a: !mx.tensor<6x64, e4m3, axis = 1>, %b: !mx.tensor<64x32, e2m1, axis = 0>,
                                %c: tensor<6x32xf32>) -> tensor<6x32xf32> {
  %0 = mx.matmul %a, %b, %c unordered : !mx.tensor<6x64, e4m3, axis = 1>, !mx.tensor<64x32, e2m1, axis = 0> -> tensor<6x32xf32>
  return %0 : tensor<6x32xf32>
}

// -----

// C larger than the caches (128 x 4160 f32, 2.1 MB): each row tile sweeps a
// group of panels (128 panels of 4 KiB packed B, two blocks of bf16 pairs,
// then the last 2), so that it reads its C rows left to right.
// VEC-LABEL: func @panel_groups
// VEC: scf.forall (%{{.*}}, %[[G:.*]]) in (8, 2) shared_outs({{.*}}) -> (tensor<128x4160xf32>)
// VEC: %[[P0:.*]] = arith.muli %[[G]], %c128
// VEC-NEXT: %[[END:.*]] = arith.addi %[[P0]], %c128
// VEC-NEXT: %[[P1:.*]] = arith.minsi %[[END]], %c130
// VEC: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// VEC-NEXT: scf.for %{{.*}} = %[[P0]] to %[[P1]] step %c1
// VEC: tensor.extract_slice {{.*}} [6, 32] [1, 1] : tensor<?x?xf32> to tensor<6x32xf32>
// VEC-COUNT-192: mx.dot_bf16 {{.*}} : vector<16xf32>, vector<32xbf16>
func.func @panel_groups(%a: !mx.tensor<128x64, e4m3, axis = 1>, %b: !mx.tensor<64x4160, e2m1, axis = 0>,
                        %c: tensor<128x4160xf32>) -> tensor<128x4160xf32> {
  %0 = mx.matmul %a, %b, %c : !mx.tensor<128x64, e4m3, axis = 1>, !mx.tensor<64x4160, e2m1, axis = 0> -> tensor<128x4160xf32>
  return %0 : tensor<128x4160xf32>
}

// -----

// X86-LABEL: func @dot_i8
// X86: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// ARM-LABEL: func @dot_i8
// ARM-COUNT-4: llvm.call_intrinsic "llvm.aarch64.neon.usdot.v4i32.v16i8"
// GEN-LABEL: func @dot_i8
// GEN-COUNT-4: arith.extui {{.*}} : vector<16xi8> to vector<16xi32>
// GEN-NOT: mx.dot_i8
func.func @dot_i8(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>) -> vector<16xi32> {
  %0 = mx.dot_i8 %acc, %a, %b : vector<16xi32>, vector<64xi8>
  return %0 : vector<16xi32>
}

// -----

// X86V2-LABEL: func @dot_i16
// X86V2-COUNT-2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}, %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// X86V2-NOT: mx.dot_i16
// X86-LABEL: func @dot_i16
// X86-COUNT-2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// GEN-LABEL: func @dot_i16
// GEN-COUNT-4: arith.extsi {{.*}} : vector<16xi16> to vector<16xi32>
// GEN-NOT: mx.dot_i16
// ARM-LABEL: func @dot_i16
// ARM-NOT: llvm.call_intrinsic
// ARM: arith.muli
func.func @dot_i16(%acc: vector<16xi32>, %a: vector<32xi16>, %b: vector<32xi16>) -> vector<16xi32> {
  %0 = mx.dot_i16 %acc, %a, %b : vector<16xi32>, vector<32xi16>
  return %0 : vector<16xi32>
}

// -----

// X86-LABEL: func @mmla_i8
// X86-COUNT-4: vector.reduction <add>, %{{.*}}, %{{.*}} : vector<8xi32> into i32
// ARM-LABEL: func @mmla_i8
// ARM: llvm.call_intrinsic "llvm.aarch64.neon.smmla.v4i32.v16i8"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<4xi32>, vector<16xi8>, vector<16xi8>) -> vector<4xi32>
// ARM-NOT: vector.reduction
// GEN-LABEL: func @mmla_i8
// GEN: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]
// GEN: arith.extsi {{.*}} : vector<32xi8> to vector<32xi32>
// GEN: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
// GEN: arith.extsi {{.*}} : vector<32xi8> to vector<32xi32>
// GEN: arith.muli
// GEN-COUNT-4: vector.reduction <add>
// GEN: vector.from_elements
// GEN-NOT: mx.mmla_i8
func.func @mmla_i8(%acc: vector<4xi32>, %a: vector<16xi8>, %b: vector<16xi8>) -> vector<4xi32> {
  %0 = mx.mmla_i8 %acc, %a, %b : vector<4xi32>, vector<16xi8>
  return %0 : vector<4xi32>
}

// -----

// ARM-LABEL: func @mmla_bf16
// ARM: llvm.call_intrinsic "llvm.aarch64.neon.bfmmla"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<4xf32>, vector<8xbf16>, vector<8xbf16>) -> vector<4xf32>
// GEN-LABEL: func @mmla_bf16
// GEN: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7]
// GEN: arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
// GEN: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]
// GEN: arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
// GEN: arith.mulf
// GEN: vector.shuffle %{{.*}}, %{{.*}} [0, 4, 8, 12]
// GEN-NEXT: arith.addf
// GEN: vector.shuffle %{{.*}}, %{{.*}} [3, 7, 11, 15]
// GEN-NEXT: arith.addf
// GEN-NOT: mx.mmla_bf16
func.func @mmla_bf16(%acc: vector<4xf32>, %a: vector<8xbf16>, %b: vector<8xbf16>) -> vector<4xf32> {
  %0 = mx.mmla_bf16 %acc, %a, %b : vector<4xf32>, vector<8xbf16>
  return %0 : vector<4xf32>
}

// -----

// X86-LABEL: func @byte_table16
// X86: llvm.call_intrinsic "llvm.x86.avx512.pshuf.b.512"
// X86-NOT: arith.select
// GEN-LABEL: func @byte_table16
// GEN-COUNT-15: arith.select
func.func @byte_table16(%t: vector<16xi8>, %i: vector<32xi8>) -> vector<32xi8> {
  %0 = mx.lookup %t[%i] : vector<16xi8>, vector<32xi8> -> vector<32xi8>
  return %0 : vector<32xi8>
}

// -----

// A constant operand (here B, MXFP4 codes 0x2 = 1.0, scales 2^0) is packed
// at compile time: words of four integer multiples (2), the column
// corrections (-128 * 64 = -8192 = 0xFFFFE000) and the factors 2^(0 - 1);
// only A is packed at run time.
// VEC-LABEL: func @constant_b
// VEC-DAG: arith.constant dense<"0x02020202{{[0-9A-F]*}}"> : tensor<2x2x8x32xi32>
// VEC-DAG: arith.constant dense<"0x00E0FFFF{{[0-9A-F]*}}"> : tensor<2x2x32xi32>
// VEC-DAG: arith.constant dense<"0x0000003F{{[0-9A-F]*}}"> : tensor<2x2x32xf32>
// VEC: scf.forall (%{{.*}}) in (2) shared_outs({{.*}}) -> (tensor<2x2x6x8xi32>, tensor<2x6x2xf32>)
// VEC-NOT: mx.lookup
// VEC: scf.forall (%{{.*}}, %{{.*}}) in (1, 1)
// MMLA-LABEL: func @constant_b
// MMLA-DAG: arith.constant dense<2> : tensor<5x2x4x64xi8>
// MMLA-DAG: arith.constant dense<5.000000e-01> : tensor<5x2x8xf32>
// MMLA: scf.forall (%{{.*}}) in (2) shared_outs({{.*}}) -> (tensor<2x2x4x32xi8>, tensor<2x2x4xf32>)
// MMLA-NOT: mx.lookup
// MMLA: scf.forall (%{{.*}}, %{{.*}}) in (2, 5)
func.func @constant_b(%a: !mx.tensor<8x64, int8, axis = 1>, %c: tensor<8x40xf32>) -> tensor<8x40xf32> {
  %e = arith.constant dense<34> : tensor<32x40xi8>
  %s = arith.constant dense<1.0> : tensor<2x40xf8E8M0FNU>
  %b = mx.assemble %e, %s : tensor<32x40xi8>, tensor<2x40xf8E8M0FNU> -> !mx.tensor<64x40, e2m1, axis = 0>
  %0 = mx.matmul %a, %b, %c : !mx.tensor<8x64, int8, axis = 1>, !mx.tensor<64x40, e2m1, axis = 0> -> tensor<8x40xf32>
  return %0 : tensor<8x40xf32>
}

// -----

// bf16 x bf16 unordered takes the AArch64 mmla kernel too: A's rows and B's
// columns packed as groups of 4 bf16, K = 70 in 3 blocks of 32 (the last
// padded with zeros: masked row reads of A, B's last block with 6 of its
// positions read), no scales, and bfmmla accumulating into the C tile
// itself (no fma). x86 with dot-bf16 packs B's bf16 pairs (16 words per
// block), reads A's pairs from A itself (4 bytes of a row: no packing) in
// 12-row tiles and sums them with mx.dot_bf16 (vdpbf16ps) into the tile:
// per 6-row tile 16 x 12 per whole block, then 3 x 12 for K's last 6
// positions; the ordered kernel's f32-widened values and fma are below
// (AMX is matmul-amx.mlir's).
// MMLA-LABEL: func @bf16_unordered
// MMLA: scf.forall (%{{.*}}) in (2) shared_outs({{.*}}) -> (tensor<2x3x8x16xbf16>)
// MMLA: vector.transfer_read {{.*}} : tensor<6x70xbf16>, vector<32xbf16>
// MMLA: scf.forall (%{{.*}}) in (3) shared_outs({{.*}}) -> (tensor<3x3x8x32xbf16>)
// MMLA: scf.for {{.*}} to %c2
// MMLA-COUNT-32: vector.transfer_read {{.*}} : tensor<70x20xbf16>, vector<8xbf16>
// MMLA: scf.yield
// MMLA-COUNT-6: vector.transfer_read {{.*}} : tensor<70x20xbf16>, vector<8xbf16>
// MMLA-NOT: vector.transfer_read {{.*}} : tensor<70x20xbf16>
// MMLA: scf.forall (%{{.*}}, %{{.*}}) in (1, 2) shared_outs({{.*}}) -> (tensor<6x20xf32>)
// MMLA-COUNT-64: mx.mmla_bf16 {{.*}} : vector<4xf32>, vector<8xbf16>
// MMLA-NOT: math.fma
// MMLA-NOT: mx.dot_bf16
// MMLA: return
// VEC-LABEL: func @bf16_unordered
// VEC-NOT: mx.mmla
// VEC-NOT: tensor<1x3x12x16xi32>
// VEC: tensor.empty() : tensor<1x3x16x32xi32>
// VEC: scf.for {{.*}} to %c2
// VEC: vector.transfer_read %arg0[%c0, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<6x70xbf16>, vector<2xbf16>
// VEC: vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
// VEC-COUNT-192: mx.dot_bf16 {{.*}} : vector<16xf32>, vector<32xbf16>
// VEC: scf.yield
// VEC-COUNT-36: mx.dot_bf16 {{.*}} : vector<16xf32>, vector<32xbf16>
// VEC-NOT: math.fma
// VEC: return
// VECOFF-LABEL: func @bf16_unordered
// VECOFF-NOT: mx.dot_bf16
// VECOFF: math.fma
// VECOFF-NOT: mx.dot_bf16
// VECOFF: return
func.func @bf16_unordered(%a: tensor<6x70xbf16>, %b: tensor<70x20xbf16>, %c: tensor<6x20xf32>) -> tensor<6x20xf32> {
  %0 = mx.matmul %a, %b, %c unordered : tensor<6x70xbf16>, tensor<70x20xbf16> -> tensor<6x20xf32>
  return %0 : tensor<6x20xf32>
}

// -----

// Ordered bf16 x bf16 keeps the bfmlal kernel on AArch64 (pairs, K = 70:
// two whole blocks and 3 pairs); x86 sums f32-widened values with fma,
// K = 70 positions each (no mx.dot_bf16, which would flush subnormals).
// MMLA-LABEL: func @bf16_ordered
// MMLA-NOT: mx.mmla
// MMLA: mx.dot_bf16
// MMLA: return
// VEC-LABEL: func @bf16_ordered
// VEC: tensor.empty() : tensor<1x3x12x32xi32>
// VEC: tensor.empty() : tensor<1x3x32x32xi32>
// VEC-NOT: mx.dot_bf16
// VEC: math.fma
// VEC-NOT: mx.dot_bf16
// VEC: return
func.func @bf16_ordered(%a: tensor<6x70xbf16>, %b: tensor<70x20xbf16>, %c: tensor<6x20xf32>) -> tensor<6x20xf32> {
  %0 = mx.matmul %a, %b, %c : tensor<6x70xbf16>, tensor<70x20xbf16> -> tensor<6x20xf32>
  return %0 : tensor<6x20xf32>
}
