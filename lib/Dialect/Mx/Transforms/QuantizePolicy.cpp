//===- QuantizePolicy.cpp - mx-quantize: the MX drop-in pass -------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// mx-quantize rewrites linalg.matmul, linalg.batch_matmul and the two common
// 2-D convolutions of an FP32 graph into block-scaled mx.matmul on quantized
// operands (convolutions through im2col), with one MX format for weights and
// one for activations. Constant weights are quantized at compile time with
// the scalar reference (mx::ref::quantizeTensor), whose results the
// integration tests prove bit-identical to mx.quantize's lowerings.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxOps.h"
#include "mx/Dialect/Mx/IR/MxReferenceFormat.h"
#include "mx/Dialect/Mx/Transforms/MatmulAccumulation.h"
#include "mx/Dialect/Mx/Transforms/Passes.h"
#include "mx/Dialect/Mx/Transforms/PolicyOps.h"
#include "mx/Reference/MxFormats.h"
#include "mx/Support/TensorUtils.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXQUANTIZEPASS
#include "mx/Dialect/Mx/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;
namespace ref = ::mx::ref;

namespace {

int64_t roundUp(int64_t x, int64_t multiple) {
  return (x + multiple - 1) / multiple * multiple;
}

Value index(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Pads a 2-D tensor with zeros at the high end to `shape` (a
/// linalg.generic rather than tensor.pad, whose bufferization copies into a
/// strided view through the memrefCopy runtime function).
Value padTo(OpBuilder &b, Location loc, Value tensor, ArrayRef<int64_t> shape);

struct Quantizer {
  Format activations, weights;
  int64_t block;
  bool foldConstants;
  int64_t folded = 0;

  /// `value` (static f32, row-major data) as a [rows, cols] matrix padded
  /// with zeros to [paddedRows, paddedCols], quantized to `format` with
  /// blocks along `axis`. A constant is quantized here, at compile time.
  Value quantize(OpBuilder &b, Location loc, Value value, int64_t rows,
                 int64_t cols, int64_t paddedRows, int64_t paddedCols,
                 Format format, int64_t axis) {
    MLIRContext *ctx = b.getContext();
    auto type =
        MxTensorType::get(ctx, {paddedRows, paddedCols}, format, axis, block);
    DenseElementsAttr constant;
    if (foldConstants && matchPattern(value, m_Constant(&constant)) &&
        constant.getElementType().isF32()) {
      std::vector<float> data(paddedRows * paddedCols, 0.0f);
      int64_t i = 0;
      for (float v : constant.getValues<float>()) {
        data[(i / cols) * paddedCols + i % cols] = v;
        ++i;
      }
      std::vector<int64_t> shape = {paddedRows, paddedCols};
      ref::Format f = toReferenceFormat(format);
      std::vector<uint8_t> elements(ref::tensorElementBytes(shape, axis, f));
      std::vector<uint8_t> scales(ref::tensorScaleBytes(shape, axis, block));
      ref::quantizeTensor(data.data(), shape, axis, block, f,
                          ref::ScaleRule::Floor, /*flushSubnormals=*/false,
                          elements.data(), scales.data());
      auto elementsAttr = DenseElementsAttr::getFromRawBuffer(
          type.getPackedTensorType(),
          ArrayRef<char>(reinterpret_cast<const char *>(elements.data()),
                         elements.size()));
      auto scalesAttr = DenseElementsAttr::getFromRawBuffer(
          type.getScalesTensorType(),
          ArrayRef<char>(reinterpret_cast<const char *>(scales.data()),
                         scales.size()));
      ++folded;
      return AssembleOp::create(b, loc, type,
                                arith::ConstantOp::create(b, loc, elementsAttr),
                                arith::ConstantOp::create(b, loc, scalesAttr));
    }
    Value matrix = reshape(b, loc, value, {rows, cols});
    matrix = padTo(b, loc, matrix, {paddedRows, paddedCols});
    return QuantizeOp::create(b, loc, type, matrix);
  }

  /// x (M x K) * w (K x N) + acc on MX operands.
  Value matmul(OpBuilder &b, Location loc, Value x, Value w, Value acc) {
    auto xType = cast<RankedTensorType>(x.getType());
    auto wType = cast<RankedTensorType>(w.getType());
    int64_t m = xType.getDimSize(0), k = xType.getDimSize(1),
            n = wType.getDimSize(1);
    int64_t kp = roundUp(k, block);
    Value xq = quantize(b, loc, x, m, k, m, kp, activations, 1);
    Value wq = quantize(b, loc, w, k, n, kp, n, weights, 0);
    return MatmulOp::create(b, loc, acc.getType(), xq, wq, acc);
  }
};

/// A [rows, cols] f32 tensor whose element (r, c) is `element(r, c)`
/// (index values), zero where `c >= validCols` (the padding of K) or
/// `r >= validRows`.
Value gather(OpBuilder &b, Location loc, int64_t rows, int64_t cols,
             int64_t validRows, int64_t validCols,
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

Value padTo(OpBuilder &b, Location loc, Value tensor, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getShape() == shape)
    return tensor;
  return gather(
      b, loc, shape[0], shape[1], type.getDimSize(0), type.getDimSize(1),
      [&](OpBuilder &b, Location l, Value r, Value c) {
        return tensor::ExtractOp::create(b, l, tensor, ValueRange{r, c})
            .getResult();
      });
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

/// The accumulator of one product of a rewritten op whose output is
/// `output`: a fresh +0.0 fill of `shape` when `output` is one (each product
/// writes its own part of the output, so its part is still zero, and the
/// matmul lowerings write a zero-filled accumulator without reading it),
/// else `part` (the product's part of the output, built on demand).
Value accumulator(OpBuilder &b, Location loc, Value output,
                  ArrayRef<int64_t> shape, function_ref<Value()> part) {
  auto fill = output.getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.value(), m_PosZeroFloat()))
    return part();
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return linalg::FillOp::create(b, loc, fill.value(), empty).getResult(0);
}

/// conv_2d_nhwc_hwcf: patches [N*OH*OW, KH*KW*C] (padded to whole blocks)
/// times the filter as [KH*KW*C, F], reshaped to the NHWC output.
Value rewriteConvNhwc(OpBuilder &b, Quantizer &q, linalg::Conv2DNhwcHwcfOp op) {
  Conv2D conv(op);
  Location loc = conv.loc;
  ArrayRef<int64_t> in = conv.in, fl = conv.fl, out = conv.out;
  int64_t n = in[0], c = in[3], kh = fl[0], kw = fl[1], f = fl[3];
  int64_t oh = out[1], ow = out[2];
  int64_t m = n * oh * ow, k = kh * kw * c, kp = roundUp(k, q.block);
  Value patches = gather(
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
  Value pq = q.quantize(b, loc, patches, m, kp, m, kp, q.activations, 1);
  Value wq = q.quantize(b, loc, conv.filter, k, f, kp, f, q.weights, 0);
  Value acc = accumulator(b, loc, conv.output, {m, f}, [&] {
    return reshape(b, loc, conv.output, {m, f});
  });
  Value product = MatmulOp::create(b, loc, acc.getType(), pq, wq, acc);
  return reshape(b, loc, product, out);
}

/// conv_2d_nchw_fchw, per image: the filter as [F, C*KH*KW] times patches
/// [C*KH*KW, OH*OW] (K padded to whole blocks).
Value rewriteConvNchw(OpBuilder &b, Quantizer &q, linalg::Conv2DNchwFchwOp op) {
  Conv2D conv(op);
  Location loc = conv.loc;
  ArrayRef<int64_t> in = conv.in, fl = conv.fl, out = conv.out;
  int64_t n = in[0], c = in[1], f = fl[0], kh = fl[2], kw = fl[3];
  int64_t oh = out[2], ow = out[3];
  int64_t k = c * kh * kw, kp = roundUp(k, q.block), p = oh * ow;
  // The weights once, outside the loop over images.
  Value wq = q.quantize(b, loc, conv.filter, f, k, f, kp, q.weights, 1);
  return forEach(
      b, loc, n, conv.output,
      [&](OpBuilder &b, Location l, Value img, Value carried) {
        Value patches =
            gather(b, l, kp, p, k, p,
                   [&](OpBuilder &b, Location l, Value row, Value col) {
                     auto [ch, rest] = divMod(b, l, row, kh * kw);
                     auto [ky, kx] = divMod(b, l, rest, kw);
                     auto [y, x] = divMod(b, l, col, ow);
                     auto [hy, wx] = conv.source(b, l, y, x, ky, kx);
                     return tensor::ExtractOp::create(
                                b, l, conv.input, ValueRange{img, ch, hy, wx})
                         .getResult();
                   });
        Value pq = q.quantize(b, l, patches, kp, p, kp, p, q.activations, 0);
        Value acc = accumulator(b, l, conv.output, {f, p}, [&] {
          return reshape(b, l, sliceAt(b, l, carried, img), {f, p});
        });
        Value product = MatmulOp::create(b, l, acc.getType(), wq, pq, acc);
        return insertAt(b, l, reshape(b, l, product, {f, oh, ow}), carried,
                        img);
      });
}

Value rewriteBatchMatmul(OpBuilder &b, Quantizer &q, linalg::BatchMatmulOp op) {
  Location loc = op.getLoc();
  Value lhs = op.getInputs()[0], rhs = op.getInputs()[1];
  Value acc = op.getOutputs()[0];
  ArrayRef<int64_t> shape = cast<RankedTensorType>(acc.getType()).getShape();
  int64_t batch = shape[0];
  return forEach(b, loc, batch, acc,
                 [&](OpBuilder &b, Location l, Value i, Value carried) {
                   Value part = accumulator(b, l, acc, shape.drop_front(), [&] {
                     return sliceAt(b, l, carried, i);
                   });
                   Value product = q.matmul(b, l, sliceAt(b, l, lhs, i),
                                            sliceAt(b, l, rhs, i), part);
                   return insertAt(b, l, product, carried, i);
                 });
}

/// Why `op` cannot be rewritten, or empty.
std::string unsupportedReason(linalg::LinalgOp op) {
  if (op->getNumResults() != 1 ||
      !llvm::all_of(op->getOperands(), isStaticF32Tensor))
    return "operands are not static f32 tensors";
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation()))
    if (matmul.hasUserDefinedMaps())
      return "non-default indexing maps";
  if (auto matmul = dyn_cast<linalg::BatchMatmulOp>(op.getOperation()))
    if (matmul.hasUserDefinedMaps())
      return "non-default indexing maps";
  return "";
}

struct MxQuantizePass : mlir::mx::impl::MxQuantizePassBase<MxQuantizePass> {
  using MxQuantizePassBase::MxQuantizePassBase;

