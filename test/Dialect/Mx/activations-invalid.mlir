// RUN: mx-opt %s -split-input-file -verify-diagnostics

func.func @mantissa_on_bf16(%x: tensor<16xbf16>) -> tensor<16xbf16> {
  // expected-error @+1 {{'mx.ktanh' op mantissa(full) applies to f32 tensors only; a 'bf16' tensor always uses its own 7-bit mantissa}}
  %0 = mx.ktanh %x mantissa(full) : tensor<16xbf16>
  return %0 : tensor<16xbf16>
}

// -----

func.func @mantissa_bf16_on_bf16(%x: tensor<16xbf16>) -> tensor<16xbf16> {
  // expected-error @+1 {{'mx.kgelu' op mantissa(bf16) applies to f32 tensors only}}
  %0 = mx.kgelu %x mantissa(bf16) : tensor<16xbf16>
  return %0 : tensor<16xbf16>
}

// -----

func.func @f16(%x: tensor<16xf16>) -> tensor<16xf16> {
  // expected-error @+1 {{'mx.ksigmoid' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type values}}
  %0 = "mx.ksigmoid"(%x) : (tensor<16xf16>) -> tensor<16xf16>
  return %0 : tensor<16xf16>
}

// -----

func.func @types_differ(%x: tensor<16xf32>) -> tensor<16xbf16> {
  // expected-error @+1 {{'mx.kswish' op failed to verify that all of {input, result} have same type}}
  %0 = "mx.kswish"(%x) : (tensor<16xf32>) -> tensor<16xbf16>
  return %0 : tensor<16xbf16>
}

// -----

func.func @bad_mantissa(%x: tensor<16xf32>) -> tensor<16xf32> {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'mantissa' [bf16, full]}}
  %0 = mx.ktanh %x mantissa(tf32) : tensor<16xf32>
  return %0 : tensor<16xf32>
}
