// A matmul whose accumulator is an argument and whose result is returned
// as a tensor (not written into a destination buffer): the returned buffer
// aliases the argument, so the caller gets a copy it owns.
func.func @mm(%a: tensor<4x64xf32>, %b: tensor<64x8xf32>,
              %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x64xf32>, tensor<64x8xf32>)
                     outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
