//===- ConvAsMatmul.cpp - 2-D convolutions as mx.matmul -------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/Transforms/ConvAsMatmul.h"
#include "mx/Dialect/Mx/IR/MxOps.h"
#include "mx/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::mx;

namespace {

Value index(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// `x / d` and `x % d` of an index value.
std::pair<Value, Value> divMod(OpBuilder &b, Location loc, Value x, int64_t d) {
  return {arith::DivUIOp::create(b, loc, x, index(b, loc, d)),
          arith::RemUIOp::create(b, loc, x, index(b, loc, d))};
}

Value mulAdd(OpBuilder &b, Location loc, Value x, int64_t s, Value y,
             int64_t t) {
  Value xs = arith::MulIOp::create(b, loc, x, index(b, loc, s));
  Value yt = arith::MulIOp::create(b, loc, y, index(b, loc, t));
  return arith::AddIOp::create(b, loc, xs, yt);
}

int64_t attrAt(DenseIntElementsAttr attr, int64_t i) {
  return (*(attr.getValues<int64_t>().begin() + i));
}

ArrayRef<int64_t> shapeOf(Value tensor) {
  return cast<RankedTensorType>(tensor.getType()).getShape();
}

/// What both 2-D convolution layouts need: operands, static shapes, strides
/// and dilations.
struct Conv2D {
  Location loc;
  Value input, filter, output;
  ArrayRef<int64_t> in, fl, out;
  int64_t sh, sw, dh, dw;

  template <typename ConvOp>
  explicit Conv2D(ConvOp op)
      : loc(op.getLoc()), input(op.getInputs()[0]), filter(op.getInputs()[1]),
        output(op.getOutputs()[0]), in(shapeOf(input)), fl(shapeOf(filter)),
        out(shapeOf(output)), sh(attrAt(op.getStrides(), 0)),
        sw(attrAt(op.getStrides(), 1)), dh(attrAt(op.getDilations(), 0)),
        dw(attrAt(op.getDilations(), 1)) {}

  /// The input row and column that output pixel (y, x) reads through filter
  /// tap (ky, kx).
  std::pair<Value, Value> source(OpBuilder &b, Location l, Value y, Value x,
                                 Value ky, Value kx) const {
    // Braced initialization: the row is built first.
    return {mulAdd(b, l, y, sh, ky, dh), mulAdd(b, l, x, sw, kx, dw)};
  }
};

} // namespace

Value mlir::mx::gatherMatrix(
    OpBuilder &b, Location loc, int64_t rows, int64_t cols, int64_t validRows,
    int64_t validCols,
    function_ref<Value(OpBuilder &, Location, Value, Value)> element) {
  Type f32 = b.getF32Type();
  Value init =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, cols}, f32);
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{}, ValueRange{init},
             ArrayRef<AffineMap>{identity},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel},
             [&](OpBuilder &nb, Location l, ValueRange) {
               Value r = linalg::IndexOp::create(nb, l, 0);
               Value c = linalg::IndexOp::create(nb, l, 1);
               // Clamped so that padding never reads out of bounds.
               Value rc = arith::MinUIOp::create(nb, l, r,
                                                 index(nb, l, validRows - 1));
               Value cc = arith::MinUIOp::create(nb, l, c,
                                                 index(nb, l, validCols - 1));
               Value v = element(nb, l, rc, cc);
               Value inside = arith::AndIOp::create(
                   nb, l,
                   arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, r,
                                         index(nb, l, validRows)),
                   arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, c,
                                         index(nb, l, validCols)));
               Value zero =
                   arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(0.0f));
               linalg::YieldOp::create(
                   nb, l,
                   arith::SelectOp::create(nb, l, inside, v, zero).getResult());
             })
      .getResult(0);
}

Value mlir::mx::padMatrix(OpBuilder &b, Location loc, Value tensor,
                          ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getShape() == shape)
    return tensor;
  return gatherMatrix(
      b, loc, shape[0], shape[1], type.getDimSize(0), type.getDimSize(1),
      [&](OpBuilder &b, Location l, Value r, Value c) {
        return tensor::ExtractOp::create(b, l, tensor, ValueRange{r, c})
            .getResult();
      });
}

