//===- MxActivationOps.td - K-TanH activations -------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// mx.ktanh and the activations derived from it (mx.ksigmoid, mx.kswish,
// mx.kgelu). Included from MxOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXACTIVATIONOPS_TD
#define MX_DIALECT_MX_IR_MXACTIVATIONOPS_TD

include "mx/Dialect/Mx/IR/MxDialect.td"
include "mx/Dialect/Mx/IR/MxActivationAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"

def Mx_ActivationTensor : RankedTensorOf<[F32, BF16]>;

/// One elementwise K-TanH activation: same type in and out, an optional
/// `mantissa(bf16|full)` for f32 tensors.
class Mx_KActivationOp<string mnemonic, string opSummary, string opDescription>
    : Mx_Op<mnemonic, [Pure, Elementwise, AllTypesMatch<["input", "result"]>]> {
  let summary = opSummary;
  let description = opDescription # [{

    **Mantissa variant (f32 only).** `mantissa(full)`, the default for f32
    tensors, lets the table region read all 23 input mantissa bits:
    `s | Et << 23 | ((M >> rt) + (bt << 16))`. `mantissa(bf16)` reads only
    the 7 bits a bf16 keeps, `s | Et << 23 | ((M[22:16] >> rt) + bt) << 16`,
    so that an f32 tensor gets exactly the K-TanH of its bf16 truncation
    (and a bf16-representable result in the table region). Measured against
    tanh in double precision (every 61st f32 bit pattern, and the mean over
    [2^-8, 8]): `full` max 9.83e-3, mean 8.0e-4; `bf16` max 1.18e-2 (just
    below 0.5625, where the truncation hurts most), mean 1.1e-3. They cost
    the same, so `full` is the default; bf16 tensors always use their 7-bit
    mantissa and take no `mantissa` attribute.

    Every lowering (`mx-lower-to-linalg`, and `mx-lower-to-vector` for
    `generic`, `x86-64-avx512`, `aarch64-neon`) produces exactly these bits;
    `include/mx/Reference/KTanh.h` is the independent scalar oracle they are
    tested against.
  }];
  let arguments = (ins
    Mx_ActivationTensor:$input,
    OptionalAttr<Mx_KTanhMantissaAttr>:$mantissa
  );
  let results = (outs Mx_ActivationTensor:$result);
  let assemblyFormat = [{
    $input (`mantissa` `(` $mantissa^ `)`)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The mantissa variant in effect: the attribute, or `full` for f32 and
    /// `bf16` for bf16 tensors.
    ::mlir::mx::KTanhMantissa getEffectiveMantissa();
  }];
}

//===----------------------------------------------------------------------===//
// KTanhOp
//===----------------------------------------------------------------------===//

