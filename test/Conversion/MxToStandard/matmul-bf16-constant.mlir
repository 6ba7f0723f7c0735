// A constant bf16 operand of mx.matmul (a weight that mx-bf16 rounded at
// compile time) is packed by the lowering, at compile time: the kernel reads
// an arith.constant in the packed layout and packs only the other operand.
// RUN: mx-opt %s --split-input-file --mx-lower-to-vector=target=x86-64-avx512 \
// RUN:   --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefix=X86
// RUN: mx-opt %s --split-input-file --mx-lower-to-vector=target=aarch64-neon \
// RUN:   --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefix=NEON
// RUN: mx-opt %s --split-input-file --mx-lower-to-vector=target=x86-64-amx \
// RUN:   --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefix=AMX

// Ordered: 2 blocks of K (K = 40), one panel of 32 (x86) or 8 (AArch64)
// columns. x86: A (5 rows) packed at run time, one f32-widened value per
// word (32 per block), fma; AArch64: bf16 pairs (16 words per block), A's
// read from A itself.
// X86-LABEL: func @constant_b
// X86: arith.constant dense_resource<__elided__> : tensor<1x2x32x32xi32>
// X86-NOT: tensor.empty() : tensor<1x2x32x32xi32>
// X86: tensor.empty() : tensor<1x2x12x32xi32>
// X86-NOT: tensor.empty() : tensor<1x2x32x32xi32>
// X86-NOT: mx.dot_bf16
// X86: math.fma
// NEON-LABEL: func @constant_b
// NEON: arith.constant dense_resource<__elided__> : tensor<1x2x16x8xi32>
// NEON-NOT: tensor.empty()
// NEON: vector.transfer_read %arg0[{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<5x40xbf16>, vector<2xbf16>
// NEON: mx.dot_bf16
// AMX-LABEL: func @constant_b
// AMX: arith.constant dense_resource<__elided__> : tensor<1x2x32x32xi32>
func.func @constant_b(%a: tensor<5x40xbf16>, %c: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %b = arith.constant dense<1.5> : tensor<40x3xbf16>
  %r = mx.matmul %a, %b, %c : tensor<5x40xbf16>, tensor<40x3xbf16> -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// Unordered: bfmmla lines of 8 columns (AArch64), AMX tiles of 16 x 32
// bf16 (x86-64-amx), instead of packing B inside the compute loop.
// NEON-LABEL: func @constant_b_unordered
// NEON: arith.constant dense_resource<__elided__> : tensor<1x2x8x32xbf16>
// NEON-NOT: tensor.empty() : tensor<1x2x8x32xbf16>
// NEON: mx.mmla_bf16
// AMX-LABEL: func @constant_b_unordered
// AMX: arith.constant dense_resource<__elided__> : tensor<2x2x16x32xbf16>
// AMX-NOT: tensor.empty() : tensor<2x2x16x32xbf16>
// AMX: amx.tile_load
func.func @constant_b_unordered(%a: tensor<5x40xbf16>, %c: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %b = arith.constant dense<1.5> : tensor<40x3xbf16>
  %r = mx.matmul %a, %b, %c unordered : tensor<5x40xbf16>, tensor<40x3xbf16> -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// A constant A of whole tiles is packed too, not read in place.
// AMX-LABEL: func @constant_a_unordered
// AMX: %[[A:.*]] = arith.constant {{.*}} : tensor<1x1x16x32xbf16>
// AMX: bufferization.to_buffer %[[A]]
func.func @constant_a_unordered(%b: tensor<32x20xbf16>, %c: tensor<16x20xf32>) -> tensor<16x20xf32> {
  %a = arith.constant dense<-2.0> : tensor<16x32xbf16>
  %r = mx.matmul %a, %b, %c unordered : tensor<16x32xbf16>, tensor<32x20xbf16> -> tensor<16x20xf32>
  return %r : tensor<16x20xf32>
}

// -----

// K = 2085 on x86: three products in order over K chunks of 1024, 1024 and
// 37 (each accumulating into the last one's result); a constant B is
// sliced into constants, still packed at compile time.
// (The two 1024-chunks of this B are equal constants, uniqued to one.)
// X86-LABEL: func @split_k
// X86-DAG: arith.constant dense_resource<__elided__> : tensor<1x32x32x32xi32>
// X86-DAG: arith.constant dense_resource<__elided__> : tensor<1x2x32x32xi32>
// X86: tensor.extract_slice %{{.*}}[0, 0] [5, 1024] [1, 1] : tensor<5x2085xbf16> to tensor<5x1024xbf16>
// X86: tensor.extract_slice %{{.*}}[0, 1024] [5, 1024] [1, 1] : tensor<5x2085xbf16> to tensor<5x1024xbf16>
// X86: tensor.extract_slice %{{.*}}[0, 2048] [5, 37] [1, 1] : tensor<5x2085xbf16> to tensor<5x37xbf16>
// X86-NOT: mx.matmul
func.func @split_k(%a: tensor<5x2085xbf16>, %c: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %b = arith.constant dense<0.5> : tensor<2085x3xbf16>
  %r = mx.matmul %a, %b, %c : tensor<5x2085xbf16>, tensor<2085x3xbf16> -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}
