// RUN: mx-opt %s | mx-opt | FileCheck %s

// CHECK-LABEL: func @csr
// CHECK: mx.sparse_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k_tile = 64 : tensor<9217xi32>, tensor<117965xi16>, tensor<117965xf32>, tensor<2304x196xf32> -> tensor<256x196xf32>
func.func @csr(%pos: tensor<9217xi32>, %crd: tensor<117965xi16>,
               %val: tensor<117965xf32>, %b: tensor<2304x196xf32>,
               %acc: tensor<256x196xf32>) -> tensor<256x196xf32> {
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc k_tile = 64
         : tensor<9217xi32>, tensor<117965xi16>, tensor<117965xf32>,
           tensor<2304x196xf32> -> tensor<256x196xf32>
  return %c : tensor<256x196xf32>
}

// CHECK-LABEL: func @dynamic_nnz_bf16
// CHECK: k_tile = 100 : tensor<?xi32>, tensor<?xi32>, tensor<?xbf16>, tensor<33x5xf32> -> tensor<7x5xf32>
func.func @dynamic_nnz_bf16(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                            %val: tensor<?xbf16>, %b: tensor<33x5xf32>,
                            %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc k_tile = 100
         : tensor<?xi32>, tensor<?xi32>, tensor<?xbf16>, tensor<33x5xf32>
           -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}
