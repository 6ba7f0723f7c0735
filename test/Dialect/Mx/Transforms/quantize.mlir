// RUN: mx-opt %s --mx-quantize --split-input-file | FileCheck %s
// RUN: mx-opt %s --mx-quantize="weights=int8 activations=e2m3 block=16 fold-constants=false" \
// RUN:   --split-input-file | FileCheck %s --check-prefix=OPTS
// RUN: mx-opt %s --mx-quantize="ops=linalg.matmul report=true" --split-input-file \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: not mx-opt %s --mx-quantize="weights=fp4" --split-input-file 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADFORMAT
// RUN: not mx-opt %s --mx-quantize="weights=e2m3 block=6" --split-input-file 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADBLOCK

// BADFORMAT: error: mx-quantize: unknown format 'fp4'; expected e4m3, e5m2, e2m3, e3m2, e2m1 or int8
// BADBLOCK: error: mx-quantize: block 6 is not a positive multiple of 4 (e2m3 packing)

// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<8x64xf32>, %[[W:.*]]: tensor<64x32xf32>, %[[ACC:.*]]: tensor<8x32xf32>)
// CHECK: %[[XQ:.*]] = mx.quantize %[[X]] : tensor<8x64xf32> -> !mx.tensor<8x64, e4m3, axis = 1>
// CHECK: %[[WQ:.*]] = mx.quantize %[[W]] : tensor<64x32xf32> -> !mx.tensor<64x32, e2m1, axis = 0>
// CHECK: %[[Y:.*]] = mx.matmul %[[XQ]], %[[WQ]], %[[ACC]] : !mx.tensor<8x64, e4m3, axis = 1>, !mx.tensor<64x32, e2m1, axis = 0> -> tensor<8x32xf32>
// The elementwise op stays f32.
// CHECK: linalg.generic {{.*}} ins(%[[Y]] : tensor<8x32xf32>)
// CHECK: arith.maximumf {{.*}} : f32
// OPTS-LABEL: func @matmul
// OPTS: mx.quantize %{{.*}} : tensor<8x64xf32> -> !mx.tensor<8x64, e2m3, axis = 1, block = 16>
// OPTS: mx.quantize %{{.*}} : tensor<64x32xf32> -> !mx.tensor<64x32, int8, axis = 0, block = 16>
// REPORT: remark: mx-quantize: linalg.matmul -> mx.matmul (activations e4m3, weights e2m1, block 32)
// REPORT: remark: mx-quantize: rewrote 1 of 1 GEMM/conv ops (1 linalg.matmul), 0 constant weight(s) quantized at compile time; 0 left in FP32; all other ops stay FP32
func.func @matmul(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %acc: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>)
                     outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>
  %e = tensor.empty() : tensor<8x32xf32>
  %zero = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
       ins(%y : tensor<8x32xf32>) outs(%e : tensor<8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// -----

// K = 40 is padded to 64 with zeros; the constant weight is quantized at
// compile time: 64 x 2 MXFP4 = 32 x 2 bytes and 2 x 2 scales. Block 0 of
// column 0 has amax 7 (scale 2^0): 1, -2, 0.5, 6 (7 saturates) are codes
// 0x2, 0xC, 0x1, 0x7, two per byte low nibble first: 0xC2 (-62), 0x71 (113).
// Column 1: amax 3 (scale 2^-1): 6, 3, 4, 0.5 are 0x7, 0x5, 0x6, 0x1: 0x57
// (87), 0x16 (22). Block 1 holds eight ones and the zero padding (scale
// 2^-2, ones are code 0x6).
// CHECK-LABEL: func @constant_weight
// CHECK: %[[XP:.*]] = linalg.generic
// CHECK: %[[XQ:.*]] = mx.quantize %[[XP]] : tensor<4x64xf32> -> !mx.tensor<4x64, e4m3, axis = 1>
// CHECK: %[[E:.*]] = arith.constant dense<{{\[\[}}-62, 87], [113, 22], [34, 68], {{.*}}, [102, 102], [0, 0], {{.*}}> : tensor<32x2xi8>
// CHECK: %[[S:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 5.000000e-01], [2.500000e-01, 2.500000e-01]]> : tensor<2x2xf8E8M0FNU>
// CHECK: %[[WQ:.*]] = mx.assemble %[[E]], %[[S]] : tensor<32x2xi8>, tensor<2x2xf8E8M0FNU> -> !mx.tensor<64x2, e2m1, axis = 0>
// CHECK: mx.matmul %[[XQ]], %[[WQ]], %{{.*}} : !mx.tensor<4x64, e4m3, axis = 1>, !mx.tensor<64x2, e2m1, axis = 0> -> tensor<4x2xf32>
// OPTS-LABEL: func @constant_weight
// OPTS: mx.quantize %{{.*}} : tensor<48x2xf32> -> !mx.tensor<48x2, int8, axis = 0, block = 16>
func.func @constant_weight(%x: tensor<4x40xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 3.0], [-2.0, 1.5], [0.5, 2.0], [7.0, 0.25],
      [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0],
      [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0],
      [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0],
      [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0],
      [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0],
      [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]> : tensor<40x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x40xf32>, tensor<40x2xf32>)
                     outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// im2col: patches [N*OH*OW, KH*KW*C] = [16, 27 -> 32] times the filter
