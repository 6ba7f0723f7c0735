//===- Sparsify.cpp - mx-sparsify: constant masked weights to CSR ---------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Applies the mask of an mx.masked_matmul with constant weights and
// threshold at compile time and rewrites it to mx.sparse_matmul on constant
// K-segmented CSR arrays (format and k_tile rules in Passes.td). The
// non-zeros stay f32, are rounded to bf16, or are quantized to an MX format
// here by the scalar MX reference (mx::ref), blocks of 32 along K per row:
// the op's scale layout (MxSparseKernelOps.td).
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxOps.h"
#include "mx/Dialect/Mx/IR/MxReferenceFormat.h"
#include "mx/Dialect/Mx/Transforms/Passes.h"
#include "mx/Reference/MxFormats.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/Support/Debug.h"

#include <cmath>
#include <cstring>

#define DEBUG_TYPE "mx-sparsify"

namespace mlir::mx {
#define GEN_PASS_DEF_MXSPARSIFYPASS
#include "mx/Dialect/Mx/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;
namespace ref = ::mx::ref;

namespace {

/// How the pass stores the kept weights.
struct ValueStorage {
  enum Kind { F32, BF16, MX } kind = F32;
  Format format = Format::e4m3; // with MX
};

/// The `value-format` option: f32, bf16 or an MX element format.
std::optional<ValueStorage> parseValueStorage(StringRef name) {
  if (name == "f32")
    return ValueStorage{};
  if (name == "bf16")
    return ValueStorage{ValueStorage::BF16};
  if (std::optional<Format> format = symbolizeFormat(name))
    return ValueStorage{ValueStorage::MX, *format};
  return std::nullopt;
}

/// Codes (one per weight, M x K) and E8M0 scales (M x ceil(K / 32)) of
/// `masked`: every row quantized in blocks of 32 columns, the last one
/// shorter when 32 does not divide K (the same as zero padding: zeros
/// change neither a block's amax nor its other codes). OCP rules of
/// mx.quantize: floor scale, RNE, saturation, FP32 subnormals kept.
void quantizeRows(ArrayRef<float> masked, int64_t m, int64_t k, Format format,
                  std::vector<uint8_t> &codes, std::vector<uint8_t> &scales) {
  constexpr int64_t block = SparseMatmulOp::kScaleBlock;
  codes.assign(masked.size(), 0);
  scales.clear();
  for (int64_t row = 0; row < m; ++row)
    for (int64_t col = 0; col < k; col += block) {
      int64_t n = std::min(block, k - col);
      scales.push_back(
          ref::quantizeBlock(&masked[row * k + col], n,
                             toReferenceFormat(format), ref::ScaleRule::Floor,
                             /*flushSubnormals=*/false, &codes[row * k + col]));
    }
}

/// The threshold as an f32 constant, if it is one.
std::optional<float> constantThreshold(Value threshold) {
  Attribute attr;
  if (!matchPattern(threshold, m_Constant(&attr)))
    return std::nullopt;
  if (auto f = dyn_cast<FloatAttr>(attr))
    return static_cast<float>(f.getValueAsDouble());
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr))
    if (dense.getNumElements() == 1)
      return (*dense.getValues<APFloat>().begin()).convertToFloat();
  return std::nullopt;
}

/// bf16 bits of f (round to nearest even; the masked weights are finite).
uint16_t toBF16Bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

/// The k_tile rule: about 12 entries per row segment (the overhead of a
/// segment, two position loads and the load and store of the output tile,
/// is then small), a power of two in [32, 256] so that the block of b a
/// segment touches stays in L1 at high density and in L2 at low density.
/// Fewer than 128 rows with an output of at most 1 MiB: at most 128. The
/// AVX-512 kernel then walks 64-column blocks of b (few rows share them),
/// which fit L1 at 128 (32 KiB) but not at 256, and the extra passes over
/// the output that more segments cost stay in L2 (64 x 576 x 3136 at 95%:
/// 5% faster; at 64 x 576 x 100352, a 25 MB output, 7-14% slower).
int64_t chooseKTile(double density, int64_t m, int64_t k, int64_t n) {
  int64_t maxTile = m < 128 && m * n * 4 <= (1 << 20) ? 128 : 256;
  int64_t tile = 32;
  while (tile < maxTile && tile * density < 12)
    tile *= 2;
  return std::min(tile, k);
}

