// MXINT8 64x4096x300 with run-time operands: K in four chunks of 1024 (one
// loop), each packing 67 KB of A and 327 KB of B on the heap.
func.func @mm(%ae: memref<64x4096xi8>, %as: memref<64x128xf8E8M0FNU>,
              %be: memref<4096x300xi8>, %bs: memref<128x300xf8E8M0FNU>,
              %c: memref<64x300xf32>) attributes {llvm.emit_c_interface} {
  %aet = bufferization.to_tensor %ae restrict : memref<64x4096xi8> to tensor<64x4096xi8>
  %ast = bufferization.to_tensor %as restrict : memref<64x128xf8E8M0FNU> to tensor<64x128xf8E8M0FNU>
  %bet = bufferization.to_tensor %be restrict : memref<4096x300xi8> to tensor<4096x300xi8>
  %bst = bufferization.to_tensor %bs restrict : memref<128x300xf8E8M0FNU> to tensor<128x300xf8E8M0FNU>
  %ct = bufferization.to_tensor %c restrict writable : memref<64x300xf32> to tensor<64x300xf32>
  %a = mx.assemble %aet, %ast : tensor<64x4096xi8>, tensor<64x128xf8E8M0FNU>
      -> !mx.tensor<64x4096, int8, axis = 1>
  %b = mx.assemble %bet, %bst : tensor<4096x300xi8>, tensor<128x300xf8E8M0FNU>
      -> !mx.tensor<4096x300, int8, axis = 0>
  %r = mx.matmul %a, %b, %ct
      : !mx.tensor<64x4096, int8, axis = 1>, !mx.tensor<4096x300, int8, axis = 0>
        -> tensor<64x300xf32>
  bufferization.materialize_in_destination %r in restrict writable %c
      : (tensor<64x300xf32>, memref<64x300xf32>) -> ()
  return
}
