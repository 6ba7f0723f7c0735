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
    | `linalg.conv_2d_nhwc_hwcf`, `linalg.conv_2d_nchw_fchw` | the same conv with bf16 inputs and an f32 output |
    | `linalg.generic`                  | bf16 inputs, extended to f32 in the body          |

    `ops` is the allow list (default: the three GEMM/conv kinds, not
    generic). An op is rewritten only if its name is on the list and its
    inputs and outputs are f32 ranked tensors with static shapes; with
    `report`, each rewrite is reported as a remark.

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
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::mx::MxDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // MX_DIALECT_MX_TRANSFORMS_PASSES_TD
