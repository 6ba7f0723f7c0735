//===- Passes.td - mx policy passes ------------------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Policy passes choose precision, activations and sparsity per op in an FP32
// graph and express the choice with mx ops (stage 1 of the data flow).
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_TRANSFORMS_PASSES_TD
#define MX_DIALECT_MX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MxBF16Pass : Pass<"mx-bf16", "::mlir::func::FuncOp"> {
  let summary = "BF16 mixed precision: bf16 GEMM/conv inputs, f32 accumulation";
  let description = [{
    Rewrites the compute-heavy ops of an FP32 graph the way the BF16 training
    study runs them: inputs rounded to bf16 (`mx.cast`, RNE), products
    accumulated in f32, results in f32. Everything else (elementwise ops,
    weight updates, the stored master weights) stays FP32, because only the
    operands at the rewritten ops are cast.

    | op (`ops=` name)                  | becomes                                         |
    |-----------------------------------|-------------------------------------------------|
    | `linalg.matmul`                   | `mx.matmul` on the cast operands                 |
    | `linalg.batch_matmul`             | an `scf.for` over the batch of `mx.matmul`       |
    | `linalg.conv_2d_nhwc_hwcf`, `linalg.conv_2d_nchw_fchw` | im2col patches times the filter as `mx.matmul` (as `mx-quantize`; NCHW: one per image), K unpadded |
    | `linalg.generic`                  | bf16 inputs, extended to f32 in the body          |

    `ops` is the allow list (default: the three GEMM/conv kinds, not
    generic). An op is rewritten only if its name is on the list and its
    inputs and outputs are f32 ranked tensors with static shapes; with
    `report`, each rewrite is reported as a remark. A constant input (a
    weight) is rounded here, at compile time (the cast folds), and the
    matmul lowerings pack such a bf16 constant at compile time too.

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>)
                       outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>
    // becomes
    %xb = mx.cast %x : tensor<8x64xf32> -> tensor<8x64xbf16>
    %wb = mx.cast %w : tensor<64x32xf32> -> tensor<64x32xbf16>
    %y = mx.matmul %xb, %wb, %acc : tensor<8x64xbf16>, tensor<64x32xbf16> -> tensor<8x32xf32>
    ```
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "names of the ops to rewrite (linalg.matmul, "
               "linalg.batch_matmul, linalg.conv_2d_nhwc_hwcf, "
               "linalg.conv_2d_nchw_fchw, linalg.generic)">,
    Option<"report", "report", "bool", /*default=*/"false",
           "emit a remark for every rewritten op">,
    Option<"accumulation", "accumulation", "std::string",
           /*default=*/"\"ordered\"",
           "ordered (default, bit-exact) or unordered: the accumulation of "
           "the mx.matmul ops made (mx.matmul's `unordered`: AMX tiles on "
           "x86-64-amx, bfmmla on aarch64-neon)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::mx::MxDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MxKTanhPass : Pass<"mx-ktanh", "::mlir::func::FuncOp"> {
  let summary = "replace tanh, sigmoid, swish and GELU in a graph by K-TanH ops";
  let description = [{
    Rewrites elementwise activations on f32 and bf16 ranked tensors into the
    K-TanH ops of the mx dialect (see `mx.ktanh`):

    | recognised (tensor operands, splat constants; `+` and `*` in any operand order and association) | becomes |
    |---|---|
    | `math.tanh(x)` | `mx.ktanh` |
    | `1 / (1 + math.exp(-x))` (`arith.negf`) | `mx.ksigmoid` |
    | `x * sigmoid(x)` (either form above, or `mx.ksigmoid`), `x / (1 + exp(-x))` | `mx.kswish` |
    | `0.5 * x * (1 + tanh(c * (x + k * x^3)))`, `c = sqrt(2/pi)`, `k = 0.044715` (to 1e-6 relative), `x^3` as `x * x * x` or `math.powf(x, 3)`, `tanh` as `math.tanh` or `mx.ktanh` | `mx.kgelu` |

    The same patterns on the f32/bf16 scalars of an elementwise
    `linalg.generic` body (all loops parallel, a result with the identity
    map; constants also as rounded to their own type, e.g. bf16) become
    K-TanH ops on tensors: the activation of an identity-mapped input takes
    that input, of any other body value v a new generic computing v (the
    body ops v depends on); the generic then reads the K-TanH result (and v)
    as new inputs, and one left only forwarding an input is replaced by it.

    ```mlir
    %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%x : tensor<64xf32>) outs(%init : tensor<64xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = math.tanh %a : f32
      linalg.yield %t : f32
    } -> tensor<64xf32>
    // becomes
    %r = mx.ktanh %x : tensor<64xf32>
    ```

    `ops` restricts the rewrite to some of `tanh`, `sigmoid`, `swish`,
    `gelu` (default: all), `dtypes` to `f32` and/or `bf16` (default: both);
    `mantissa` (`full`, the default, or `bf16`) is the mantissa variant
    given to f32 ops. Values used elsewhere (an intermediate `tanh`, say)
    stay as they are; the rewritten ops die once unused.

    ```mlir
    %e = math.exp %n : tensor<64xf32>          // %n = arith.negf %x
    %d = arith.addf %one, %e : tensor<64xf32>
    %s = arith.divf %one, %d : tensor<64xf32>
    %y = arith.mulf %x, %s : tensor<64xf32>
    // becomes
    %y = mx.kswish %x : tensor<64xf32>
    ```
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "activations to rewrite: tanh, sigmoid, swish, gelu "
               "(default: all)">,
    ListOption<"dtypes", "dtypes", "std::string",
               "element types to rewrite: f32, bf16 (default: both)">,
    Option<"mantissa", "mantissa", "std::string", /*default=*/"\"full\"",
           "mantissa variant of f32 ops: full or bf16">,
  ];
  let dependentDialects = ["::mlir::mx::MxDialect"];
}

def MxMathPolynomialApproximationPass
    : Pass<"mx-math-polynomial-approximation", "::mlir::func::FuncOp"> {
  let summary = "upstream polynomial approximations of math ops";
  let description = [{
    Applies MLIR's own `populateMathPolynomialApproximationPatterns`
    (`math.tanh` becomes Eigen's clamped rational approximation in `arith`,
    f32 only; `math.exp`, `math.log`, `math.erf` and others likewise). Debian's
    `mlir-opt` registers these patterns only as a test pass; mxir exposes them
    as the accurate peer of K-TanH in benchmarks and error plots. Run it on
    vector code (for example before `mx-to-llvm`).

    ```mlir
    %y = math.tanh %x : vector<16xf32>
    // becomes a clamp, a degree-13/6 rational polynomial and a select
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def MxQuantizePass : Pass<"mx-quantize", "::mlir::func::FuncOp"> {
  let summary = "MX drop-in: GEMMs and convolutions of an FP32 graph on MX operands";
  let description = [{
    Rewrites the compute-heavy ops of an FP32 graph into block-scaled MX
    compute: each operand is quantized (`mx.quantize`, blocks of `block`
    along the reduction axis, FLOOR scale rule) to the format of its role,
    the product is a block-scaled `mx.matmul` accumulated in f32, and the
    result stays f32. Every other op stays FP32.

    | op (`ops=` name)            | becomes |
    |-----------------------------|---------|
    | `linalg.matmul` (`x * w`)   | `mx.matmul` of `x` (activations) and `w` (weights) |
    | `linalg.batch_matmul`       | an `scf.for` over the batch of the same |
    | `linalg.conv_2d_nhwc_hwcf`  | im2col: patches `[N*OH*OW, KH*KW*C]` (activations) times the filter as `[KH*KW*C, F]` (weights) |
    | `linalg.conv_2d_nchw_fchw`  | per image: the filter as `[F, C*KH*KW]` (weights) times patches `[C*KH*KW, OH*OW]` (activations) |

    Roles: the right operand of a (batch) matmul and the filter of a
    convolution are weights (format `weights`, default `e2m1`, MXFP4); the
    other operand is the activation (format `activations`, default `e4m3`,
    MXFP8). A reduction size that the block does not divide is padded with
    zeros (which change neither the scales nor the sums). With
    `fold-constants` (default), a weight that is an `arith.constant` is
    quantized at compile time (with the scalar reference of
    `mx/Reference/MxFormats.h`, bit-identical to `mx.quantize`) into
    constant storage buffers behind `mx.assemble`.

    An op is rewritten when its name is on `ops` (default: all four), its
    operands are static f32 ranked tensors and it has the default indexing
    maps; ops left in FP32 are reported with the reason. With `report`,
    every decision is a remark and the function gets a summary remark
    (`mx-quantize: rewrote N of M ...`).

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>)
                       outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>
    // becomes
    %xq = mx.quantize %x : tensor<8x64xf32> -> !mx.tensor<8x64, e4m3, axis = 1>
    %wq = mx.quantize %w : tensor<64x32xf32> -> !mx.tensor<64x32, e2m1, axis = 0>
    %y = mx.matmul %xq, %wq, %acc : !mx.tensor<8x64, e4m3, axis = 1>,
           !mx.tensor<64x32, e2m1, axis = 0> -> tensor<8x32xf32>
    ```
  }];
  let options = [
    Option<"weights", "weights", "std::string", /*default=*/"\"e2m1\"",
           "MX format of weights: e4m3, e5m2, e2m3, e3m2, e2m1, int8">,
    Option<"activations", "activations", "std::string",
           /*default=*/"\"e4m3\"",
           "MX format of activations: e4m3, e5m2, e2m3, e3m2, e2m1, int8">,
    Option<"block", "block", "int64_t", /*default=*/"32",
           "elements per block along the reduction axis">,
    ListOption<"ops", "ops", "std::string",
               "names of the ops to rewrite (linalg.matmul, "
               "linalg.batch_matmul, linalg.conv_2d_nhwc_hwcf, "
               "linalg.conv_2d_nchw_fchw)">,
    Option<"foldConstants", "fold-constants", "bool", /*default=*/"true",
           "quantize constant weights at compile time">,
    Option<"report", "report", "bool", /*default=*/"false",
           "emit a remark for every op considered and a summary">,
    Option<"accumulation", "accumulation", "std::string",
           /*default=*/"\"ordered\"",
           "ordered (default, bit-exact) or unordered: the accumulation of "
           "the mx.matmul ops made (mx.matmul's `unordered`: AMX tiles on "
           "x86-64-amx, bfmmla on aarch64-neon)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::mx::MxDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MxFlopsReportPass : Pass<"mx-flops-report", "::mlir::ModuleOp"> {
  let summary = "print dense vs sparse MACs per masked layer and in total";
  let description = [{
    An analysis: prints, for every `mx.masked_conv2d` and `mx.masked_matmul`
    (a layer; named by its `mx.layer` string attribute, else its location),
    its GEMM view `M x K x N` (conv: `F x C*KH*KW x B*OH*OW`), its weights,
    its density `d` and its multiply-accumulates per call, then the totals
    and the layers merged by equal `(M, K, N)`. The IR is not changed.

    Density: `1 - mx.sparsity` when the op has that f64 attribute (in
    [0, 1]); else the kept fraction `|w| > sigmoid(s)` when the weights and
    the threshold are constants; else 1 (reported as `unknown`).

    Cost model (AutoSparse accounting, reference doc section 3), per layer
    of dense forward cost `F`: forward `d F`; training step = forward +
    backward-data `d F` + weight gradient, which is dense (`F`) while
    Gradient Annealing's `alpha > 0` and `d F` (an SDDMM) once `alpha = 0`.
    Dense training is `3 F`. Sparse totals are `sum d_l F_l`, printed
    rounded to integers.

    ```
    $ mx-opt model.mlir --mx-flops-report -o /dev/null
    mx-flops-report: 3 layers (MACs per call; d = density = 1 - sparsity)
    layer fc_const: matmul M=2 K=4 N=5 weights=8 d=0.375000 (constant) dense=40 sparse=15 train_dense=120 train_ga=70 train_str=45
    layer conv_attr: conv2d M=8 K=36 N=32 weights=288 d=0.250000 (attr) dense=9216 sparse=2304 ...
    layer loc("model.mlir":35:8): matmul M=3 K=4 N=1 weights=12 d=1.000000 (unknown) dense=12 ...
    total weights=308 kept=87
    total forward: dense=9268 sparse=2331 reduction=3.98x
    total training step (alpha > 0, dense weight gradient): dense=27804 sparse=13930 reduction=2.00x
    total training step (alpha = 0, SDDMM weight gradient): dense=27804 sparse=6993 reduction=3.98x
    bucket M=8 K=36 N=32: layers=1 macs=9216 share=99.4%
    ...
    ```
  }];
  let options = [
    Option<"buckets", "buckets", "bool", /*default=*/"true",
           "also print the layers merged by equal (M, K, N)">,
  ];
}

def MxSparsifyPass : Pass<"mx-sparsify", "::mlir::func::FuncOp"> {
  let summary = "constant-weight mx.masked_matmul to mx.sparse_matmul";
  let description = [{
    For every `mx.masked_matmul` whose weight (a dense `arith.constant`) and
    threshold (an `f32` or `tensor<f32>` `arith.constant`) are known at
    compile time, applies the mask once, here (`tau = 1 / (1 + exp(-s))`,
    kept where `|w| > tau`, soft or hard as the op says), and measures the
    density of the kept weights. At or below `max-density` the op becomes an
    `mx.sparse_matmul` on constant K-segmented CSR arrays (positions i32,
    coordinates i16 when K <= 65536 else i32, values f32 or, with
    `bf16-values` or `value-format=bf16`, rounded to bf16 to nearest even,
    or with `value-format=e4m3|e5m2|e2m3|e3m2|e2m1|int8` MX codes: each row
    of the masked weights quantized in blocks of 32 columns as `mx.quantize`
    does, floor scale rule, scales in the op's `scales` operand) and a `+0`
    accumulator;
    above it the op is left as it is (the dense path). `k_tile` is chosen
    for about 12 entries per row segment: the smallest power of two in
    [32, 256] with `k_tile * density >= 12`, capped at 128 for fewer than
    128 rows with an output of at most 1 MiB (K itself when that is not
    smaller). With f32 values the result is bit for bit that of the
    `mx.masked_matmul` for finite inputs (see `mx.sparse_matmul`).

    The default `max-density` 0.4 is the measured break-even against dense
    OpenBLAS SGEMM (single thread, ResNet-50 shapes at batch 1; see
    `BM_SparseMatmul` in mx-bench): at 50% sparsity the sparse kernel runs
    at about 0.8x SGEMM, at 80% at about 1.9x. (The project's own dense path
    for masked_matmul is scalar loops today, which the sparse kernel beats
    at every density: `max-density=1` always sparsifies.)

    ```mlir
    %w = arith.constant dense<...> : tensor<256x2304xf32>
    %s = arith.constant -2.5 : f32
    %y = mx.masked_matmul %w, %x, %s
           : tensor<256x2304xf32>, tensor<2304x196xf32>, f32 -> tensor<256x196xf32>
    // becomes, at 80% sparsity
    %pos = arith.constant dense<[...]> : tensor<9217xi32>
    %crd = arith.constant dense<[...]> : tensor<117965xi16>
    %val = arith.constant dense<[...]> : tensor<117965xf32>
    %zero = linalg.fill ins(%cst : f32) outs(%empty : tensor<256x196xf32>) -> tensor<256x196xf32>
    %y = mx.sparse_matmul %pos, %crd, %val, %x, %zero k_tile = 64
           : tensor<9217xi32>, tensor<117965xi16>, tensor<117965xf32>,
             tensor<2304x196xf32> -> tensor<256x196xf32>
    ```
  }];
  let options = [
    Option<"maxDensity", "max-density", "double", /*default=*/"0.4",
           "sparsify a layer whose fraction of kept weights is at most this">,
    Option<"bf16Values", "bf16-values", "bool", /*default=*/"false",
           "store the non-zero weights as bf16 (rounded to nearest even)">,
    Option<"valueFormat", "value-format", "std::string", /*default=*/"\"f32\"",
           "the non-zero weights as f32, bf16 (nearest even) or MX codes: "
           "e4m3, e5m2, e2m3, e3m2, e2m1, int8 (blocks of 32 along K)">,
    Option<"report", "report", "bool", /*default=*/"false",
           "emit a remark with the density and format of every layer">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::mx::MxDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // MX_DIALECT_MX_TRANSFORMS_PASSES_TD
