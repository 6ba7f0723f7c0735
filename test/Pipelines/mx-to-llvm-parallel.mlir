// The parallel loops of the block-scaled matmul: sequential by default,
// OpenMP workshare loops with parallel=openmp (and no memrefCopy runtime
// call either way: forall slices are written in place). Any other value is
// an error, not a silent sequential build.
// RUN: mx-opt %s --mx-to-llvm=target=x86-64-avx512 | FileCheck %s --check-prefix=SEQ
// RUN: mx-opt %s --mx-to-llvm="target=x86-64-avx512 parallel=openmp" | FileCheck %s --check-prefix=OMP
// RUN: not mx-opt %s --mx-to-llvm="target=x86-64-avx512 parallel=threads" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD

// BAD: for the --parallel option: Cannot find option named 'threads'

// SEQ-LABEL: llvm.func @mm
// SEQ-NOT: omp.
// SEQ-NOT: memrefCopy
// SEQ: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// SEQ: llvm.return
// OMP-LABEL: llvm.func @mm
// OMP-NOT: memrefCopy
// OMP: omp.parallel
// OMP: omp.wsloop
// OMP: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
func.func @mm(%ae: tensor<8x64xi8>, %as: tensor<8x2xf8E8M0FNU>, %be: tensor<32x40xi8>,
              %bs: tensor<2x40xf8E8M0FNU>, %c: tensor<8x40xf32>) -> tensor<8x40xf32> {
  %a = mx.assemble %ae, %as : tensor<8x64xi8>, tensor<8x2xf8E8M0FNU> -> !mx.tensor<8x64, int8, axis = 1>
  %b = mx.assemble %be, %bs : tensor<32x40xi8>, tensor<2x40xf8E8M0FNU> -> !mx.tensor<64x40, e2m1, axis = 0>
  %0 = mx.matmul %a, %b, %c : !mx.tensor<8x64, int8, axis = 1>, !mx.tensor<64x40, e2m1, axis = 0> -> tensor<8x40xf32>
  return %0 : tensor<8x40xf32>
}
