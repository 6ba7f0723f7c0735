// RUN: mx-opt %s | FileCheck %s
// RUN: mx-opt %s | mx-opt | FileCheck %s
// RUN: mx-opt %s --mlir-print-op-generic | mx-opt | FileCheck %s

// CHECK-LABEL: func @types
// CHECK-SAME: !mx.tensor<128x256, e4m3, axis = 1>
// CHECK-SAME: !mx.tensor<64x8, e5m2, axis = 0>
// CHECK-SAME: !mx.tensor<32, e2m3, axis = 0>
// CHECK-SAME: !mx.tensor<4x32, e3m2, axis = 1>
// CHECK-SAME: !mx.tensor<2x3x64, e2m1, axis = 2, block = 16>
// CHECK-SAME: !mx.tensor<96, int8, axis = 0>
func.func @types(%a: !mx.tensor<128x256, e4m3, axis = 1>,
                 %b: !mx.tensor<64x8, e5m2, axis = 0>,
                 %c: !mx.tensor<32, e2m3>,
                 %d: !mx.tensor<4x32, e3m2, axis = 1, block = 32>,
                 %e: !mx.tensor<2x3x64, e2m1, axis = 2, block = 16>,
                 %f: !mx.tensor<96, int8, axis = 0>) {
  return
}

// CHECK-LABEL: func @quantize
func.func @quantize(%x: tensor<4x64xf32>, %w: tensor<64x8xbf16>)
    -> (!mx.tensor<4x64, e4m3, axis = 1>, !mx.tensor<64x8, e2m1, axis = 0>,
        !mx.tensor<4x64, int8, axis = 1>) {
  // CHECK: mx.quantize %{{.*}} : tensor<4x64xf32> -> !mx.tensor<4x64, e4m3, axis = 1>
  %0 = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64, e4m3, axis = 1>
  // CHECK: mx.quantize %{{.*}} scale(rceil) flush_subnormals : tensor<64x8xbf16> -> !mx.tensor<64x8, e2m1, axis = 0>
  %1 = mx.quantize %w scale(rceil) flush_subnormals
         : tensor<64x8xbf16> -> !mx.tensor<64x8, e2m1, axis = 0>
  // CHECK: mx.quantize %{{.*}} scale(even) : tensor<4x64xf32> -> !mx.tensor<4x64, int8, axis = 1>
  %2 = mx.quantize %x scale(even) : tensor<4x64xf32> -> !mx.tensor<4x64, int8, axis = 1>
  return %0, %1, %2 : !mx.tensor<4x64, e4m3, axis = 1>,
      !mx.tensor<64x8, e2m1, axis = 0>, !mx.tensor<4x64, int8, axis = 1>
}

// CHECK-LABEL: func @quantize_explicit_floor
// The default scale rule is not printed.
// CHECK: mx.quantize %{{.*}} : tensor<32xf32> -> !mx.tensor<32, e5m2, axis = 0>
func.func @quantize_explicit_floor(%x: tensor<32xf32>) -> !mx.tensor<32, e5m2, axis = 0> {
  %0 = mx.quantize %x scale(floor) : tensor<32xf32> -> !mx.tensor<32, e5m2, axis = 0>
  return %0 : !mx.tensor<32, e5m2, axis = 0>
}

// CHECK-LABEL: func @dequantize
// CHECK: mx.dequantize %{{.*}} : !mx.tensor<4x64, e3m2, axis = 1> -> tensor<4x64xf32>
// CHECK: mx.dequantize %{{.*}} : !mx.tensor<4x64, e3m2, axis = 1> -> tensor<4x64xbf16>
func.func @dequantize(%q: !mx.tensor<4x64, e3m2, axis = 1>) -> (tensor<4x64xf32>, tensor<4x64xbf16>) {
  %0 = mx.dequantize %q : !mx.tensor<4x64, e3m2, axis = 1> -> tensor<4x64xf32>
  %1 = mx.dequantize %q : !mx.tensor<4x64, e3m2, axis = 1> -> tensor<4x64xbf16>
  return %0, %1 : tensor<4x64xf32>, tensor<4x64xbf16>
}

// CHECK-LABEL: func @storage
// CHECK: %[[Q:.*]] = mx.assemble %{{.*}}, %{{.*}} : tensor<4x32xi8>, tensor<4x2xf8E8M0FNU> -> !mx.tensor<4x64, e2m1, axis = 1>
// CHECK: mx.disassemble %[[Q]] : !mx.tensor<4x64, e2m1, axis = 1> -> tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>
// CHECK: mx.assemble %{{.*}}, %{{.*}} : tensor<48x8xi8>, tensor<2x8xf8E8M0FNU> -> !mx.tensor<64x8, e2m3, axis = 0>
func.func @storage(%e: tensor<4x32xi8>, %s: tensor<4x2xf8E8M0FNU>,
                   %e6: tensor<48x8xi8>, %s6: tensor<2x8xf8E8M0FNU>)
    -> (tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>, !mx.tensor<64x8, e2m3, axis = 0>) {
  %q = mx.assemble %e, %s : tensor<4x32xi8>, tensor<4x2xf8E8M0FNU> -> !mx.tensor<4x64, e2m1, axis = 1>
  %0, %1 = mx.disassemble %q : !mx.tensor<4x64, e2m1, axis = 1> -> tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>
  %q6 = mx.assemble %e6, %s6 : tensor<48x8xi8>, tensor<2x8xf8E8M0FNU> -> !mx.tensor<64x8, e2m3, axis = 0>
  return %0, %1, %q6 : tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>, !mx.tensor<64x8, e2m3, axis = 0>
}

