// A two-layer FP32 network, y = relu(x W1) W2, in destination-passing style.
func.func @net(%x: memref<8x64xf32>, %w1: memref<64x32xf32>, %w2: memref<32x16xf32>,
               %y: memref<8x16xf32>) attributes {llvm.emit_c_interface} {
  %xt = bufferization.to_tensor %x restrict : memref<8x64xf32> to tensor<8x64xf32>
  %w1t = bufferization.to_tensor %w1 restrict : memref<64x32xf32> to tensor<64x32xf32>
  %w2t = bufferization.to_tensor %w2 restrict : memref<32x16xf32> to tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<8x32xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8x32xf32>) -> tensor<8x32xf32>
  %h = linalg.matmul ins(%xt, %w1t : tensor<8x64xf32>, tensor<64x32xf32>)
                     outs(%z1 : tensor<8x32xf32>) -> tensor<8x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
       ins(%h : tensor<8x32xf32>) outs(%e1 : tensor<8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<8x32xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %out = linalg.matmul ins(%r, %w2t : tensor<8x32xf32>, tensor<32x16xf32>)
                       outs(%z2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %y
      : (tensor<8x16xf32>, memref<8x16xf32>) -> ()
  return
}
