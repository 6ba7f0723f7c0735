//===- MxMatmulOps.td - mx matrix multiplication -----------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXMATMULOPS_TD
#define MX_DIALECT_MX_IR_MXMATMULOPS_TD

include "mx/Dialect/Mx/IR/MxDialect.td"
include "mx/Dialect/Mx/IR/MxTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"

// A bf16 tensor or an MX tensor (the verifier checks that both operands
// are of one kind).
def Mx_MatmulOperand : AnyTypeOf<[RankedTensorOf<[BF16]>, Mx_TensorType],
                                 "bf16 tensor or !mx.tensor">;

def Mx_MatmulOp : Mx_Op<"matmul", [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "low-precision matrix multiply with f32 accumulation";
  let description = [{
    `result = acc + a * b` for `a: MxK`, `b: KxN`, `acc, result: MxN`.
    The operands are either two bf16 tensors or two MX tensors; the
    accumulator and the result are f32.

    **bf16 x bf16** (the BF16 study's mixed precision: BF16 GEMM inputs,
    FP32 accumulation and outputs). Every product of two bf16 values is
    exact in f32, so only the additions round (to nearest even). Their
    order is part of the meaning, so that all targets agree bit for bit:
    for each `(m, n)`, k runs upward in pairs and within a pair the odd
    element is added first,

    ```
    c = acc[m][n]
    for j in 0 .. K/2:  c = (c + a[m][2j+1] * b[2j+1][n]) + a[m][2j] * b[2j][n]
    if K is odd:        c = c + a[m][K-1] * b[K-1][n]
    ```

    which is the order of x86 `vdpbf16ps`. Subnormal inputs, products and
    partial sums are kept (IEEE), on every target. `mx-lower-to-linalg`
    lowers it to a `linalg.generic` in exactly this order,
    `mx-lower-to-vector` to a packed register-tiled kernel: one `fma` per
    element on f32-widened values (x86, generic: `vfmadd`, which keeps
    subnormals where `vdpbf16ps` would flush them), one `mx.dot_bf16`
    (`bfmlalt` then `bfmlalb`, IEEE) per pair on AArch64.

    ```mlir
    %c = mx.matmul %a, %b, %acc
           : tensor<64x256xbf16>, tensor<256x128xbf16> -> tensor<64x128xf32>
    ```

    **MX x MX** (OCP MX v1.0 section 6.2, `DotGeneral`). `a` is
    `!mx.tensor<MxK, fa, axis = 1>` and `b` is `!mx.tensor<KxN, fb, axis = 0>`:
    both are blocked along K, with the same block size `B`; the formats may
    differ (any of the six). With `transpose_a`, `a` is stored transposed,
    `!mx.tensor<KxM, fa, axis = 0>`; with `transpose_b`, `b` is
    `!mx.tensor<NxK, fb, axis = 1>` (the `[out, in]` weight layout).
    Write `P` for element values and `X = 2^e` for block scales. For each
    `(m, n)` the K-blocks `j` are taken in ascending order:

    ```
    c = acc[m][n]
    for j in 0 .. K/B:
      d = blockdot(a[m][jB .. jB+B), b[jB .. jB+B)[n])
      s = f32(2^(eA - shA)) * f32(2^(eB - shB))   // one f32 multiply
      c = fma(d, s, c)                             // c + d * s, rounded once
    ```

    - *Integer pairs* (both formats in {`int8`, `e2m1`, `e2m3`}): each
      element is the integer `k = P * 2^sh` with `sh` = 6 for INT8 (k in
      [-128, 127]), 1 for FP4 E2M1 (2P in [-12, 12]), 3 for FP6 E2M3 (8P in
      [-60, 60]). `d` is the exact integer sum of `kA * kB` over the block
      (`|d| <= 16384 B`: it fits i32 and converts to f32 exactly for
      `B <= 1024`, to nearest even beyond), and `s` carries the shifts
      `shA + shB`. Every block contribution is therefore exact and each
      addition to `c` rounds once: the result is the f32 sum of the exact
      block dot products, in block order.
    - *Floating-point pairs* (any other pair, i.e. one operand is
      `e4m3`, `e5m2` or `e3m2`): every element value is exact in bf16;
      `d` is the f32 sum of the products in the `mx.dot_bf16` (`vdpbf16ps`)
      order, starting from +0: `d = (d + P[2i+1]*Q[2i+1]) + P[2i]*Q[2i]`
      for i = 0, 1, ..., an odd `B`'s last element alone at the end; and
      `shA = shB = 0`. Products are exact and partial sums are multiples of
      `2^-32` or zero, so neither subnormals nor a flush ever occur; only
      the additions round (to nearest even).

    `s` is exact whenever `2^(eA + eB - shA - shB)` is an f32 (exponent in
    [-149, 127]); below that it rounds to 0 (or 2^-149), above it is +Inf
    (then a zero `d` gives NaN: the FP32 product of such values overflows
    anyway). A NaN scale (`0xFF`) or a NaN element code makes the result
    NaN. `mx-lower-to-linalg` lowers this form to `linalg.generic` ops in
    exactly this order; `mx-lower-to-vector` packs the operands into
    register-blocked panels (at compile time for constant operands) and
    uses `mx.dot_i8` (integer pairs; `mx.dot_i16` on s16 pairs on
    `x86-64-avx2`) and, for floating-point pairs, one
    `mx.dot_bf16` per bf16 pair of element values on x86 with the option
    `dot-bf16` (`vdpbf16ps`, whose flushes never apply here) or f32 fmas in
    the pair order, with the same results bit for bit. When every scale
    byte is in [70, 190] (checked at run time, or at compile time for
    constant scales) the kernels form `s` by adding the two factors' f32
    bit patterns (less those of 1.0) instead of multiplying: the same
    value, as both factors and their product are then normal f32.

    ```mlir
    %c = mx.matmul %a, %b, %acc
           : !mx.tensor<64x256, int8, axis = 1>, !mx.tensor<256x128, e2m1, axis = 0>
             -> tensor<64x128xf32>
    %d = mx.matmul %a, %w, %acc transpose_b
           : !mx.tensor<64x256, e4m3, axis = 1>, !mx.tensor<128x256, e2m1, axis = 1>
             -> tensor<64x128xf32>
    ```

    **Unordered accumulation** (`unordered`, opt-in; the default is the
    ordered, bit-exact meaning above). The sum may be evaluated in any
    order and grouping, in f32 arithmetic with any mix of exact products,
    f32 roundings to nearest even (to odd on `aarch64-neon`) and flushes of
    subnormals, so that a target can use a matrix engine whose internal
    order is not a sequence of pairs (Intel AMX `tdpbf16ps`, AArch64
    `bfmmla`). Each output is only guaranteed to lie within a bound of the
    exact value. Write `x_i` for the operand values of product i (for MX
    operands `x = P * 2^(e - 127)`, the element times its block scale),
    `n = K + 1` and `u = 2^-24` (`2^-23` on `aarch64-neon`, whose `bfmmla`
    rounds its sums to odd: within one ulp rather than half of one):

    ```
    |c - (acc + sum_i x_i y_i)| <= gamma_n * (|acc| + sum_i |x_i y_i|)
                                   + sum_{i in F} |x_i y_i| + n * 2^-126
    gamma_n = n u / (1 - n u)
    ```

    where `F` is the set of products with an operand below `2^-126` in
    magnitude (a bf16 subnormal, which may be read as zero; for MX operands
    the element times its scale) and `n * 2^-126` covers flushed f32
    subnormal partial sums. The sign of a zero result is unspecified. NaN
    and infinite operands and NaN scales give NaN or Inf as in the ordered
    form. An output with an operand value of `2^128` or more (an element
    times its scale beyond bf16) may be NaN or Inf where the ordered form
    is finite: AMX takes the scaled values as bf16 operands, while the
    ordered form and `bfmmla` scale each block's sum.
    The ordered evaluation satisfies the bound, so a target without a
    faster kernel lowers `unordered` to the ordered kernels (same bits as
    without the attribute). On `x86-64-avx512` with `dot-bf16`, bf16 x
    bf16 sums bf16 pairs with `vdpbf16ps` into the output tile (subnormals
    flushed; the ordered kernel widens each value to f32 and uses one fma
    per K position, half the rate on AMD Zen); MX pairs keep the ordered
    kernels, which then use `vdpbf16ps` too. On `x86-64-amx`, bf16 x bf16
    and MX pairs with an FP8 or E3M2 operand use AMX-BF16 tiles; integer
    MX pairs keep their exact VNNI kernel. On `aarch64-neon`, MX pairs with an FP8 or E3M2
    operand use `bfmmla` on the exact bf16 element values, block by block,
    each block's sum then scaled and added with one fma as in the ordered
    form; bf16 x bf16 uses `bfmmla` accumulating into the output tile.

    ```mlir
    %c = mx.matmul %a, %b, %acc unordered
           : !mx.tensor<256x2304, e4m3, axis = 1>, !mx.tensor<2304x196, e4m3, axis = 0>
             -> tensor<256x196xf32>
    ```
  }];
  let arguments = (ins Mx_MatmulOperand:$a, Mx_MatmulOperand:$b,
                       RankedTensorOf<[F32]>:$acc,
                       UnitAttr:$transpose_a, UnitAttr:$transpose_b,
                       UnitAttr:$unordered);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $acc (`transpose_a` $transpose_a^)?
    (`transpose_b` $transpose_b^)? (`unordered` $unordered^)? attr-dict `:`
    type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// True when both operands are !mx.tensor (false: bf16 x bf16).
    bool isBlockScaled() {
      return ::llvm::isa<::mlir::mx::MxTensorType>(getA().getType());
    }
  }];
}

#endif // MX_DIALECT_MX_IR_MXMATMULOPS_TD
