// RUN: mx-opt %s --mx-lower-to-vector=target=aarch64-sve --split-input-file \
// RUN:   | FileCheck %s

// aarch64-sve: along a row, whole vector<[4]xf32> (4 x vscale lanes) in a
// loop, then one masked (predicated) vector for the tail, which an scf.if
// skips when the row length is a multiple of the vector length. rne is
// llvm.fptrunc (SVE bfcvt).

// CHECK-LABEL: func.func @rne
// CHECK: %[[VSCALE:.+]] = vector.vscale
// CHECK: %[[VL:.+]] = arith.muli %[[VSCALE]], %{{.+}} : index
// CHECK: %[[REM:.+]] = arith.remui %{{.+}}, %[[VL]] : index
// CHECK: %[[END:.+]] = arith.subi %{{.+}}, %[[REM]] : index
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %[[END]] step %[[VL]]
// CHECK:   vector.transfer_read %{{.+}}[%{{.+}}, %[[J]]], %{{.+}} {in_bounds = [true]} : tensor<3x?xf32>, vector<[4]xf32>
// CHECK:   llvm.fptrunc %{{.+}} : vector<[4]xf32> to vector<[4]xbf16>
// CHECK: scf.if
// CHECK:   vector.transfer_read %{{.+}}[%{{.+}}, %[[END]]], %{{.+}} : tensor<3x?xf32>, vector<[4]xf32>
// CHECK:   llvm.fptrunc
func.func @rne(%x: tensor<3x?xf32>) -> tensor<3x?xbf16> {
  %y = mx.cast %x : tensor<3x?xf32> -> tensor<3x?xbf16>
  return %y : tensor<3x?xbf16>
}

// -----

// Stochastic rounding numbers the lanes with vector.step (the vector length
// is only known at run time); widening is integer code.

// CHECK-LABEL: func.func @stochastic
// CHECK: vector.step : vector<[4]xindex>
// CHECK-NOT: llvm.fptrunc
func.func @stochastic(%x: tensor<100xf32>, %seed: i32) -> tensor<100xbf16> {
  %y = mx.cast %x rounding(stochastic) seed(%seed)
         : tensor<100xf32> -> tensor<100xbf16>
  return %y : tensor<100xbf16>
}

// CHECK-LABEL: func.func @widen
// CHECK: arith.shli %{{.+}} : vector<[4]xi32>
// CHECK: arith.bitcast %{{.+}} : vector<[4]xi32> to vector<[4]xf32>
func.func @widen(%x: tensor<100xbf16>) -> tensor<100xf32> {
  %y = mx.cast %x : tensor<100xbf16> -> tensor<100xf32>
  return %y : tensor<100xf32>
}
