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

// MX codes: E4M3 values with a 256 x 72 grid of block scales.
// CHECK-LABEL: func @mx_codes
// CHECK: mx.sparse_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} scales %{{.*}} k_tile = 64 value_format = e4m3 : tensor<9217xi32>, tensor<117965xi16>, tensor<117965xi8>, tensor<2304x196xf32>, tensor<18432xf8E8M0FNU> -> tensor<256x196xf32>
func.func @mx_codes(%pos: tensor<9217xi32>, %crd: tensor<117965xi16>,
                    %codes: tensor<117965xi8>, %scales: tensor<18432xf8E8M0FNU>,
                    %b: tensor<2304x196xf32>,
                    %acc: tensor<256x196xf32>) -> tensor<256x196xf32> {
  %c = mx.sparse_matmul %pos, %crd, %codes, %b, %acc scales %scales
         k_tile = 64 value_format = e4m3
         : tensor<9217xi32>, tensor<117965xi16>, tensor<117965xi8>,
           tensor<2304x196xf32>, tensor<18432xf8E8M0FNU> -> tensor<256x196xf32>
  return %c : tensor<256x196xf32>
}

// K = 33: two blocks per row (the second of one column); dynamic sizes.
// CHECK-LABEL: func @mx_dynamic
// CHECK: scales %{{.*}} k_tile = 100 value_format = int8 : tensor<?xi32>, tensor<?xi32>, tensor<?xi8>, tensor<33x5xf32>, tensor<?xf8E8M0FNU> -> tensor<7x5xf32>
func.func @mx_dynamic(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                      %codes: tensor<?xi8>, %scales: tensor<?xf8E8M0FNU>,
                      %b: tensor<33x5xf32>,
                      %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  %c = mx.sparse_matmul %pos, %crd, %codes, %b, %acc scales %scales
         k_tile = 100 value_format = int8
         : tensor<?xi32>, tensor<?xi32>, tensor<?xi8>, tensor<33x5xf32>,
           tensor<?xf8E8M0FNU> -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}
