//===- MxActivationAttrs.td - K-TanH enums -----------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXACTIVATIONATTRS_TD
#define MX_DIALECT_MX_IR_MXACTIVATIONATTRS_TD

include "mlir/IR/EnumAttr.td"

// Which input mantissa bits the K-TanH table region of an f32 op reads.
def Mx_KTanhMantissa_BF16 : I32EnumAttrCase<"bf16", 0>;
def Mx_KTanhMantissa_Full : I32EnumAttrCase<"full", 1>;

def Mx_KTanhMantissaAttr : I32EnumAttr<"KTanhMantissa",
    "input mantissa bits the K-TanH table region of an f32 op uses", [
    Mx_KTanhMantissa_BF16, Mx_KTanhMantissa_Full]> {
  let cppNamespace = "::mlir::mx";
}

#endif // MX_DIALECT_MX_IR_MXACTIVATIONATTRS_TD
