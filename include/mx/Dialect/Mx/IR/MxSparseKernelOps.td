//===- MxSparseKernelOps.td - sparse x dense matmul kernels --*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXSPARSEKERNELOPS_TD
#define MX_DIALECT_MX_IR_MXSPARSEKERNELOPS_TD

include "mx/Dialect/Mx/IR/MxDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"

def Mx_SparseMatmulOp
    : Mx_Op<"sparse_matmul", [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "sparse (K-segmented CSR) x dense matmul with f32 accumulation";
  let description = [{
    `result = acc + A * b` for a sparse `A: MxK` stored in K-segmented CSR,
    a dense `b: KxN` (f32) and `acc, result: MxN` (f32). This is the kernel
    that `mx-sparsify` rewrites `mx.masked_matmul` with constant weights to;
    the storage format is chosen so that the fast lowering can keep a block
    of `b` in L1 while it walks the rows.

    **Storage.** K is cut into `T = ceil(K / k_tile)` segments of `k_tile`
    columns. The non-zeros are ordered by segment, then row, then column
    (ascending), and
    - `pos: tensor<(T*M + 1) x i32>`: segment `t` of row `m` holds the
      entries `pos[t*M + m] .. pos[t*M + m + 1]` (`pos[0] = 0`, non-
      decreasing, `pos[T*M]` = the number of non-zeros);
    - `crd: tensor<NNZ x i32|i16>`: the column `k` of each entry (unsigned;
      i16 needs K <= 65536), within its segment's columns and strictly
      ascending within a row segment;
    - `values: tensor<NNZ x f32|bf16>`: the entries (bf16 is widened to f32
      exactly before use).
    `k_tile >= K` is plain CSR (`T = 1`). Explicit zeros are allowed (they
    are multiplied like any value). The kernel does not check the arrays;
    out-of-range positions or coordinates are undefined behaviour.

    **Meaning.** For each `(m, n)`, the entries of row `m` are taken in
    storage order, i.e. ascending `k`; each product and each sum is rounded
    (no FMA), as in `mx.masked_matmul`:

    ```
    c = acc[m][n]
    for t in 0 .. T: for p in pos[t*M + m] .. pos[t*M + m + 1]:
      c = c + f32(values[p]) * b[crd[p]][n]
    result[m][n] = c
    ```

    With `acc = +0` this is bit for bit `mx.masked_matmul` (the dense sum
    over every k, ascending) for finite `b`: a skipped term adds `+-0`,
    which leaves `c` unchanged because a sum started from `+0` is never
    `-0` (only an `acc` of `-0` or a `b` with Inf or NaN where the weight
    is masked could tell the two apart). Every target (`reference`,
    `generic`, `x86-64-avx512`, `aarch64-neon`) gives the same bits.

    ```mlir
    // 256 x 2304 weights at 80% sparsity, segments of 64 columns (T = 36):
    %c = mx.sparse_matmul %pos, %crd, %values, %b, %acc k_tile = 64
           : tensor<9217xi32>, tensor<117965xi16>, tensor<117965xf32>,
             tensor<2304x196xf32> -> tensor<256x196xf32>
    ```
  }];
  let arguments = (ins 1DTensorOf<[I32]>:$pos,
                       1DTensorOf<[I32, I16]>:$crd,
                       1DTensorOf<[F32, BF16]>:$values,
                       RankedTensorOf<[F32]>:$b,
                       RankedTensorOf<[F32]>:$acc,
                       ConfinedAttr<I64Attr, [IntPositive]>:$k_tile);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $pos `,` $crd `,` $values `,` $b `,` $acc `k_tile` `=` $k_tile attr-dict
    `:` type($pos) `,` type($crd) `,` type($values) `,` type($b) `->`
    type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Number of K segments, ceil(K / k_tile).
    int64_t getNumSegments();
  }];
}

#endif // MX_DIALECT_MX_IR_MXSPARSEKERNELOPS_TD