// CHECK-LABEL: func @lookup
// CHECK: mx.lookup %{{.*}}[%{{.*}}] : vector<16xf32>, vector<32xi32> -> vector<32xf32>
// CHECK: mx.lookup %{{.*}}[%{{.*}}] : vector<32xi8>, vector<16xi8> -> vector<16xi8>
func.func @lookup(%t: vector<16xf32>, %i: vector<32xi32>, %t8: vector<32xi8>, %i8: vector<16xi8>)
    -> (vector<32xf32>, vector<16xi8>) {
  %0 = mx.lookup %t[%i] : vector<16xf32>, vector<32xi32> -> vector<32xf32>
  %1 = mx.lookup %t8[%i8] : vector<32xi8>, vector<16xi8> -> vector<16xi8>
  return %0, %1 : vector<32xf32>, vector<16xi8>
}

// CHECK-LABEL: func @matmul_bf16
// CHECK: mx.matmul %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x6xbf16>, tensor<6x8xbf16> -> tensor<4x8xf32>
// CHECK: mx.dot_bf16 %{{.*}}, %{{.*}}, %{{.*}} : vector<16xf32>, vector<32xbf16>
func.func @matmul_bf16(%a: tensor<4x6xbf16>, %b: tensor<6x8xbf16>, %c: tensor<4x8xf32>,
                       %acc: vector<16xf32>, %x: vector<32xbf16>, %y: vector<32xbf16>)
    -> (tensor<4x8xf32>, vector<16xf32>) {
  %0 = mx.matmul %a, %b, %c : tensor<4x6xbf16>, tensor<6x8xbf16> -> tensor<4x8xf32>
  %1 = mx.dot_bf16 %acc, %x, %y : vector<16xf32>, vector<32xbf16>
  return %0, %1 : tensor<4x8xf32>, vector<16xf32>
}

// CHECK-LABEL: func @cast
// CHECK: mx.cast %{{.*}} : tensor<4x64xf32> -> tensor<4x64xbf16>
// CHECK: mx.cast %{{.*}} rounding(truncate) denormals(flush) : tensor<4x64xf32> -> tensor<4x64xbf16>
// CHECK: mx.cast %{{.*}} rounding(stochastic) seed(%{{.*}}) : tensor<4x64xf32> -> tensor<4x64xbf16>
// CHECK: mx.cast %{{.*}} rounding(stochastic) seed(%{{.*}}) denormals(flush) : tensor<?x3xf32> -> tensor<?x3xbf16>
// CHECK: mx.cast %{{.*}} : tensor<4x64xbf16> -> tensor<4x64xf32>
// CHECK: mx.cast %{{.*}} denormals(flush) : tensor<bf16> -> tensor<f32>
// The defaults (rne, preserve) are not printed.
// CHECK: mx.cast %{{.*}} : tensor<4x64xf32> -> tensor<4x64xbf16>
func.func @cast(%x: tensor<4x64xf32>, %h: tensor<4x64xbf16>, %d: tensor<?x3xf32>,
                %s: tensor<bf16>, %seed: i32)
    -> (tensor<4x64xbf16>, tensor<4x64xbf16>, tensor<4x64xbf16>,
        tensor<?x3xbf16>, tensor<4x64xf32>, tensor<f32>, tensor<4x64xbf16>) {
  %0 = mx.cast %x : tensor<4x64xf32> -> tensor<4x64xbf16>
  %1 = mx.cast %x rounding(truncate) denormals(flush) : tensor<4x64xf32> -> tensor<4x64xbf16>
  %2 = mx.cast %x rounding(stochastic) seed(%seed) : tensor<4x64xf32> -> tensor<4x64xbf16>
  %3 = mx.cast %d rounding(stochastic) seed(%seed) denormals(flush) : tensor<?x3xf32> -> tensor<?x3xbf16>
  %4 = mx.cast %h : tensor<4x64xbf16> -> tensor<4x64xf32>
  %5 = mx.cast %s denormals(flush) : tensor<bf16> -> tensor<f32>
  %6 = mx.cast %x rounding(rne) denormals(preserve) : tensor<4x64xf32> -> tensor<4x64xbf16>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<4x64xbf16>, tensor<4x64xbf16>, tensor<4x64xbf16>,
      tensor<?x3xbf16>, tensor<4x64xf32>, tensor<f32>, tensor<4x64xbf16>
}
