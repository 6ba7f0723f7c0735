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

// -----

func.func @mx_scale_count(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                          %val: tensor<?xi8>, %s: tensor<7xf8E8M0FNU>,
                          %b: tensor<33x5xf32>,
                          %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  // expected-error @+1 {{expects 14 scales (7 rows x 2 blocks of 32 columns), got 7}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc scales %s k_tile = 8
         value_format = e2m1
         : tensor<?xi32>, tensor<?xi32>, tensor<?xi8>, tensor<33x5xf32>,
           tensor<7xf8E8M0FNU> -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}

// -----

func.func @mx_no_format(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                        %val: tensor<?xi8>, %s: tensor<?xf8E8M0FNU>,
                        %b: tensor<33x5xf32>,
                        %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  // expected-error @+1 {{i8 values (MX codes) need a value_format}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc scales %s k_tile = 8
         : tensor<?xi32>, tensor<?xi32>, tensor<?xi8>, tensor<33x5xf32>,
           tensor<?xf8E8M0FNU> -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}

// -----

func.func @mx_no_scales(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                        %val: tensor<?xi8>, %b: tensor<33x5xf32>,
                        %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  // expected-error @+1 {{i8 values (MX codes) need scales}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc k_tile = 8
         value_format = e4m3
         : tensor<?xi32>, tensor<?xi32>, tensor<?xi8>, tensor<33x5xf32>
           -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}

// -----

func.func @f32_with_format(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                           %val: tensor<?xf32>, %b: tensor<33x5xf32>,
                           %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  // expected-error @+1 {{value_format needs i8 values (MX codes), got 'tensor<?xf32>'}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc k_tile = 8
         value_format = e4m3
         : tensor<?xi32>, tensor<?xi32>, tensor<?xf32>, tensor<33x5xf32>
           -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}

// -----

func.func @bf16_with_scales(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                            %val: tensor<?xbf16>, %s: tensor<14xf8E8M0FNU>,
                            %b: tensor<33x5xf32>,
                            %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  // expected-error @+1 {{scales need i8 values (MX codes), got 'tensor<?xbf16>'}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc scales %s k_tile = 8
         : tensor<?xi32>, tensor<?xi32>, tensor<?xbf16>, tensor<33x5xf32>,
           tensor<14xf8E8M0FNU> -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}

// -----

func.func @mx_scale_type(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                         %val: tensor<?xi8>, %s: tensor<14xi8>,
                         %b: tensor<33x5xf32>,
                         %acc: tensor<7x5xf32>) -> tensor<7x5xf32> {
  // expected-error @+1 {{operand #3 must be 1D tensor of f8E8M0FNU type values, but got 'tensor<14xi8>'}}
  %c = mx.sparse_matmul %pos, %crd, %val, %b, %acc scales %s k_tile = 8
         value_format = e4m3
         : tensor<?xi32>, tensor<?xi32>, tensor<?xi8>, tensor<33x5xf32>,
           tensor<14xi8> -> tensor<7x5xf32>
  return %c : tensor<7x5xf32>
}
