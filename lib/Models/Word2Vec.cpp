//===- Word2Vec.cpp - The HogBatch SGNS step as an MLIR graph -------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Models/Word2Vec.h"
#include "ModelSupport.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"

#include <climits>
#include <string>

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::models;

namespace {

/// word2vec's MAX_EXP: beyond it the sigmoid counts as saturated.
constexpr double kMaxExp = 6.0;

class Word2VecBuilder {
public:
  Word2VecBuilder(MLIRContext *context, const Word2VecOptions &options)
      : b(context), options(options), dim(options.dim), batch(options.batch),
        outputs(1 + options.negatives) {}

  OwningOpRef<ModuleOp> build();

private:
  SmallVector<utils::IteratorType> parallel(unsigned n) {
    return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
  }
  AffineMap identity(unsigned n) {
    return AffineMap::getMultiDimIdentityMap(n, b.getContext());
  }
  Value emptyTensor(ArrayRef<int64_t> shape) {
    return tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  }
  Value zeroTensor(ArrayRef<int64_t> shape) {
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
    return linalg::FillOp::create(b, loc, zero, emptyTensor(shape))
        .getResult(0);
  }
  /// The first `count` rows of the static `rows x n` tensor `t`, a
  /// `? x n` view.
  Value leadingRows(Value t, Value count) {
    auto type = cast<RankedTensorType>(t.getType());
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes{count, b.getIndexAttr(type.getDimSize(1))};
    SmallVector<OpFoldResult> strides{b.getIndexAttr(1), b.getIndexAttr(1)};
    return tensor::ExtractSliceOp::create(b, loc, t, offsets, sizes, strides);
  }
  /// The same for columns: the `n x ?` view of the first `count` columns.
  Value leadingColumns(Value t, Value count) {
    auto type = cast<RankedTensorType>(t.getType());
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes{b.getIndexAttr(type.getDimSize(0)), count};
    SmallVector<OpFoldResult> strides{b.getIndexAttr(1), b.getIndexAttr(1)};
    return tensor::ExtractSliceOp::create(b, loc, t, offsets, sizes, strides);
  }
  /// `part` (a leading slice) written into `whole` at offset 0.
  Value insertLeading(Value part, Value whole) {
    auto type = cast<RankedTensorType>(part.getType());
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < 2; ++d)
      sizes.push_back(
          type.isDynamicDim(d)
              ? OpFoldResult(tensor::DimOp::create(b, loc, part, d).getResult())
              : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
    SmallVector<OpFoldResult> strides{b.getIndexAttr(1), b.getIndexAttr(1)};
    return tensor::InsertSliceOp::create(b, loc, part, whole, offsets, sizes,
                                         strides);
  }
  /// lhs x rhs into `acc` (zeros).
  Value matmulInto(Value lhs, Value rhs, Value acc) {
    return linalg::MatmulOp::create(b, loc, ValueRange{lhs, rhs},
                                    ValueRange{acc})
        .getResult(0);
  }
  /// The transpose of `matrix` into `init`.
  Value transposeInto(Value matrix, Value init) {
    return linalg::TransposeOp::create(b, loc, matrix, init,
                                       ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  }
  /// `count` clamped to [0, limit], as an index.
  Value clampedCount(Value count, int64_t limit);
  /// `x` rounded to bf16 (nearest even, subnormals kept) and widened back
  /// (exact), for bf16Operands.
  Value roundToBF16(OpBuilder &nb, Location l, Value x) {
    Value narrow = arith::TruncFOp::create(nb, l, nb.getBF16Type(), x);
    return arith::ExtFOp::create(nb, l, nb.getF32Type(), narrow);
  }
  /// rows x D tensor whose row r is table[indices[r]] for r < count, zero
  /// otherwise; rounded to bf16 with bf16Operands.
  Value gather(Value table, Value indices, Value count, int64_t rows);
  /// rows x D tensor whose first `count` rows are table[indices[r]] (the
  /// others zero with `zeroRest`, else undefined), in a loop over the used
  /// rows only.
  Value gatherUsedRows(Value table, Value indices, Value count, int64_t rows,
                       bool zeroRest);
  Value transpose(Value matrix);
  Value matmul(Value lhs, Value rhs);
  /// g = ((label - sigma(corr)) * alpha) * meta, and 0 in unused slots
  /// (o >= nout or b >= nctx).
  Value sigmoidStep(Value corr, Value meta, Value alpha, Value nout,
                    Value nctx);
  /// table[indices[r]] += grads[r] for r < count, in order, on memrefs.
  void scatterAdd(Value table, Value indices, Value count, Value grads,
                  int64_t rows);

  OpBuilder b;
  Location loc = UnknownLoc::get(b.getContext());
  const Word2VecOptions &options;
  int64_t dim, batch, outputs;
};

Value Word2VecBuilder::clampedCount(Value count, int64_t limit) {
  Value zero = arith::ConstantIntOp::create(b, loc, 0, 32);
  Value max = arith::ConstantIntOp::create(b, loc, limit, 32);
  Value clamped = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, count, zero), max);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), clamped);
}

