//===- MxTypes.td - mx types -------------------------------*- tablegen -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXTYPES_TD
#define MX_DIALECT_MX_IR_MXTYPES_TD

include "mx/Dialect/Mx/IR/MxDialect.td"
include "mx/Dialect/Mx/IR/MxAttrs.td"
include "mlir/IR/AttrTypeBase.td"

def Mx_TensorType : TypeDef<Mx_Dialect, "MxTensor"> {
  let mnemonic = "tensor";
  let summary = "a block-scaled MX tensor (value semantics)";
  let description = [{
    A statically shaped tensor of MX elements. Blocks of `block` consecutive
    elements along `axis` share one E8M0 scale (OCP MX v1.0). The block size
    is 32 unless stated, and is printed only when it is not 32.

    ```mlir
    !mx.tensor<128x256, e4m3, axis = 1>            // MXFP8 E4M3, blocks along dim 1
    !mx.tensor<256x64, e2m1, axis = 0, block = 16> // MXFP4, blocks of 16 along dim 0
    ```

    | format | element type  | bits | value of code c          |
    |--------|---------------|------|--------------------------|
    | `e4m3` | `f8E4M3FN`    | 8    | OCP FP8 E4M3 (no Inf)    |
    | `e5m2` | `f8E5M2`      | 8    | OCP FP8 E5M2             |
    | `e2m3` | `f6E2M3FN`    | 6    | OCP FP6 E2M3             |
    | `e3m2` | `f6E3M2FN`    | 6    | OCP FP6 E3M2             |
    | `e2m1` | `f4E2M1FN`    | 4    | OCP FP4 E2M1             |
    | `int8` | `i8`          | 8    | two's complement c / 64  |

    **Storage layout** (shared by kernels, runtime, files and tests). An
    `!mx.tensor` is stored as two row-major byte buffers:

    - *elements*: the logical shape with dimension `axis` replaced by
      `dim * bits / 8`. Packing runs along the blocked axis. 8-bit formats use
      one byte per element. FP4: element `i` is in byte `i / 2`, even `i` in
      the low nibble, odd `i` in the high nibble. FP6: each group of four
      elements fills three bytes read as a little-endian 24-bit word `w`;
      element `j` of the group is bits `[6j, 6j + 6)` of `w`. Codes use the
      OCP bit patterns, sign bit highest.
    - *scales*: the logical shape with dimension `axis` replaced by
      `dim / block`, one E8M0 byte (`f8E8M0FNU`) per block: value
      `2^(byte - 127)`, `0x00` is `2^-127`, `0xFF` is NaN.

    The verifier requires a static shape, `0 <= axis < rank`, a block size
    that divides the blocked dimension, and a block size that is a whole
    number of packing groups (even for FP4, a multiple of 4 for FP6).
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "logical shape">:$shape,
    "::mlir::mx::Format":$format,
    "int64_t":$axis,
    "int64_t":$blockSize
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Rank of the logical tensor.
    int64_t getRank() const { return getShape().size(); }
    /// Bits per element code of the format.
    unsigned getElementBits() const;
    /// The builtin element type of the format (`f8E4M3FN`, ..., `i8`).
    ::mlir::Type getElementType() const;
    /// Shape of the packed element byte buffer.
    ::llvm::SmallVector<int64_t> getPackedShape() const;
    /// Shape of the scale buffer.
    ::llvm::SmallVector<int64_t> getScalesShape() const;
    /// `tensor<packed shape x i8>`.
    ::mlir::RankedTensorType getPackedTensorType() const;
    /// `tensor<scales shape x f8E8M0FNU>`.
    ::mlir::RankedTensorType getScalesTensorType() const;
    /// `tensor<logical shape x elementType>`.
    ::mlir::RankedTensorType cloneAsTensor(::mlir::Type elementType) const;
  }];
}

#endif // MX_DIALECT_MX_IR_MXTYPES_TD
