// RUN: mx-opt %s -split-input-file -verify-diagnostics

func.func @positions(%pos: tensor<8xi32>, %crd: tensor<?xi32>,
                     %val: tensor<?xf32>, %b: tensor<33x5xf32>,
                     %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  // expected-error @+1 {{expects 36 positions (5 segments x 7 rows + 1), got 8}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc k_tile = 8
         : tensor<8xi32>, tensor<?xi32>, tensor<?xf32>, tensor<33x5xf32>
           -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}

// -----

func.func @columns(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                   %val: tensor<?xf32>, %b: tensor<33x5xf32>,
                   %acc: tensor<7x6xf32>) -> tensor<7x6xf32> {
  // expected-error @+1 {{accumulator 'tensor<7x6xf32>' does not have the 5 columns of 'tensor<33x5xf32>'}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc k_tile = 8
         : tensor<?xi32>, tensor<?xi32>, tensor<?xf32>, tensor<33x5xf32>
           -> tensor<7x6xf32>
  return %c : tensor<7x6xf32>
}

// -----

func.func @entries(%pos: tensor<?xi32>, %crd: tensor<10xi32>,
                   %val: tensor<11xf32>, %b: tensor<33x5xf32>,
                   %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  // expected-error @+1 {{has 10 coordinates but 11 values}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc k_tile = 8
         : tensor<?xi32>, tensor<10xi32>, tensor<11xf32>, tensor<33x5xf32>
           -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}

// -----

func.func @narrow(%pos: tensor<?xi32>, %crd: tensor<?xi16>,
                  %val: tensor<?xf32>, %b: tensor<70000x1xf32>,
                  %acc: tensor<1x1xf32>) -> tensor<1x1xf32> {
  // expected-error @+1 {{i16 coordinates need K <= 65536, got K = 70000}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc k_tile = 70000
         : tensor<?xi32>, tensor<?xi16>, tensor<?xf32>, tensor<70000x1xf32>
           -> tensor<1x1xf32>
  return %c : tensor<1x1xf32>
}

// -----

func.func @tile(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                %val: tensor<?xf32>, %b: tensor<33x5xf32>,
                %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  // expected-error @+1 {{attribute 'k_tile' failed to satisfy constraint}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc k_tile = 0
         : tensor<?xi32>, tensor<?xi32>, tensor<?xf32>, tensor<33x5xf32>
           -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}
