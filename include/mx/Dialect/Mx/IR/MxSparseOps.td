//===- MxSparseOps.td - AutoSparse sparse-masked ops -------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The ops of AutoSparse training (Kundu et al., arXiv 2304.06941): a weight
// mask driven by a learnable per-layer threshold (STR's soft threshold or a
// hard mask), the masked matmul and convolution with their backward ops, the
// threshold gradient and Gradient Annealing. Included from MxOps.td.
//
// Every op is defined on f32 values; each description states the exact
// order of every sum, so that a lowering (the reference one in
// mx-lower-to-linalg and the scalar oracle include/mx/Reference/Sparse.h)
// gives the same bits.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXSPARSEOPS_TD
#define MX_DIALECT_MX_IR_MXSPARSEOPS_TD

include "mx/Dialect/Mx/IR/MxDialect.td"
include "mx/Dialect/Mx/IR/MxSparseAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"

def Mx_SparseTensor : RankedTensorOf<[F32]>;
def Mx_SparseMatrix : 2DTensorOf<[F32]>;
def Mx_SparseConvTensor : 4DTensorOf<[F32]>;
// A runtime f32 scalar: a plain f32 or a 0-d tensor (the form a gradient
// of a graph on tensors takes).
def Mx_SparseScalar : AnyTypeOf<[F32, 0DTensorOf<[F32]>],
                                "f32 or tensor<f32>">;