struct SparsifyMaskedMatmul : OpRewritePattern<MaskedMatmulOp> {
  SparsifyMaskedMatmul(MLIRContext *ctx, double maxDensity,
                       ValueStorage storage, bool report)
      : OpRewritePattern(ctx), maxDensity(maxDensity), storage(storage),
        report(report) {}

  LogicalResult matchAndRewrite(MaskedMatmulOp op,
                                PatternRewriter &rewriter) const override {
    // Dense, splat or sparse (the form of a pruned model) constants.
    ElementsAttr weights;
    if (!matchPattern(op.getWeight(), m_Constant(&weights)))
      return rewriter.notifyMatchFailure(op, "weights are not a constant");
    auto weightValues = weights.tryGetValues<APFloat>();
    if (!weightValues)
      return rewriter.notifyMatchFailure(op, "weights are not readable");
    std::optional<float> s = constantThreshold(op.getThreshold());
    if (!s)
      return rewriter.notifyMatchFailure(op, "threshold is not a constant");
    auto wType = cast<RankedTensorType>(weights.getType());
    auto xType = cast<RankedTensorType>(op.getInput().getType());
    auto yType = cast<RankedTensorType>(op.getResult().getType());
    if (!xType.hasStaticShape() || !yType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    int64_t m = wType.getDimSize(0), k = wType.getDimSize(1);

    // The mask, exactly as mx.masked_matmul defines it (f32 throughout).
    float tau = 1.0f / (1.0f + std::exp(-*s));
    bool soft = op.getMode() == SparseMaskMode::soft;
    std::vector<float> masked(m * k);
    int64_t kept = 0;
    int64_t i = 0;
    for (APFloat value : *weightValues) {
      float w = value.convertToFloat();
      bool keep = std::fabs(w) > tau;
      masked[i++] = !keep  ? 0.0f
                    : soft ? std::copysign(std::fabs(w) - tau, w)
                           : w;
      kept += keep;
    }
    double density = m * k ? double(kept) / double(m * k) : 0.0;
    if (density > maxDensity) {
      if (report)
        op.emitRemark() << "kept dense: density " << density << " > "
                        << maxDensity;
      return rewriter.notifyMatchFailure(op, "above the density threshold");
    }

    // K-segmented CSR of the kept weights (MxSparseKernelOps.td).
    int64_t kTile = chooseKTile(density, m, k, yType.getDimSize(1));
    int64_t segments = (k + kTile - 1) / kTile;
    bool narrow = k <= 65536;
    SmallVector<int32_t> pos = {0};
    SmallVector<int32_t> crd32;
    SmallVector<int16_t> crd16;
    SmallVector<float> values;
    SmallVector<uint16_t> valuesBF16;
    SmallVector<int8_t> valuesMX;
    std::vector<uint8_t> codes, scales;
    bool bf16Values = storage.kind == ValueStorage::BF16;
    bool mxValues = storage.kind == ValueStorage::MX;
    if (mxValues)
      quantizeRows(masked, m, k, storage.format, codes, scales);
    for (int64_t t = 0; t < segments; ++t)
      for (int64_t row = 0; row < m; ++row) {
        for (int64_t col = t * kTile; col < std::min(k, (t + 1) * kTile);
             ++col) {
          float w = masked[row * k + col];
          // The mask, not the value, decides: a kept weight is never +-0
          // (|w| > tau >= 0, and |w| - tau > 0 for |w| > tau).
          if (w == 0.0f)
            continue;
          if (narrow)
            crd16.push_back(static_cast<int16_t>(static_cast<uint16_t>(col)));
          else
            crd32.push_back(static_cast<int32_t>(col));
          if (bf16Values)
            valuesBF16.push_back(toBF16Bits(w));
          else if (mxValues)
            valuesMX.push_back(static_cast<int8_t>(codes[row * k + col]));
          else
            values.push_back(w);
        }
        pos.push_back(narrow ? int32_t(crd16.size()) : int32_t(crd32.size()));
      }
    int64_t nnz = pos.back();

    Location loc = op.getLoc();
    auto vec = [&](Type element, int64_t size) {
      return RankedTensorType::get({size}, element);
    };
    Value posValue = arith::ConstantOp::create(
        rewriter, loc,
        DenseIntElementsAttr::get(vec(rewriter.getI32Type(), pos.size()),
                                  ArrayRef<int32_t>(pos)));
    Value crdValue =
        narrow ? arith::ConstantOp::create(
                     rewriter, loc,
                     DenseIntElementsAttr::get(vec(rewriter.getI16Type(), nnz),
                                               ArrayRef<int16_t>(crd16)))
               : arith::ConstantOp::create(
                     rewriter, loc,
                     DenseIntElementsAttr::get(vec(rewriter.getI32Type(), nnz),
                                               ArrayRef<int32_t>(crd32)));
    Value valValue, scaleValue;
    if (mxValues) {
      valValue = arith::ConstantOp::create(
          rewriter, loc,
          DenseIntElementsAttr::get(vec(rewriter.getI8Type(), nnz),
                                    ArrayRef<int8_t>(valuesMX)));
      // E8M0 bytes as f8E8M0FNU constants (APFloat of the same bits).
      SmallVector<APFloat> e8m0;
      for (uint8_t byte : scales)
        e8m0.push_back(APFloat(APFloat::Float8E8M0FNU(), APInt(8, byte)));
      scaleValue = arith::ConstantOp::create(
          rewriter, loc,
          DenseFPElementsAttr::get(
              vec(rewriter.getType<Float8E8M0FNUType>(), scales.size()), e8m0));
    } else if (bf16Values) {
      SmallVector<APFloat> bf16;
      for (uint16_t bits : valuesBF16)
        bf16.push_back(APFloat(APFloat::BFloat(), APInt(16, bits)));
      valValue = arith::ConstantOp::create(
          rewriter, loc,
          DenseFPElementsAttr::get(vec(rewriter.getBF16Type(), nnz), bf16));
    } else {
      valValue = arith::ConstantOp::create(
          rewriter, loc,
          DenseFPElementsAttr::get(vec(rewriter.getF32Type(), nnz),
                                   ArrayRef<float>(values)));
    }
    Value empty = tensor::EmptyOp::create(rewriter, loc, yType.getShape(),
                                          rewriter.getF32Type());
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getF32FloatAttr(0.0f));
    Value acc = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                       ValueRange{empty})
                    .getResult(0);
    if (report)
      op.emitRemark() << "sparse: density " << density << ", " << nnz
                      << " non-zeros, k_tile " << kTile << ", "
                      << (narrow ? "i16" : "i32") << " coordinates, "
                      << (mxValues     ? stringifyFormat(storage.format)
                          : bf16Values ? StringRef("bf16")
                                       : StringRef("f32"))
                      << " values";
    LLVM_DEBUG(llvm::dbgs() << "mx-sparsify: " << m << "x" << k << " density "
                            << density << " k_tile " << kTile << "\n");
    // The layer name and its measured sparsity travel with the kernel, so
    // that mx-flops-report still accounts for the layer after the rewrite.
    Attribute layer = op->getAttr("mx.layer");
    auto sparse = rewriter.replaceOpWithNewOp<SparseMatmulOp>(
        op, yType, posValue, crdValue, valValue, scaleValue, op.getInput(), acc,
        rewriter.getI64IntegerAttr(kTile),
        mxValues ? FormatAttr::get(getContext(), storage.format)
                 : FormatAttr());
    if (layer)
      sparse->setAttr("mx.layer", layer);
    sparse->setAttr("mx.sparsity", rewriter.getF64FloatAttr(1.0 - density));
    return success();
  }

  double maxDensity;
  ValueStorage storage;
  bool report;
};

