//===- MxVectorOps.td - target-neutral vector ops ----------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Pure ops on vectors that the lowerings emit where a target has a better
// instruction than generic vector code; mx-lower-vector-ops turns them into
// that instruction (or generic code) after bufferization.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXVECTOROPS_TD
#define MX_DIALECT_MX_IR_MXVECTOROPS_TD

include "mx/Dialect/Mx/IR/MxDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Mx_DotBF16Op : Mx_Op<"dot_bf16", [Pure, AllTypesMatch<["acc", "result"]>,
                                       AllTypesMatch<["a", "b"]>]> {
  let summary = "pairwise bf16 dot-product accumulate into f32 lanes";
  let description = [{
    For every f32 lane `i` of `acc`:

    ```
    r[i] = (acc[i] + a[2i+1] * b[2i+1]) + a[2i] * b[2i]
    ```

    with exact products (a bf16 x bf16 product fits in f32) and each of the
    two additions rounded to nearest even: the order and rounding of x86
    `vdpbf16ps`. `mx-lower-vector-ops` emits `vdpbf16ps` on
    `x86-64-avx512`, `bfmlalt` then `bfmlalb` (fused, IEEE) on
    `aarch64-neon`, and extends/multiplies/adds on `generic`. All three
    agree bit for bit while inputs and partial sums stay normal; on x86,
    bf16 subnormal inputs and f32 subnormal sums are flushed to zero
    (VDPBF16PS has no other mode), elsewhere they are kept.

    ```mlir
    %r = mx.dot_bf16 %acc, %a, %b : vector<16xf32>, vector<32xbf16>
    ```
  }];
  let arguments = (ins FixedVectorOfRankAndType<[1], [F32]>:$acc,
                       FixedVectorOfRankAndType<[1], [BF16]>:$a,
                       FixedVectorOfRankAndType<[1], [BF16]>:$b);
  let results = (outs FixedVectorOfRankAndType<[1], [F32]>:$result);
  let assemblyFormat = [{
    $acc `,` $a `,` $b attr-dict `:` type($acc) `,` type($a)
  }];
  let hasVerifier = 1;
}

def Mx_DotI8Op : Mx_Op<"dot_i8", [Pure, AllTypesMatch<["acc", "result"]>,
                                   AllTypesMatch<["a", "b"]>]> {
  let summary = "4-way u8 x s8 dot-product accumulate into i32 lanes";
  let description = [{
    For every i32 lane `i` of `acc`, with `a` read as unsigned and `b` as
    signed bytes:

    ```
    r[i] = acc[i] + sum(j = 0..3) zext(a[4i+j]) * sext(b[4i+j])   (mod 2^32)
    ```

    the operation of x86 AVX512-VNNI `vpdpbusd` and AArch64 `usdot`
    (FEAT_I8MM). Signed x signed products come from it with an offset: with
    `a' = a + 128` (an xor with 0x80), `sum a * b = sum a' * b - 128 sum b`.
    `mx-lower-vector-ops` emits `llvm.x86.avx512.vpdpbusd.512` on
    `x86-64-avx512` (16 lanes), `llvm.aarch64.neon.usdot` per 128-bit
    register on `aarch64-neon`, and extends/multiplies/adds on `generic`.

    ```mlir
    %r = mx.dot_i8 %acc, %a, %b : vector<16xi32>, vector<64xi8>
    ```
  }];
  let arguments = (ins FixedVectorOfRankAndType<[1], [I32]>:$acc,
                       FixedVectorOfRankAndType<[1], [I8]>:$a,
                       FixedVectorOfRankAndType<[1], [I8]>:$b);
  let results = (outs FixedVectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $a `,` $b attr-dict `:` type($acc) `,` type($a)
  }];
  let hasVerifier = 1;
}