defvar Mx_SparseMaskCommonDoc = [{

    **Threshold and mask.** `threshold` is the learnable scalar `s` of the
    layer (an `f32` or a `tensor<f32>`, a runtime value). Its threshold is
    `tau = 1 / (1 + exp(-s))`, evaluated in f32 in that order (`exp` as
    `math.exp`), so `s = -3200` (STR's initial value) gives `tau = 0`
    exactly and a large `s` gives 1, never NaN. The mask is
    `m = |w| > tau`, strictly; a NaN weight is masked.

    **Modes.** `mode(soft)` (the default, not printed) is STR's soft
    threshold, kept weights shrink by `tau`:
    `w~ = m ? copysign(|w| - tau, w) : +0.0`, which is
    `sign(w) * relu(|w| - tau)` for every non-NaN `w` (masked weights
    always give +0). `mode(hard)` keeps
    kept weights unchanged: `w~ = m ? w : +0.0` (`w * m`, the DST style).
    With `s = -3200` hard mode keeps exactly the non-zero weights, the form
    of a pruned model at inference.
  }];

defvar Mx_SparseConvAttrDoc = [{

    **Convolution.** Layouts are NCHW for activations and FCHW for weights
    (PyTorch's): input `[N, C, H, W]`, weight `[F, C, KH, KW]`, output
    `[N, F, OH, OW]`. `strides`, `padding` (symmetric zero padding, the same
    on both sides of each spatial dimension) and `dilations` are
    `[h, w]` pairs, by default `[1, 1]`, `[0, 0]` and `[1, 1]`; output sizes
    are `OH = (H + 2 ph - dh (KH - 1) - 1) / sh + 1` (integer division,
    likewise OW), checked by the verifier. Input row `ih` of output row `oh`
    and kernel row `kh` is `oh sh + kh dh - ph`; rows outside `[0, H)` are
    the zero padding.
  }];

class Mx_SparseOp<string mnemonic, list<Trait> traits = []>
    : Mx_Op<mnemonic, !listconcat([Pure], traits)>;

class Mx_SparseConvOp<string mnemonic, list<Trait> traits = []>
    : Mx_SparseOp<mnemonic, traits> {
  dag convAttrs = (ins
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations
  );
}

//===----------------------------------------------------------------------===//
// SparseMaskOp
//===----------------------------------------------------------------------===//

def Mx_SparseMaskOp : Mx_SparseOp<"sparse_mask",
    [AllTypesMatch<["weight", "result"]>]> {
  let summary = "mask a weight tensor by a learnable threshold (STR / hard)";
  let description = !strconcat([{
    Returns the masked weights `w~` of `weight` (any rank, f32), element by
    element, as defined below.
  }], Mx_SparseMaskCommonDoc, [{

    The gradients: `mx.ga_grad` maps `dL/dw~` to `dL/dw` (with `alpha = 0`
    it is the exact derivative of both modes, `dL/dw~ * m`), and
    `mx.sparse_mask_grad_threshold` gives `dL/ds` of the soft mode.

    Example:

    ```mlir
    %wt = mx.sparse_mask %w, %s : tensor<64x576xf32>, f32
    %wh = mx.sparse_mask %w, %s0 mode(hard) : tensor<64x576xf32>, tensor<f32>
    ```
  }]);
  let arguments = (ins
    Mx_SparseTensor:$weight,
    Mx_SparseScalar:$threshold,
    DefaultValuedAttr<Mx_SparseMaskModeAttr,
                      "::mlir::mx::SparseMaskMode::soft">:$mode
  );
  let results = (outs Mx_SparseTensor:$result);
  let assemblyFormat = [{
    $weight `,` $threshold (`mode` `(` $mode^ `)`)? attr-dict
    `:` type($weight) `,` type($threshold)
  }];
}

//===----------------------------------------------------------------------===//
// SparseMaskGradThresholdOp
//===----------------------------------------------------------------------===//

def Mx_SparseMaskGradThresholdOp : Mx_SparseOp<"sparse_mask_grad_threshold",
    [AllTypesMatch<["weight", "grad"]>,
     AllTypesMatch<["threshold", "result"]>]> {
  let summary = "gradient of a soft-threshold mask with respect to s";
  let description = [{
    Given the weights `w`, the threshold parameter `s` and `grad = dL/dw~`
    (the gradient with respect to the output of the soft-mode
    `mx.sparse_mask %w, %s`), returns

    `dL/ds = -sigma(s) (1 - sigma(s)) * sum over kept i of sign(w_i) grad_i`

    (kept: `|w_i| > tau`; masked weights have `w~ = 0` on a neighbourhood of
    `s` and contribute nothing). In f32, exactly: `tau` as in
    `mx.sparse_mask`; `acc` starts at `+0.0` and adds, for each element in
    row-major order, `m ? (w < 0 ? -grad : grad) : +0.0`; the result is
    `-((tau * (1 - tau)) * acc)`. Only the soft mode has this gradient: a
    hard mask is piecewise constant in `s` (its derivative is zero almost
    everywhere), so there is no hard-mode form. Result type = type of
    `threshold`. Gradient Annealing does not change this term.

    Example:

    ```mlir
    %ds = mx.sparse_mask_grad_threshold %w, %s, %gwt : tensor<64x576xf32>, f32
    ```
  }];
  let arguments = (ins
    Mx_SparseTensor:$weight,
    Mx_SparseScalar:$threshold,
    Mx_SparseTensor:$grad
  );
  let results = (outs Mx_SparseScalar:$result);
  let assemblyFormat = [{
    $weight `,` $threshold `,` $grad attr-dict
    `:` type($weight) `,` type($threshold)
  }];
}

//===----------------------------------------------------------------------===//
// GaGradOp
//===----------------------------------------------------------------------===//

def Mx_GaGradOp : Mx_SparseOp<"ga_grad",
    [AllTypesMatch<["grad", "weight", "result"]>]> {
  let summary = "Gradient Annealing: weight gradient through a mask";
  let description = [{
    AutoSparse's Gradient Annealing: given `grad = dL/dw~` (the gradient
    with respect to the masked weights), the weights `w`, the threshold
    parameter `s` and `alpha` (a runtime f32 scalar in [0, 1], the value of
    the trainer's annealing schedule at this step: the schedule belongs to
    the trainer, not the compiler), returns

    `dL/dw = grad * (m + alpha (1 - m))`, with `m = |w| > tau` as in
    `mx.sparse_mask`;

    element by element `m ? grad : alpha * grad` (bit-identical to the
    formula). `alpha = 0` is STR's gradient (exact for both mask modes:
    masked weights get zero gradient), `alpha = 1` the dense
    (straight-through) gradient `grad`. `alpha` outside [0, 1] is not
    checked (it is a runtime value).

    Example:

    ```mlir
    %gw = mx.ga_grad %gwt, %w, %s, %alpha : tensor<64x576xf32>, f32, f32
    ```
  }];
  let arguments = (ins
    Mx_SparseTensor:$grad,
    Mx_SparseTensor:$weight,
    Mx_SparseScalar:$threshold,
    Mx_SparseScalar:$alpha
  );
  let results = (outs Mx_SparseTensor:$result);
  let assemblyFormat = [{
    $grad `,` $weight `,` $threshold `,` $alpha attr-dict
    `:` type($grad) `,` type($threshold) `,` type($alpha)
  }];
}

