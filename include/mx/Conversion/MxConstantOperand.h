//===- MxConstantOperand.h - MX operands known at compile time --*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The codes and scales of an MX operand that is `mx.assemble` of two
// constants (what mx-quantize makes of a constant weight), and the bits of
// a constant bf16 operand (what mx-bf16 makes of one), for the matmul
// lowerings that pack such operands at compile time.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_MXCONSTANTOPERAND_H
#define MX_CONVERSION_MXCONSTANTOPERAND_H

#include "mx/Dialect/Mx/IR/MxOps.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir::mx {

/// Logical codes ([rows][cols], row-major, unpacked) and scale bytes (as
/// stored: one per block along `axis`) of a constant MX operand.
struct ConstantOperand {
  std::vector<uint8_t> codes, scales;
  int64_t rows, cols, axis, block;

  uint8_t code(int64_t r, int64_t c) const { return codes[r * cols + c]; }
  /// The scale byte of element (r, c).
  uint8_t scale(int64_t r, int64_t c) const {
    return axis == 1 ? scales[r * (cols / block) + c / block]
                     : scales[(r / block) * cols + c];
  }
};

/// The constant operand `value` of type `type`, or nothing when `value` is
/// not mx.assemble of two constants.
std::optional<ConstantOperand> getConstantOperand(Value value,
                                                  MxTensorType type);

/// The bit patterns (row-major) of `value` when it is a constant bf16
/// tensor (what mx-bf16 makes of a constant weight), or nothing.
std::optional<std::vector<uint16_t>> getConstantBF16(Value value);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXCONSTANTOPERAND_H
