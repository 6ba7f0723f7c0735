// An mx.matmul whose accumulator is a linalg.fill of one f32 value (C = A B
// after mx-bf16 or mx-quantize) does not read C: every tile starts from the
// value and writes the filled tensor, so the fill goes away. Products split
// into K chunks keep the fill for the first chunk only, which is peeled off
// the chunk loop. Any other accumulator is read tile by tile.
// RUN: mx-opt %s --split-input-file --mx-lower-to-vector="target=x86-64-avx512 dot-bf16=on" \
// RUN:   | FileCheck %s --check-prefix=X86
// RUN: mx-opt %s --split-input-file --mx-lower-to-vector=target=aarch64-neon \
// RUN:   | FileCheck %s --check-prefix=NEON

// X86-LABEL: func @bf16_fill
// X86-NOT: linalg.fill ins(%{{.*}} : f32)
// X86: arith.constant dense<7.500000e-01> : vector<16xf32>
// X86-NOT: linalg.fill ins(%{{.*}} : f32)
// X86-NOT: vector.transfer_read %{{.*}} : tensor<{{[0-9]+}}x{{[0-9]+}}xf32>, vector
// X86: return
// NEON-LABEL: func @bf16_fill
// NEON-NOT: linalg.fill ins(%{{.*}} : f32)
// NEON: arith.constant dense<7.500000e-01> : vector<4xf32>
// NEON-NOT: vector.transfer_read %{{.*}} : tensor<{{[0-9]+}}x{{[0-9]+}}xf32>, vector
// NEON: return
func.func @bf16_fill(%a: tensor<13x64xbf16>, %b: tensor<64x40xbf16>, %c: tensor<13x40xf32>) -> tensor<13x40xf32> {
  %v = arith.constant 0.75 : f32
  %acc = linalg.fill ins(%v : f32) outs(%c : tensor<13x40xf32>) -> tensor<13x40xf32>
  %r = mx.matmul %a, %b, %acc unordered : tensor<13x64xbf16>, tensor<64x40xbf16> -> tensor<13x40xf32>
  return %r : tensor<13x40xf32>
}

// -----

// The fill value need not be a constant.
// X86-LABEL: func @mx_fill_argument
// X86-SAME: %[[V:[a-z0-9]+]]: f32
// X86-NOT: linalg.fill ins(%{{.*}} : f32)
// X86: vector.broadcast %[[V]] : f32 to vector<16xf32>
// X86-NOT: vector.transfer_read %{{.*}} : tensor<{{[0-9]+}}x{{[0-9]+}}xf32>, vector
// X86: return
func.func @mx_fill_argument(%a: !mx.tensor<7x64, int8, axis = 1>, %b: !mx.tensor<64x20, e2m1, axis = 0>, %c: tensor<7x20xf32>, %v: f32) -> tensor<7x20xf32> {
  %acc = linalg.fill ins(%v : f32) outs(%c : tensor<7x20xf32>) -> tensor<7x20xf32>
  %r = mx.matmul %a, %b, %acc : !mx.tensor<7x64, int8, axis = 1>, !mx.tensor<64x20, e2m1, axis = 0> -> tensor<7x20xf32>
  return %r : tensor<7x20xf32>
}

// -----

// K = 3104 in chunks of 1024: the first chunk starts from the fill (no read
// of C), then the loop over chunks 1 and 2 and the last chunk of 32 read the
// previous result.
// X86-LABEL: func @int8_split_fill
// X86-NOT: linalg.fill ins(%{{.*}} : f32)
// X86: tensor.extract_slice %{{.*}}[0, 0] [5, 1024] [1, 1] : tensor<5x3104xi8> to tensor<5x1024xi8>
// X86-NOT: vector.transfer_read %{{.*}} : tensor<{{[0-9]+}}x{{[0-9]+}}xf32>, vector
// X86: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<5x3xf32>
// X86-NOT: vector.transfer_read %{{.*}} : tensor<{{[0-9]+}}x{{[0-9]+}}xf32>, vector
// X86: scf.for %{{.*}} = %c1 to %c3 step
// X86: vector.transfer_read %{{.*}} : tensor<5x3xf32>
// X86: tensor.extract_slice %{{.*}}[0, 3072] [5, 32] [1, 1] : tensor<5x3104xi8> to tensor<5x32xi8>
// X86: vector.transfer_read %{{.*}} : tensor<5x3xf32>
// X86-NOT: linalg.fill ins(%{{.*}} : f32)
func.func @int8_split_fill(%a: !mx.tensor<5x3104, int8, axis = 1>, %b: !mx.tensor<3104x3, int8, axis = 0>, %c: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %zero = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%zero : f32) outs(%c : tensor<5x3xf32>) -> tensor<5x3xf32>
  %r = mx.matmul %a, %b, %acc : !mx.tensor<5x3104, int8, axis = 1>, !mx.tensor<3104x3, int8, axis = 0> -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}
