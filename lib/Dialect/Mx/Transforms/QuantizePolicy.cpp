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
#include "mx/Dialect/Mx/Transforms/ConvAsMatmul.h"
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

struct Quantizer : GemmOperands {
  Format activations, weights;
  int64_t block;
  bool foldConstants;
  int64_t folded = 0;

  Quantizer(Format activations, Format weights, int64_t block,
            bool foldConstants)
      : activations(activations), weights(weights), block(block),
        foldConstants(foldConstants) {}

  int64_t padK(int64_t k) const override { return roundUp(k, block); }

  Value convert(OpBuilder &b, Location loc, Value value, int64_t rows,
                int64_t cols, int64_t paddedRows, int64_t paddedCols,
                bool isWeight, int64_t kAxis) override {
    return quantize(b, loc, value, rows, cols, paddedRows, paddedCols,
                    isWeight ? weights : activations, kAxis);
  }

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
    matrix = padMatrix(b, loc, matrix, {paddedRows, paddedCols});
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

Value rewriteBatchMatmul(OpBuilder &b, Quantizer &q, linalg::BatchMatmulOp op) {
  Location loc = op.getLoc();
  Value lhs = op.getInputs()[0], rhs = op.getInputs()[1];
  Value acc = op.getOutputs()[0];
  ArrayRef<int64_t> shape = cast<RankedTensorType>(acc.getType()).getShape();
  int64_t batch = shape[0];
  return forEach(b, loc, batch, acc,
                 [&](OpBuilder &b, Location l, Value i, Value carried) {
                   Value part =
                       productAccumulator(b, l, acc, shape.drop_front(), [&] {
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

    Quantizer q(*activationFormat, *weightFormat, block, foldConstants);
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
                return rewriteConvNhwcAsMatmul(rewriter, q, c);
              })
              .Case([&](linalg::Conv2DNchwFchwOp c) {
                return rewriteConvNchwAsMatmul(rewriter, q, c);
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
