//===- MxDialect.td - mx dialect definition ----------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXDIALECT_TD
#define MX_DIALECT_MX_IR_MXDIALECT_TD

include "mlir/IR/OpBase.td"

def Mx_Dialect : Dialect {
  let name = "mx";
  let cppNamespace = "::mlir::mx";
  let summary = "Microscaling (MX) tensors, BF16 casts, K-TanH and sparse-masked ops";
  let description = [{
    The `mx` dialect models the narrow number formats and sparsity techniques
    of the Intel Labs papers on MX (OCP Microscaling), BF16 training, K-TanH
    and AutoSparse, at the level of value-semantics tensors.

    The central type is `!mx.tensor`, a tensor of MX elements whose blocks of
    `block` consecutive elements along one axis share an E8M0 scale:

    ```mlir
    %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64, e4m3, axis = 1>
    %y = mx.dequantize %q : !mx.tensor<4x64, e4m3, axis = 1> -> tensor<4x64xf32>
    ```

    Storage is packed (FP4 two elements a byte, FP6 four elements in three
    bytes) along the blocked axis; see the `!mx.tensor` type description for
    the byte layout, which kernels, runtime and files all share.
  }];
  let useDefaultTypePrinterParser = 1;
  // Folded casts of constants become arith.constant.
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let extraClassDeclaration = [{
    void registerTypes();
  }];
}

class Mx_Op<string mnemonic, list<Trait> traits = []>
    : Op<Mx_Dialect, mnemonic, traits>;

#endif // MX_DIALECT_MX_IR_MXDIALECT_TD
