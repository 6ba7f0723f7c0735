// RUN: mx-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{blocked dimension 1 (size 48) is not divisible by the block size 32}}
func.func @not_divisible(%a: !mx.tensor<4x48, e4m3, axis = 1>)

// -----

// expected-error @+1 {{block size must be positive, got 0}}
func.func @zero_block(%a: !mx.tensor<4x64, e4m3, axis = 1, block = 0>)

// -----

// expected-error @+1 {{block size 6 of format e2m3 must be a multiple of its packing group of 4 elements}}
func.func @fp6_group(%a: !mx.tensor<4x12, e2m3, axis = 1, block = 6>)

// -----

// expected-error @+1 {{block size 3 of format e2m1 must be a multiple of its packing group of 2 elements}}
func.func @fp4_group(%a: !mx.tensor<4x6, e2m1, axis = 1, block = 3>)

// -----

// expected-error @+1 {{blocked axis 2 is out of range for rank 2}}
func.func @bad_axis(%a: !mx.tensor<4x64, e4m3, axis = 2>)

// -----

// expected-error @+1 {{unknown MX format 'fp5'; expected one of e4m3, e5m2, e2m3, e3m2, e2m1, int8}}
func.func @unknown_format(%a: !mx.tensor<4x64, fp5, axis = 1>)

// -----

// expected-error @+1 {{unknown MX tensor parameter 'blocks'; expected 'axis' or 'block'}}
func.func @unknown_parameter(%a: !mx.tensor<4x64, e4m3, blocks = 32>)

// -----

// expected-error @+1 {{expected static shape}}
func.func @dynamic(%a: !mx.tensor<?x64, e4m3, axis = 1>)

// -----

func.func @quantize_shape(%x: tensor<4x32xf32>) {
  // expected-error @+1 {{'mx.quantize' op shape mismatch: 'tensor<4x32xf32>' and '!mx.tensor<4x64, e4m3, axis = 1>'}}
  %0 = mx.quantize %x : tensor<4x32xf32> -> !mx.tensor<4x64, e4m3, axis = 1>
  return
}

// -----

func.func @quantize_element_type(%x: tensor<4x64xf16>) {
  // expected-error @+1 {{'mx.quantize' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type values}}
  %0 = mx.quantize %x : tensor<4x64xf16> -> !mx.tensor<4x64, e4m3, axis = 1>
  return
}

// -----

func.func @quantize_scale_rule(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'scale_rule' [floor, ceil, rceil, even]}}
  %0 = mx.quantize %x scale(up) : tensor<4x64xf32> -> !mx.tensor<4x64, e4m3, axis = 1>
  return
}

// -----

func.func @dequantize_shape(%q: !mx.tensor<4x64, e4m3, axis = 1>) {
  // expected-error @+1 {{'mx.dequantize' op shape mismatch: 'tensor<64x4xf32>' and '!mx.tensor<4x64, e4m3, axis = 1>'}}
  %0 = mx.dequantize %q : !mx.tensor<4x64, e4m3, axis = 1> -> tensor<64x4xf32>
  return
}

// -----

func.func @wrong_scale_shape(%e: tensor<4x32xi8>, %s: tensor<4x4xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.assemble' op scale buffer 'tensor<4x4xf8E8M0FNU>' does not match the blocks of '!mx.tensor<4x64, e2m1, axis = 1>', expected 'tensor<4x2xf8E8M0FNU>'}}
  %0 = mx.assemble %e, %s : tensor<4x32xi8>, tensor<4x4xf8E8M0FNU> -> !mx.tensor<4x64, e2m1, axis = 1>
  return
}

// -----

func.func @wrong_element_shape(%e: tensor<4x64xi8>, %s: tensor<4x2xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.assemble' op element buffer 'tensor<4x64xi8>' does not match the packed layout of '!mx.tensor<4x64, e2m1, axis = 1>', expected 'tensor<4x32xi8>'}}
  %0 = mx.assemble %e, %s : tensor<4x64xi8>, tensor<4x2xf8E8M0FNU> -> !mx.tensor<4x64, e2m1, axis = 1>
  return
}

// -----

func.func @wrong_disassemble_shape(%q: !mx.tensor<64x8, e2m3, axis = 0>) {
  // expected-error @+1 {{'mx.disassemble' op element buffer 'tensor<64x8xi8>' does not match the packed layout of '!mx.tensor<64x8, e2m3, axis = 0>', expected 'tensor<48x8xi8>'}}
  %0, %1 = mx.disassemble %q : !mx.tensor<64x8, e2m3, axis = 0> -> tensor<64x8xi8>, tensor<2x8xf8E8M0FNU>
  return
}

// -----

func.func @lookup_table_size(%t: vector<12xf32>, %i: vector<16xi32>) {
  // expected-error @+1 {{'mx.lookup' op table must have a power-of-two size, got 'vector<12xf32>'}}
  %0 = mx.lookup %t[%i] : vector<12xf32>, vector<16xi32> -> vector<16xf32>
  return
}

