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
include "mx/Dialect/Mx/IR/MxMatmulOps.td"
include "mx/Dialect/Mx/IR/MxVectorOps.td"

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
    parameters). `mx-lower-vector-ops` turns it into one permute per register on
    the targets that have one (`vpermps` for 16 x 32-bit entries,
    `vpermi2ps` for 32; `vpermw` for 32 x 16-bit entries, `vpermi2w` for
    64 and two `vpermi2w` and a select for 128, 32 lanes at a time;
    `vpshufb` for 16 bytes; AArch64 `tbl` for up to 64 bytes) and into a
    compare/select chain on the generic target.

    ```mlir
    %v = mx.lookup %table[%codes] : vector<16xf32>, vector<32xi32> -> vector<32xf32>
    %h = mx.lookup %bf16bits[%wide] : vector<128xi16>, vector<32xi16> -> vector<32xi16>
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

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

def Mx_CastOp : Mx_Op<"cast", [Pure]> {
  let summary = "f32 <-> bf16 conversion with explicit rounding, denormal "
                "and NaN rules";
  let description = [{
    Converts every element of a ranked tensor from f32 to bf16 or from bf16
    to f32; both tensors have the same shape. The result is defined bit for
    bit, and every lowering (reference, generic, x86-64-avx512,
    aarch64-neon) produces exactly these bits.

    **f32 -> bf16.** With `b` the 32-bit pattern of an element:

    1. NaN (`(b & 0x7FFFFFFF) > 0x7F800000`), whatever the rounding: the
       quiet NaN `(b >> 16) | 0x0040`, which keeps the sign and the top six
       payload bits (the hardware rule of `vcvtneps2bf16` and `bfcvtn`).
    2. `denormals(flush)`: an f32 subnormal input counts as a zero of the same
       sign. (A normal f32 never rounds to a bf16 subnormal, so this also
       flushes every subnormal result.) `denormals(preserve)`, the default,
       rounds subnormals onto the bf16 subnormal grid like any other value.
    3. Every other value (zeros, Inf, finite) is rounded by `rounding`:
       - `rne` (default): to nearest, ties to even:
         `(b + 0x7FFF + ((b >> 16) & 1)) >> 16`. Magnitudes of `0x7F7F8000`
         and above round to Inf (IEEE overflow).
       - `truncate`: toward zero, `b >> 16`. Never overflows to Inf.
       - `stochastic`: `(b + r) >> 16` with `r` a 16-bit random number, so
         the magnitude rounds up with probability `(b & 0xFFFF) / 2^16` and
         the expected result is the input (unbiased; a value above the
         largest finite bf16 may round to Inf). `r` depends only on the
         `seed` operand `s` and the element's row-major linear index `i`:
         `r = H(s, i mod 2^32) & 0xFFFF` with, in unsigned 32-bit
         arithmetic, `H(s, u) = mix(u + mix(s))` and `mix`
         Wellons' lowbias32 hash:
         `x ^= x >> 16; x *= 0x7FEB352D; x ^= x >> 15; x *= 0x846CA68B;
         x ^= x >> 16`. A seed gives the same bits on every target; use a
         new seed for every cast (for example, per training step). One
         hash per element keeps the cast memory-bound; the price is that
         two seeds give shifted copies of one stream
         (`H(s2, u) = H(s1, u + mix(s2) - mix(s1))`).

    **bf16 -> f32** is exact: `b << 16`. NaNs keep sign and payload and are
    made quiet (`| 0x00400000`, which changes signaling NaNs only). With
    `denormals(flush)`, bf16 subnormal inputs become signed zeros.
    `rounding` must stay `rne` (the default) and there is no seed.

    `seed` is present exactly when `rounding` is `stochastic`.

    How the lowerings get these bits: `mx-lower-to-linalg` and the
    `generic` target use the integer formulas above. `x86-64-avx512` uses
    `vcvtneps2bf16` for `rne` with `denormals(flush)`, which is exactly its
    behaviour (RNE, subnormal inputs and outputs flushed, MXCSR ignored,
    quiet NaN with sign and truncated payload; it needs AVX512_BF16), and
    AVX-512F integer code for every other mode. `aarch64-neon` uses
    `bfcvtn` for `rne` (after an integer flush of subnormal inputs for
    `denormals(flush)`), which matches under the default FPCR (round to
    nearest, FZ = 0, DN = 0, AH = 0); code that sets FPCR.FZ or FPCR.DN
    (for example a program linked with `-ffast-math`'s crtfastmath) gets
    different subnormal or NaN results.

    Examples:

    ```mlir
    %h = mx.cast %x : tensor<4x64xf32> -> tensor<4x64xbf16>
    %t = mx.cast %x rounding(truncate) denormals(flush)
           : tensor<4x64xf32> -> tensor<4x64xbf16>
    %s = mx.cast %x rounding(stochastic) seed(%seed)
           : tensor<4x64xf32> -> tensor<4x64xbf16>
    %y = mx.cast %h : tensor<4x64xbf16> -> tensor<4x64xf32>
    ```

    A cast of a constant (other than `stochastic`) folds to a constant with
    these bits, so a constant weight that `mx-bf16` rounds is a bf16
    constant at compile time, and the matmul lowerings pack it then.
  }];
  let arguments = (ins
    Mx_FloatTensor:$input,
    Optional<I32>:$seed,
    DefaultValuedAttr<Mx_RoundingModeAttr, "::mlir::mx::RoundingMode::rne">:$rounding,
    DefaultValuedAttr<Mx_DenormalModeAttr, "::mlir::mx::DenormalMode::preserve">:$denormals
  );
  let results = (outs Mx_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`rounding` `(` $rounding^ `)`)? (`seed` `(` $seed^ `)`)?
    (`denormals` `(` $denormals^ `)`)?
    attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// WorkerCountOp
//===----------------------------------------------------------------------===//

def Mx_WorkerCountOp : Mx_Op<"worker_count", [Pure]> {
  let summary = "the number of threads that run the parallel loops";
  let description = [{
    The number of threads a parallel loop (`scf.forall`) of the current
    call runs on, at least 1. Kernels that give each thread one share of
    the work (and private buffers) size their `scf.forall` with it.
    `mx-lower-worker-count` replaces it with `omp_get_max_threads()` when
    the parallel loops become OpenMP loops and with 1 when they run
    sequentially.

    ```mlir
    %workers = mx.worker_count
    %r = scf.forall (%w) in (%workers) shared_outs(%c = %acc) -> tensor<256x196xf32> {
      ...
    }
    ```
  }];
  let results = (outs Index:$result);
  let assemblyFormat = "attr-dict";
}

include "mx/Dialect/Mx/IR/MxActivationOps.td"
include "mx/Dialect/Mx/IR/MxSparseOps.td"
include "mx/Dialect/Mx/IR/MxSparseKernelOps.td"

#endif // MX_DIALECT_MX_IR_MXOPS_TD
