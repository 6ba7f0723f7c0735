//===- Passes.td - mx policy passes ------------------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Policy passes choose precision, activations and sparsity per op in an FP32
// graph and express the choice with mx ops (stage 1 of the data flow).
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_TRANSFORMS_PASSES_TD
#define MX_DIALECT_MX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MxBF16Pass : Pass<"mx-bf16", "::mlir::func::FuncOp"> {
  let summary = "BF16 mixed precision: bf16 GEMM/conv inputs, f32 accumulation";
  let description = [{
    Rewrites the compute-heavy ops of an FP32 graph the way the BF16 training
    study runs them: inputs rounded to bf16 (`mx.cast`, RNE), products
    accumulated in f32, results in f32. Everything else (elementwise ops,
    weight updates, the stored master weights) stays FP32, because only the
    operands at the rewritten ops are cast.

    | op (`ops=` name)                  | becomes                                         |
    |-----------------------------------|-------------------------------------------------|
    | `linalg.matmul`                   | `mx.matmul` on the cast operands                 |
    | `linalg.batch_matmul`             | an `scf.for` over the batch of `mx.matmul`       |
    | `linalg.conv_2d_nhwc_hwcf`, `linalg.conv_2d_nchw_fchw` | the same conv with bf16 inputs and an f32 output |
    | `linalg.generic`                  | bf16 inputs, extended to f32 in the body          |

    `ops` is the allow list (default: the three GEMM/conv kinds, not
    generic). An op is rewritten only if its name is on the list and its
    inputs and outputs are f32 ranked tensors with static shapes; with
    `report`, each rewrite is reported as a remark.

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>)
                       outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>
    // becomes
    %xb = mx.cast %x : tensor<8x64xf32> -> tensor<8x64xbf16>
    %wb = mx.cast %w : tensor<64x32xf32> -> tensor<64x32xbf16>
    %y = mx.matmul %xb, %wb, %acc : tensor<8x64xbf16>, tensor<64x32xbf16> -> tensor<8x32xf32>
    ```
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "names of the ops to rewrite (linalg.matmul, "
               "linalg.batch_matmul, linalg.conv_2d_nhwc_hwcf, "
               "linalg.conv_2d_nchw_fchw, linalg.generic)">,
    Option<"report", "report", "bool", /*default=*/"false",
           "emit a remark for every rewritten op">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::mx::MxDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // MX_DIALECT_MX_TRANSFORMS_PASSES_TD
