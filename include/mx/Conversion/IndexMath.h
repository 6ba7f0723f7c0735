//===- IndexMath.h - index arithmetic shared by the lowerings ---*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_INDEXMATH_H
#define MX_CONVERSION_INDEXMATH_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace mlir::mx {

/// The index constant `value`.
inline Value index(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// `x + offset`; `x` itself for 0.
inline Value addIndex(OpBuilder &b, Location loc, Value x, int64_t offset) {
  if (offset == 0)
    return x;
  return arith::AddIOp::create(b, loc, x, index(b, loc, offset));
}

/// `x * factor`; `x` itself for 1.
inline Value mulIndex(OpBuilder &b, Location loc, Value x, int64_t factor) {
  if (factor == 1)
    return x;
  return arith::MulIOp::create(b, loc, x, index(b, loc, factor));
}

/// `i * total / parts`: where part i of `total` items starts when they are
/// split into `parts` ranges whose sizes differ by at most one.
inline Value evenSplitBound(OpBuilder &b, Location loc, Value i, int64_t total,
                            Value parts) {
  return arith::DivSIOp::create(b, loc, mulIndex(b, loc, i, total), parts);
}

} // namespace mlir::mx

#endif // MX_CONVERSION_INDEXMATH_H