Value Word2VecBuilder::gather(Value table, Value indices, Value count,
                              int64_t rows) {
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{RankedTensorType::get({rows, dim}, b.getF32Type())},
      ValueRange{}, ValueRange{emptyTensor({rows, dim})},
      ArrayRef<AffineMap>{identity(2)}, parallel(2),
      [&](OpBuilder &nb, Location l, ValueRange) {
        Value row = linalg::IndexOp::create(nb, l, 0);
        Value col = linalg::IndexOp::create(nb, l, 1);
        Value used =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, row, count);
        Value raw = tensor::ExtractOp::create(nb, l, indices, row);
        Value index = arith::IndexCastOp::create(nb, l, nb.getIndexType(), raw);
        Value zeroIndex = arith::ConstantIndexOp::create(nb, l, 0);
        Value safe = arith::SelectOp::create(nb, l, used, index, zeroIndex);
        Value value =
            tensor::ExtractOp::create(nb, l, table, ValueRange{safe, col});
        // Rounded as it is copied (one pass over the row; every product
        // then reads bf16 values), not in the tables: updates stay f32.
        if (options.bf16Operands)
          value = roundToBF16(nb, l, value);
        Value zero = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(0.0));
        linalg::YieldOp::create(
            nb, l,
            ValueRange{
                arith::SelectOp::create(nb, l, used, value, zero).getResult()});
      });
  return generic.getResult(0);
}

Value Word2VecBuilder::gatherUsedRows(Value table, Value indices, Value count,
                                      int64_t rows, bool zeroRest) {
  Type f32 = b.getF32Type();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  // `row` (1 x dim) as row r of `into`.
  auto insertRow = [&](OpBuilder &nb, Location l, Value row, Value into,
                       Value r) -> Value {
    SmallVector<OpFoldResult> offsets{r, nb.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes{nb.getIndexAttr(1), nb.getIndexAttr(dim)};
    SmallVector<OpFoldResult> strides{nb.getIndexAttr(1), nb.getIndexAttr(1)};
    return tensor::InsertSliceOp::create(nb, l, row, into, offsets, sizes,
                                         strides);
  };
  auto loop = scf::ForOp::create(
      b, loc, zero, count, one, ValueRange{emptyTensor({rows, dim})},
      [&](OpBuilder &nb, Location l, Value r, ValueRange args) {
        Value raw = tensor::ExtractOp::create(nb, l, indices, r);
        Value index = arith::IndexCastOp::create(nb, l, nb.getIndexType(), raw);
        auto rowType = RankedTensorType::get({1, dim}, f32);
        Value rowInit = tensor::EmptyOp::create(nb, l, rowType.getShape(), f32);
        auto row = linalg::GenericOp::create(
            nb, l, TypeRange{rowType}, ValueRange{}, ValueRange{rowInit},
            ArrayRef<AffineMap>{identity(2)}, parallel(2),
            [&](OpBuilder &bb, Location ll, ValueRange) {
              Value col = linalg::IndexOp::create(bb, ll, 1);
              Value value = tensor::ExtractOp::create(bb, ll, table,
                                                      ValueRange{index, col});
              if (options.bf16Operands)
                value = roundToBF16(bb, ll, value);
              linalg::YieldOp::create(bb, ll, value);
            });
        scf::YieldOp::create(nb, l,
                             insertRow(nb, l, row.getResult(0), args[0], r));
      });
  if (!zeroRest)
    return loop.getResult(0);
  // Rows count .. rows - 1 zeroed (no iteration when all rows are used).
  Value end = arith::ConstantIndexOp::create(b, loc, rows);
  return scf::ForOp::create(
             b, loc, count, end, one, ValueRange{loop.getResult(0)},
             [&](OpBuilder &nb, Location l, Value r, ValueRange args) {
               Value zeroValue =
                   arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(0.0));
               Value rowInit = tensor::EmptyOp::create(
                   nb, l, ArrayRef<int64_t>{1, dim}, f32);
               Value row = linalg::FillOp::create(nb, l, zeroValue, rowInit)
                               .getResult(0);
               scf::YieldOp::create(nb, l, insertRow(nb, l, row, args[0], r));
             })
      .getResult(0);
}

