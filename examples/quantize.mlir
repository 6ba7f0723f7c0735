// Quantizes an FP32 activation to MXFP8 (E4M3) and a weight to MXFP4 (E2M1),
// then dequantizes both back to FP32.
func.func @main(%act: tensor<2x64xf32>, %weight: tensor<64x16xf32>)
    -> (tensor<2x64xf32>, tensor<64x16xf32>) {
  %qa = mx.quantize %act : tensor<2x64xf32> -> !mx.tensor<2x64, e4m3, axis = 1>
  %qw = mx.quantize %weight : tensor<64x16xf32> -> !mx.tensor<64x16, e2m1, axis = 0>
  %a = mx.dequantize %qa : !mx.tensor<2x64, e4m3, axis = 1> -> tensor<2x64xf32>
  %w = mx.dequantize %qw : !mx.tensor<64x16, e2m1, axis = 0> -> tensor<64x16xf32>
  return %a, %w : tensor<2x64xf32>, tensor<64x16xf32>
}
