// RUN: mx-opt %s --mx-lower-vector-ops=target=x86-64-avx512 --split-input-file | FileCheck %s --check-prefix=X86
// RUN: mx-opt %s --mx-lower-vector-ops=target=aarch64-neon --split-input-file | FileCheck %s --check-prefix=ARM
// RUN: mx-opt %s --mx-lower-vector-ops=target=generic --split-input-file | FileCheck %s --check-prefix=GEN
// RUN: not mx-opt %s --mx-lower-vector-ops=target=riscv 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: unsupported target 'riscv' for mx-lower-vector-ops; expected generic, x86-64-avx2, x86-64-avx512, aarch64-neon or aarch64-sve

// vpermps reads index bits [3:0] only, which is the modulo: 32-bit indices
// are not masked.
// X86-LABEL: func @f32_table16
// X86-NOT: arith.andi
// X86-COUNT-2: llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"
// X86-NOT: mx.lookup
// GEN-LABEL: func @f32_table16
// GEN-COUNT-15: arith.select
// GEN-NEXT: return
// ARM-LABEL: func @f32_table16
// ARM-COUNT-15: arith.select
func.func @f32_table16(%t: vector<16xf32>, %i: vector<32xi32>) -> vector<32xf32> {
  %0 = mx.lookup %t[%i] : vector<16xf32>, vector<32xi32> -> vector<32xf32>
  return %0 : vector<32xf32>
}

// -----

// X86-LABEL: func @f32_table32
// X86: arith.extui %{{.*}} : vector<16xi8> to vector<16xi32>
// X86: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.ps.512"
func.func @f32_table32(%t: vector<32xf32>, %i: vector<16xi8>) -> vector<16xf32> {
  %0 = mx.lookup %t[%i] : vector<32xf32>, vector<16xi8> -> vector<16xf32>
  return %0 : vector<16xf32>
}

// -----

// ARM-LABEL: func @i8_table32
// ARM-COUNT-2: llvm.call_intrinsic "llvm.aarch64.neon.tbl2.v16i8"
// X86-LABEL: func @i8_table32
// X86-NOT: llvm.call_intrinsic
func.func @i8_table32(%t: vector<32xi8>, %i: vector<32xi8>) -> vector<32xi8> {
  %0 = mx.lookup %t[%i] : vector<32xi8>, vector<32xi8> -> vector<32xi8>
  return %0 : vector<32xi8>
}

// -----

// 16-bit tables on AVX-512 BW, 32 lanes per permute: 32 entries are one
// vpermw, 64 one vpermi2w (index bits [4:0] / [5:0]: the modulo, no mask).
// X86-LABEL: func @i16_table32
// X86: arith.extui %{{.*}} : vector<64xi8> to vector<64xi16>
// X86-NOT: arith.andi
// X86-COUNT-2: llvm.call_intrinsic "llvm.x86.avx512.permvar.hi.512"
// X86-NOT: mx.lookup
// GEN-LABEL: func @i16_table32
// GEN-COUNT-31: arith.select
func.func @i16_table32(%t: vector<32xi16>, %i: vector<64xi8>) -> vector<64xi16> {
  %0 = mx.lookup %t[%i] : vector<32xi16>, vector<64xi8> -> vector<64xi16>
  return %0 : vector<64xi16>
}

// -----

// X86-LABEL: func @bf16_table64
// X86: arith.bitcast %{{.*}} : vector<64xbf16> to vector<64xi16>
// X86: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.hi.512"
// X86-NOT: arith.select
// X86: arith.bitcast %{{.*}} : vector<32xi16> to vector<32xbf16>
func.func @bf16_table64(%t: vector<64xbf16>, %i: vector<32xi16>) -> vector<32xbf16> {
  %0 = mx.lookup %t[%i] : vector<64xbf16>, vector<32xi16> -> vector<32xbf16>
  return %0 : vector<32xbf16>
}

// -----

// 128 entries: both halves through vpermi2w, chosen by index bit 6.
// X86-LABEL: func @i16_table128
// X86: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.hi.512"
// X86: arith.andi %{{.*}}, %{{.*}} : vector<32xi16>
// X86: arith.cmpi ne
// X86: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.hi.512"
// X86: arith.select
// X86-NOT: mx.lookup
// A lane count that is not a multiple of 32 keeps the generic form.
// X86-LABEL: func @i16_table128_16_lanes
// X86-COUNT-127: arith.select
func.func @i16_table128(%t: vector<128xi16>, %i: vector<32xi8>) -> vector<32xi16> {
  %0 = mx.lookup %t[%i] : vector<128xi16>, vector<32xi8> -> vector<32xi16>
  return %0 : vector<32xi16>
}
func.func @i16_table128_16_lanes(%t: vector<128xi16>, %i: vector<16xi8>) -> vector<16xi16> {
  %0 = mx.lookup %t[%i] : vector<128xi16>, vector<16xi8> -> vector<16xi16>
  return %0 : vector<16xi16>
}