Value Word2VecBuilder::transpose(Value matrix) {
  auto type = cast<RankedTensorType>(matrix.getType());
  Value init = emptyTensor({type.getDimSize(1), type.getDimSize(0)});
  return linalg::TransposeOp::create(b, loc, matrix, init,
                                     ArrayRef<int64_t>{1, 0})
      .getResult()[0];
}

Value Word2VecBuilder::matmul(Value lhs, Value rhs) {
  int64_t m = cast<RankedTensorType>(lhs.getType()).getDimSize(0);
  int64_t n = cast<RankedTensorType>(rhs.getType()).getDimSize(1);
  Value acc = zeroTensor({m, n});
  return linalg::MatmulOp::create(b, loc, ValueRange{lhs, rhs}, ValueRange{acc})
      .getResult(0);
}

Value Word2VecBuilder::sigmoidStep(Value corr, Value meta, Value alpha,
                                   Value nout, Value nctx) {
  MLIRContext *context = b.getContext();
  auto corrType = cast<RankedTensorType>(corr.getType());
  // sigma on whole tensors, in the form the activation policy (mx-ktanh)
  // recognises: 1 / (1 + exp(-x)).
  Value sigma;
  if (options.sigmoid == Word2VecSigmoid::KTanh) {
    sigma = KSigmoidOp::create(b, loc, corrType, corr, KTanhMantissaAttr());
  } else {
    Value ones = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(corrType, b.getF32FloatAttr(1.0)));
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, corr));
    sigma = arith::DivFOp::create(b, loc, ones,
                                  arith::AddFOp::create(b, loc, ones, e));
  }
  AffineExpr o, bb;
  bindDims(context, o, bb);
  SmallVector<AffineMap> maps{identity(2), identity(2),
                              AffineMap::get(2, 0, {o}, context), identity(2)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{corrType}, ValueRange{corr, sigma, meta},
      ValueRange{emptyTensor(corrType.getShape())}, maps, parallel(2),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value x = args[0], s = args[1], weight = args[2];
        auto constant = [&](double value) -> Value {
          return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(value));
        };
        Value one = constant(1.0), zero = constant(0.0);
        // word2vec's saturation outside [-MAX_EXP, MAX_EXP].
        Value above = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, x,
                                            constant(kMaxExp));
        Value below = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT, x,
                                            constant(-kMaxExp));
        s = arith::SelectOp::create(nb, l, above, one, s);
        s = arith::SelectOp::create(nb, l, below, zero, s);
        // Row 0 is the centre word (label 1), the others negatives.
        Value row = linalg::IndexOp::create(nb, l, 0);
        Value isCentre =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, row,
                                  arith::ConstantIndexOp::create(nb, l, 0));
        Value label = arith::SelectOp::create(nb, l, isCentre, one, zero);
        Value g = arith::SubFOp::create(nb, l, label, s);
        g = arith::MulFOp::create(nb, l, g, alpha);
        g = arith::MulFOp::create(nb, l, g, weight);
        // Unused slots give exactly 0, so that they take no part in the
        // products, nor in the block scales of an MX policy.
        Value column = linalg::IndexOp::create(nb, l, 1);
        Value used = arith::AndIOp::create(
            nb, l,
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, row, nout),
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, column,
                                  nctx));
        g = arith::SelectOp::create(nb, l, used, g, zero);
        // g is an operand of both gradient products.
        if (options.bf16Operands)
          g = roundToBF16(nb, l, g);
        linalg::YieldOp::create(nb, l, g);
      });
  return generic.getResult(0);
}