def Mx_KTanhOp : Mx_KActivationOp<"ktanh",
    "K-TanH: table-driven tanh on the float's bit fields", [{
    Approximates `tanh` elementwise with the K-TanH algorithm of Kundu et al.
    (Intel Labs, arXiv 1909.07729): no multiply, no exp, only bit-field
    operations and one 32-entry parameter table. For an input with bits
    `x = (s, E, M)` (f32: sign, 8-bit biased exponent, 23-bit mantissa; a
    bf16 tensor is treated as its exact f32 widening):

    1. NaN: a quiet NaN with the input's sign and payload (f32:
       `x | 0x00400000`, bf16: `x | 0x0040`).
    2. `|x| < 0.25`: `x` itself. Zeros keep their sign; f32 subnormals pass
       through unchanged (no DAZ).
    3. `|x| > 3.75`: `+-1.0` with the sign of `x`; `+-Inf` give `+-1`.
    4. Otherwise (both thresholds belong to this region):
       `t = (E & 3) << 3 | M[22:20]` (f32 bits 24..20: the two low exponent
       bits select the octave [0.25, 0.5), [0.5, 1), [1, 2) or [2, 4), the
       three high mantissa bits one of its 8 segments), `(Et, rt, bt) =
       table[t]`, and the result is `s | Et << 23 | ((Mi >> rt) + bt) << 16`
       with `Mi = M[22:16]` (see the mantissa variant below for f32). The sum
       stays in [0, 127], so no carry reaches the exponent; every result of
       this region lies in [0.25, 1) and keeps the input's sign, so the
       function is odd exactly.

    The parameter table `t: (Et, rt, bt)`:

    | t | Et,rt,bt | t | Et,rt,bt | t | Et,rt,bt | t | Et,rt,bt |
    |---|---|---|---|---|---|---|---|
    | 0 | 126,2,119 | 8 | 125,1,1 | 16 | 125,0,112 | 24 | 126,0,65 |
    | 1 | 126,4,122 | 9 | 125,0,-4 | 17 | 126,1,-4 | 25 | 126,1,72 |
    | 2 | 126,4,123 | 10 | 125,0,-6 | 18 | 126,1,-1 | 26 | 126,1,73 |
    | 3 | 126,4,123 | 11 | 125,0,-7 | 19 | 126,1,2 | 27 | 126,1,73 |
    | 4 | 126,6,126 | 12 | 125,0,-10 | 20 | 126,1,3 | 28 | 126,2,88 |
    | 5 | 126,6,126 | 13 | 125,0,-12 | 21 | 126,1,4 | 29 | 126,2,89 |
    | 6 | 126,6,126 | 14 | 125,0,-15 | 22 | 126,1,4 | 30 | 126,2,89 |
    | 7 | 126,6,126 | 15 | 125,0,-18 | 23 | 126,1,4 | 31 | 126,4,110 |

    Accuracy (against tanh in double precision): bf16, every input: max abs
    error 8.9e-3 (at x = 0.621), mean 9.7e-4 over [2^-8, 8]; about 2.3 bf16
    ulps. The function is not monotone: six small downward steps at segment
    boundaries (the largest, 0.0078, at x = 1.0). 3.75 gives 0.99609375.

    The vector lowerings pack each entry into 16 bits,
    `rt << 12 | (Et * 128 + bt - 0x3E00)`, and keep the 32 entries (512
    bits) in one register: one `vpermw` per 32 lanes on x86-64-avx512, two
    `tbl` (one per byte) on aarch64-neon, a compare/select chain on generic.

    Example:

    ```mlir
    %y = mx.ktanh %x : tensor<4x64xbf16>
    %z = mx.ktanh %w : tensor<1024xf32>                   // mantissa(full)
    %t = mx.ktanh %w mantissa(bf16) : tensor<1024xf32>    // as its bf16 truncation
    ```
  }]>;

//===----------------------------------------------------------------------===//
// Derived activations
//===----------------------------------------------------------------------===//

defvar Mx_KDerivedCommon = [{

    All derived activations evaluate in f32, in exactly the order written,
    every operation rounded to nearest even and never fused into an FMA
    unless written as `fma` (one rounding, on every target); a
    bf16 tensor is widened exactly, uses the bf16-mantissa K-TanH, and its
    f32 result is rounded once to bf16 (nearest even). NaN gives the quiet
    input NaN (sign and payload kept, f32 `x | 0x00400000`, bf16
    `x | 0x0040`).
  }];

def Mx_KSigmoidOp : Mx_KActivationOp<"ksigmoid",
    "sigmoid from K-TanH: 0.5 * ktanh(x / 2) + 0.5", [{
    `sigmoid(x) = 1 / (1 + exp(-x)) = 0.5 + 0.5 * tanh(x / 2)`, evaluated as

    ```
    y = ktanh(x * 0.5) * 0.5 + 0.5
    ```

    `x * 0.5` is the exponent decrement of x for every normal input (exact)
    and a correctly rounded halving for zeros, subnormals and infinities, so
    no special case is needed: `+Inf` gives 1, `-Inf` gives 0, +-0 gives 0.5.
    Outputs lie in [0, 1]; inputs below -7.5 give exactly 0 and above 7.5
    exactly 1.

    Error bound (derived: half the K-TanH error at x / 2 plus the output
    rounding): bf16 6.41e-3 (= 8.92e-3 / 2 + 2^-9), f32 `full` 4.92e-3,
    f32 `bf16` 5.9e-3.
  }] # Mx_KDerivedCommon # [{

    Example:

    ```mlir
    %s = mx.ksigmoid %x : tensor<8x128xbf16>
    ```
  }]>;

