// RUN: mx-opt %s --canonicalize | FileCheck %s

// mx.cast of a constant folds to the constant the op description defines.
// The results are bitcast to integers so that the bits are printed; the
// expected patterns are worked out by hand from the description's rules.

// f32 inputs: 1.0 (0x3F800000); ties 0x3F808000 (to even: down) and
// 0x3F818000 (up); 0x3F808001 (above the tie); 0x7F7FFFFF (past the
// largest finite bf16); the signaling NaN 0x7FA00001; the subnormals
// 0x00012345 and 0x80012345; -Inf.

// CHECK-LABEL: func @rne
// 0x3F80 0x3F80 0x3F82 0x3F81 0x7F80 0x7FE0 0x0001 0x8001 0xFF80
// CHECK-NEXT: arith.constant dense<[16256, 16256, 16258, 16257, 32640, 32736, 1, -32767, -128]> : tensor<9xi16>
// CHECK-NEXT: return
func.func @rne() -> tensor<9xi16> {
  %c = arith.constant dense<[0x3F800000, 0x3F808000, 0x3F818000, 0x3F808001,
      0x7F7FFFFF, 0x7FA00001, 0x00012345, 0x80012345, 0xFF800000]>
      : tensor<9xf32>
  %0 = mx.cast %c : tensor<9xf32> -> tensor<9xbf16>
  %b = arith.bitcast %0 : tensor<9xbf16> to tensor<9xi16>
  return %b : tensor<9xi16>
}

// CHECK-LABEL: func @truncate
// 0x3F80 0x3F80 0x3F81 0x3F80 0x7F7F 0x7FE0 0x0001 0x8001 0xFF80
// CHECK-NEXT: arith.constant dense<[16256, 16256, 16257, 16256, 32639, 32736, 1, -32767, -128]> : tensor<9xi16>
// CHECK-NEXT: return
func.func @truncate() -> tensor<9xi16> {
  %c = arith.constant dense<[0x3F800000, 0x3F808000, 0x3F818000, 0x3F808001,
      0x7F7FFFFF, 0x7FA00001, 0x00012345, 0x80012345, 0xFF800000]>
      : tensor<9xf32>
  %0 = mx.cast %c rounding(truncate) : tensor<9xf32> -> tensor<9xbf16>
  %b = arith.bitcast %0 : tensor<9xbf16> to tensor<9xi16>
  return %b : tensor<9xi16>
}

// CHECK-LABEL: func @rne_flush
// 0x3F80 0x3F80 0x3F82 0x3F81 0x7F80 0x7FE0 0x0000 0x8000 0xFF80
// CHECK-NEXT: arith.constant dense<[16256, 16256, 16258, 16257, 32640, 32736, 0, -32768, -128]> : tensor<9xi16>
// CHECK-NEXT: return
func.func @rne_flush() -> tensor<9xi16> {
  %c = arith.constant dense<[0x3F800000, 0x3F808000, 0x3F818000, 0x3F808001,
      0x7F7FFFFF, 0x7FA00001, 0x00012345, 0x80012345, 0xFF800000]>
      : tensor<9xf32>
  %0 = mx.cast %c denormals(flush) : tensor<9xf32> -> tensor<9xbf16>
  %b = arith.bitcast %0 : tensor<9xbf16> to tensor<9xi16>
  return %b : tensor<9xi16>
}

// CHECK-LABEL: func @truncate_flush
// 0x3F80 0x3F80 0x3F81 0x3F80 0x7F7F 0x7FE0 0x0000 0x8000 0xFF80
// CHECK-NEXT: arith.constant dense<[16256, 16256, 16257, 16256, 32639, 32736, 0, -32768, -128]> : tensor<9xi16>
// CHECK-NEXT: return
func.func @truncate_flush() -> tensor<9xi16> {
  %c = arith.constant dense<[0x3F800000, 0x3F808000, 0x3F818000, 0x3F808001,
      0x7F7FFFFF, 0x7FA00001, 0x00012345, 0x80012345, 0xFF800000]>
      : tensor<9xf32>
  %0 = mx.cast %c rounding(truncate) denormals(flush) : tensor<9xf32> -> tensor<9xbf16>
  %b = arith.bitcast %0 : tensor<9xbf16> to tensor<9xi16>
  return %b : tensor<9xi16>
}

// bf16 inputs: 1.0, the subnormals 0x0001 and 0x8001, the signaling NaN
// 0x7F81 (made quiet), the quiet NaN 0xFFC1, +Inf.

// CHECK-LABEL: func @widen
// 0x3F800000 0x00010000 0x80010000 0x7FC10000 0xFFC10000 0x7F800000
// CHECK-NEXT: arith.constant dense<[1065353216, 65536, -2147418112, 2143354880, -4128768, 2139095040]> : tensor<6xi32>
// CHECK-NEXT: return
func.func @widen() -> tensor<6xi32> {
  %c = arith.constant dense<[0x3F80, 0x0001, 0x8001, 0x7F81, 0xFFC1, 0x7F80]>
      : tensor<6xbf16>
  %0 = mx.cast %c : tensor<6xbf16> -> tensor<6xf32>
  %b = arith.bitcast %0 : tensor<6xf32> to tensor<6xi32>
  return %b : tensor<6xi32>
}

// CHECK-LABEL: func @widen_flush
// 0x3F800000 0x00000000 0x80000000 0x7FC10000 0xFFC10000 0x7F800000
// CHECK-NEXT: arith.constant dense<[1065353216, 0, -2147483648, 2143354880, -4128768, 2139095040]> : tensor<6xi32>
// CHECK-NEXT: return
func.func @widen_flush() -> tensor<6xi32> {
  %c = arith.constant dense<[0x3F80, 0x0001, 0x8001, 0x7F81, 0xFFC1, 0x7F80]>
      : tensor<6xbf16>
  %0 = mx.cast %c denormals(flush) : tensor<6xbf16> -> tensor<6xf32>
  %b = arith.bitcast %0 : tensor<6xf32> to tensor<6xi32>
  return %b : tensor<6xi32>
}

// A splat stays a splat: 1.5 is 0x3FC0.
// CHECK-LABEL: func @splat
// CHECK: arith.constant dense<16320> : tensor<64x64xi16>
// CHECK-NOT: mx.cast
func.func @splat() -> tensor<64x64xi16> {
  %c = arith.constant dense<1.5> : tensor<64x64xf32>
  %0 = mx.cast %c : tensor<64x64xf32> -> tensor<64x64xbf16>
  %b = arith.bitcast %0 : tensor<64x64xbf16> to tensor<64x64xi16>
  return %b : tensor<64x64xi16>
}

// Stochastic rounding and casts of non-constants stay run-time casts.
// CHECK-LABEL: func @not_folded
// CHECK: mx.cast %{{.*}} rounding(stochastic) seed
// CHECK: mx.cast %arg0
func.func @not_folded(%x: tensor<4xf32>, %seed: i32)
    -> (tensor<4xbf16>, tensor<4xbf16>) {
  %c = arith.constant dense<1.25> : tensor<4xf32>
  %0 = mx.cast %c rounding(stochastic) seed(%seed)
      : tensor<4xf32> -> tensor<4xbf16>
  %1 = mx.cast %x : tensor<4xf32> -> tensor<4xbf16>
  return %0, %1 : tensor<4xbf16>, tensor<4xbf16>
}
