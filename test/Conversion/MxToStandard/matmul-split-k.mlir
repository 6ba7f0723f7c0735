// A block-scaled mx.matmul whose packed B panel would exceed 96 KiB is
// lowered as mx.matmul ops on K chunks of 1024 positions (whole blocks), in
// order, each accumulating into the previous result: the element bytes and
// scales of each operand are sliced alike along its blocked axis, and a
// constant operand is sliced into constants (still packed at compile time).
// The AArch64 smmla kernel's panels are small: it is never split. When the
// chunks split their rows between the workers, the chunks run inside the
// one worker loop instead.
// RUN: mx-opt %s --split-input-file --mx-lower-to-vector="target=x86-64-avx512 dot-bf16=on" \
// RUN:   --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefix=X86
// RUN: mx-opt %s --split-input-file --mx-lower-to-vector=target=aarch64-neon \
// RUN:   --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefix=NEON

// Integer pair, K = 3104 (a 97 KiB panel of 32 i32 words per 4 K
// positions): three chunks of 1024 in a loop (one copy of the kernel), then
// one of 32 that accumulates into the loop's result.
// X86-LABEL: func @int8_split
// X86-DAG: %[[AE:.*]], %[[AS:.*]] = mx.disassemble %arg0
// X86-DAG: %[[BE:.*]], %[[BS:.*]] = mx.disassemble %arg1
// X86: %[[C:.*]] = scf.for %[[I:.*]] = %{{.*}} to %c3 step %{{.*}} iter_args(%{{.*}} = %arg2)
// X86: %[[K0:.*]] = arith.muli %[[I]], %c1024
// X86: tensor.extract_slice %[[AE]][0, %[[K0]]] [5, 1024] [1, 1] : tensor<5x3104xi8> to tensor<5x1024xi8>
// X86: %[[B0:.*]] = arith.muli %[[I]], %c32
// X86: tensor.extract_slice %[[AS]][0, %[[B0]]] [5, 32] [1, 1] : tensor<5x97xf8E8M0FNU> to tensor<5x32xf8E8M0FNU>
// X86: tensor.extract_slice %[[BE]][%{{.*}}, 0] [1024, 3] [1, 1] : tensor<3104x3xi8> to tensor<1024x3xi8>
// X86: tensor.extract_slice %[[BS]][%{{.*}}, 0] [32, 3] [1, 1] : tensor<97x3xf8E8M0FNU> to tensor<32x3xf8E8M0FNU>
// X86: scf.yield
// X86: tensor.extract_slice %[[AE]][0, 3072] [5, 32] [1, 1] : tensor<5x3104xi8> to tensor<5x32xi8>
// X86: tensor.extract_slice %[[AS]][0, 96] [5, 1] [1, 1] : tensor<5x97xf8E8M0FNU> to tensor<5x1xf8E8M0FNU>
// X86: tensor.extract_slice %[[BE]][3072, 0] [32, 3] [1, 1] : tensor<3104x3xi8> to tensor<32x3xi8>
// X86: tensor.extract_slice %[[BS]][96, 0] [1, 3] [1, 1] : tensor<97x3xf8E8M0FNU> to tensor<1x3xf8E8M0FNU>
// X86: vector.transfer_read %[[C]][%c0, %c0]
// X86-NOT: mx.matmul
// NEON-LABEL: func @int8_split
// NEON-NOT: tensor<5x1024xi8>
// NEON: mx.mmla_i8
func.func @int8_split(%a: !mx.tensor<5x3104, int8, axis = 1>, %b: !mx.tensor<3104x3, int8, axis = 0>, %c: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<5x3104, int8, axis = 1>, !mx.tensor<3104x3, int8, axis = 0> -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// K = 3072: a panel of exactly 96 KiB, one product.
// X86-LABEL: func @int8_whole
// X86-NOT: tensor.extract_slice %{{.*}}[0, 1024]
// X86: tensor.empty() : tensor<1x96x8x32xi32>
func.func @int8_whole(%a: !mx.tensor<5x3072, int8, axis = 1>, %b: !mx.tensor<3072x3, int8, axis = 0>, %c: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<5x3072, int8, axis = 1>, !mx.tensor<3072x3, int8, axis = 0> -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// Floating-point pair (on x86 bf16 pairs, one word per two K positions: a
// 130 KiB panel at K = 2080) with A stored transposed: FP4 bytes hold two
// positions, so A's chunks are rows [0, 512) and [512, 1024) in the loop,
// then [1024, 1040) of its 1040 x 5 bytes.
// X86-LABEL: func @fp4_transposed
// X86-DAG: %[[AE:.*]], %[[AS:.*]] = mx.disassemble %arg0
// X86-DAG: %[[BE:.*]], %[[BS:.*]] = mx.disassemble %arg1
// X86: scf.for %{{.*}} = %{{.*}} to %c2
// X86: tensor.extract_slice %[[AE]][%{{.*}}, 0] [512, 5] [1, 1] : tensor<1040x5xi8> to tensor<512x5xi8>
// X86: tensor.extract_slice %[[AS]][%{{.*}}, 0] [32, 5] [1, 1] : tensor<65x5xf8E8M0FNU> to tensor<32x5xf8E8M0FNU>
// X86: tensor.extract_slice %[[BE]][%{{.*}}, 0] [1024, 3] [1, 1] : tensor<2080x3xi8> to tensor<1024x3xi8>
// X86: scf.yield
// X86: tensor.extract_slice %[[AE]][1024, 0] [16, 5] [1, 1] : tensor<1040x5xi8> to tensor<16x5xi8>
// X86: tensor.extract_slice %[[AS]][64, 0] [1, 5] [1, 1] : tensor<65x5xf8E8M0FNU> to tensor<1x5xf8E8M0FNU>
// X86: tensor.extract_slice %[[BE]][2048, 0] [32, 3] [1, 1] : tensor<2080x3xi8> to tensor<32x3xi8>
// X86-NOT: mx.matmul
func.func @fp4_transposed(%a: !mx.tensor<2080x5, e2m1, axis = 0>, %b: !mx.tensor<2080x3, e4m3, axis = 0>, %c: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %r = mx.matmul %a, %b, %c transpose_a : !mx.tensor<2080x5, e2m1, axis = 0>, !mx.tensor<2080x3, e4m3, axis = 0> -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// K = 1056: a 66 KiB panel of bf16 pairs (132 KiB as f32 words), one
// product.
// X86-LABEL: func @fp4_whole
// X86-NOT: tensor.extract_slice
// X86: tensor.empty() : tensor<1x33x6x16xi32>
func.func @fp4_whole(%a: !mx.tensor<1056x5, e2m1, axis = 0>, %b: !mx.tensor<1056x3, e4m3, axis = 0>, %c: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %r = mx.matmul %a, %b, %c transpose_a : !mx.tensor<1056x5, e2m1, axis = 0>, !mx.tensor<1056x3, e4m3, axis = 0> -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// A constant B stored N x K (transpose_b): the chunks are unrolled, each
// chunk's B a constant packed at compile time (words, corrections and scales of 32 blocks for
// the first three chunks, equal here and uniqued, and of 1 for the last);
// only A is sliced at run time.
// X86-LABEL: func @constant_b
// X86-DAG: arith.constant dense_resource<__elided__> : tensor<1x32x8x32xi32>
// X86-DAG: arith.constant dense_resource<__elided__> : tensor<1x1x8x32xi32>
// X86-NOT: tensor.empty() : tensor<1x32x8x32xi32>
// X86: tensor.extract_slice %{{.*}}[0, 0] [5, 1024] [1, 1] : tensor<5x3104xi8> to tensor<5x1024xi8>
// X86-NOT: tensor.empty() : tensor<1x32x8x32xi32>
// X86: tensor.extract_slice %{{.*}}[0, 3072] [5, 32] [1, 1] : tensor<5x3104xi8> to tensor<5x32xi8>
// X86-NOT: tensor.empty() : tensor<1x1x8x32xi32>
func.func @constant_b(%a: !mx.tensor<5x3104, int8, axis = 1>, %c: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %e = arith.constant dense<3> : tensor<3x3104xi8>
  %s = arith.constant dense<1.0> : tensor<3x97xf8E8M0FNU>
  %b = mx.assemble %e, %s : tensor<3x3104xi8>, tensor<3x97xf8E8M0FNU> -> !mx.tensor<3x3104, int8, axis = 1>
  %r = mx.matmul %a, %b, %c transpose_b : !mx.tensor<5x3104, int8, axis = 1>, !mx.tensor<3x3104, int8, axis = 1> -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// On AArch64 the ordered floating-point kernel's panels hold 8 columns: at
// K = 3104 a 97 KiB panel, split as on x86.
// NEON-LABEL: func @fp8_neon
// NEON: tensor.extract_slice %{{.*}}[0, %{{.*}}] [5, 1024] [1, 1] : tensor<5x3104xi8> to tensor<5x1024xi8>
// NEON: tensor.extract_slice %{{.*}}[0, 3072] [5, 32] [1, 1] : tensor<5x3104xi8> to tensor<5x32xi8>
// NEON-NOT: mx.matmul
func.func @fp8_neon(%a: !mx.tensor<5x3104, e4m3, axis = 1>, %b: !mx.tensor<3104x3, e5m2, axis = 0>, %c: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<5x3104, e4m3, axis = 1>, !mx.tensor<3104x3, e5m2, axis = 0> -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// Integer pair, K = 3136, 97 rows (17 row tiles): the chunks' rows split
// between the workers, so the chunks run in order inside one scf.forall
// over the workers (one fork and join per call): three chunks of 1024 in a
// loop, then 64, each worker packing its rows of A and its own copy of B
// into buffers per chunk length, allocated before the loop.
// X86-LABEL: func @int8_workers
// X86-DAG: %[[AE:.*]], %[[AS:.*]] = mx.disassemble %arg0
// X86-DAG: %[[BE:.*]], %[[BS:.*]] = mx.disassemble %arg1
// X86: %[[W:.*]] = mx.worker_count
// X86: memref.alloc(%[[W]]) {{.*}} : memref<?x1x32x8x32xi32>
// X86: memref.alloc(%[[W]]) {{.*}} : memref<?x1x2x8x32xi32>
// X86: scf.forall (%{{.*}}) in (%[[W]])
// X86: scf.for %{{.*}} = %c0 to %c3 step
// X86: tensor.extract_slice %[[AE]][0, %{{.*}}] [97, 1024] [1, 1]
// X86: tensor.extract_slice %[[BE]][%{{.*}}, 0] [512, 21] [1, 1]
// X86: scf.yield
// X86: tensor.extract_slice %[[AE]][0, 3072] [97, 64] [1, 1]
// X86: tensor.extract_slice %[[BS]][96, 0] [2, 21] [1, 1]
// X86: tensor.parallel_insert_slice
// X86-NOT: scf.forall
// X86-NOT: mx.matmul
// NEON-LABEL: func @int8_workers
// NEON-NOT: tensor<97x1024xi8>
// NEON: mx.mmla_i8
func.func @int8_workers(%a: !mx.tensor<97x3136, int8, axis = 1>, %b: !mx.tensor<3136x21, e2m1, axis = 0>, %c: tensor<97x21xf32>) -> tensor<97x21xf32> {
  %r = mx.matmul %a, %b, %c : !mx.tensor<97x3136, int8, axis = 1>, !mx.tensor<3136x21, e2m1, axis = 0> -> tensor<97x21xf32>
  return %r : tensor<97x21xf32>
}
