// Every verifier error of block-scaled mx.matmul, mx.dot_i8, mx.dot_i16,
// mx.mmla_i8 and mx.mmla_bf16.
// RUN: mx-opt %s -split-input-file -verify-diagnostics

func.func @mixed_kinds(%a: !mx.tensor<4x64, int8, axis = 1>, %b: tensor<64x8xbf16>, %c: tensor<4x8xf32>) {
  // expected-error @+1 {{'mx.matmul' op expects both operands bf16 tensors or both !mx.tensor, got '!mx.tensor<4x64, int8, axis = 1>' and 'tensor<64x8xbf16>'}}
  %0 = mx.matmul %a, %b, %c : !mx.tensor<4x64, int8, axis = 1>, tensor<64x8xbf16> -> tensor<4x8xf32>
  return
}

// -----

func.func @bf16_transpose(%a: tensor<4x6xbf16>, %b: tensor<6x8xbf16>, %c: tensor<4x8xf32>) {
  // expected-error @+1 {{'mx.matmul' op transposes are supported for !mx.tensor operands only}}
  %0 = mx.matmul %a, %b, %c transpose_a : tensor<4x6xbf16>, tensor<6x8xbf16> -> tensor<4x8xf32>
  return
}

// -----

func.func @rank(%a: !mx.tensor<2x4x64, int8, axis = 2>, %b: !mx.tensor<64x8, int8, axis = 0>, %c: tensor<4x8xf32>) {
  // expected-error @+1 {{'mx.matmul' op expects 2-D operands, got '!mx.tensor<2x4x64, int8, axis = 2>', '!mx.tensor<64x8, int8, axis = 0>' and 'tensor<4x8xf32>'}}
  %0 = mx.matmul %a, %b, %c : !mx.tensor<2x4x64, int8, axis = 2>, !mx.tensor<64x8, int8, axis = 0> -> tensor<4x8xf32>
  return
}

// -----

func.func @a_axis(%a: !mx.tensor<64x64, int8, axis = 0>, %b: !mx.tensor<64x8, int8, axis = 0>, %c: tensor<64x8xf32>) {
  // expected-error @+1 {{'mx.matmul' op expects a blocked along K (axis 1), got '!mx.tensor<64x64, int8, axis = 0>'}}
  %0 = mx.matmul %a, %b, %c : !mx.tensor<64x64, int8, axis = 0>, !mx.tensor<64x8, int8, axis = 0> -> tensor<64x8xf32>
  return
}

// -----

func.func @a_axis_transposed(%a: !mx.tensor<64x64, int8, axis = 1>, %b: !mx.tensor<64x8, int8, axis = 0>, %c: tensor<64x8xf32>) {
  // expected-error @+1 {{'mx.matmul' op expects a blocked along K (axis 0 with transpose_a), got '!mx.tensor<64x64, int8, axis = 1>'}}
  %0 = mx.matmul %a, %b, %c transpose_a : !mx.tensor<64x64, int8, axis = 1>, !mx.tensor<64x8, int8, axis = 0> -> tensor<64x8xf32>
  return
}

// -----

func.func @b_axis(%a: !mx.tensor<4x64, int8, axis = 1>, %b: !mx.tensor<64x32, int8, axis = 1>, %c: tensor<4x32xf32>) {
  // expected-error @+1 {{'mx.matmul' op expects b blocked along K (axis 0), got '!mx.tensor<64x32, int8, axis = 1>'}}
  %0 = mx.matmul %a, %b, %c : !mx.tensor<4x64, int8, axis = 1>, !mx.tensor<64x32, int8, axis = 1> -> tensor<4x32xf32>
  return
}

// -----

func.func @b_axis_transposed(%a: !mx.tensor<4x64, int8, axis = 1>, %b: !mx.tensor<64x64, int8, axis = 0>, %c: tensor<4x64xf32>) {
  // expected-error @+1 {{'mx.matmul' op expects b blocked along K (axis 1 with transpose_b), got '!mx.tensor<64x64, int8, axis = 0>'}}
  %0 = mx.matmul %a, %b, %c transpose_b : !mx.tensor<4x64, int8, axis = 1>, !mx.tensor<64x64, int8, axis = 0> -> tensor<4x64xf32>
  return
}