void Word2VecBuilder::scatterAdd(Value table, Value indices, Value count,
                                 Value grads, int64_t rows) {
  auto gradsType = MemRefType::get({rows, dim}, b.getF32Type());
  Value gradBuffer = bufferization::ToBufferOp::create(b, loc, gradsType, grads,
                                                       /*read_only=*/true);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  scf::ForOp::create(
      b, loc, zero, count, step, ValueRange{},
      [&](OpBuilder &nb, Location l, Value r, ValueRange) {
        Value raw = memref::LoadOp::create(nb, l, indices, r);
        Value index = arith::IndexCastOp::create(nb, l, nb.getIndexType(), raw);
        SmallVector<OpFoldResult> sizes{nb.getIndexAttr(1),
                                        nb.getIndexAttr(dim)};
        SmallVector<OpFoldResult> strides{nb.getIndexAttr(1),
                                          nb.getIndexAttr(1)};
        Value row = memref::SubViewOp::create(
            nb, l, table, SmallVector<OpFoldResult>{index, nb.getIndexAttr(0)},
            sizes, strides);
        Value grad = memref::SubViewOp::create(
            nb, l, gradBuffer, SmallVector<OpFoldResult>{r, nb.getIndexAttr(0)},
            sizes, strides);
        AffineMap map = AffineMap::getMultiDimIdentityMap(2, nb.getContext());
        linalg::GenericOp::create(
            nb, l, TypeRange{}, ValueRange{grad}, ValueRange{row},
            ArrayRef<AffineMap>{map, map}, parallel(2),
            [&](OpBuilder &bb, Location ll, ValueRange args) {
              linalg::YieldOp::create(
                  bb, ll,
                  ValueRange{arith::AddFOp::create(bb, ll, args[1], args[0])
                                 .getResult()});
            });
        scf::YieldOp::create(nb, l);
      });
}