// [27 -> 32, 8], the product reshaped to NHWC. Other convolutions stay FP32.
// CHECK-LABEL: func @conv_nhwc
// CHECK: %[[P:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<16x32xf32>)
// CHECK:   tensor.extract %{{.*}} : tensor<1x6x6x3xf32>
// CHECK: mx.quantize %[[P]] : tensor<16x32xf32> -> !mx.tensor<16x32, e4m3, axis = 1>
// CHECK: mx.quantize %{{.*}} : tensor<32x8xf32> -> !mx.tensor<32x8, e2m1, axis = 0>
// CHECK: %[[Y:.*]] = mx.matmul {{.*}} -> tensor<16x8xf32>
// CHECK: tensor.expand_shape %{{.*}} : tensor<128xf32> into tensor<1x4x4x8xf32>
// CHECK: linalg.conv_2d_nhwc_fhwc
// REPORT: remark: mx-quantize: left in FP32 (not on the ops list)
// REPORT: remark: mx-quantize: left in FP32 (no MX rewrite for this op)
// REPORT: remark: mx-quantize: rewrote 0 of 2 GEMM/conv ops, 0 constant weight(s) quantized at compile time; 2 left in FP32; all other ops stay FP32
func.func @conv_nhwc(%in: tensor<1x6x6x3xf32>, %f: tensor<3x3x3x8xf32>, %g: tensor<8x3x3x3xf32>,
                     %o: tensor<1x4x4x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%in, %f : tensor<1x6x6x3xf32>, tensor<3x3x3x8xf32>) outs(%o : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %z = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%in, %g : tensor<1x6x6x3xf32>, tensor<8x3x3x3xf32>) outs(%o : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y, %z : tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>
}

// -----

// NCHW: the filter [F, C*KH*KW] = [8, 27 -> 32] (weights, quantized once)
// times per-image patches [32, OH*OW] (activations), stride 2.
// CHECK-LABEL: func @conv_nchw
// CHECK: %[[WQ:.*]] = mx.quantize %{{.*}} : tensor<8x32xf32> -> !mx.tensor<8x32, e2m1, axis = 1>
// CHECK: scf.for %[[N:.*]] = %{{.*}} to %{{.*}} step
// CHECK:   %[[P:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<32x4xf32>)
// CHECK:   %[[PQ:.*]] = mx.quantize %[[P]] : tensor<32x4xf32> -> !mx.tensor<32x4, e4m3, axis = 0>
// CHECK:   mx.matmul %[[WQ]], %[[PQ]], %{{.*}} : !mx.tensor<8x32, e2m1, axis = 1>, !mx.tensor<32x4, e4m3, axis = 0> -> tensor<8x4xf32>
// CHECK:   tensor.insert_slice
func.func @conv_nchw(%in: tensor<2x3x6x6xf32>, %f: tensor<8x3x3x3xf32>, %o: tensor<2x8x2x2xf32>) -> tensor<2x8x2x2xf32> {
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%in, %f : tensor<2x3x6x6xf32>, tensor<8x3x3x3xf32>) outs(%o : tensor<2x8x2x2xf32>) -> tensor<2x8x2x2xf32>
  return %y : tensor<2x8x2x2xf32>
}

// -----

