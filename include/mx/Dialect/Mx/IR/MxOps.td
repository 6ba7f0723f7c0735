//===- MxOps.td - mx operations ----------------------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXOPS_TD
#define MX_DIALECT_MX_IR_MXOPS_TD

include "mx/Dialect/Mx/IR/MxDialect.td"
include "mx/Dialect/Mx/IR/MxAttrs.td"
include "mx/Dialect/Mx/IR/MxTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"

def Mx_FloatTensor : RankedTensorOf<[F32, BF16]>;
def Mx_ElementsTensor : RankedTensorOf<[I8]>;
def Mx_ScalesTensor : RankedTensorOf<[F8E8M0FNU]>;

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

def Mx_QuantizeOp : Mx_Op<"quantize", [Pure]> {
  let summary = "quantize an f32/bf16 tensor to an MX tensor (OCP MX v1.0)";
  let description = [{
    Converts each block of the input (blocks of the result type's `block`
    elements along its `axis`) to one E8M0 scale and `block` element codes,
    exactly as OCP MX v1.0 section 6.3 with these rules:

    1. `amax` is the integer maximum of `bits(v) & 0x7FFFFFFF` over the block
       (so Inf/NaN sort above every finite value and no NaN is lost).
    2. A block containing Inf or NaN gets scale `0xFF` (NaN) and element
       codes 0; it decodes as NaN everywhere.
    3. The shared exponent `se` follows `scale_rule`, clamped to [-127, 127],
       scale byte `se + 127`:
       - `floor` (default, the spec): `E(amax) - 127 - emax_elem` from the
         FP32 exponent field (never from `log2f`). An all-zero (or all
         FP32-subnormal) block gets `se = -127`, byte `0x00`; its elements
         are then exact codes of `v * 2^127` (zeros stay +-0).
       - `ceil`: `floor` plus one when amax is not a power of two.
       - `even`: `floor` of amax rounded (RNE) to the element's mantissa width.
       - `rceil`: `ceil(log2(amax / max_normal))`, computed exactly.
    4. Each element is `RNE(v / 2^se)` on the element grid, subnormals kept,
       saturated to +-max normal (a finite input never becomes NaN or Inf);
       `-0` keeps its sign. INT8 uses `k = RNE(64 * v / 2^se)` clamped to
       [-127, 127].
    5. With `flush_subnormals`, FP32 subnormal inputs count as signed zeros
       (the flush described in the MX paper); without it (the default) they
       are quantized like any other value.

    Example:

    ```mlir
    %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64, e4m3, axis = 1>
    %r = mx.quantize %w scale(rceil) flush_subnormals
           : tensor<64x8xbf16> -> !mx.tensor<64x8, e2m1, axis = 0>
    ```
  }];
  let arguments = (ins
    Mx_FloatTensor:$input,
    DefaultValuedAttr<Mx_ScaleRuleAttr, "::mlir::mx::ScaleRule::floor">:$scale_rule,
    UnitAttr:$flush_subnormals
  );
  let results = (outs Mx_TensorType:$result);
  let assemblyFormat = [{
    $input (`scale` `(` $scale_rule^ `)`)? (`flush_subnormals` $flush_subnormals^)?
    attr-dict `:` type($input) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

def Mx_DequantizeOp : Mx_Op<"dequantize", [Pure]> {
  let summary = "dequantize an MX tensor to f32 or bf16";
  let description = [{
    Each element becomes `value(code) * 2^(scale - 127)`, rounded once to the
    result type (exact in f32 except where the product falls below the f32
    subnormal range or overflows it). Scale byte `0x00` is `2^-127`, not zero;
    scale byte `0xFF` makes the whole block NaN. E4M3 code `0x7F`/`0xFF` and
    E5M2 NaN codes decode to NaN, E5M2 Inf codes to +-Inf; INT8 code `0x80`
    decodes as -2.0 (quantize never produces it).

    ```mlir
    %y = mx.dequantize %q : !mx.tensor<4x64, e4m3, axis = 1> -> tensor<4x64xf32>
    ```
  }];
  let arguments = (ins Mx_TensorType:$input);
  let results = (outs Mx_FloatTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// AssembleOp / DisassembleOp
//===----------------------------------------------------------------------===//

def Mx_AssembleOp : Mx_Op<"assemble", [Pure]> {
  let summary = "build an MX tensor from its packed element and scale buffers";
  let description = [{
    Views an element byte buffer and a scale buffer, in the storage layout of
    `!mx.tensor`, as an MX tensor. This is how data quantized elsewhere (files,
    other libraries, the runtime) enters the IR. The verifier checks both
    shapes against the result type. `mx.assemble` of the buffers of an
    `mx.disassemble` folds to the original tensor.

    ```mlir
    %q = mx.assemble %elements, %scales
           : tensor<4x32xi8>, tensor<4x2xf8E8M0FNU> -> !mx.tensor<4x64, e2m1, axis = 1>
    ```
  }];
  let arguments = (ins Mx_ElementsTensor:$elements, Mx_ScalesTensor:$scales);
  let results = (outs Mx_TensorType:$result);
  let hasFolder = 1;
  let assemblyFormat = [{
    $elements `,` $scales attr-dict `:` type($elements) `,` type($scales)
    `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Mx_DisassembleOp : Mx_Op<"disassemble", [Pure]> {
  let summary = "the packed element and scale buffers of an MX tensor";
  let description = [{
    The inverse of `mx.assemble`: returns the element bytes and the E8M0
    scales of an MX tensor in the storage layout of `!mx.tensor`. The
    disassembly of an `mx.assemble` folds to its operands, which is how
    lowerings connect producers and consumers of MX tensors.

    ```mlir
    %e, %s = mx.disassemble %q
           : !mx.tensor<4x64, e2m1, axis = 1> -> tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>
    ```
  }];
  let arguments = (ins Mx_TensorType:$input);
  let results = (outs Mx_ElementsTensor:$elements, Mx_ScalesTensor:$scales);
  let hasFolder = 1;
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($elements) `,`
    type($scales)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// LookupOp
//===----------------------------------------------------------------------===//

def Mx_LookupOp : Mx_Op<"lookup", [Pure]> {
  let summary = "register-table lookup: result[i] = table[indices[i] mod N]";
  let description = [{
    Looks up every lane of `indices` in a small table held in a vector
    register (`N` entries, a power of two; indices are taken modulo `N`).
    This is the building block of table decodes (MX element codes, K-TanH
    parameters). `mx-lower-lookup` turns it into one permute per register on
    the targets that have one (`vpermps` for 16 x 32-bit entries,
    `vpermi2ps` for 32, AArch64 `tbl` for up to 64 bytes) and into a
    compare/select chain on the generic target.

    ```mlir
    %v = mx.lookup %table[%codes] : vector<16xf32>, vector<32xi32> -> vector<32xf32>
    ```
  }];
  let arguments = (ins FixedVectorOfRank<[1]>:$table,
                       FixedVectorOfRankAndType<[1], [AnySignlessInteger]>:$indices);
  let results = (outs FixedVectorOfRank<[1]>:$result);
  let assemblyFormat = [{
    $table `[` $indices `]` attr-dict `:` type($table) `,` type($indices)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // MX_DIALECT_MX_IR_MXOPS_TD