OwningOpRef<ModuleOp> Word2VecBuilder::build() {
  loc = NameLoc::get(b.getStringAttr("word2vec"));
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());

  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  Type indexType = b.getIntegerType(options.indexBitwidth);
  auto tableType = MemRefType::get({ShapedType::kDynamic, dim}, f32);
  auto ctxType = MemRefType::get({batch}, indexType);
  auto outType = MemRefType::get({outputs}, indexType);
  auto metaType = MemRefType::get({outputs}, f32);
  SmallVector<Type> argTypes{tableType, tableType, ctxType, i32,
                             outType,   metaType,  i32,     f32};
  auto func = func::FuncOp::create(b, loc, options.functionName,
                                   b.getFunctionType(argTypes, {}));
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *entry = func.addEntryBlock();
  const char *names[] = {"wih", "woh",  "ctx",  "nctx",
                         "out", "meta", "nout", "alpha"};
  for (auto [argument, name] : llvm::zip(entry->getArguments(), names))
    argument.setLoc(NameLoc::get(b.getStringAttr(name)));
  b.setInsertionPointToStart(entry);

  Value wih = entry->getArgument(0), woh = entry->getArgument(1);
  Value ctx = entry->getArgument(2), out = entry->getArgument(4);
  Value meta = entry->getArgument(5), alpha = entry->getArgument(7);
  auto asTensor = [&](Value memref) -> Value {
    auto type = cast<MemRefType>(memref.getType());
    return bufferization::ToTensorOp::create(
        b, loc, RankedTensorType::get(type.getShape(), type.getElementType()),
        memref,
        /*restrict=*/true, /*writable=*/false);
  };
  // Read-only tensor views: the gathers read the tables before the
  // scatter-adds write them, so no copy is needed.
  Value wihT = asTensor(wih), wohT = asTensor(woh);
  Value ctxT = asTensor(ctx), outT = asTensor(out), metaT = asTensor(meta);
  Value nctx = clampedCount(entry->getArgument(3), batch);
  Value nout = clampedCount(entry->getArgument(6), outputs);

  // The trimmed products read the used context rows only (and the output
  // rows beyond nout as zeros). With the rounding, loops over the used rows
  // (compact code) beat the static gathers, which LLVM unrolls; fp32's
  // static gathers become memcpy calls.
  bool loops = options.bf16Operands && options.trimToContexts;
  Value inM = loops ? gatherUsedRows(wihT, ctxT, nctx, batch, false)
                    : gather(wihT, ctxT, nctx, batch);
  Value outM = loops ? gatherUsedRows(wohT, outT, nout, outputs, true)
                     : gather(wohT, outT, nout, outputs);
  Value inMd;
  Value outMd;
  if (options.trimToContexts) {
    // The products over the nctx used context rows only, on views of the
    // static buffers: scores O x nctx, then the gradients from the first
    // nctx columns of g (zero beyond) and into the first nctx rows.
    Value rows = leadingRows(inM, nctx);
    Value corrAll = zeroTensor({outputs, batch});
    Value corrUsed = matmulInto(
        outM,
        transposeInto(rows, leadingColumns(emptyTensor({dim, batch}), nctx)),
        leadingColumns(corrAll, nctx));
    Value corr = insertLeading(corrUsed, corrAll);
    Value g = sigmoidStep(corr, metaT, alpha, nout, nctx);
    Value gUsed = leadingColumns(g, nctx);
    outMd = matmulInto(gUsed, rows, zeroTensor({outputs, dim}));
    // Rows >= nctx of the input gradients are never read (the scatter-add
    // stops at nctx): only the used ones are zeroed.
    Value inMdAll = emptyTensor({batch, dim});
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
    Value inMdUsed =
        linalg::FillOp::create(b, loc, zero, leadingRows(inMdAll, nctx))
            .getResult(0);
    Value gT =
        transposeInto(gUsed, leadingRows(emptyTensor({batch, outputs}), nctx));
    inMd = insertLeading(matmulInto(gT, outM, inMdUsed), inMdAll);
  } else {
    Value corr = matmul(outM, transpose(inM));
    Value g = sigmoidStep(corr, metaT, alpha, nout, nctx);
    outMd = matmul(g, inM);
    inMd = matmul(transpose(g), outM);
  }
  scatterAdd(wih, ctx, nctx, inMd, batch);
  scatterAdd(woh, out, nout, outMd, outputs);
  func::ReturnOp::create(b, loc);
  return module;
}

} // namespace

void models::registerWord2VecDialects(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, bufferization::BufferizationDialect,
                  func::FuncDialect, linalg::LinalgDialect, math::MathDialect,
                  memref::MemRefDialect, mx::MxDialect, scf::SCFDialect,
                  tensor::TensorDialect>();
}

std::string models::checkWord2VecOptions(const Word2VecOptions &options) {
  if (options.dim < 1)
    return "dim must be at least 1, got " + std::to_string(options.dim);
  if (options.batch < 1)
    return "batch must be at least 1, got " + std::to_string(options.batch);
  if (options.negatives < 0)
    return "negatives must be at least 0, got " +
           std::to_string(options.negatives);
  if (options.batch > INT32_MAX || options.negatives >= INT32_MAX)
    return "batch and 1 + negatives must fit in 32 bits";
  if (options.indexBitwidth != 32 && options.indexBitwidth != 64)
    return "the index bitwidth must be 32 or 64, got " +
           std::to_string(options.indexBitwidth);
  return checkFunctionName(options.functionName);
}

OwningOpRef<ModuleOp>
models::buildWord2VecStep(MLIRContext *context,
                          const Word2VecOptions &options) {
  if (std::string error = checkWord2VecOptions(options); !error.empty()) {
    emitError(UnknownLoc::get(context)) << "word2vec: " << error;
    return nullptr;
  }
  DialectRegistry registry;
  registerWord2VecDialects(registry);
  context->appendDialectRegistry(registry);
  context->loadDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                       func::FuncDialect, linalg::LinalgDialect,
                       math::MathDialect, memref::MemRefDialect, mx::MxDialect,
                       scf::SCFDialect, tensor::TensorDialect>();
  OwningOpRef<ModuleOp> module = Word2VecBuilder(context, options).build();
  if (failed(verify(*module)))
    return nullptr;
  return module;
}
