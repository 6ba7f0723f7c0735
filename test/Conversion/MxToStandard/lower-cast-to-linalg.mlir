// RUN: mx-opt %s --mx-lower-to-linalg --split-input-file | FileCheck %s

// rne + preserve: one elementwise generic; bias 0x7FFF + lsb, shift, and the
// quiet NaN (b >> 16) | 0x40 selected for |b| > 0x7F800000.

// CHECK: #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @rne
// CHECK-SAME: (%[[X:.+]]: tensor<4x64xf32>)
// CHECK: %[[INIT:.+]] = tensor.empty() : tensor<4x64xbf16>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]] : tensor<4x64xf32>) outs(%[[INIT]] : tensor<4x64xbf16>)
// CHECK-NEXT: ^bb0(%[[V:.+]]: f32, %{{.+}}: bf16):
// CHECK-NEXT: %[[B:.+]] = arith.bitcast %[[V]] : f32 to i32
// CHECK: arith.constant 16 : i32
// CHECK-NEXT: %[[HI:.+]] = arith.shrui %[[B]], %{{.+}} : i32
// CHECK: arith.constant 1 : i32
// CHECK-NEXT: %[[LSB:.+]] = arith.andi %[[HI]], %{{.+}} : i32
// CHECK: arith.constant 32767 : i32
// CHECK-NEXT: %[[ADD:.+]] = arith.addi %[[LSB]], %{{.+}} : i32
// CHECK-NEXT: %[[SUM:.+]] = arith.addi %[[B]], %[[ADD]] : i32
// CHECK: %[[R:.+]] = arith.shrui %[[SUM]], %{{.+}} : i32
// CHECK: arith.constant 2147483647 : i32
// CHECK-NEXT: %[[ABS:.+]] = arith.andi %[[B]], %{{.+}} : i32
// CHECK: arith.constant 2139095040 : i32
// CHECK-NEXT: %[[NAN:.+]] = arith.cmpi ugt, %[[ABS]], %{{.+}} : i32
// CHECK: %[[T:.+]] = arith.shrui %[[B]], %{{.+}} : i32
// CHECK: arith.constant 64 : i32
// CHECK-NEXT: %[[Q:.+]] = arith.ori %[[T]], %{{.+}} : i32
// CHECK-NEXT: %[[SEL:.+]] = arith.select %[[NAN]], %[[Q]], %[[R]] : i32
// CHECK-NEXT: %[[H:.+]] = arith.trunci %[[SEL]] : i32 to i16
// CHECK-NEXT: %[[BF:.+]] = arith.bitcast %[[H]] : i16 to bf16
// CHECK-NEXT: linalg.yield %[[BF]] : bf16
func.func @rne(%x: tensor<4x64xf32>) -> tensor<4x64xbf16> {
  %0 = mx.cast %x : tensor<4x64xf32> -> tensor<4x64xbf16>
  return %0 : tensor<4x64xbf16>
}

// -----

// truncate + flush: subnormals (|b| < 0x00800000) become the sign bit, no
// rounding bias.

// CHECK-LABEL: func.func @truncate_flush
// CHECK: linalg.generic
// CHECK: %[[B:.+]] = arith.bitcast %{{.+}} : f32 to i32
// CHECK: arith.constant 2147483647 : i32
// CHECK-NEXT: %[[ABS:.+]] = arith.andi %[[B]], %{{.+}} : i32
// CHECK: arith.constant 8388608 : i32
// CHECK-NEXT: %[[SUB:.+]] = arith.cmpi ult, %[[ABS]], %{{.+}} : i32
// CHECK: arith.constant -2147483648 : i32
// CHECK-NEXT: %[[SIGN:.+]] = arith.andi %[[B]], %{{.+}} : i32
// CHECK-NEXT: %[[FLUSHED:.+]] = arith.select %[[SUB]], %[[SIGN]], %[[B]] : i32
// CHECK-NOT: arith.addi
// CHECK: arith.shrui %[[FLUSHED]], %{{.+}} : i32
// CHECK-NOT: arith.addi
// CHECK: linalg.yield %{{.+}} : bf16
func.func @truncate_flush(%x: tensor<8xf32>) -> tensor<8xbf16> {
  %0 = mx.cast %x rounding(truncate) denormals(flush) : tensor<8xf32> -> tensor<8xbf16>
  return %0 : tensor<8xbf16>
}