// -----

func.func @lookup_element_type(%t: vector<16xf32>, %i: vector<16xi32>) {
  // expected-error @+1 {{'mx.lookup' op result element type 'i32' differs from the table's 'f32'}}
  %0 = mx.lookup %t[%i] : vector<16xf32>, vector<16xi32> -> vector<16xi32>
  return
}

// -----

func.func @lookup_shape(%t: vector<16xf32>, %i: vector<16xi32>) {
  // expected-error @+1 {{'mx.lookup' op result shape must match the indices, got 'vector<32xf32>' for 'vector<16xi32>'}}
  %0 = mx.lookup %t[%i] : vector<16xf32>, vector<16xi32> -> vector<32xf32>
  return
}

// -----

func.func @matmul_reduction(%a: tensor<4x6xbf16>, %b: tensor<5x8xbf16>, %c: tensor<4x8xf32>) {
  // expected-error @+1 {{'mx.matmul' op reduction sizes differ: 'tensor<4x6xbf16>' times 'tensor<5x8xbf16>'}}
  %0 = mx.matmul %a, %b, %c : tensor<4x6xbf16>, tensor<5x8xbf16> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_acc(%a: tensor<4x6xbf16>, %b: tensor<6x8xbf16>, %c: tensor<4x7xf32>) {
  // expected-error @+1 {{'mx.matmul' op accumulator 'tensor<4x7xf32>' does not match 'tensor<4x6xbf16>' times 'tensor<6x8xbf16>'}}
  %0 = mx.matmul %a, %b, %c : tensor<4x6xbf16>, tensor<6x8xbf16> -> tensor<4x7xf32>
  return
}

// -----

func.func @dot_bf16_lanes(%acc: vector<16xf32>, %x: vector<16xbf16>) {
  // expected-error @+1 {{'mx.dot_bf16' op expects two bf16 elements per f32 lane, got 'vector<16xbf16>' for 'vector<16xf32>'}}
  %0 = mx.dot_bf16 %acc, %x, %x : vector<16xf32>, vector<16xbf16>
  return
}

// -----

func.func @cast_same_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'mx.cast' op converts f32 to bf16 or bf16 to f32, got 'f32' -> 'f32'}}
  %0 = mx.cast %x : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @cast_element_type(%x: tensor<4xf16>) {
  // expected-error @+1 {{'mx.cast' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type values, but got 'tensor<4xf16>'}}
  %0 = mx.cast %x : tensor<4xf16> -> tensor<4xbf16>
  return
}

// -----

func.func @cast_shape(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'mx.cast' op shape mismatch: 'tensor<4x8xf32>' and 'tensor<8x4xbf16>'}}
  %0 = mx.cast %x : tensor<4x8xf32> -> tensor<8x4xbf16>
  return
}

// -----

func.func @cast_dynamic_shape(%x: tensor<?xf32>) {
  // expected-error @+1 {{'mx.cast' op shape mismatch: 'tensor<?xf32>' and 'tensor<4xbf16>'}}
  %0 = mx.cast %x : tensor<?xf32> -> tensor<4xbf16>
  return
}

// -----

func.func @cast_missing_seed(%x: tensor<4xf32>) {
  // expected-error @+1 {{'mx.cast' op rounding(stochastic) needs a seed operand}}
  %0 = mx.cast %x rounding(stochastic) : tensor<4xf32> -> tensor<4xbf16>
  return
}

// -----

func.func @cast_unused_seed(%x: tensor<4xf32>, %s: i32) {
  // expected-error @+1 {{'mx.cast' op a seed is only allowed with rounding(stochastic)}}
  %0 = mx.cast %x rounding(truncate) seed(%s) : tensor<4xf32> -> tensor<4xbf16>
  return
}

// -----

func.func @cast_widening_rounding(%x: tensor<4xbf16>) {
  // expected-error @+1 {{'mx.cast' op bf16 -> f32 is exact: rounding must be rne (the default), got truncate}}
  %0 = mx.cast %x rounding(truncate) : tensor<4xbf16> -> tensor<4xf32>
  return
}

// -----

func.func @cast_widening_stochastic(%x: tensor<4xbf16>, %s: i32) {
  // expected-error @+1 {{'mx.cast' op bf16 -> f32 is exact: rounding must be rne (the default), got stochastic}}
  %0 = mx.cast %x rounding(stochastic) seed(%s) : tensor<4xbf16> -> tensor<4xf32>
  return
}

// -----

// expected-note @+1 {{prior use here}}
func.func @cast_seed_type(%x: tensor<4xf32>, %s: i64) {
  // expected-error @+1 {{use of value '%s' expects different type than prior uses: 'i32' vs 'i64'}}
  %0 = mx.cast %x rounding(stochastic) seed(%s) : tensor<4xf32> -> tensor<4xbf16>
  return
}
