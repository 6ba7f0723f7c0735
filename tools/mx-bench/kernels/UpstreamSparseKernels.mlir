// Benchmark peer: upstream MLIR's sparsifier on the CSR x dense product of
// the 256 x 2304 x 196 ResNet-50 layer (plain CSR, i32 positions and
// coordinates), compiled at build time by the stock mlir-opt with
// --sparsifier="vl=16 enable-runtime-library=false
// reassociate-fp-reductions=true enable-index-optimizations=true"
// (tools/mx-bench/CMakeLists.txt). C += A * B in place, with k ascending per
// output and no FMA: the same sums as mx.sparse_matmul.
#CSR = #sparse_tensor.encoding<{
  map = (i, j) -> (i : dense, j : compressed), posWidth = 32, crdWidth = 32
}>
func.func @upstream_spmm_256x2304x196(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
    %val: tensor<?xf32>, %b: tensor<2304x196xf32>, %c: tensor<256x196xf32>)
    -> tensor<256x196xf32> attributes {llvm.emit_c_interface} {
  %a = sparse_tensor.assemble (%pos, %crd), %val
      : (tensor<?xi32>, tensor<?xi32>), tensor<?xf32>
        to tensor<256x2304xf32, #CSR>
  %r = linalg.matmul ins(%a, %b : tensor<256x2304xf32, #CSR>, tensor<2304x196xf32>)
                     outs(%c : tensor<256x196xf32>) -> tensor<256x196xf32>
  return %r : tensor<256x196xf32>
}
