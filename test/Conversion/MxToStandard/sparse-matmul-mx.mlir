// RUN: mx-opt %s --split-input-file --mx-lower-to-vector=target=x86-64-avx512 \
// RUN:   | FileCheck %s --check-prefix=VEC
// RUN: mx-opt %s --split-input-file --mx-lower-to-linalg | FileCheck %s --check-prefix=REF

// MX codes, k_tile 64 (a segment spans 2 blocks of 32 columns): the vector
// lowering decodes them first, 16 per step, each segment's scales one
// vector that the lanes look their scale up in (in two parallel chunks of
// row segments, like the kernel's); the kernel then reads f32.
// The reference lowering decodes every entry where it reads it: scale
// (row * 3 + column / 32), E4M3 fields, scale applied.
// VEC-LABEL: func @mx_window
// VEC: tensor.empty({{.*}}) : tensor<?xf32>
// VEC: scf.forall {{.*}} shared_outs
// VEC: tensor.extract_slice {{.*}} : tensor<?xf32> to tensor<?xf32>
// VEC: scf.for
// VEC: vector.transfer_read {{.*}} : tensor<?xf8E8M0FNU>, vector<16xf8E8M0FNU>
// VEC: arith.bitcast {{.*}} : vector<16xf8E8M0FNU> to vector<16xi8>
// VEC: vector.transfer_read {{.*}} : tensor<?xi8>, vector<16xi8>
// VEC: vector.transfer_read {{.*}} : tensor<?xi16>, vector<16xi16>
// VEC: mx.lookup {{.*}} : vector<16xi8>, vector<16xi8> -> vector<16xi8>
// VEC: arith.extf {{.*}} : vector<16xf16> to vector<16xf32>
// VEC: vector.transfer_write {{.*}} : vector<16xf32>, tensor<?xf32>
// VEC: scf.forall
// VEC-NOT: tensor.extract {{.*}} : tensor<?xi8>
// REF-LABEL: func @mx_window
// REF: scf.for
// REF: tensor.extract {{.*}} : tensor<?xi8>
// REF: arith.muli {{.*}}, %c3
// REF: arith.divui {{.*}}, %c32
// REF: tensor.extract {{.*}} : tensor<?xf8E8M0FNU>
// REF: arith.bitcast {{.*}} : f8E8M0FNU to i8
// REF: arith.mulf
// REF: arith.addf
func.func @mx_window(%pos: tensor<?xi32>, %crd: tensor<?xi16>,
                     %codes: tensor<?xi8>, %scales: tensor<?xf8E8M0FNU>,
                     %b: tensor<65x20xf32>,
                     %acc: tensor<7x20xf32>) -> tensor<7x20xf32> {
  %c = mx.sparse_matmul %pos, %crd, %codes, %b, %acc scales %scales
         k_tile = 64 value_format = e4m3
         : tensor<?xi32>, tensor<?xi16>, tensor<?xi8>, tensor<65x20xf32>,
           tensor<?xf8E8M0FNU> -> tensor<7x20xf32>
  return %c : tensor<7x20xf32>
}

// -----

// A segment of 600 columns spans up to 20 blocks, more than a 16-lane
// table holds: each lane gathers its scale. INT8 codes decode as k / 64.
// VEC-LABEL: func @mx_gather
// VEC: vector.gather {{.*}} : tensor<?xf8E8M0FNU>, vector<16xi32>, vector<16xi1>, vector<16xf8E8M0FNU> into vector<16xf8E8M0FNU>
// VEC: arith.sitofp {{.*}} : vector<16xi8> to vector<16xf32>
// VEC-NOT: mx.lookup
func.func @mx_gather(%pos: tensor<?xi32>, %crd: tensor<?xi32>,
                     %codes: tensor<?xi8>, %scales: tensor<?xf8E8M0FNU>,
                     %b: tensor<600x20xf32>,
                     %acc: tensor<3x20xf32>) -> tensor<3x20xf32> {
  %c = mx.sparse_matmul %pos, %crd, %codes, %b, %acc scales %scales
         k_tile = 1000 value_format = int8
         : tensor<?xi32>, tensor<?xi32>, tensor<?xi8>, tensor<600x20xf32>,
           tensor<?xf8E8M0FNU> -> tensor<3x20xf32>
  return %c : tensor<3x20xf32>
}
