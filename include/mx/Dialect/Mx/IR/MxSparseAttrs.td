//===- MxSparseAttrs.td - AutoSparse enums -----------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXSPARSEATTRS_TD
#define MX_DIALECT_MX_IR_MXSPARSEATTRS_TD

include "mlir/IR/EnumAttr.td"

// How a weight tensor is masked by its learnable threshold.
def Mx_SparseMaskMode_Soft : I32EnumAttrCase<"soft", 0>;
def Mx_SparseMaskMode_Hard : I32EnumAttrCase<"hard", 1>;

def Mx_SparseMaskModeAttr : I32EnumAttr<"SparseMaskMode",
    "how a weight tensor is masked by its threshold (STR soft threshold or "
    "hard mask)", [Mx_SparseMaskMode_Soft, Mx_SparseMaskMode_Hard]> {
  let cppNamespace = "::mlir::mx";
}

#endif // MX_DIALECT_MX_IR_MXSPARSEATTRS_TD