  void runOnOperation() override {
    FailureOr<MatmulAccumulation> matmulAccumulation =
        MatmulAccumulation::get(getOperation(), "mx-quantize", accumulation);
    if (failed(matmulAccumulation))
      return signalPassFailure();
    func::FuncOp func = getOperation();
    std::optional<Format> weightFormat = symbolizeFormat(weights);
    std::optional<Format> activationFormat = symbolizeFormat(activations);
    if (!weightFormat || !activationFormat) {
      func.emitError("mx-quantize: unknown format '")
          << (weightFormat ? activations : weights)
          << "'; expected e4m3, e5m2, e2m3, e3m2, e2m1 or int8";
      return signalPassFailure();
    }
    for (Format format : {*weightFormat, *activationFormat}) {
      unsigned bits = getFormatInfo(format).bits;
      int64_t group = bits == 4 ? 2 : bits == 6 ? 4 : 1;
      if (block <= 0 || block % group != 0) {
        func.emitError("mx-quantize: block ")
            << static_cast<int64_t>(block) << " is not a positive multiple of "
            << group << " (" << stringifyFormat(format) << " packing)";
        return signalPassFailure();
      }
    }
    llvm::StringSet<> allowed = policyOps(ops);

    Quantizer q{*activationFormat, *weightFormat, block, foldConstants};
    // Every GEMM-like op is considered (and reported); the allowed ones
    // with supported operands are rewritten.
    SmallVector<linalg::LinalgOp> candidates;
    func.walk([&](linalg::LinalgOp op) {
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp,
              linalg::ConvolutionOpInterface>(op.getOperation()) ||
          linalg::isaContractionOpInterface(op))
        candidates.push_back(op);
    });
    llvm::StringMap<int64_t> rewritten;
    int64_t left = 0, total = candidates.size();
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      StringRef name = op->getName().getStringRef();
      std::string reason;
      if (!llvm::is_contained(kPolicyDefaultOps, name))
        reason = "no MX rewrite for this op";
      else if (!allowed.contains(name))
        reason = "not on the ops list";
      else
        reason = unsupportedReason(op);
      if (!reason.empty()) {
        ++left;
        if (report)
          op->emitRemark("mx-quantize: left in FP32 (") << reason << ")";
        continue;
      }
      rewriter.setInsertionPoint(op);
      Value replacement =
          llvm::TypeSwitch<Operation *, Value>(op)
              .Case([&](linalg::MatmulOp m) {
                return q.matmul(rewriter, m.getLoc(), m.getInputs()[0],
                                m.getInputs()[1], m.getOutputs()[0]);
              })
              .Case([&](linalg::BatchMatmulOp m) {
                return rewriteBatchMatmul(rewriter, q, m);
              })
              .Case([&](linalg::Conv2DNhwcHwcfOp c) {
                return rewriteConvNhwc(rewriter, q, c);
              })
              .Case([&](linalg::Conv2DNchwFchwOp c) {
                return rewriteConvNchw(rewriter, q, c);
              })
              .Default([](Operation *) { return Value(); });
      if (report)
        op->emitRemark("mx-quantize: ")
            << name << " -> mx.matmul (activations " << activations
            << ", weights " << weights << ", block "
            << static_cast<int64_t>(block) << ")";
      ++rewritten[name];
      rewriter.replaceOp(op, replacement);
    }
    matmulAccumulation->markNewMatmuls(func);
    if (report) {
      InFlightDiagnostic summary = func.emitRemark("mx-quantize: rewrote ");
      summary << total - left << " of " << total << " GEMM/conv ops";
      SmallVector<std::string> parts;
      for (StringRef name : kPolicyDefaultOps)
        if (rewritten.lookup(name))
          parts.push_back(std::to_string(rewritten.lookup(name)) + " " +
                          name.str());
      if (!parts.empty())
        summary << " (" << llvm::join(parts, ", ") << ")";
      summary << ", " << q.folded
              << " constant weight(s) quantized at compile time; " << left
              << " left in FP32; all other ops stay FP32";
    }
  }
};

} // namespace