struct MxSparsifyPass : mlir::mx::impl::MxSparsifyPassBase<MxSparsifyPass> {
  using MxSparsifyPassBase::MxSparsifyPassBase;

  void runOnOperation() override {
    if (maxDensity < 0 || maxDensity > 1) {
      emitError(getOperation()->getLoc(), "mx-sparsify: max-density must be "
                                          "in [0, 1], got ")
          << maxDensity;
      return signalPassFailure();
    }
    std::optional<ValueStorage> storage = parseValueStorage(valueFormat);
    if (!storage) {
      emitError(getOperation()->getLoc(), "mx-sparsify: unknown value-format '")
          << valueFormat
          << "'; expected f32, bf16, e4m3, e5m2, e2m3, e3m2, e2m1 or int8";
      return signalPassFailure();
    }
    if (bf16Values) {
      if (storage->kind != ValueStorage::F32 &&
          storage->kind != ValueStorage::BF16) {
        emitError(getOperation()->getLoc(),
                  "mx-sparsify: bf16-values contradicts value-format=")
            << valueFormat;
        return signalPassFailure();
      }
      storage = ValueStorage{ValueStorage::BF16};
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<SparsifyMaskedMatmul>(&getContext(), maxDensity, *storage,
                                       report);
    // One rewrite per op; the new ops match nothing.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
