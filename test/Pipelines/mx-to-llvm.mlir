// RUN: mx-opt %s --mx-to-llvm=target=generic | FileCheck %s
// RUN: mx-opt %s --mx-to-llvm=target=reference | FileCheck %s
// RUN: mx-opt %s --mx-to-llvm=target=x86-64-avx512 | FileCheck %s --check-prefixes=CHECK,X86
// RUN: mx-opt %s --mx-to-llvm=target=aarch64-neon | FileCheck %s --check-prefixes=CHECK,ARM
// RUN: not mx-opt %s --mx-to-llvm=target=riscv 2>&1 | FileCheck %s --check-prefix=BAD

// Everything ends in the LLVM dialect: no mx, tensor, memref or vector op is
// left, and the table decode is the target's permute.
// CHECK-LABEL: llvm.func @roundtrip
// CHECK-NOT: mx.
// CHECK-NOT: tensor.
// CHECK-NOT: memref.
// CHECK-NOT: {{^ *%.* = vector\.}}
// X86: llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"
// ARM: llvm.call_intrinsic "llvm.aarch64.neon.tbl1.v16i8"
// CHECK: llvm.return

// BAD: error: unsupported target 'riscv' for mx-lower-to-vector; expected generic, x86-64-avx2, x86-64-avx512, {{.*}}aarch64-neon or aarch64-sve
func.func @roundtrip(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64, e2m1, axis = 1>
  %y = mx.dequantize %q : !mx.tensor<4x64, e2m1, axis = 1> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}
