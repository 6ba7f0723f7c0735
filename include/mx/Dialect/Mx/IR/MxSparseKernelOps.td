//===- MxSparseKernelOps.td - sparse x dense matmul kernels --*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXSPARSEKERNELOPS_TD
#define MX_DIALECT_MX_IR_MXSPARSEKERNELOPS_TD

include "mx/Dialect/Mx/IR/MxDialect.td"
include "mx/Dialect/Mx/IR/MxAttrs.td"
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
    - `values: tensor<NNZ x f32|bf16|i8>`: the entries. bf16 is widened to
      f32 exactly before use. `i8` holds MX element codes (OCP MX v1.0), one
      per byte, of the format `value_format` (`e4m3`, `e5m2`, `e2m3`,
      `e3m2`, `e2m1`, `int8`; FP6 and FP4 codes sit in the low 6 or 4 bits,
      the high bits are ignored), with
    - `scales: tensor<(M * ceil(K / 32)) x f8E8M0FNU>` (only with `i8`
      values): one E8M0 scale per block of 32 columns of a row, row-major:
      the entry at `(m, k)` has the scale `scales[m * ceil(K / 32) + k / 32]`.
      The stored values are thus the kept entries of the MX tensor
      `!mx.tensor<M x K, value_format, axis = 1>` (K padded with zeros to a
      multiple of 32): the layout of its scale buffer, and a block's scale
      does not depend on which of its entries are kept. An entry's value is
      `value(code) * 2^(scale - 127)` rounded once to f32, exactly as
      `mx.dequantize` computes it (`0x00` is `2^-127`, `0xFF` NaN; E4M3
      and E5M2 NaN codes are NaN, E5M2 Inf codes Inf).
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

    where `f32(values[p])` is the entry's f32 value (for MX codes the
    decoded and scaled value above). With `acc = +0` this is bit for bit
    `mx.masked_matmul` (the dense sum over every k, ascending) of the
    weights' f32 values for finite `b`: a skipped term adds `+-0`, which
    leaves `c` unchanged because a sum started from `+0` is never `-0`
    (only an `acc` of `-0` or a `b` with Inf or NaN where the weight is
    masked could tell the two apart). Every target (`reference`, `generic`,
    `x86-64-avx512`, `aarch64-neon`) gives the same bits.

    ```mlir
    // 256 x 2304 weights at 80% sparsity, segments of 64 columns (T = 36):
    %c = mx.sparse_matmul %pos, %crd, %values, %b, %acc k_tile = 64
           : tensor<9217xi32>, tensor<117965xi16>, tensor<117965xf32>,
             tensor<2304x196xf32> -> tensor<256x196xf32>
    // The same weights as MXFP8 (E4M3) codes, 256 x 72 block scales:
    %d = mx.sparse_matmul %pos, %crd, %codes, %b, %acc scales %scales
           k_tile = 64 value_format = e4m3
           : tensor<9217xi32>, tensor<117965xi16>, tensor<117965xi8>,
             tensor<2304x196xf32>, tensor<18432xf8E8M0FNU>
             -> tensor<256x196xf32>
    ```
  }];
  let arguments = (ins 1DTensorOf<[I32]>:$pos,
                       1DTensorOf<[I32, I16]>:$crd,
                       1DTensorOf<[F32, BF16, I8]>:$values,
                       Optional<1DTensorOf<[F8E8M0FNU]>>:$scales,
                       RankedTensorOf<[F32]>:$b,
                       RankedTensorOf<[F32]>:$acc,
                       ConfinedAttr<I64Attr, [IntPositive]>:$k_tile,
                       OptionalAttr<Mx_FormatAttr>:$value_format);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $pos `,` $crd `,` $values `,` $b `,` $acc (`scales` $scales^)?
    `k_tile` `=` $k_tile (`value_format` `=` $value_format^)? attr-dict
    `:` type($pos) `,` type($crd) `,` type($values) `,` type($b)
    (`,` type($scales)^)? `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Number of K segments, ceil(K / k_tile).
    int64_t getNumSegments();
    /// Columns per MX scale block (OCP MX: 32).
    static constexpr int64_t kScaleBlock = 32;
    /// Number of scale blocks per row, ceil(K / 32).
    int64_t getNumScaleBlocks();
  }];
}

#endif // MX_DIALECT_MX_IR_MXSPARSEKERNELOPS_TD
