// RUN: mx-opt %s -split-input-file -verify-diagnostics

func.func @mask_bf16(%w: tensor<8x16xbf16>, %s: f32) {
  // expected-error @+1 {{'mx.sparse_mask' op operand #0 must be ranked tensor of 32-bit float values}}
  %0 = mx.sparse_mask %w, %s : tensor<8x16xbf16>, f32
  return
}

// -----

func.func @threshold_not_scalar(%w: tensor<8x16xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{'mx.sparse_mask' op operand #1 must be f32 or tensor<f32>}}
  %0 = mx.sparse_mask %w, %s : tensor<8x16xf32>, tensor<1xf32>
  return
}

// -----

func.func @bad_mode(%w: tensor<8x16xf32>, %s: f32) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'mode' [soft, hard]}}
  %0 = mx.sparse_mask %w, %s mode(medium) : tensor<8x16xf32>, f32
  return
}

// -----

func.func @ga_shape(%g: tensor<8x16xf32>, %w: tensor<8x17xf32>, %s: f32, %a: f32) {
  // expected-error @+1 {{'mx.ga_grad' op failed to verify that all of {grad, weight, result} have same type}}
  %0 = "mx.ga_grad"(%g, %w, %s, %a) : (tensor<8x16xf32>, tensor<8x17xf32>, f32, f32) -> tensor<8x16xf32>
  return
}

// -----

func.func @matmul_reduction(%w: tensor<8x16xf32>, %x: tensor<15x4xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_matmul' op reduction size mismatch: weight has 16 (dimension 1 of 'tensor<8x16xf32>') but input has 15 (dimension 0 of 'tensor<15x4xf32>')}}
  %0 = mx.masked_matmul %w, %x, %s : tensor<8x16xf32>, tensor<15x4xf32>, f32 -> tensor<8x4xf32>
  return
}

// -----

func.func @matmul_result(%w: tensor<8x16xf32>, %x: tensor<16x4xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_matmul' op result columns mismatch: result has 5 (dimension 1 of 'tensor<8x5xf32>') but input has 4 (dimension 1 of 'tensor<16x4xf32>')}}
  %0 = mx.masked_matmul %w, %x, %s : tensor<8x16xf32>, tensor<16x4xf32>, f32 -> tensor<8x5xf32>
  return
}

// -----

func.func @matmul_rank(%w: tensor<8x16x1xf32>, %x: tensor<16x4xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_matmul' op operand #0 must be 2D tensor of 32-bit float values}}
  %0 = mx.masked_matmul %w, %x, %s : tensor<8x16x1xf32>, tensor<16x4xf32>, f32 -> tensor<8x4xf32>
  return
}

// -----

func.func @grad_input_rows(%w: tensor<8x16xf32>, %dy: tensor<8x4xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_matmul_grad_input' op result rows mismatch: result has 8 (dimension 0 of 'tensor<8x4xf32>') but weight has 16 (dimension 1 of 'tensor<8x16xf32>')}}
  %0 = mx.masked_matmul_grad_input %w, %dy, %s : tensor<8x16xf32>, tensor<8x4xf32>, f32 -> tensor<8x4xf32>
  return
}

// -----

func.func @grad_weight_reduction(%dy: tensor<8x4xf32>, %x: tensor<16x5xf32>) {
  // expected-error @+1 {{'mx.masked_matmul_grad_weight' op reduction size mismatch: grad_output has 4 (dimension 1 of 'tensor<8x4xf32>') but input has 5 (dimension 1 of 'tensor<16x5xf32>')}}
  %0 = mx.masked_matmul_grad_weight %dy, %x : tensor<8x4xf32>, tensor<16x5xf32> -> tensor<8x16xf32>
  return
}

// -----

func.func @conv_output_size(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_conv2d' op expected result spatial dimension 0 of size 4 (input 8, kernel 3, stride 2, padding 1, dilation 1), got 5}}
  %0 = mx.masked_conv2d %x, %w, %s {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>}
         : tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>, f32 -> tensor<1x6x5x4xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<6x3x3x3xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_conv2d' op input channels mismatch: input has 4 (dimension 1 of 'tensor<1x4x8x8xf32>') but weight has 3 (dimension 1 of 'tensor<6x3x3x3xf32>')}}
  %0 = mx.masked_conv2d %x, %w, %s : tensor<1x4x8x8xf32>, tensor<6x3x3x3xf32>, f32 -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @conv_stride(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_conv2d' op 'strides' values must be >= 1, got 0}}
  %0 = mx.masked_conv2d %x, %w, %s {strides = array<i64: 0, 1>} : tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>, f32 -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @conv_padding_arity(%x: tensor<1x4x8x8xf32>, %w: tensor<6x4x3x3xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_conv2d' op 'padding' must have 2 values [h, w], got 4}}
  %0 = mx.masked_conv2d %x, %w, %s {padding = array<i64: 1, 1, 1, 1>} : tensor<1x4x8x8xf32>, tensor<6x4x3x3xf32>, f32 -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @conv_kernel_too_big(%x: tensor<1x4x2x8xf32>, %w: tensor<6x4x3x3xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_conv2d' op kernel extent 3 exceeds the padded input size 2 in spatial dimension 0}}
  %0 = mx.masked_conv2d %x, %w, %s : tensor<1x4x2x8xf32>, tensor<6x4x3x3xf32>, f32 -> tensor<1x6x1x6xf32>
  return
}

// -----

func.func @conv_dynamic(%x: tensor<?x4x8x8xf32>, %w: tensor<6x4x3x3xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_conv2d' op requires static shapes}}
  %0 = mx.masked_conv2d %x, %w, %s : tensor<?x4x8x8xf32>, tensor<6x4x3x3xf32>, f32 -> tensor<?x6x6x6xf32>
  return
}

// -----

func.func @conv_grad_weight_kernel(%x: tensor<1x4x8x8xf32>, %dy: tensor<1x6x6x6xf32>) {
  // expected-error @+1 {{'mx.masked_conv2d_grad_weight' op expected grad_output spatial dimension 0 of size 4 (input 8, kernel 5, stride 1, padding 0, dilation 1), got 6}}
  %0 = mx.masked_conv2d_grad_weight %x, %dy : tensor<1x4x8x8xf32>, tensor<1x6x6x6xf32> -> tensor<6x4x5x5xf32>
  return
}

// -----

func.func @conv_grad_input_batch(%dy: tensor<2x6x6x6xf32>, %w: tensor<6x4x3x3xf32>, %s: f32) {
  // expected-error @+1 {{'mx.masked_conv2d_grad_input' op batch size mismatch: input has 1 (dimension 0 of 'tensor<1x4x8x8xf32>') but grad_output has 2 (dimension 0 of 'tensor<2x6x6x6xf32>')}}
  %0 = mx.masked_conv2d_grad_input %dy, %w, %s : tensor<2x6x6x6xf32>, tensor<6x4x3x3xf32>, f32 -> tensor<1x4x8x8xf32>
  return
}
