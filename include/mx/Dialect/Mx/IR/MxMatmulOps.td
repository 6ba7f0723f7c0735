//===- MxMatmulOps.td - mx matrix multiplication -----------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXMATMULOPS_TD
#define MX_DIALECT_MX_IR_MXMATMULOPS_TD

include "mx/Dialect/Mx/IR/MxDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"

def Mx_MatmulOp : Mx_Op<"matmul", [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "low-precision matrix multiply with f32 accumulation";
  let description = [{
    `result = acc + a * b` for `a: MxK`, `b: KxN`, `acc, result: MxN`.
    Operands are bf16 and the accumulator f32 (the BF16 study's mixed
    precision: BF16 GEMM inputs, FP32 accumulation and outputs).

    Every product of two bf16 values is exact in f32, so only the additions
    round (to nearest even). Their order is part of the meaning, so that all
    targets agree bit for bit: for each `(m, n)`, k runs upward in pairs and
    within a pair the odd element is added first,

    ```
    c = acc[m][n]
    for j in 0 .. K/2:  c = (c + a[m][2j+1] * b[2j+1][n]) + a[m][2j] * b[2j][n]
    if K is odd:        c = c + a[m][K-1] * b[K-1][n]
    ```

    which is the order of x86 `vdpbf16ps` (see `mx.dot_bf16`: on x86 bf16
    subnormal inputs and f32 subnormal partial sums are flushed, elsewhere
    kept). `mx-lower-to-linalg` lowers it to a `linalg.generic` in exactly
    this order, `mx-lower-to-vector` to loops of `mx.dot_bf16`.

    ```mlir
    %c = mx.matmul %a, %b, %acc
           : tensor<64x256xbf16>, tensor<256x128xbf16> -> tensor<64x128xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[BF16]>:$a, RankedTensorOf<[BF16]>:$b,
                       RankedTensorOf<[F32]>:$acc);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $acc attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // MX_DIALECT_MX_IR_MXMATMULOPS_TD
