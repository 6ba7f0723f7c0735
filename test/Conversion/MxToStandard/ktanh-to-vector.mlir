// RUN: mx-opt %s --mx-lower-to-vector=target=x86-64-avx512 --split-input-file | FileCheck %s --check-prefix=X86
// RUN: mx-opt %s --mx-lower-to-vector=target=aarch64-neon --split-input-file | FileCheck %s --check-prefix=ARM
// RUN: mx-opt %s --mx-lower-to-vector=target=generic --split-input-file | FileCheck %s --check-prefix=GEN

// f32: a loop over 64-lane vectors and a masked tail (100 = 64 + 36).
// x86 looks entries up in the 16-bit halves of b >> 4 (one 16-bit table);
// AArch64 in two byte tables; generic in 32-bit entries.
// X86-LABEL: func @ktanh_f32
// X86: scf.for %{{.*}} = %c0 to %c64 step %c64
// X86: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<100xf32>, vector<64xf32>
// X86: %[[I:.*]] = vector.bitcast %{{.*}} : vector<64xi32> to vector<128xi16>
// X86: mx.lookup %{{.*}}[%[[I]]] : vector<32xi16>, vector<128xi16> -> vector<128xi16>
// X86: vector.bitcast %{{.*}} : vector<128xi16> to vector<64xi32>
// X86: vector.transfer_read {{.*}} : tensor<100xf32>, vector<64xf32>
// X86-NOT: in_bounds
// X86: vector.transfer_write
// ARM-LABEL: func @ktanh_f32
// ARM: arith.trunci %{{.*}} : vector<64xi32> to vector<64xi8>
// ARM-COUNT-2: mx.lookup %{{.*}}[%{{.*}}] : vector<32xi8>, vector<64xi8> -> vector<64xi8>
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
// ARM: arith.trunci %{{.*}} : vector<64xi16> to vector<64xi8>
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