// -----

// Stochastic: the row-major linear index (i * 5 + j, dynamic rows) is
// hashed with the seed, H(s, u) = mix(u + mix(s)) with lowbias32
// (multiplies by 0x7FEB352D and 0x846CA68B), and its low 16 bits are added
// before the shift.

// CHECK-LABEL: func.func @stochastic
// CHECK-SAME: (%[[X:.+]]: tensor<?x5xf32>, %[[SEED:.+]]: i32)
// CHECK: %[[DIM:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x5xf32>
// CHECK: tensor.empty(%[[DIM]]) : tensor<?x5xbf16>
// CHECK: %[[C5:.+]] = arith.constant 5 : index
// CHECK: linalg.generic
// CHECK: %[[I:.+]] = linalg.index 0 : index
// CHECK-NEXT: %[[IS:.+]] = arith.muli %[[I]], %[[C5]] : index
// CHECK-NEXT: %[[J:.+]] = linalg.index 1 : index
// CHECK-NEXT: %[[LIN:.+]] = arith.addi %[[IS]], %[[J]] : index
// CHECK-NEXT: %[[IDX:.+]] = arith.index_cast %[[LIN]] : index to i32
// CHECK: arith.xori %[[SEED]], %{{.+}} : i32
// CHECK: arith.constant 2146121005 : i32
// CHECK: arith.constant -2073254261 : i32
// CHECK: %[[KEY:.+]] = arith.xori
// CHECK-NEXT: %[[KEYED:.+]] = arith.addi %[[IDX]], %[[KEY]] : i32
// CHECK: arith.shrui %[[KEYED]]
// CHECK: arith.constant 65535 : i32
// CHECK-NEXT: %[[R:.+]] = arith.andi %{{.+}}, %{{.+}} : i32
// CHECK-NEXT: %[[B:.+]] = arith.bitcast %{{.+}} : f32 to i32
// CHECK-NEXT: arith.addi %[[B]], %[[R]] : i32
// CHECK: linalg.yield %{{.+}} : bf16
func.func @stochastic(%x: tensor<?x5xf32>, %seed: i32) -> tensor<?x5xbf16> {
  %0 = mx.cast %x rounding(stochastic) seed(%seed) : tensor<?x5xf32> -> tensor<?x5xbf16>
  return %0 : tensor<?x5xbf16>
}

// -----

// Widening: shift up by 16, flush bf16 subnormals, set the quiet bit of NaNs.

// CHECK-LABEL: func.func @widen
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[V:.+]]: bf16, %{{.+}}: f32):
// CHECK-NEXT: %[[H:.+]] = arith.bitcast %[[V]] : bf16 to i16
// CHECK-NEXT: %[[W:.+]] = arith.extui %[[H]] : i16 to i32
// CHECK: %[[B:.+]] = arith.shli %[[W]], %{{.+}} : i32
// CHECK: arith.constant 8388608 : i32
// CHECK-NEXT: %[[SUB:.+]] = arith.cmpi ult, %{{.+}}, %{{.+}} : i32
// CHECK: %[[F:.+]] = arith.select %[[SUB]], %{{.+}}, %[[B]] : i32
// CHECK: %[[NAN:.+]] = arith.cmpi ugt
// CHECK: arith.constant 4194304 : i32
// CHECK-NEXT: %[[Q:.+]] = arith.ori %[[F]], %{{.+}} : i32
// CHECK-NEXT: %[[S:.+]] = arith.select %[[NAN]], %[[Q]], %[[F]] : i32
// CHECK-NEXT: %[[R:.+]] = arith.bitcast %[[S]] : i32 to f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @widen(%x: tensor<2x3x4xbf16>) -> tensor<2x3x4xf32> {
  %0 = mx.cast %x denormals(flush) : tensor<2x3x4xbf16> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}
