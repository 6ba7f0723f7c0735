// RUN: mx-opt %s --mx-bf16 --split-input-file | FileCheck %s
// RUN: mx-opt %s --mx-bf16="ops=linalg.generic report=true" --split-input-file \
// RUN:   2>&1 | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<8x64xf32>, %[[W:.*]]: tensor<64x32xf32>, %[[ACC:.*]]: tensor<8x32xf32>)
// CHECK: %[[XB:.*]] = mx.cast %[[X]] : tensor<8x64xf32> -> tensor<8x64xbf16>
// CHECK: %[[WB:.*]] = mx.cast %[[W]] : tensor<64x32xf32> -> tensor<64x32xbf16>
// CHECK: %[[Y:.*]] = mx.matmul %[[XB]], %[[WB]], %[[ACC]] : tensor<8x64xbf16>, tensor<64x32xbf16> -> tensor<8x32xf32>
// The elementwise op (and the weights it would update) stays f32.
// CHECK: linalg.generic {{.*}} ins(%[[Y]] : tensor<8x32xf32>)
// CHECK: arith.maximumf {{.*}} : f32
// GENERIC: remark: mx-bf16: bf16 inputs, f32 accumulation
// GENERIC-LABEL: func @matmul
// GENERIC: linalg.matmul
// GENERIC: mx.cast %{{.*}} : tensor<8x32xf32> -> tensor<8x32xbf16>
// GENERIC: ^bb0(%[[IN:.*]]: bf16, %{{.*}}: f32):
// GENERIC: %[[WIDE:.*]] = arith.extf %[[IN]] : bf16 to f32
// GENERIC: arith.maximumf %[[WIDE]]
func.func @matmul(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %acc: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>)
                     outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<8x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
       ins(%y : tensor<8x32xf32>) outs(%init : tensor<8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// -----

// CHECK-LABEL: func @batch_matmul
// CHECK: %[[AB:.*]] = mx.cast %{{.*}} : tensor<3x4x6xf32> -> tensor<3x4x6xbf16>
// CHECK: %[[BB:.*]] = mx.cast %{{.*}} : tensor<3x6x5xf32> -> tensor<3x6x5xbf16>
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[C:.*]] = %{{.*}}) -> (tensor<3x4x5xf32>)
// CHECK:   %[[CS:.*]] = tensor.extract_slice %[[C]][%[[I]], 0, 0] [1, 4, 5] [1, 1, 1] : tensor<3x4x5xf32> to tensor<4x5xf32>
// CHECK:   %[[AS:.*]] = tensor.extract_slice %[[AB]][%[[I]], 0, 0] [1, 4, 6] [1, 1, 1]
// CHECK:   %[[BS:.*]] = tensor.extract_slice %[[BB]][%[[I]], 0, 0] [1, 6, 5] [1, 1, 1]
// CHECK:   %[[P:.*]] = mx.matmul %[[AS]], %[[BS]], %[[CS]] : tensor<4x6xbf16>, tensor<6x5xbf16> -> tensor<4x5xf32>
// CHECK:   tensor.insert_slice %[[P]] into %[[C]][%[[I]], 0, 0] [1, 4, 5] [1, 1, 1]
func.func @batch_matmul(%a: tensor<3x4x6xf32>, %b: tensor<3x6x5xf32>, %c: tensor<3x4x5xf32>) -> tensor<3x4x5xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<3x4x6xf32>, tensor<3x6x5xf32>)
                           outs(%c : tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  return %r : tensor<3x4x5xf32>
}

// -----

