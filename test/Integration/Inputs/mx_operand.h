//===- mx_operand.h - 2-D MX operands of the mx.matmul checkers -*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The memref descriptor of the compiled kernels and a 2-D MX operand (logical
// codes, scale bytes and storage packed with mx::ref::packCodes, no code
// shared with the compiler), for MxMatmulMX/Inputs/check_mx_matmul.cpp and
// MxMatmulAMX/Inputs/check_amx_matmul.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef MX_TEST_INTEGRATION_MX_OPERAND_H
#define MX_TEST_INTEGRATION_MX_OPERAND_H

#include "mx/Reference/MxFormats.h"

#include <cmath>
#include <cstdint>
#include <vector>

struct MemRef2D {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

/// A 2-D MX operand: logical codes (rows x cols, blocked along `axis`), one
/// scale byte per block and their packed storage (after pack()).
struct MxOperand {
  mx::ref::Format format;
  int rows, cols, axis, block;
  std::vector<uint8_t> codes, scales, elements;

  int lines() const { return axis == 1 ? rows : cols; }
  int length() const { return axis == 1 ? cols : rows; }
  int bits() const { return mx::ref::getFormatInfo(format).bits; }
  int elementCols() const { return axis == 1 ? cols * bits() / 8 : cols; }
  int elementRows() const { return axis == 0 ? rows * bits() / 8 : rows; }
  int scaleCols() const { return axis == 1 ? cols / block : cols; }
  int scaleRows() const { return axis == 0 ? rows / block : rows; }
  uint8_t code(int r, int c) const { return codes[r * cols + c]; }
  uint8_t scale(int r, int c) const {
    return axis == 1 ? scales[r * scaleCols() + c / block]
                     : scales[(r / block) * scaleCols() + c];
  }
  /// The dequantized value of (r, c); NaN under a 0xFF scale.
  double value(int r, int c) const {
    uint8_t s = scale(r, c);
    double v = mx::ref::decodeElement(code(r, c), format);
    return s == 0xFF ? NAN : std::ldexp(v, int(s) - 127);
  }

  /// Packs `codes` into `elements`, line by line along the blocked axis.
  void pack() {
    elements.assign(size_t(elementRows()) * elementCols(), 0);
    std::vector<uint8_t> line(length()), bytes;
    for (int l = 0; l < lines(); ++l) {
      for (int i = 0; i < length(); ++i)
        line[i] = axis == 1 ? code(l, i) : code(i, l);
      bytes.assign(mx::ref::packedBytes(length(), format), 0);
      mx::ref::packCodes(line.data(), length(), format, bytes.data());
      for (size_t j = 0; j < bytes.size(); ++j) {
        if (axis == 1)
          elements[l * elementCols() + j] = bytes[j];
        else
          elements[j * elementCols() + l] = bytes[j];
      }
    }
  }

  MemRef2D elementsRef() {
    return {elements.data(),
            elements.data(),
            0,
            {elementRows(), elementCols()},
            {elementCols(), 1}};
  }
  MemRef2D scalesRef() {
    return {scales.data(),
            scales.data(),
            0,
            {scaleRows(), scaleCols()},
            {scaleCols(), 1}};
  }
};

#endif // MX_TEST_INTEGRATION_MX_OPERAND_H
