// One FP32 GEMM in destination-passing style for the precision policies
// (matmul-accumulation.test).
func.func @gemm(%x: memref<64x96xf32>, %w: memref<96x48xf32>,
                %y: memref<64x48xf32>) {
  %xt = bufferization.to_tensor %x restrict : memref<64x96xf32> to tensor<64x96xf32>
  %wt = bufferization.to_tensor %w restrict : memref<96x48xf32> to tensor<96x48xf32>
  %yt = bufferization.to_tensor %y restrict writable : memref<64x48xf32> to tensor<64x48xf32>
  %r = linalg.matmul ins(%xt, %wt : tensor<64x96xf32>, tensor<96x48xf32>)
                     outs(%yt : tensor<64x48xf32>) -> tensor<64x48xf32>
  bufferization.materialize_in_destination %r in restrict writable %y
      : (tensor<64x48xf32>, memref<64x48xf32>) -> ()
  return
}