// Convolutions go through im2col, as in mx-quantize, with K unpadded:
// patches [N*OH*OW, KH*KW*C] times the filter as [KH*KW*C, F].
// CHECK-LABEL: func @conv
// CHECK-SAME: (%[[I:.*]]: tensor<1x8x8x3xf32>, %[[F:.*]]: tensor<3x3x3x4xf32>, %[[O:.*]]: tensor<1x6x6x4xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<36x27xf32>)
// CHECK: tensor.extract %[[I]]
// CHECK: %[[PB:.*]] = mx.cast %[[P]] : tensor<36x27xf32> -> tensor<36x27xbf16>
// CHECK: %[[FB:.*]] = mx.cast %{{.*}} : tensor<27x4xf32> -> tensor<27x4xbf16>
// CHECK: %[[Y:.*]] = mx.matmul %[[PB]], %[[FB]], %{{.*}} : tensor<36x27xbf16>, tensor<27x4xbf16> -> tensor<36x4xf32>
// CHECK: tensor.expand_shape {{.*}} output_shape [1, 6, 6, 4]
// CHECK-NOT: linalg.conv
func.func @conv(%i: tensor<1x8x8x3xf32>, %f: tensor<3x3x3x4xf32>, %o: tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%i, %f : tensor<1x8x8x3xf32>, tensor<3x3x3x4xf32>) outs(%o : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  return %r : tensor<1x6x6x4xf32>
}

// -----

// Dynamic shapes and non-f32 element types are left alone.
// CHECK-LABEL: func @untouched
// CHECK-NOT: mx.
// CHECK: linalg.matmul
// CHECK: linalg.matmul
func.func @untouched(%a: tensor<?x4xf32>, %b: tensor<4x4xf32>, %c: tensor<?x4xf32>,
                     %d: tensor<4x4xf16>, %e: tensor<4x4xf16>, %f: tensor<4x4xf16>) -> (tensor<?x4xf32>, tensor<4x4xf16>) {
  %r = linalg.matmul ins(%a, %b : tensor<?x4xf32>, tensor<4x4xf32>) outs(%c : tensor<?x4xf32>) -> tensor<?x4xf32>
  %s = linalg.matmul ins(%d, %e : tensor<4x4xf16>, tensor<4x4xf16>) outs(%f : tensor<4x4xf16>) -> tensor<4x4xf16>
  return %r, %s : tensor<?x4xf32>, tensor<4x4xf16>
}

// -----

// A constant weight is rounded at compile time: the matmul reads a bf16
// constant (0.1 is 0x3DCCCCCD in f32, 0x3DCD in bf16 by RNE, printed as
// 1.000980e-01).
// CHECK-LABEL: func @constant_weight
// CHECK: %[[XB:.*]] = mx.cast %{{.*}} : tensor<8x64xf32> -> tensor<8x64xbf16>
// CHECK-NOT: mx.cast
// CHECK: %[[W:.*]] = arith.constant dense<1.000980e-01> : tensor<64x32xbf16>
// CHECK-NOT: mx.cast
// CHECK: mx.matmul %[[XB]], %[[W]]
func.func @constant_weight(%x: tensor<8x64xf32>, %acc: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %w = arith.constant dense<0.1> : tensor<64x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>)
                     outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

// NCHW, stride 2: per image, the filter as [F, C*KH*KW] (cast once, here a
// constant rounded at compile time) times patches [C*KH*KW, OH*OW].
// CHECK-LABEL: func @conv_nchw_constant_filter
// CHECK-DAG: %[[W:.*]] = arith.constant dense<-1.250000e+00> : tensor<5x18xbf16>
// CHECK: scf.for
// CHECK: %[[P:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<18x9xf32>)
// CHECK: %[[PB:.*]] = mx.cast %[[P]] : tensor<18x9xf32> -> tensor<18x9xbf16>
// CHECK: mx.matmul %[[W]], %[[PB]], %{{.*}} : tensor<5x18xbf16>, tensor<18x9xbf16> -> tensor<5x9xf32>
// CHECK-NOT: linalg.conv
func.func @conv_nchw_constant_filter(%i: tensor<2x2x7x7xf32>, %o: tensor<2x5x3x3xf32>) -> tensor<2x5x3x3xf32> {
  %f = arith.constant dense<-1.25> : tensor<5x2x3x3xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%i, %f : tensor<2x2x7x7xf32>, tensor<5x2x3x3xf32>) outs(%o : tensor<2x5x3x3xf32>) -> tensor<2x5x3x3xf32>
  return %r : tensor<2x5x3x3xf32>
}
