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
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // MX_TARGET_PASSES_TD
