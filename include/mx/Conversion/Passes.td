//===- Passes.td - mx conversion passes --------------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_PASSES_TD
#define MX_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def MxLowerToLinalgPass : Pass<"mx-lower-to-linalg"> {
  let summary = "reference lowering of mx.quantize/mx.dequantize to linalg";
  let description = [{
    Rewrites `mx.quantize` and `mx.dequantize` into `linalg.generic` ops on
    tensors whose bodies are `arith`/`math` on scalars (amax reduction per
    block, scale, element codes, packing), producing and consuming the
    storage buffers through `mx.assemble` / `mx.disassemble`. This lowering
    defines the meaning of the ops; the vector lowerings are tested against
    it and against the scalar reference in `mx/Reference`.

    ```mlir
    %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64, e2m1, axis = 1>
    // becomes
    %amax = linalg.generic {...} ins(%x3 : tensor<4x2x32xf32>) ...  // per block
    %codes = linalg.generic {...}                                   // per element
    %packed = linalg.generic {...}                                  // two per byte
    %q = mx.assemble %elements, %scales : tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>
           -> !mx.tensor<4x64, e2m1, axis = 1>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MxLowerToVectorPass : Pass<"mx-lower-to-vector"> {
  let summary = "vectorized lowering of mx.quantize/mx.dequantize";
  let description = [{
    Rewrites `mx.quantize` and `mx.dequantize` into loops over blocks whose
    bodies are `vector` ops (16 f32 lanes), with element math in integer
    bit operations. `target` picks the patterns: `generic` uses only the
    vector dialect; `x86-64-avx512` decodes FP4 and FP6 codes with one
    register-table permute (`vpermps` / `vpermi2ps` through LLVM intrinsics);
    `aarch64-neon` decodes FP4 and FP6 E2M3 with `tbl`. Results are bit
    identical across targets and with `mx-lower-to-linalg`.

    ```mlir
    %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64, e4m3, axis = 1>
    // becomes, per block of 32 contiguous values:
    %v = vector.transfer_read %x[%i, %j] ... : tensor<4x64xf32>, vector<32xf32>
    %amax = vector.reduction <maxui>, %bits : vector<32xi32> into i32
    ...
    ```
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"generic\"",
           "generic | x86-64-avx512 | aarch64-neon">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // MX_CONVERSION_PASSES_TD
