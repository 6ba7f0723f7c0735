// RUN: mx-opt %s --mx-lower-to-linalg --split-input-file | FileCheck %s

// The reference lowering: one linalg.generic, the packed table a constant
// tensor read with tensor.extract at index (bits >> 20) & 31 (f32: entries
// shifted into the high half) or (bits >> 4) & 31 (bf16 mx.ktanh).

// CHECK-LABEL: func @ktanh_f32
// CHECK: %[[TABLE:.*]] = arith.constant dense<[561446912, 1098514432, {{.*}}, 1097728000]> : tensor<32xi32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK: arith.shrui %{{.*}}, %c20_i32 : i32
// CHECK: tensor.extract %[[TABLE]]
// CHECK: arith.andi %{{.*}}, %c8388607_i32 : i32
// CHECK: arith.cmpi ult, %{{.*}}, %c1048576000_i32 : i32
// CHECK: arith.cmpi ugt, %{{.*}}, %c1081081856_i32 : i32
// CHECK: arith.cmpi ugt, %{{.*}}, %c2139095040_i32 : i32
// CHECK: linalg.yield %{{.*}} : f32
func.func @ktanh_f32(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  %0 = mx.ktanh %x : tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}

// -----

// The bf16 mantissa variant keeps only M[22:16] of the shifted mantissa.
// CHECK-LABEL: func @ktanh_f32_bf16_mantissa
// CHECK: arith.andi %{{.*}}, %c8323072_i32 : i32
// CHECK: arith.shrui
// CHECK: arith.andi %{{.*}}, %c8323072_i32{{.*}} : i32
func.func @ktanh_f32_bf16_mantissa(%x: tensor<64xf32>) -> tensor<64xf32> {
  %0 = mx.ktanh %x mantissa(bf16) : tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// CHECK-LABEL: func @ktanh_bf16
// CHECK: %[[TABLE:.*]] = arith.constant dense<[8567, 16762, {{.*}}, 16750]> : tensor<32xi16>
// CHECK: linalg.generic
// CHECK: arith.bitcast %{{.*}} : bf16 to i16
// CHECK: arith.shrui %{{.*}}, %c4_i16 : i16
// CHECK: tensor.extract %[[TABLE]]
// CHECK: arith.bitcast %{{.*}} : i16 to bf16
func.func @ktanh_bf16(%x: tensor<128xbf16>) -> tensor<128xbf16> {
  %0 = mx.ktanh %x : tensor<128xbf16>
  return %0 : tensor<128xbf16>
}

// -----

// Derived activations on bf16 compute in f32 and round once (RNE).
// CHECK-LABEL: func @kgelu_bf16
// CHECK: tensor<32xi32>
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: tensor.extract
// CHECK: arith.addi %c32767_i32, %{{.*}} : i32
// CHECK: arith.trunci %{{.*}} : i32 to i16
func.func @kgelu_bf16(%x: tensor<128xbf16>) -> tensor<128xbf16> {
  %0 = mx.kgelu %x : tensor<128xbf16>
  return %0 : tensor<128xbf16>
}

// -----

// CHECK-LABEL: func @ksigmoid_0d
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = []
// CHECK: arith.mulf %{{.*}}, %cst{{.*}} : f32
func.func @ksigmoid_0d(%x: tensor<f32>) -> tensor<f32> {
  %0 = mx.ksigmoid %x : tensor<f32>
  return %0 : tensor<f32>
}

// -----

// bf16 sigmoid reads the table rotated by 8 entries at x's own index (the
// entry of x / 2) and compares against doubled thresholds (0.5, 7.5).
// CHECK-LABEL: func @ksigmoid_bf16
// CHECK: %[[TABLE:.*]] = arith.constant dense<[321, 4424, 4425, 4425, 8536, 8537, 8537, 16750, 8567, 16762, {{.*}}, 4356]> : tensor<32xi16>
// CHECK: linalg.generic
// CHECK: tensor.extract %[[TABLE]]
// CHECK: arith.cmpi ult, %{{.*}}, %c16128_i16 : i16
// CHECK: arith.cmpi ugt, %{{.*}}, %c16624_i16 : i16
// CHECK: arith.mulf %{{.*}}, %cst{{.*}} fastmath<contract> : f32
func.func @ksigmoid_bf16(%x: tensor<64xbf16>) -> tensor<64xbf16> {
  %0 = mx.ksigmoid %x : tensor<64xbf16>
  return %0 : tensor<64xbf16>
}