//===----------------------------------------------------------------------===//
// MaskedMatmulOp
//===----------------------------------------------------------------------===//

def Mx_MaskedMatmulOp : Mx_SparseOp<"masked_matmul"> {
  let summary = "matmul with a threshold-masked weight: Y = sparse_mask(W) X";
  let description = !strconcat([{
    `Y = W~ X` with `W~ = mx.sparse_mask(W, s, mode)`: `weight` is `[M, K]`
    (output features x input features, the `[out, in]` layout of a linear
    layer and of a convolution's weights seen as a GEMM), `input` is
    `[K, N]` (N = batch, or batch x output pixels), the result `[M, N]`.
    Weight-stationary on purpose: CSR rows of `W~` times rows of `X` is the
    natural sparse kernel. A linear layer with activations `x[B, K]` is
    `Y^T`: pass `x^T`.

    In f32, exactly: `Y[i, j] = sum over k = 0 .. K-1 (ascending) of
    W~[i, k] * X[k, j]`, starting from `+0.0`, each product and sum rounded
    (no FMA). Masked weights are zeros of `W~`, so a kernel that skips them
    gives the same bits for finite inputs.
  }], Mx_SparseMaskCommonDoc, [{

    The mask is a compile-time constant when `weight` and `threshold` are
    (`mx-sparsify` then packs `W~` once). Discardable attributes read by
    `mx-flops-report`: `mx.layer` (a name) and `mx.sparsity` (an f64 in
    [0, 1], the fraction of masked weights, when the weights are not
    constant).

    Example:

    ```mlir
    %y = mx.masked_matmul %w, %x, %s
           : tensor<256x2304xf32>, tensor<2304x196xf32>, f32 -> tensor<256x196xf32>
    %z = mx.masked_matmul %w, %x, %s mode(hard) {mx.layer = "fc", mx.sparsity = 0.8 : f64}
           : tensor<1000x2048xf32>, tensor<2048x1xf32>, tensor<f32> -> tensor<1000x1xf32>
    ```
  }]);
  let arguments = (ins
    Mx_SparseMatrix:$weight,
    Mx_SparseMatrix:$input,
    Mx_SparseScalar:$threshold,
    DefaultValuedAttr<Mx_SparseMaskModeAttr,
                      "::mlir::mx::SparseMaskMode::soft">:$mode
  );
  let results = (outs Mx_SparseMatrix:$result);
  let assemblyFormat = [{
    $weight `,` $input `,` $threshold (`mode` `(` $mode^ `)`)? attr-dict
    `:` type($weight) `,` type($input) `,` type($threshold) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MaskedMatmulGradInputOp
//===----------------------------------------------------------------------===//

def Mx_MaskedMatmulGradInputOp : Mx_SparseOp<"masked_matmul_grad_input"> {
  let summary = "input gradient of mx.masked_matmul: dX = W~^T dY";
  let description = [{
    The gradient with respect to `input` of `mx.masked_matmul %w, %x, %s`
    (same `mode`): `weight` `[M, K]`, `grad_output` `dY` `[M, N]`, result
    `dX` `[K, N]`. In f32, exactly: `dX[k, j] = sum over i = 0 .. M-1
    (ascending) of W~[i, k] * dY[i, j]`, from `+0.0`, no FMA. `W~` is
    `mx.sparse_mask(W, s, mode)`; a sparse kernel uses the same packed
    `W~` as the forward op (backward-data costs `d F` MACs at density `d`).

    Example:

    ```mlir
    %dx = mx.masked_matmul_grad_input %w, %dy, %s
            : tensor<256x2304xf32>, tensor<256x196xf32>, f32 -> tensor<2304x196xf32>
    ```
  }];
  let arguments = (ins
    Mx_SparseMatrix:$weight,
    Mx_SparseMatrix:$grad_output,
    Mx_SparseScalar:$threshold,
    DefaultValuedAttr<Mx_SparseMaskModeAttr,
                      "::mlir::mx::SparseMaskMode::soft">:$mode
  );
  let results = (outs Mx_SparseMatrix:$result);
  let assemblyFormat = [{
    $weight `,` $grad_output `,` $threshold (`mode` `(` $mode^ `)`)? attr-dict
    `:` type($weight) `,` type($grad_output) `,` type($threshold) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MaskedMatmulGradWeightOp
//===----------------------------------------------------------------------===//

def Mx_MaskedMatmulGradWeightOp : Mx_SparseOp<"masked_matmul_grad_weight"> {
  let summary = "gradient of mx.masked_matmul w.r.t. the masked weights";
  let description = [{
    `dL/dW~ = dY X^T`, the gradient with respect to the masked weights of
    `mx.masked_matmul`: `grad_output` `dY` `[M, N]`, `input` `X` `[K, N]`,
    result `[M, K]`. It is dense, because Gradient Annealing needs the
    gradient of masked weights too; `mx.ga_grad` turns it into `dL/dW`, and
    `mx.sparse_mask_grad_threshold` into `dL/ds`. In f32, exactly:
    `G[i, k] = sum over j = 0 .. N-1 (ascending) of dY[i, j] * X[k, j]`,
    from `+0.0`, no FMA.

    Example:

    ```mlir
    %gwt = mx.masked_matmul_grad_weight %dy, %x
             : tensor<256x196xf32>, tensor<2304x196xf32> -> tensor<256x2304xf32>
    ```
  }];
  let arguments = (ins
    Mx_SparseMatrix:$grad_output,
    Mx_SparseMatrix:$input
  );
  let results = (outs Mx_SparseMatrix:$result);
  let assemblyFormat = [{
    $grad_output `,` $input attr-dict
    `:` type($grad_output) `,` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MaskedConv2DOp
//===----------------------------------------------------------------------===//

def Mx_MaskedConv2DOp : Mx_SparseConvOp<"masked_conv2d"> {
  let summary = "2-D convolution with a threshold-masked weight";
  let description = !strconcat([{
    `Y = conv2d(X, W~)` (cross-correlation, as in every framework) with
    `W~ = mx.sparse_mask(W, s, mode)`.
  }], Mx_SparseConvAttrDoc, [{

    In f32, exactly: `Y[n, f, oh, ow] = sum over c, kh, kw (nested in that
    order, each ascending) of X[n, c, ih, iw] * W~[f, c, kh, kw]`, from
    `+0.0`, no FMA, padding terms included as zeros (which does not change
    the bits for finite weights).
  }], Mx_SparseMaskCommonDoc, [{

    Example (ResNet-50 layer3 3x3 conv, stride on the 3x3):

    ```mlir
    %y = mx.masked_conv2d %x, %w, %s {strides = array<i64: 2, 2>,
           padding = array<i64: 1, 1>, mx.layer = "layer3.0.conv2"}
           : tensor<1x256x28x28xf32>, tensor<256x256x3x3xf32>, f32
             -> tensor<1x256x14x14xf32>
    ```
  }]);
  let arguments = !con((ins
    Mx_SparseConvTensor:$input,
    Mx_SparseConvTensor:$weight,
    Mx_SparseScalar:$threshold,
    DefaultValuedAttr<Mx_SparseMaskModeAttr,
                      "::mlir::mx::SparseMaskMode::soft">:$mode
  ), convAttrs);
  let results = (outs Mx_SparseConvTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $threshold (`mode` `(` $mode^ `)`)? attr-dict
    `:` type($input) `,` type($weight) `,` type($threshold) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MaskedConv2DGradInputOp
//===----------------------------------------------------------------------===//

def Mx_MaskedConv2DGradInputOp : Mx_SparseConvOp<"masked_conv2d_grad_input"> {
  let summary = "input gradient of mx.masked_conv2d";
  let description = !strconcat([{
    The gradient with respect to `input` of `mx.masked_conv2d` with the
    same attributes and `mode`: `grad_output` `dY` `[N, F, OH, OW]`,
    `weight` `[F, C, KH, KW]`, result `dX` `[N, C, H, W]` (the result type
    gives `H` and `W`, which the output size does not determine when the
    stride is above 1).
  }], Mx_SparseConvAttrDoc, [{

    In f32, exactly: `dX[n, c, ih, iw] = sum over f, kh, kw (nested in that
    order, each ascending) of dY[n, f, oh, ow] * W~[f, c, kh, kw]` over the
    terms with `oh sh + kh dh - ph = ih` and `ow sw + kw dw - pw = iw` for
    an integer `0 <= oh < OH`, `0 <= ow < OW`; from `+0.0`, no FMA.

    Example:

    ```mlir
    %dx = mx.masked_conv2d_grad_input %dy, %w, %s {strides = array<i64: 2, 2>,
            padding = array<i64: 1, 1>}
            : tensor<1x256x14x14xf32>, tensor<256x256x3x3xf32>, f32
              -> tensor<1x256x28x28xf32>
    ```
  }]);
  let arguments = !con((ins
    Mx_SparseConvTensor:$grad_output,
    Mx_SparseConvTensor:$weight,
    Mx_SparseScalar:$threshold,
    DefaultValuedAttr<Mx_SparseMaskModeAttr,
                      "::mlir::mx::SparseMaskMode::soft">:$mode
  ), convAttrs);
  let results = (outs Mx_SparseConvTensor:$result);
  let assemblyFormat = [{
    $grad_output `,` $weight `,` $threshold (`mode` `(` $mode^ `)`)? attr-dict
    `:` type($grad_output) `,` type($weight) `,` type($threshold) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MaskedConv2DGradWeightOp
//===----------------------------------------------------------------------===//

def Mx_MaskedConv2DGradWeightOp
    : Mx_SparseConvOp<"masked_conv2d_grad_weight"> {
  let summary = "gradient of mx.masked_conv2d w.r.t. the masked weights";
  let description = !strconcat([{
    `dL/dW~` of `mx.masked_conv2d` with the same attributes: `input` `X`
    `[N, C, H, W]`, `grad_output` `dY` `[N, F, OH, OW]`, result
    `[F, C, KH, KW]` (the result type gives the kernel size). Dense, like
    `mx.masked_matmul_grad_weight`; follow with `mx.ga_grad` and
    `mx.sparse_mask_grad_threshold`.
  }], Mx_SparseConvAttrDoc, [{

    In f32, exactly: `G[f, c, kh, kw] = sum over n, oh, ow (nested in that
    order, each ascending) of X[n, c, ih, iw] * dY[n, f, oh, ow]`, from
    `+0.0`, no FMA, padding terms included as zeros.

    Example:

    ```mlir
    %gwt = mx.masked_conv2d_grad_weight %x, %dy {padding = array<i64: 1, 1>}
             : tensor<1x64x56x56xf32>, tensor<1x64x56x56xf32>
               -> tensor<64x64x3x3xf32>
    ```
  }]);
  let arguments = !con((ins
    Mx_SparseConvTensor:$input,
    Mx_SparseConvTensor:$grad_output
  ), convAttrs);
  let results = (outs Mx_SparseConvTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad_output attr-dict
    `:` type($input) `,` type($grad_output) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // MX_DIALECT_MX_IR_MXSPARSEOPS_TD
