//===- MxAttrs.td - mx enums and attributes ----------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXATTRS_TD
#define MX_DIALECT_MX_IR_MXATTRS_TD

include "mlir/IR/EnumAttr.td"

def Mx_Format_E4M3 : I32EnumAttrCase<"e4m3", 0>;
def Mx_Format_E5M2 : I32EnumAttrCase<"e5m2", 1>;
def Mx_Format_E2M3 : I32EnumAttrCase<"e2m3", 2>;
def Mx_Format_E3M2 : I32EnumAttrCase<"e3m2", 3>;
def Mx_Format_E2M1 : I32EnumAttrCase<"e2m1", 4>;
def Mx_Format_INT8 : I32EnumAttrCase<"int8", 5>;

def Mx_FormatAttr : I32EnumAttr<"Format", "MX element format", [
    Mx_Format_E4M3, Mx_Format_E5M2, Mx_Format_E2M3, Mx_Format_E3M2,
    Mx_Format_E2M1, Mx_Format_INT8]> {
  let cppNamespace = "::mlir::mx";
}

def Mx_ScaleRule_Floor : I32EnumAttrCase<"floor", 0>;
def Mx_ScaleRule_Ceil : I32EnumAttrCase<"ceil", 1>;
def Mx_ScaleRule_RCeil : I32EnumAttrCase<"rceil", 2>;
def Mx_ScaleRule_Even : I32EnumAttrCase<"even", 3>;

def Mx_ScaleRuleAttr : I32EnumAttr<"ScaleRule",
    "how a block's shared E8M0 scale is chosen from its amax", [
    Mx_ScaleRule_Floor, Mx_ScaleRule_Ceil, Mx_ScaleRule_RCeil,
    Mx_ScaleRule_Even]> {
  let cppNamespace = "::mlir::mx";
}

// Rounding of mx.cast (f32 -> bf16). See CastOp's description.
def Mx_RoundingMode_RNE : I32EnumAttrCase<"rne", 0>;
def Mx_RoundingMode_Truncate : I32EnumAttrCase<"truncate", 1>;
def Mx_RoundingMode_Stochastic : I32EnumAttrCase<"stochastic", 2>;

def Mx_RoundingModeAttr : I32EnumAttr<"RoundingMode",
    "how mx.cast rounds a value that the result type cannot hold", [
    Mx_RoundingMode_RNE, Mx_RoundingMode_Truncate,
    Mx_RoundingMode_Stochastic]> {
  let cppNamespace = "::mlir::mx";
}

// Treatment of subnormal inputs and results of mx.cast.
def Mx_DenormalMode_Preserve : I32EnumAttrCase<"preserve", 0>;
def Mx_DenormalMode_Flush : I32EnumAttrCase<"flush", 1>;

def Mx_DenormalModeAttr : I32EnumAttr<"DenormalMode",
    "whether mx.cast keeps subnormals or flushes them to signed zero", [
    Mx_DenormalMode_Preserve, Mx_DenormalMode_Flush]> {
  let cppNamespace = "::mlir::mx";
}

#endif // MX_DIALECT_MX_IR_MXATTRS_TD
