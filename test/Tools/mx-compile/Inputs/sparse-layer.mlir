// A masked linear layer with constant weights: 6 of 32 weights non-zero,
// the threshold s = -3200 (tau = 0), so the hard mask keeps exactly those.
func.func @layer(%x: tensor<8x5xf32>) -> tensor<4x5xf32> {
  %w = arith.constant dense<[[0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, -2.0],
                             [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                             [1.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.25, 0.0, 0.0, -1.0, 0.0]]> : tensor<4x8xf32>
  %s = arith.constant -3200.0 : f32
  %y = mx.masked_matmul %w, %x, %s mode(hard)
      : tensor<4x8xf32>, tensor<8x5xf32>, f32 -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}