Value mlir::mx::productAccumulator(OpBuilder &b, Location loc, Value output,
                                   ArrayRef<int64_t> shape,
                                   function_ref<Value()> part) {
  auto fill = output.getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.value(), m_PosZeroFloat()))
    return part();
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return linalg::FillOp::create(b, loc, fill.value(), empty).getResult(0);
}

Value mlir::mx::rewriteConvNhwcAsMatmul(OpBuilder &b, GemmOperands &operands,
                                        linalg::Conv2DNhwcHwcfOp op) {
  Conv2D conv(op);
  Location loc = conv.loc;
  ArrayRef<int64_t> in = conv.in, fl = conv.fl, out = conv.out;
  int64_t n = in[0], c = in[3], kh = fl[0], kw = fl[1], f = fl[3];
  int64_t oh = out[1], ow = out[2];
  int64_t m = n * oh * ow, k = kh * kw * c, kp = operands.padK(k);
  Value patches = gatherMatrix(
      b, loc, m, kp, m, k, [&](OpBuilder &b, Location l, Value r, Value col) {
        auto [img, pix] = divMod(b, l, r, oh * ow);
        auto [y, x] = divMod(b, l, pix, ow);
        auto [ky, rest] = divMod(b, l, col, kw * c);
        auto [kx, ch] = divMod(b, l, rest, c);
        auto [hy, wx] = conv.source(b, l, y, x, ky, kx);
        return tensor::ExtractOp::create(b, l, conv.input,
                                         ValueRange{img, hy, wx, ch})
            .getResult();
      });
  Value lhs = operands.convert(b, loc, patches, m, kp, m, kp,
                               /*isWeight=*/false, /*kAxis=*/1);
  Value rhs = operands.convert(b, loc, conv.filter, k, f, kp, f,
                               /*isWeight=*/true, /*kAxis=*/0);
  Value acc = productAccumulator(b, loc, conv.output, {m, f}, [&] {
    return reshape(b, loc, conv.output, {m, f});
  });
  Value product = MatmulOp::create(b, loc, acc.getType(), lhs, rhs, acc);
  return reshape(b, loc, product, out);
}

Value mlir::mx::rewriteConvNchwAsMatmul(OpBuilder &b, GemmOperands &operands,
                                        linalg::Conv2DNchwFchwOp op) {
  Conv2D conv(op);
  Location loc = conv.loc;
  ArrayRef<int64_t> in = conv.in, fl = conv.fl, out = conv.out;
  int64_t n = in[0], c = in[1], f = fl[0], kh = fl[2], kw = fl[3];
  int64_t oh = out[2], ow = out[3];
  int64_t k = c * kh * kw, kp = operands.padK(k), p = oh * ow;
  // The weights once, outside the loop over images.
  Value lhs = operands.convert(b, loc, conv.filter, f, k, f, kp,
                               /*isWeight=*/true, /*kAxis=*/1);
  return forEach(
      b, loc, n, conv.output,
      [&](OpBuilder &b, Location l, Value img, Value carried) {
        Value patches = gatherMatrix(
            b, l, kp, p, k, p,
            [&](OpBuilder &b, Location l, Value row, Value col) {
              auto [ch, rest] = divMod(b, l, row, kh * kw);
              auto [ky, kx] = divMod(b, l, rest, kw);
              auto [y, x] = divMod(b, l, col, ow);
              auto [hy, wx] = conv.source(b, l, y, x, ky, kx);
              return tensor::ExtractOp::create(b, l, conv.input,
                                               ValueRange{img, ch, hy, wx})
                  .getResult();
            });
        Value rhs = operands.convert(b, l, patches, kp, p, kp, p,
                                     /*isWeight=*/false, /*kAxis=*/0);
        Value acc = productAccumulator(b, l, conv.output, {f, p}, [&] {
          return reshape(b, l, sliceAt(b, l, carried, img), {f, p});
        });
        Value product = MatmulOp::create(b, l, acc.getType(), lhs, rhs, acc);
        return insertAt(b, l, reshape(b, l, product, {f, oh, ow}), carried,
                        img);
      });
}
