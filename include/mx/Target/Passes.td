//===- Passes.td - mx code generation preparation -----------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Passes that shape code for the target's code generator, after the policy
// passes and before mx-to-llvm; mx-compile runs them.
//
//===----------------------------------------------------------------------===//

#ifndef MX_TARGET_PASSES_TD
#define MX_TARGET_PASSES_TD

include "mlir/Pass/PassBase.td"

def MxLoopOrderPass : Pass<"mx-loop-order", "::mlir::func::FuncOp"> {
  let summary = "contiguous output dimension innermost in linalg reductions";
  let description = [{
    `convert-linalg-to-loops` emits the loops of a structured op in the order
    of its iteration dimensions, so a named `linalg.matmul` becomes the
    `i, j, k` nest whose innermost loop is a reduction over a strided
    operand: LLVM can vectorize neither (a floating-point reduction needs
    reassociation). This pass rewrites every linalg op whose innermost loop
    is a reduction into a `linalg.generic` whose innermost loop is the
    parallel dimension that indexes the last (contiguous) dimension of the
    output, if that dimension is also the last index of at least as many
    operands as the reduction dimension is (the `i, k, j` order of a matmul;
    a matrix-vector product keeps its order). The other loops keep their
    relative order.

    Only the loop order changes: every output element still accumulates its
    terms in the same order, so the results are bit-identical.

    With `fold-transposes`, a `linalg.transpose` whose result a reduction
    reads is folded into the reduction's indexing map first (`A * B^T`
    reads B's rows), so a product of two row-major matrices along their
    rows keeps its reduction innermost, now contiguous in both inputs (a
    batch of dot products). With `reassociate-dot-products` such loops get
    `fastmath<reassoc, contract>` on their multiply-add, which lets LLVM
    vectorize the sum along the reduction (partial sums per lane, added at
    the end): other rounding, same mathematical result. With `contract`
    every multiply-accumulate body gets `fastmath<contract>` (an fma per
    term, one rounding instead of two).

    ```mlir
    %c = linalg.matmul ins(%a, %b : tensor<6x100xf32>, tensor<100x11xf32>)
                       outs(%z : tensor<6x11xf32>) -> tensor<6x11xf32>
    // becomes
    %c = linalg.generic {
        indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>,
                         affine_map<(d0, d1, d2) -> (d1, d2)>,
                         affine_map<(d0, d1, d2) -> (d0, d2)>],
        iterator_types = ["parallel", "reduction", "parallel"]} ...
    ```
  }];
  let options = [
    Option<"foldTransposesOption", "fold-transposes", "bool",
           /*default=*/"false",
           "fold linalg.transpose results that a reduction reads into its "
           "indexing maps (no transposed copy is written)">,
    Option<"reassociateDotProducts", "reassociate-dot-products", "bool",
           /*default=*/"false",
           "mark the multiply-add of reductions whose innermost loop is a "
           "reduction read contiguously by every input (dot products) "
           "`reassoc contract`, so that LLVM vectorizes them; the sums are "
           "then computed in another order">,
    Option<"contractMulAcc", "contract", "bool", /*default=*/"false",
           "mark the multiply-add of every multiply-accumulate reduction "
           "`contract` (one fma where the target has it)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
}

#endif // MX_TARGET_PASSES_TD