def Mx_KSwishOp : Mx_KActivationOp<"kswish",
    "swish / SiLU from K-TanH: x * ksigmoid(x)", [{
    `swish(x) = x * sigmoid(x)` (SiLU), evaluated as `x * y` with `y` the
    f32 `mx.ksigmoid` value of `x` (before any bf16 rounding). `-Inf` gives
    `-0` (the limit, instead of `-Inf * 0 = NaN`), `+Inf` gives `+Inf`; every
    input above 7.5 gives exactly `x` and every input below -7.5 gives `-0`.

    Error bound (derived): `|x| * e_sigmoid(x) + half an output ulp` at
    every x, with e_sigmoid the sigmoid error above.
  }] # Mx_KDerivedCommon # [{

    Example:

    ```mlir
    %s = mx.kswish %x : tensor<8x128xf32>
    ```
  }]>;

def Mx_KGeluOp : Mx_KActivationOp<"kgelu",
    "GELU (tanh form) from K-TanH", [{
    The tanh form of GELU,
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`, written
    as `0.5 * x + |x| * 0.5 * tanh(|u|)` (u has the sign of x, so the
    K-TanH needs no sign handling) and evaluated as

    ```
    a = |x|
    w = a * fma(a * a, c1, c0)        // |u| / 2
    h = 0.5 * ktanh(2 * w)            // w itself below 0.125, 0.5 above 1.875
    y = fma(a, h, x * 0.5) | sign(x)
    ```

    with c0 = 0x1.988454p-2 and c1 = 0x1.2444f2p-6, the f32 values nearest
    to `0.5 * sqrt(2 / pi)` and `0.5 * sqrt(2 / pi) * 0.044715`. `fma` is
    fused (one rounding) on every target. `h` is the K-TanH of 2w with one
    less in the exponent: a target looks w up in the table rotated by -8
    entries (2w has w's mantissa and index t + 8), so 2w is never formed.
    With `mantissa(bf16)`, and always for bf16 tensors, w is first
    truncated to bf16 (its top 16 bits), identity region included. GELU is
    <= 0 for x <= 0 (h <= 0.5), so or-ing x's sign into y only turns an
    exact +0 into -0: once the K-TanH saturates (2w > 3.75, about
    |x| > 3.2) the result is exactly `x` for positive and `-0` for negative
    inputs. `+Inf` gives `+Inf`, `-Inf` gives `-0`; bf16 rounds y once
    (RNE), which for |x| < 2^-125 is x / 2 rounded.

    Error bound (derived): `0.5 * |x| * (e_tanh + |du|) + half an output
    ulp` at every x, with `du` the f32 rounding error of 2w against the
    exact argument and e_tanh the K-TanH maximum for f32 inputs of the
    variant: 1.18e-2 for `mantissa(bf16)` and for bf16 tensors (w is an
    f32, read through its bf16 truncation), 9.83e-3 for `mantissa(full)`.
    Measured maxima: 1.43e-2 (bf16), 7.6e-3 (f32 `bf16`), 4.7e-3 (f32
    `full`).
  }] # Mx_KDerivedCommon # [{

    Example:

    ```mlir
    %g = mx.kgelu %x mantissa(bf16) : tensor<8x128xf32>
    ```
  }]>;

#endif // MX_DIALECT_MX_IR_MXACTIVATIONOPS_TD