// A zero-filled output: every image's product gets its own +0.0 fill as the
// accumulator (which the matmul lowerings write without reading), not a
// slice of the carried output; the original fill only seeds the loop.
// CHECK-LABEL: func @conv_nchw_zero
// CHECK: scf.for
// CHECK:   %[[E:.*]] = tensor.empty() : tensor<8x4xf32>
// CHECK:   %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<8x4xf32>)
// CHECK:   mx.matmul %{{.*}}, %{{.*}}, %[[Z]]
// CHECK:   tensor.insert_slice
func.func @conv_nchw_zero(%in: tensor<2x3x6x6xf32>, %f: tensor<8x3x3x3xf32>) -> tensor<2x8x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8x2x2xf32>
  %o = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8x2x2xf32>) -> tensor<2x8x2x2xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%in, %f : tensor<2x3x6x6xf32>, tensor<8x3x3x3xf32>) outs(%o : tensor<2x8x2x2xf32>) -> tensor<2x8x2x2xf32>
  return %y : tensor<2x8x2x2xf32>
}

// -----

// The same for the NHWC product, and a -0.0 fill is not a zero accumulator.
// CHECK-LABEL: func @conv_nhwc_zero
// CHECK: %[[E:.*]] = tensor.empty() : tensor<8x8xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<8x8xf32>)
// CHECK: mx.matmul %{{.*}}, %{{.*}}, %[[Z]]
// CHECK-LABEL: func @conv_nhwc_negative_zero
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[F]]
// CHECK: %[[R:.*]] = tensor.expand_shape %[[C]]
// CHECK: mx.matmul %{{.*}}, %{{.*}}, %[[R]]
func.func @conv_nhwc_zero(%in: tensor<2x4x4x3xf32>, %f: tensor<3x3x3x8xf32>) -> tensor<2x2x2x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2x2x8xf32>
  %o = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2x2x8xf32>) -> tensor<2x2x2x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%in, %f : tensor<2x4x4x3xf32>, tensor<3x3x3x8xf32>) outs(%o : tensor<2x2x2x8xf32>) -> tensor<2x2x2x8xf32>
  return %y : tensor<2x2x2x8xf32>
}
func.func @conv_nhwc_negative_zero(%in: tensor<2x4x4x3xf32>, %f: tensor<3x3x3x8xf32>) -> tensor<2x2x2x8xf32> {
  %zero = arith.constant -0.0 : f32
  %e = tensor.empty() : tensor<2x2x2x8xf32>
  %o = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2x2x8xf32>) -> tensor<2x2x2x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%in, %f : tensor<2x4x4x3xf32>, tensor<3x3x3x8xf32>) outs(%o : tensor<2x2x2x8xf32>) -> tensor<2x2x2x8xf32>
  return %y : tensor<2x2x2x8xf32>
}

// -----

// CHECK-LABEL: func @batch_matmul
// CHECK: scf.for
// CHECK:   mx.quantize %{{.*}} : tensor<4x32xf32> -> !mx.tensor<4x32, e4m3, axis = 1>
// CHECK:   mx.quantize %{{.*}} : tensor<32x5xf32> -> !mx.tensor<32x5, e2m1, axis = 0>
// CHECK:   mx.matmul
// CHECK:   tensor.insert_slice
// REPORT: remark: mx-quantize: left in FP32 (not on the ops list)
func.func @batch_matmul(%a: tensor<3x4x32xf32>, %b: tensor<3x32x5xf32>, %c: tensor<3x4x5xf32>) -> tensor<3x4x5xf32> {
  %y = linalg.batch_matmul ins(%a, %b : tensor<3x4x32xf32>, tensor<3x32x5xf32>)
                           outs(%c : tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  return %y : tensor<3x4x5xf32>
}

// -----

// Dynamic shapes and f16 stay as they are.
// CHECK-LABEL: func @unsupported
// CHECK-NOT: mx.
// CHECK: linalg.matmul
// CHECK: linalg.matmul
// REPORT: remark: mx-quantize: left in FP32 (operands are not static f32 tensors)
// REPORT: remark: mx-quantize: left in FP32 (operands are not static f32 tensors)
func.func @unsupported(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %acc: tensor<?x32xf32>,
                       %h: tensor<8x64xf16>, %v: tensor<64x32xf16>, %c: tensor<8x32xf16>)
    -> (tensor<?x32xf32>, tensor<8x32xf16>) {
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>)
                     outs(%acc : tensor<?x32xf32>) -> tensor<?x32xf32>
  %z = linalg.matmul ins(%h, %v : tensor<8x64xf16>, tensor<64x32xf16>)
                     outs(%c : tensor<8x32xf16>) -> tensor<8x32xf16>
  return %y, %z : tensor<?x32xf32>, tensor<8x32xf16>
}
