// The block factor 2^a * 2^b of the block-scaled word kernel: an integer
// add of the f32 bit patterns (less those of 1.0) where every scale byte
// is in [70, 190], else the f32 multiply. Run-time scales: a vector
// min/max scan of both scales tensors, then each tile's block loop twice
// under an scf.if on its result (vector results: C is not copied).
// Constant scales: the one kernel they allow.
// RUN: mx-opt %s --mx-lower-to-vector="target=x86-64-avx512 dot-bf16=on" --split-input-file | FileCheck %s
// RUN: mx-opt %s --mx-lower-to-vector=target=generic --split-input-file | FileCheck %s
// RUN: mx-opt %s --mx-lower-to-vector=target=aarch64-neon --split-input-file | FileCheck %s --check-prefix=MMLA

// CHECK-LABEL: func @run_time_scales
// CHECK: %[[ONE:.+]] = arith.constant dense<1065353216> : vector<16xi32>
// CHECK: arith.minui {{.*}} : vector<64xi8>
// CHECK: arith.maxui {{.*}} : vector<64xi8>
// CHECK: %[[LO:.+]] = vector.reduction <minui>, %{{.*}} : vector<64xi8> into i8
// CHECK: %[[HI:.+]] = vector.reduction <maxui>, %{{.*}} : vector<64xi8> into i8
// CHECK: %[[GE:.+]] = arith.cmpi uge, %[[LO]], %c70_i8
// CHECK: %[[LE:.+]] = arith.cmpi ule, %[[HI]], %c-66_i8
// CHECK: %[[A:.+]] = arith.andi %[[GE]], %[[LE]] : i1
// CHECK: vector.reduction <minui>
// CHECK: vector.reduction <maxui>
// CHECK: %[[B:.+]] = arith.andi
// CHECK: %[[IN:.+]] = arith.andi %[[A]], %[[B]] : i1
// CHECK: scf.if %[[IN]] -> (vector<16xf32>
// CHECK: %[[SB:.+]] = arith.subi %{{.*}}, %[[ONE]] : vector<16xi32>
// CHECK: arith.subi %{{.*}}, %[[ONE]] : vector<16xi32>
// CHECK: %[[SA:.+]] = vector.bitcast %{{.*}} : vector<16xf32> to vector<16xi32>
// CHECK: %[[SUM:.+]] = arith.addi %[[SA]], %[[SB]] : vector<16xi32>
// CHECK: %[[F:.+]] = vector.bitcast %[[SUM]] : vector<16xi32> to vector<16xf32>
// CHECK: math.fma %{{.*}}, %[[F]], %{{.*}} : vector<16xf32>
// CHECK: } else {
// CHECK-NOT: arith.addi {{.*}} : vector<16xi32>
// CHECK: %[[M:.+]] = arith.mulf {{.*}} : vector<16xf32>
// CHECK: math.fma %{{.*}}, %[[M]], %{{.*}} : vector<16xf32>
// The AArch64 mmla kernel keeps its multiply: no scan.
// MMLA-LABEL: func @run_time_scales
// MMLA-NOT: vector.reduction <minui>
func.func @run_time_scales(%a: !mx.tensor<8x64, int8, axis = 1>, %b: !mx.tensor<64x40, e2m1, axis = 0>,
                           %c: tensor<8x40xf32>) -> tensor<8x40xf32> {
  %0 = mx.matmul %a, %b, %c : !mx.tensor<8x64, int8, axis = 1>, !mx.tensor<64x40, e2m1, axis = 0> -> tensor<8x40xf32>
  return %0 : tensor<8x40xf32>
}

// -----

// Constant scales inside the range (2^0, byte 127): the add only.
// CHECK-LABEL: func @constant_scales_in_range
// CHECK-NOT: scf.if {{.*}} -> (vector
// CHECK-NOT: vector.reduction
// CHECK: arith.addi {{.*}} : vector<16xi32>
// CHECK-NOT: arith.mulf {{.*}} : vector<16xf32>
// CHECK: return
func.func @constant_scales_in_range(%c: tensor<8x40xf32>) -> tensor<8x40xf32> {
  %ae = arith.constant dense<3> : tensor<8x64xi8>
  %as = arith.constant dense<1.0> : tensor<8x2xf8E8M0FNU>
  %a = mx.assemble %ae, %as : tensor<8x64xi8>, tensor<8x2xf8E8M0FNU> -> !mx.tensor<8x64, int8, axis = 1>
  %be = arith.constant dense<34> : tensor<32x40xi8>
  %bs = arith.constant dense<1.0> : tensor<2x40xf8E8M0FNU>
  %b = mx.assemble %be, %bs : tensor<32x40xi8>, tensor<2x40xf8E8M0FNU> -> !mx.tensor<64x40, e2m1, axis = 0>
  %0 = mx.matmul %a, %b, %c : !mx.tensor<8x64, int8, axis = 1>, !mx.tensor<64x40, e2m1, axis = 0> -> tensor<8x40xf32>
  return %0 : tensor<8x40xf32>
}

// -----

// One constant scale byte outside it (69, 2^-58): the multiply only.
// CHECK-LABEL: func @constant_scale_out_of_range
// CHECK-NOT: scf.if {{.*}} -> (vector
// CHECK-NOT: vector.reduction
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK-NOT: arith.addi {{.*}} : vector<16xi32>
// CHECK: return
func.func @constant_scale_out_of_range(%c: tensor<8x40xf32>) -> tensor<8x40xf32> {
  %ae = arith.constant dense<3> : tensor<8x64xi8>
  %as = arith.constant dense<[[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 3.469446951953614e-18]]> : tensor<8x2xf8E8M0FNU>
  %a = mx.assemble %ae, %as : tensor<8x64xi8>, tensor<8x2xf8E8M0FNU> -> !mx.tensor<8x64, int8, axis = 1>
  %be = arith.constant dense<34> : tensor<32x40xi8>
  %bs = arith.constant dense<1.0> : tensor<2x40xf8E8M0FNU>
  %b = mx.assemble %be, %bs : tensor<32x40xi8>, tensor<2x40xf8E8M0FNU> -> !mx.tensor<64x40, e2m1, axis = 0>
  %0 = mx.matmul %a, %b, %c : !mx.tensor<8x64, int8, axis = 1>, !mx.tensor<64x40, e2m1, axis = 0> -> tensor<8x40xf32>
  return %0 : tensor<8x40xf32>
}