def Mx_DotI16Op : Mx_Op<"dot_i16", [Pure, AllTypesMatch<["acc", "result"]>,
                                     AllTypesMatch<["a", "b"]>]> {
  let summary = "pairwise s16 x s16 dot-product accumulate into i32 lanes";
  let description = [{
    For every i32 lane `i` of `acc`:

    ```
    r[i] = acc[i] + sext(a[2i]) * sext(b[2i]) + sext(a[2i+1]) * sext(b[2i+1])
                                                               (mod 2^32)
    ```

    the operation of x86 `vpmaddwd` followed by `vpaddd` (AVX2: 8 lanes per
    256-bit register). Signed x signed, so the integer MX multiples (int8
    range, widened to i16) need no offset; exact for every such pair (only
    four -32768 overflow a pair sum, and they wrap as the formula does).
    `mx-lower-vector-ops` emits `llvm.x86.avx2.pmadd.wd` per 256 bits on
    `x86-64-avx2` and `x86-64-avx512` (lane counts a multiple of 8), and
    extends/multiplies/adds elsewhere.

    ```mlir
    %r = mx.dot_i16 %acc, %a, %b : vector<8xi32>, vector<16xi16>
    ```
  }];
  let arguments = (ins FixedVectorOfRankAndType<[1], [I32]>:$acc,
                       FixedVectorOfRankAndType<[1], [I16]>:$a,
                       FixedVectorOfRankAndType<[1], [I16]>:$b);
  let results = (outs FixedVectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $a `,` $b attr-dict `:` type($acc) `,` type($a)
  }];
  let hasVerifier = 1;
}

def Mx_MmlaI8Op : Mx_Op<"mmla_i8", [Pure, AllTypesMatch<["acc", "result"]>,
                                    AllTypesMatch<["a", "b"]>]> {
  let summary = "2x8 by 8x2 s8 matrix multiply-accumulate into a 2x2 i32 tile";
  let description = [{
    `a` holds two rows of eight signed bytes (row `i` in lanes `8i..8i+7`),
    `b` two columns of eight signed bytes (column `j` in lanes `8j..8j+7`),
    and `acc` a 2 x 2 tile in row-major order:

    ```
    r[2i+j] = acc[2i+j] + sum(k = 0..7) sext(a[8i+k]) * sext(b[8j+k])
                                                          (mod 2^32)
    ```

    the operation of AArch64 `smmla` (FEAT_I8MM): 32 multiply-adds per
    instruction against 16 for `sdot`/`usdot`, and exact signed x signed
    products with no offset to correct. `mx-lower-vector-ops` emits
    `llvm.aarch64.neon.smmla` on `aarch64-neon` and extends/multiplies/adds
    on every other target.

    ```mlir
    %r = mx.mmla_i8 %acc, %a, %b : vector<4xi32>, vector<16xi8>
    ```
  }];
  let arguments = (ins FixedVectorOfShapeAndType<[4], I32>:$acc,
                       FixedVectorOfShapeAndType<[16], I8>:$a,
                       FixedVectorOfShapeAndType<[16], I8>:$b);
  let results = (outs FixedVectorOfShapeAndType<[4], I32>:$result);
  let assemblyFormat = [{
    $acc `,` $a `,` $b attr-dict `:` type($acc) `,` type($a)
  }];
}

def Mx_MmlaBF16Op : Mx_Op<"mmla_bf16", [Pure,
                                        AllTypesMatch<["acc", "result"]>,
                                        AllTypesMatch<["a", "b"]>]> {
  let summary = "2x4 by 4x2 bf16 matrix multiply-accumulate into a 2x2 f32 tile";
  let description = [{
    `a` holds two rows of four bf16 values (row `i` in lanes `4i..4i+3`),
    `b` two columns (column `j` in lanes `4j..4j+3`), and `acc` a 2 x 2 f32
    tile in row-major order:

    ```
    r[2i+j] ~ acc[2i+j] + sum(k = 0..3) a[4i+k] * b[4j+k]
    ```

    with exact products. The additions are the target's, each within one
    f32 ulp: on `aarch64-neon`, AArch64 `bfmmla` (FEAT_BF16), which adds
    the products in pairs and the pairs to the accumulator with sums
    rounded to odd and bf16/f32 subnormals flushed (BFDOT's rules); on
    other targets, extends/multiplies and adds `acc + p0 + p1 + p2 + p3`
    rounded to nearest even. The result is therefore not bit-exact across
    targets: the op exists for `mx.matmul ... unordered`.

    ```mlir
    %r = mx.mmla_bf16 %acc, %a, %b : vector<4xf32>, vector<8xbf16>
    ```
  }];
  let arguments = (ins FixedVectorOfShapeAndType<[4], F32>:$acc,
                       FixedVectorOfShapeAndType<[8], BF16>:$a,
                       FixedVectorOfShapeAndType<[8], BF16>:$b);
  let results = (outs FixedVectorOfShapeAndType<[4], F32>:$result);
  let assemblyFormat = [{
    $acc `,` $a `,` $b attr-dict `:` type($acc) `,` type($a)
  }];
}

#endif // MX_DIALECT_MX_IR_MXVECTOROPS_TD