// -----

func.func @reduction(%a: !mx.tensor<4x64, int8, axis = 1>, %b: !mx.tensor<96x8, int8, axis = 0>, %c: tensor<4x8xf32>) {
  // expected-error @+1 {{'mx.matmul' op reduction sizes differ: '!mx.tensor<4x64, int8, axis = 1>' times '!mx.tensor<96x8, int8, axis = 0>'}}
  %0 = mx.matmul %a, %b, %c : !mx.tensor<4x64, int8, axis = 1>, !mx.tensor<96x8, int8, axis = 0> -> tensor<4x8xf32>
  return
}

// -----

func.func @block_sizes(%a: !mx.tensor<4x64, int8, axis = 1>, %b: !mx.tensor<64x8, int8, axis = 0, block = 16>, %c: tensor<4x8xf32>) {
  // expected-error @+1 {{'mx.matmul' op block sizes differ: 32 and 16}}
  %0 = mx.matmul %a, %b, %c : !mx.tensor<4x64, int8, axis = 1>, !mx.tensor<64x8, int8, axis = 0, block = 16> -> tensor<4x8xf32>
  return
}

// -----

func.func @accumulator(%a: !mx.tensor<4x64, int8, axis = 1>, %b: !mx.tensor<64x8, e2m1, axis = 0>, %c: tensor<8x4xf32>) {
  // expected-error @+1 {{'mx.matmul' op accumulator 'tensor<8x4xf32>' does not match '!mx.tensor<4x64, int8, axis = 1>' times '!mx.tensor<64x8, e2m1, axis = 0>'}}
  %0 = mx.matmul %a, %b, %c : !mx.tensor<4x64, int8, axis = 1>, !mx.tensor<64x8, e2m1, axis = 0> -> tensor<8x4xf32>
  return
}

// -----

func.func @dot_i8_lanes(%acc: vector<16xi32>, %x: vector<32xi8>) {
  // expected-error @+1 {{'mx.dot_i8' op expects four i8 elements per i32 lane, got 'vector<32xi8>' for 'vector<16xi32>'}}
  %0 = mx.dot_i8 %acc, %x, %x : vector<16xi32>, vector<32xi8>
  return
}

// -----

func.func @dot_i16_lanes(%acc: vector<8xi32>, %x: vector<8xi16>) {
  // expected-error @+1 {{'mx.dot_i16' op expects two i16 elements per i32 lane, got 'vector<8xi16>' for 'vector<8xi32>'}}
  %0 = mx.dot_i16 %acc, %x, %x : vector<8xi32>, vector<8xi16>
  return
}

// -----

func.func @mmla_i8_tile(%acc: vector<8xi32>, %x: vector<16xi8>) {
  // expected-error @+1 {{'mx.mmla_i8' op operand #0 must be vector<4xI32> of 32-bit signless integer values, but got 'vector<8xi32>'}}
  %0 = mx.mmla_i8 %acc, %x, %x : vector<8xi32>, vector<16xi8>
  return
}

// -----

func.func @mmla_i8_operands(%acc: vector<4xi32>, %x: vector<32xi8>) {
  // expected-error @+1 {{'mx.mmla_i8' op operand #1 must be vector<16xI8> of 8-bit signless integer values, but got 'vector<32xi8>'}}
  %0 = mx.mmla_i8 %acc, %x, %x : vector<4xi32>, vector<32xi8>
  return
}

// -----

func.func @mmla_bf16_operands(%acc: vector<4xf32>, %x: vector<8xf16>) {
  // expected-error @+1 {{'mx.mmla_bf16' op operand #1 must be vector<8xBF16> of bfloat16 type values, but got 'vector<8xf16>'}}
  %0 = mx.mmla_bf16 %acc, %x, %x : vector<4xf32>, vector<8xf16>
  return
}
