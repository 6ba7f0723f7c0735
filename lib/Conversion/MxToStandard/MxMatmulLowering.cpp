//===- MxMatmulLowering.cpp - mx.matmul: MX reference, all vector kernels -===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Lowerings of mx.matmul (the accumulation order is in the op's
// description, MxMatmulOps.td):
//
// - reference (mx-lower-to-linalg) of !mx.tensor operands: decode every
//   element to its integer multiple (integer pairs) or its value
//   (floating-point pairs), one linalg.generic for the block dot products
//   and one that scales and adds them to the accumulator block by block
//   with fma;
//
// - vector (mx-lower-to-vector): three parallel phases (scf.forall, mapped
//   to threads by scf-to-openmp or run sequentially):
//     1. pack A into row tiles of mr rows: per (tile, block, row) the
//        block's elements as 32-bit words (4 x u8 = integer multiple + 128,
//        one f32 value, or with dot-bf16 on x86 a bf16 pair of values,
//        decoded straight to bf16 from a register table), and the block
//        scales as f32;
//     2. pack B into panels of nr columns: per (panel, block, word) one
//        word per column (4 x s8 or one f32), the scales as f32 and, for
//        integer pairs, -128 x the column sums of each block (the
//        correction of the u8 offset of A);
//     3. for every (panel, row tile): a register-blocked micro-kernel that
//        keeps the mr x nr f32 tile in registers across all K blocks;
//        per block it starts mr x nr/lanes i32 (or f32) accumulators
//        (vectors of 16 lanes, 4 on AArch64, 8 on x86-64-avx2: 6 x 32,
//        6 x 8 or 6 x 16 tiles), issues one mx.dot_i8 (vpdpbusd),
//        mx.dot_bf16 (vdpbf16ps, x86) or f32 fma per word and accumulator,
//        and adds the block with one fma by the product of the two scales.
//        On x86-64-avx2 the integer words are pairs of s16 multiples, one
//        mx.dot_i16 (vpmaddwd) each: no u8 offset, no corrections.
//   Tiles at the bottom and right edges use the same kernel with fewer rows
//   or vectors (all sizes are static), and partial vectors are masked.
//   An accumulator that is a linalg.fill (C = A B) is not read: the tiles
//   start from the fill value and write the filled tensor, and the fill (a
//   serial memset of C) goes away.
//   A product whose packed B panel would not stay in L2 next to A's rows
//   (a long K) is first rewritten into mx.matmul ops on K chunks of whole
//   blocks, in order (VectorMatmul::usesKChunks): the same bits.
//   A product of many row tiles with a small packed B is split by rows
//   between the workers instead (VectorMatmul::usesWorkers): one parallel
//   loop over mx.worker_count, each iteration packing its row tiles of A
//   and its own copy of B and computing its rows of C, so that no core
//   reads packed data another core wrote. When the K chunks of a product
//   split their rows that way, the chunks run in order inside the one
//   worker loop (one fork and join per call, not one per chunk).
//   On AArch64, integer pairs, and floating-point pairs of an unordered op,
//   use a matrix multiply-accumulate kernel instead (VectorMatmul::mmla: A's
//   rows and B's columns packed alike as 8-byte K groups of s8 or bf16
//   values; 4 x 8 tiles of mx.mmla_i8 (smmla) or mx.mmla_bf16 (bfmmla)).
//   bf16 x bf16 goes through the same phases with no scales (K in blocks
//   of kBF16Block), accumulating into the C tile itself and stopping at K
//   exactly (the documented order): on x86 and generic each value is
//   widened to its f32 bits as a word and summed with one fma per K
//   position (VectorMatmul::widenBF16); on AArch64 the words are bf16
//   pairs, one mx.dot_bf16 (bfmlalt/bfmlalb) per pair, and with
//   `unordered` the mmla kernel with mx.mmla_bf16. Unordered on x86 with
//   the option dot-bf16 (MxToVector.h), the words are bf16 pairs and
//   mx.dot_bf16 is vdpbf16ps, which flushes subnormals (within the op's
//   bound); a last panel of at most 8 columns sums 4 or 2 pairs per
//   vdpbf16ps in lanes of their own (emitBlockNarrow). Word kernels on
//   bf16 pairs read A's pairs from A itself (no packing). (The bf16
//   reference lowering is MatmulLowering.cpp's.)
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/IndexMath.h"
#include "mx/Conversion/MxConstantOperand.h"
#include "mx/Conversion/MxElementMath.h"
#include "mx/Conversion/MxToStandard.h"
#include "mx/Conversion/MxToVector.h"
#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <tuple>

using namespace mlir;
using namespace mlir::mx;

namespace {

//===----------------------------------------------------------------------===//
// Shared numerics
//===----------------------------------------------------------------------===//

/// Formats whose block dot products are exact in integers.
bool isIntegerFormat(Format format) {
  return format == Format::int8 || format == Format::e2m1 ||
         format == Format::e2m3;
}

/// `sh` of the op description: element value * 2^sh is an integer.
int64_t integerShift(Format format) {
  switch (format) {
  case Format::int8:
    return 6;
  case Format::e2m1:
    return 1;
  case Format::e2m3:
    return 3;
  default:
    return 0;
  }
}

/// The exact value of an element code (NaN and Inf included), for tables.
double codeValue(Format format, int64_t code) {
  const FormatInfo &info = getFormatInfo(format);
  if (format == Format::int8)
    return static_cast<int8_t>(code) / 64.0;
  int64_t magnitude = code & ((1 << (info.bits - 1)) - 1);
  bool negative = (code >> (info.bits - 1)) & 1;
  int64_t exponent = magnitude >> info.mantissaBits;
  int64_t mantissa = magnitude & ((1 << info.mantissaBits) - 1);
  double value;
  if (format == Format::e4m3 && magnitude == 0x7F)
    value = NAN;
  else if (format == Format::e5m2 && exponent == 31)
    value = mantissa == 0 ? INFINITY : NAN;
  else
    value = std::ldexp(
        exponent == 0 ? mantissa : mantissa + (1 << info.mantissaBits),
        std::max<int64_t>(exponent, 1) - (1 - info.emin) - info.mantissaBits);
  return negative ? -value : value;
}

/// The element type of `like` (a scalar or a vector type) replaced by `t`.
Type withElement(Type like, Type t) {
  if (auto vector = dyn_cast<VectorType>(like))
    return vector.clone(t);
  return t;
}

/// f32-like `2^(byte - 127 - shift)` for an i8-like E8M0 scale byte: exact
/// for every byte (the smallest, 2^-133, is an f32 subnormal); NaN for 0xFF.
Value emitScaleValue(OpBuilder &b, Location loc, Value byte, int64_t shift) {
  Type i32 = withElement(byte.getType(), b.getI32Type());
  auto c = [&](int64_t v) { return emitSplat(b, loc, i32, v); };
  Value e = arith::ExtUIOp::create(b, loc, i32, byte);
  Value exponent = arith::SubIOp::create(b, loc, e, c(127 + shift));
  Value normal = arith::ShLIOp::create(
      b, loc, arith::AddIOp::create(b, loc, exponent, c(127)), c(23));
  // exponent >= -133, so the shift below is in [16, 31] where it is used.
  Value subnormalShift = arith::MinSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, exponent, c(149)), c(31));
  Value subnormal = arith::ShLIOp::create(b, loc, c(1), subnormalShift);
  Value isNormal = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                         exponent, c(-126));
  Value bits = arith::SelectOp::create(b, loc, isNormal, normal, subnormal);
  Value isNaN =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e, c(255));
  bits = arith::SelectOp::create(b, loc, isNaN, c(0x7FC00000), bits);
  return arith::BitcastOp::create(b, loc, withElement(i32, b.getF32Type()),
                                  bits);
}

/// `width` E8M0 bytes of a scales tensor along its last dimension from
/// `indices`, as i8; past the tensor's end (when not `inBounds`) 127, the
/// scale 2^0.
Value readScaleBytes(OpBuilder &b, Location loc, Value scales,
                     ValueRange indices, int64_t width, bool inBounds) {
  Type e8m0 = cast<RankedTensorType>(scales.getType()).getElementType();
  Value pad = arith::ConstantOp::create(b, loc, b.getFloatAttr(e8m0, 1.0));
  Value bytes = vector::TransferReadOp::create(
      b, loc, VectorType::get({width}, e8m0), scales, indices, pad,
      ArrayRef<bool>{inBounds});
  return arith::BitcastOp::create(
      b, loc, VectorType::get({width}, b.getI8Type()), bytes);
}

/// Integer multiple (i32-like) of an i8-like code of an integer format.
Value emitIntegerMultiple(OpBuilder &b, Location loc, Value code,
                          Format format) {
  Type i32 = withElement(code.getType(), b.getI32Type());
  if (format == Format::int8)
    return arith::ExtSIOp::create(b, loc, i32, code);
  Value value = emitDecodeElement(b, loc, code, format);
  value = arith::MulFOp::create(
      b, loc, value,
      emitSplatF32(b, loc, value.getType(),
                   static_cast<float>(1 << integerShift(format))));
  return arith::FPToSIOp::create(b, loc, i32, value);
}

/// bf16 x bf16: K is packed in blocks of this many values (the last one
/// padded with zeros). There are no scales: the tile accumulates across
/// blocks directly, and the ordered kernel stops at K exactly.
constexpr int64_t kBF16Block = 32;

/// `type` with `extent` positions along its blocked axis (a K chunk).
MxTensorType withBlockedExtent(MxTensorType type, int64_t extent) {
  if (!type)
    return type;
  SmallVector<int64_t> shape(type.getShape());
  shape[type.getAxis()] = extent;
  return MxTensorType::get(type.getContext(), shape, type.getFormat(),
                           type.getAxis(), type.getBlockSize());
}

/// Operand facts shared by both lowerings.
struct MatmulShape {
  MLIRContext *ctx;
  bool blockScaled;          // MX x MX (false: bf16 x bf16)
  MxTensorType aType, bType; // MX only
  bool ta, tb;
  int64_t m, n, k, block, blocks;
  bool integer = false; // integer pair: exact i32 block dots
  int64_t shiftA = 0, shiftB = 0;

  explicit MatmulShape(MatmulOp op)
      : ctx(op.getContext()), blockScaled(op.isBlockScaled()),
        ta(op.getTransposeA()), tb(op.getTransposeB()) {
    if (!blockScaled) {
      auto aType = cast<RankedTensorType>(op.getA().getType());
      m = aType.getDimSize(0);
      k = aType.getDimSize(1);
      n = cast<RankedTensorType>(op.getB().getType()).getDimSize(1);
      block = kBF16Block;
      blocks = llvm::divideCeil(k, block);
      return;
    }
    aType = cast<MxTensorType>(op.getA().getType());
    bType = cast<MxTensorType>(op.getB().getType());
    m = aType.getShape()[ta ? 1 : 0];
    k = aType.getShape()[ta ? 0 : 1];
    n = bType.getShape()[tb ? 0 : 1];
    block = aType.getBlockSize();
    blocks = k / block;
    integer = isIntegerFormat(aType.getFormat()) &&
              isIntegerFormat(bType.getFormat());
    shiftA = integer ? integerShift(aType.getFormat()) : 0;
    shiftB = integer ? integerShift(bType.getFormat()) : 0;
  }
};

/// The code (i8, in the low bits) of the element at position `kIndex` along
/// the blocked axis and `other` along the other axis of a 2-D MX tensor
/// whose packed elements are `packed`.
Value extractCode(OpBuilder &b, Location loc, Value packed, MxTensorType type,
                  Value kIndex, Value other) {
  unsigned bits = type.getElementBits();
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto at = [&](Value byteIndex) -> Value {
    SmallVector<Value> indices = type.getAxis() == 0
                                     ? SmallVector<Value>{byteIndex, other}
                                     : SmallVector<Value>{other, byteIndex};
    return tensor::ExtractOp::create(b, loc, packed, indices);
  };
  if (bits == 8)
    return at(kIndex);
  auto c32 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, i32, v);
  };
  auto toI32 = [&](Value index) {
    return arith::IndexCastOp::create(b, loc, i32, index);
  };
  if (bits == 4) {
    Value byte = arith::ExtUIOp::create(
        b, loc, i32,
        at(arith::DivUIOp::create(b, loc, kIndex, index(b, loc, 2))));
    Value shift = arith::MulIOp::create(
        b, loc, toI32(arith::RemUIOp::create(b, loc, kIndex, index(b, loc, 2))),
        c32(4));
    Value code = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, byte, shift), c32(0xF));
    return arith::TruncIOp::create(b, loc, i8, code);
  }
  // FP6: four codes in a little-endian 24-bit word of three bytes.
  Value group = arith::DivUIOp::create(b, loc, kIndex, index(b, loc, 4));
  Value first = mulIndex(b, loc, group, 3);
  Value word;
  for (int64_t j = 0; j < 3; ++j) {
    Value byte =
        arith::ExtUIOp::create(b, loc, i32, at(addIndex(b, loc, first, j)));
    byte = arith::ShLIOp::create(b, loc, byte, c32(8 * j));
    word = word ? arith::OrIOp::create(b, loc, word, byte).getResult() : byte;
  }
  Value shift = arith::MulIOp::create(
      b, loc, toI32(arith::RemUIOp::create(b, loc, kIndex, index(b, loc, 4))),
      c32(6));
  Value code = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, word, shift), c32(0x3F));
  return arith::TruncIOp::create(b, loc, i8, code);
}

//===----------------------------------------------------------------------===//
// Reference lowering (linalg)
//===----------------------------------------------------------------------===//

using utils::IteratorType;

/// An all-parallel linalg.generic with no inputs producing a tensor of
/// `shape` x `element` whose body computes the element from the indices.
Value generateTensor(
    OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type element,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  Value init = tensor::EmptyOp::create(b, loc, shape, element);
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(shape.size(), ctx);
  SmallVector<IteratorType> iterators(shape.size(), IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{}, ValueRange{init},
             ArrayRef<AffineMap>{identity}, iterators,
             [&](OpBuilder &nb, Location l, ValueRange) {
               SmallVector<Value> indices;
               for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
                 indices.push_back(linalg::IndexOp::create(nb, l, d));
               linalg::YieldOp::create(nb, l, body(nb, l, indices));
             })
      .getResult(0);
}

struct MxMatmulToLinalg : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.isBlockScaled())
      return rewriter.notifyMatchFailure(op, "bf16 operands");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    MatmulShape s(op);
    Type i32 = rewriter.getI32Type(), f32 = rewriter.getF32Type();
    Type element = s.integer ? i32 : f32;

    auto aParts =
        DisassembleOp::create(rewriter, loc, s.aType.getPackedTensorType(),
                              s.aType.getScalesTensorType(), op.getA());
    auto bParts =
        DisassembleOp::create(rewriter, loc, s.bType.getPackedTensorType(),
                              s.bType.getScalesTensorType(), op.getB());

    // Decoded elements in the logical (M, K) and (K, N) orientation.
    auto decode = [&](OpBuilder &b, Location l, Value code, Format format) {
      return s.integer ? emitIntegerMultiple(b, l, code, format)
                       : emitDecodeElement(b, l, code, format);
    };
    Value decA =
        generateTensor(rewriter, loc, {s.m, s.k}, element,
                       [&](OpBuilder &b, Location l, ValueRange idx) {
                         Value code = extractCode(b, l, aParts.getElements(),
                                                  s.aType, idx[1], idx[0]);
                         return decode(b, l, code, s.aType.getFormat());
                       });
    Value decB =
        generateTensor(rewriter, loc, {s.k, s.n}, element,
                       [&](OpBuilder &b, Location l, ValueRange idx) {
                         Value code = extractCode(b, l, bParts.getElements(),
                                                  s.bType, idx[0], idx[1]);
                         return decode(b, l, code, s.bType.getFormat());
                       });
    // Scales as f32 factors 2^(e - sh), (M, blocks) and (blocks, N).
    auto scale = [&](OpBuilder &b, Location l, Value scales, bool kFirst,
                     Value row, Value col, int64_t shift) {
      SmallVector<Value> indices =
          kFirst ? SmallVector<Value>{row, col} : SmallVector<Value>{col, row};
      Value byte = tensor::ExtractOp::create(b, l, scales, indices);
      byte = arith::BitcastOp::create(b, l, b.getI8Type(), byte);
      return emitScaleValue(b, l, byte, shift);
    };
    Value scaleA =
        generateTensor(rewriter, loc, {s.m, s.blocks}, f32,
                       [&](OpBuilder &b, Location l, ValueRange idx) {
                         // Stored (M, blocks), or (blocks, M) with transpose_a.
                         return scale(b, l, aParts.getScales(), !s.ta, idx[0],
                                      idx[1], s.shiftA);
                       });
    Value scaleB =
        generateTensor(rewriter, loc, {s.blocks, s.n}, f32,
                       [&](OpBuilder &b, Location l, ValueRange idx) {
                         // Stored (blocks, N), or (N, blocks) with transpose_b.
                         return scale(b, l, bParts.getScales(), !s.tb, idx[0],
                                      idx[1], s.shiftB);
                       });

    // Block dot products d[m][n][j].
    Value zero =
        arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element));
    Value dInit = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{s.m, s.n, s.blocks}, element);
    dInit = linalg::FillOp::create(rewriter, loc, zero, dInit).getResult(0);
    AffineExpr dm, dn, dj, di;
    bindDims(ctx, dm, dn, dj, di);
    auto map4 = [&](ArrayRef<AffineExpr> results) {
      return AffineMap::get(4, 0, results, ctx);
    };
    SmallVector<IteratorType> dotIterators = {
        IteratorType::parallel, IteratorType::parallel, IteratorType::parallel,
        IteratorType::reduction};
    auto product = [&](OpBuilder &b, Location l, Value x, Value y) -> Value {
      if (s.integer)
        return arith::MulIOp::create(b, l, x, y);
      return arith::MulFOp::create(b, l, x, y);
    };
    auto add = [&](OpBuilder &b, Location l, Value x, Value y) -> Value {
      if (s.integer)
        return arith::AddIOp::create(b, l, x, y);
      return arith::AddFOp::create(b, l, x, y);
    };
    // Elements of the block as (M, blocks, B) and (blocks, B, N) views.
    Value a3 = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({s.m, s.blocks, s.block}, element),
        decA, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
    Value b3 = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({s.blocks, s.block, s.n}, element),
        decB, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
    // Every other element of the block starting at `offset` (count `count`).
    auto strided = [&](Value t, int64_t dim, int64_t offset, int64_t count,
                       int64_t stride) -> Value {
      auto type = cast<RankedTensorType>(t.getType());
      SmallVector<OpFoldResult> offsets(3, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes, strides(3, rewriter.getIndexAttr(1));
      for (int64_t d = 0; d < 3; ++d)
        sizes.push_back(rewriter.getIndexAttr(type.getDimSize(d)));
      offsets[dim] = rewriter.getIndexAttr(offset);
      sizes[dim] = rewriter.getIndexAttr(count);
      strides[dim] = rewriter.getIndexAttr(stride);
      return tensor::ExtractSliceOp::create(rewriter, loc, t, offsets, sizes,
                                            strides);
    };
    SmallVector<AffineMap> dotMaps = {map4({dm, dj, di}), map4({dj, di, dn}),
                                      map4({dm, dn, dj})};
    Value d = dInit;
    if (s.integer) {
      // Exact: any summation order gives the same integer.
      d = linalg::GenericOp::create(
              rewriter, loc, d.getType(), ValueRange{a3, b3}, ValueRange{d},
              dotMaps, dotIterators,
              [&](OpBuilder &b, Location l, ValueRange args) {
                linalg::YieldOp::create(
                    b, l, add(b, l, args[2], product(b, l, args[0], args[1])));
              })
              .getResult(0);
    } else {
      // mx.dot_bf16 order: pairs upward, the odd element first.
      int64_t pairs = s.block / 2;
      if (pairs > 0) {
        SmallVector<AffineMap> pairMaps = {dotMaps[0], dotMaps[0], dotMaps[1],
                                           dotMaps[1], dotMaps[2]};
        d = linalg::GenericOp::create(
                rewriter, loc, d.getType(),
                ValueRange{
                    strided(a3, 2, 1, pairs, 2), strided(a3, 2, 0, pairs, 2),
                    strided(b3, 1, 1, pairs, 2), strided(b3, 1, 0, pairs, 2)},
                ValueRange{d}, pairMaps, dotIterators,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value c = add(b, l, args[4], product(b, l, args[0], args[2]));
                  c = add(b, l, c, product(b, l, args[1], args[3]));
                  linalg::YieldOp::create(b, l, c);
                })
                .getResult(0);
      }
      if (s.block % 2 == 1)
        d = linalg::GenericOp::create(
                rewriter, loc, d.getType(),
                ValueRange{strided(a3, 2, s.block - 1, 1, 1),
                           strided(b3, 1, s.block - 1, 1, 1)},
                ValueRange{d}, dotMaps, dotIterators,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  linalg::YieldOp::create(
                      b, l,
                      add(b, l, args[2], product(b, l, args[0], args[1])));
                })
                .getResult(0);
    }

    // c = fma(d, sA * sB, c) over the blocks in ascending order.
    AffineExpr m, n, j;
    bindDims(ctx, m, n, j);
    auto map3 = [&](ArrayRef<AffineExpr> results) {
      return AffineMap::get(3, 0, results, ctx);
    };
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, op.getAcc().getType(), ValueRange{d, scaleA, scaleB},
            ValueRange{op.getAcc()},
            ArrayRef<AffineMap>{map3({m, n, j}), map3({m, j}), map3({j, n}),
                                map3({m, n})},
            ArrayRef<IteratorType>{IteratorType::parallel,
                                   IteratorType::parallel,
                                   IteratorType::reduction},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value dot = args[0];
              if (s.integer)
                dot = arith::SIToFPOp::create(b, l, f32, dot);
              Value factor = arith::MulFOp::create(b, l, args[1], args[2]);
              Value sum = math::FmaOp::create(b, l, dot, factor, args[3]);
              linalg::YieldOp::create(b, l, sum);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Vector lowering
//===----------------------------------------------------------------------===//

/// Register tile of the micro-kernel: kMR rows x kVecs vectors of lanes
/// columns (kMR * kVecs i32 or f32 block accumulators plus as many f32
/// tile accumulators: 24 of the 32 AVX-512 registers with kLanes = 16, and
/// of the 32 NEON registers with kNeonLanes = 4 on AArch64).
constexpr int64_t kLanes = 16;
constexpr int64_t kNeonLanes = 4;
constexpr int64_t kMR = 6;
/// x86-64-avx2: 8 lanes (256 bits) and 16 registers, so 6 x 16 tiles. In
/// MX kernels the 12 block accumulators, 2 B vectors and A's broadcast take
/// 15 registers and the 12 tile accumulators wait on the stack during a
/// block (12 loads and stores per block): 12 independent chains of fma
/// (4-cycle latency on 2 pipes needs 8) and 8 loads per 12 dots, where 3 x
/// 16 tiles (6 + 6 accumulators in registers) had 6 chains and 5 loads per
/// 6 dots. On an AVX2 EPYC, MXINT8 and MXFP4 0.96-1.36x the speed of 3 x 16
/// tiles (1.13x MXINT8 at 1024^3, 1.28x MXFP4 at 256x2304x196), MXFP8
/// about 1.03x. Widened bf16 keeps its 12 tile accumulators in registers.
constexpr int64_t kAvx2Lanes = 8;
constexpr int64_t kAvx2MR = 6;
/// Rows of the tile of widened bf16 (x86, generic): no block accumulators,
/// so 12 x 2 f32 tile accumulators fit (26 of the 32 AVX-512 registers
/// with B); 1.10x the 6-row tile at 1024^3 on one thread.
constexpr int64_t kWideMR = 12;
/// A product whose packed B panel would exceed kSplitPanelBytes is computed
/// as mx.matmul ops on K chunks of kChunkK positions (rounded down to whole
/// blocks), each accumulating into the previous one's result: a chunk's
/// panel (widened bf16 and floating-point MX pairs: 128 KiB, integer MX
/// pairs: 32 KiB) stays in L2 next to A's rows. At 4096^3 on one thread:
/// widened bf16 1.9x, MXINT8 1.14x; MXINT8 at K = 2048 and 2304 (64 and
/// 72 KiB panels) gains nothing or loses (0.96x at 256x2304x196).
constexpr int64_t kChunkK = 1024;
constexpr int64_t kSplitPanelBytes = 96 << 10;
constexpr int64_t kVecs = 2;
/// Register tile of the AArch64 smmla/bfmmla micro-kernel: 2 x 4 tiles of
/// 2 x 2 i32 or f32 block accumulators plus as many f32 tile accumulators
/// and 6 operand registers, 22 of the 32 NEON registers. The x86 kernel's
/// 6 x 32 tile, sized for 512-bit registers, needs 96 NEON registers.
constexpr int64_t kMmlaRows = 4;
constexpr int64_t kMmlaCols = 8;
/// Packed A kept in L2 while the compute loop sweeps the panels.
constexpr int64_t kChunkBytes = 512 << 10;
/// Packed B kept in L2 while the tiles of a chunk sweep it, when C is
/// larger than kCachedCBytes (a C in cache is read down the panels).
constexpr int64_t kPanelGroupBytes = 512 << 10;
constexpr int64_t kCachedCBytes = 2 << 20;
/// A product of at least kWorkerTiles row tiles whose packed B takes at most
/// kWorkerCopyBytes (a private copy per core stays in L2) and whose C stays in
/// cache (kCachedCBytes: the workers sweep their tiles down each panel; at
/// 1024^3, with a 4 MiB C, the split was 0.9-1.0x) is split by rows
/// between the workers (mx.worker_count): each packs its rows of A and its
/// own copy of B and computes its rows of C, in one parallel loop. In the
/// three-phase scheme every core reads packed data another core has just
/// written, and at 256x2304x196 each thread's share of each phase took
/// 13-70% longer on two threads than on one.
constexpr int64_t kWorkerTiles = 16;
constexpr int64_t kWorkerCopyBytes = 1 << 20;
/// A product of fewer row tiles (or whose B is too large for a copy per
/// worker) but of at least kWorkerPanels panels, whose packed A takes at
/// most kWorkerCopyBytes and whose C stays in cache, is split by panels
/// between the workers: each packs its own copy of A and its panels of B
/// (its part of one shared buffer) and computes its columns of C, in one
/// parallel loop where the shared phases took four (pack A, pack B, the
/// full tiles, the last row tile), each a fork and a join. ResNet-50's
/// 64x576x3136 MXINT8 on two threads: 205-212 -> 189 us, on one the same.
constexpr int64_t kWorkerPanels = 16;

Value shuffle(OpBuilder &b, Location loc, Value x, Value y,
              ArrayRef<int64_t> mask) {
  return vector::ShuffleOp::create(b, loc, x, y, mask);
}

Value splatI8(OpBuilder &b, Location loc, Type like, int64_t v) {
  return emitSplat(b, loc, like, v);
}

/// Interleaves `planes` (2 or 4 vectors of L lanes): result lane
/// `count * i + j` is lane i of plane j.
Value interleavePlanes(OpBuilder &b, Location loc, ArrayRef<Value> planes) {
  auto type = cast<VectorType>(planes[0].getType());
  int64_t lanes = type.getNumElements();
  auto zip = [&](Value x, Value y) {
    int64_t n = cast<VectorType>(x.getType()).getNumElements();
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < n; ++i)
      mask.append({i, n + i});
    return shuffle(b, loc, x, y, mask);
  };
  if (planes.size() == 2)
    return zip(planes[0], planes[1]);
  // Four planes: zip (0, 1) and (2, 3) as byte pairs, then zip the pairs as
  // 2-element units.
  Value low = zip(planes[0], planes[1]), high = zip(planes[2], planes[3]);
  SmallVector<int64_t> mask;
  for (int64_t i = 0; i < lanes; ++i)
    mask.append({2 * i, 2 * i + 1, 2 * lanes + 2 * i, 2 * lanes + 2 * i + 1});
  return shuffle(b, loc, low, high, mask);
}

/// Plane j of `vector`: lanes j, j + count, j + 2 count, ...
Value deinterleavePlanes(OpBuilder &b, Location loc, Value vector,
                         int64_t count, int64_t j) {
  int64_t n = cast<VectorType>(vector.getType()).getNumElements() / count;
  SmallVector<int64_t> mask;
  for (int64_t i = 0; i < n; ++i)
    mask.push_back(count * i + j);
  return shuffle(b, loc, vector, vector, mask);
}

/// `values` (a 1-D vector) extended to `lanes` lanes with lane 0 of
/// `padding` (a vector of the same type).
Value padLanes(OpBuilder &b, Location loc, Value values, int64_t lanes,
               Value padding) {
  int64_t count = cast<VectorType>(values.getType()).getNumElements();
  if (lanes == count)
    return values;
  SmallVector<int64_t> mask;
  for (int64_t i = 0; i < lanes; ++i)
    mask.push_back(i < count ? i : count);
  return shuffle(b, loc, values, padding, mask);
}

/// A zero of `type` (integer, float or vector).
Value zeroOf(OpBuilder &b, Location loc, Type type) {
  return arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
}

/// The transpose of `rows` (a power of two of vectors of `width` lanes):
/// lane rows.size() r + j of the result is lane r of `rows[j]`.
Value transposeToLines(OpBuilder &b, Location loc, ArrayRef<Value> rows) {
  // Concatenate pairwise (rows[j] at lanes width j..), then permute.
  SmallVector<Value> parts(rows);
  while (parts.size() > 1) {
    SmallVector<Value> joined;
    for (size_t i = 0; i < parts.size(); i += 2) {
      int64_t n = cast<VectorType>(parts[i].getType()).getNumElements();
      SmallVector<int64_t> mask;
      for (int64_t l = 0; l < 2 * n; ++l)
        mask.push_back(l);
      joined.push_back(shuffle(b, loc, parts[i], parts[i + 1], mask));
    }
    parts = joined;
  }
  int64_t width = cast<VectorType>(rows[0].getType()).getNumElements();
  int64_t count = rows.size();
  SmallVector<int64_t> mask;
  for (int64_t r = 0; r < width; ++r)
    for (int64_t j = 0; j < count; ++j)
      mask.push_back(j * width + r);
  return shuffle(b, loc, parts[0], parts[0], mask);
}

/// Codes (vector<B x i8>) of one block from its storage bytes, contiguous
/// along the blocked axis.
Value unpackContiguous(OpBuilder &b, Location loc, Value bytes, unsigned bits) {
  if (bits == 8)
    return bytes;
  Type t = bytes.getType();
  if (bits == 4) {
    Value low = arith::AndIOp::create(b, loc, bytes, splatI8(b, loc, t, 0xF));
    Value high = arith::ShRUIOp::create(b, loc, bytes, splatI8(b, loc, t, 4));
    return interleavePlanes(b, loc, {low, high});
  }
  Value b0 = deinterleavePlanes(b, loc, bytes, 3, 0);
  Value b1 = deinterleavePlanes(b, loc, bytes, 3, 1);
  Value b2 = deinterleavePlanes(b, loc, bytes, 3, 2);
  SmallVector<Value> fields;
  for (int64_t j = 0; j < 4; ++j)
    fields.push_back(emitFP6Field(b, loc, b0, b1, b2, j));
  return interleavePlanes(b, loc, fields);
}

/// Integer multiples (vector<L x i8>) of codes of an integer format.
Value decodeIntegerVector(OpBuilder &b, Location loc, Value codes,
                          Format format) {
  if (format == Format::int8)
    return codes;
  auto type = cast<VectorType>(codes.getType());
  auto table = [&](int64_t first) {
    SmallVector<int8_t> entries;
    for (int64_t c = first; c < first + 16; ++c)
      entries.push_back(static_cast<int8_t>(
          std::lround(codeValue(format, c) * (1 << integerShift(format)))));
    auto tableType = VectorType::get({16}, b.getI8Type());
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(tableType, ArrayRef<int8_t>(entries)));
  };
  if (format == Format::e2m1)
    return LookupOp::create(b, loc, type, table(0), codes);
  // E2M3: two 16-entry magnitude tables and the sign.
  auto c = [&](int64_t v) { return splatI8(b, loc, type, v); };
  Value low = LookupOp::create(b, loc, type, table(0), codes);
  Value high = LookupOp::create(b, loc, type, table(16), codes);
  Value zero = c(0);
  Value isHigh =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                            arith::AndIOp::create(b, loc, codes, c(16)), zero);
  Value magnitude = arith::SelectOp::create(b, loc, isHigh, high, low);
  Value isNegative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                            arith::AndIOp::create(b, loc, codes, c(32)), zero);
  return arith::SelectOp::create(b, loc, isNegative,
                                 arith::SubIOp::create(b, loc, zero, magnitude),
                                 magnitude);
}

/// Everything the vector lowering of one op needs.
/// Row tiles [first, first + count) of a product: one worker's share.
struct TileRange {
  Value first, count;
};

struct VectorMatmul {
  MatmulShape s;
  VectorTarget target;
  bool neon; // AArch64: 4-lane vectors, and the mmla kernel where it applies
  bool avx2; // x86-64-avx2: 8-lane vectors, 16 registers
  /// AArch64, integer pairs (smmla) or unordered floating-point and bf16
  /// pairs (bfmmla): the mmla kernel and its packing (below).
  bool mmla;
  /// bf16 x bf16 off AArch64, unless unordered on x86 with `dot-bf16`: each
  /// value widened to its f32 bits, one per word, and summed with fma (else:
  /// pairs for mx.dot_bf16).
  bool widenBF16;
  /// Floating-point MX pairs on x86 with `dot-bf16` (where vdpbf16ps issues
  /// at the vfmadd rate): element values as bf16 pairs, one mx.dot_bf16
  /// (vdpbf16ps) per pair instead of one fma per value. The same bits:
  /// every element value is a normal bf16 and every product and block sum
  /// is a multiple of 2^-32 (E5M2's 2^-16 squared), so none of them is an
  /// f32 subnormal that vdpbf16ps would flush.
  bool floatPairs;
  /// Integer pairs on x86-64-avx2 (no VNNI): the integer multiples widened
  /// to i16, two per word, one mx.dot_i16 (vpmaddwd) per word: signed x
  /// signed, so no u8 offset and no column corrections.
  bool i16Pairs;
  /// bf16 pairs of A stored M x K: the kernel reads them from A itself (a
  /// pair is 4 contiguous bytes of a row), so A needs no packing.
  bool aInPlace;
  int64_t lanes;      // lanes per vector of the word kernel
  int64_t mr, nr;     // register tile: rows of A, columns of B
  int64_t perWord;    // K values per word: 4 (i8), 1 (f32), 2 (i16 or bf16)
  int64_t words;      // words per block
  int64_t perGroup;   // mmla: K values per 8-byte group (8 s8 or 4 bf16)
  int64_t groups;     // mmla: K groups per block
  int64_t tiles;      // row tiles of mr rows
  int64_t panels;     // column panels of nr columns
  Value aElements, aScales, bElements, bScales;
  /// The value of a linalg.fill accumulator (fillAccumulator): every
  /// tile starts from it instead of reading C, which then needs no fill.
  Value accFill;
  /// Block-scaled word kernel: an i1 (emitAddScalesCheck: every scale is
  /// in [kAddScaleMin, kAddScaleMax]) under which each block's factor
  /// 2^a * 2^b is the sum of the f32 bit patterns less those of 1.0, an
  /// integer add, instead of an f32 multiply that competes with the dot
  /// products for the FMA pipes. The same bits when both factors and their
  /// product are normal f32. A tile's block loop is emitted both ways and
  /// picks one by the i1 (one of them if it is a constant; null: multiply).
  /// MXINT8 1.07-1.21x on one thread, MXFP8 within the noise (design.md).
  Value addScalesIf;

  VectorMatmul(MatmulOp op, VectorTarget target, bool dotBF16)
      : s(op), target(getFixedWidthTarget(target)),
        neon(this->target == VectorTarget::AArch64Neon),
        avx2(this->target == VectorTarget::X86Avx2),
        mmla(neon && (s.integer || op.getUnordered())),
        widenBF16(!s.blockScaled && !neon &&
                  !(this->target == VectorTarget::X86Avx512 && dotBF16 &&
                    op.getUnordered())),
        floatPairs(s.blockScaled && !s.integer &&
                   this->target == VectorTarget::X86Avx512 && dotBF16),
        i16Pairs(s.integer && avx2),
        aInPlace(!s.blockScaled && !widenBF16 && !mmla && !s.ta),
        lanes(neon   ? kNeonLanes
              : avx2 ? kAvx2Lanes
                     : kLanes),
        mr(mmla                      ? kMmlaRows
           : avx2                    ? kAvx2MR
           : !s.blockScaled && !neon ? kWideMR
                                     : kMR),
        nr(mmla ? kMmlaCols : kVecs * lanes),
        // bf16 pairs: one per word, in the mx.dot_bf16 layout.
        perWord(i16Pairs                                      ? 2
                : s.integer                                   ? 4
                : (s.blockScaled && !floatPairs) || widenBF16 ? 1
                                                              : 2),
        // Floating-point blocks are padded to whole pairs.
        words(s.integer && !i16Pairs   ? (s.block + 3) / 4
              : i16Pairs || floatPairs ? (s.block + 1) / 2
              : s.blockScaled          ? s.block + s.block % 2
              : widenBF16              ? s.block
                                       : s.block / 2),
        perGroup(s.integer ? 8 : 4),
        groups((s.block + perGroup - 1) / perGroup), tiles((s.m + mr - 1) / mr),
        panels((s.n + nr - 1) / nr) {}

  /// Bytes of packed A per row tile and of packed B per panel.
  int64_t packedTileBytes() const {
    return mmla ? s.blocks * groups * mr * 8 : s.blocks * mr * words * 4;
  }
  int64_t packedPanelBytes() const {
    return mmla ? s.blocks * groups * nr * 8 : s.blocks * nr * words * 4;
  }
  /// K positions per chunk when the product is split (usesKChunks): whole
  /// blocks, so that every chunk's bits are those of the whole product
  /// (bf16 blocks are even: pairs stay together).
  int64_t chunkK() const {
    return std::max(s.block, kChunkK / s.block * s.block);
  }
  /// The plan of the product over `kc` of its K positions (a K chunk of
  /// whole blocks): the same tiles and panels, fewer blocks.
  VectorMatmul withK(int64_t kc) const {
    VectorMatmul chunk = *this;
    chunk.s.k = kc;
    chunk.s.blocks = llvm::divideCeil(kc, s.block);
    chunk.s.aType = withBlockedExtent(s.aType, kc);
    chunk.s.bType = withBlockedExtent(s.bType, kc);
    return chunk;
  }
  /// Whether the product is first rewritten into mx.matmul ops on K chunks.
  bool usesKChunks() const {
    return !mmla && s.k > chunkK() && packedPanelBytes() > kSplitPanelBytes;
  }
  /// Whether the rows are split between the workers (kWorkerTiles).
  bool usesWorkers() const {
    return !mmla && tiles >= kWorkerTiles &&
           panels * packedPanelBytes() <= kWorkerCopyBytes &&
           s.m * s.n * 4 <= kCachedCBytes;
  }
  /// Whether the panels are split between the workers, when the rows are
  /// not (kWorkerPanels).
  bool usesPanelWorkers() const {
    return !mmla && !usesWorkers() && panels >= kWorkerPanels &&
           (aInPlace || tiles * packedTileBytes() <= kWorkerCopyBytes) &&
           s.m * s.n * 4 <= kCachedCBytes;
  }
  /// Pair words per dot of a tile `cols` wide (emitBlockNarrow): 4 for at
  /// most 4 columns, 2 for at most 8, else 1 (one word per dot, the
  /// columns across the lanes). Only bf16 pairs read in place on x86
  /// (unordered: the sums in any order).
  int64_t narrowSplit(int64_t cols) const {
    if (!aInPlace || neon)
      return 1;
    int64_t split = cols <= 4 ? 4 : cols <= 8 ? 2 : 1;
    return words % split == 0 ? split : 1;
  }

  Type i8() const { return IntegerType::get(s.ctx, 8); }
  Type i16() const { return IntegerType::get(s.ctx, 16); }
  Type i32() const { return IntegerType::get(s.ctx, 32); }
  Type f32() const { return Float32Type::get(s.ctx); }
  /// The values of the mmla packing: s8 or bf16.
  Type lineElement() const {
    return s.integer ? i8() : BFloat16Type::get(s.ctx);
  }

  /// Whether the packed values of a floating-point pair are bf16 (pairs
  /// for mx.dot_bf16 or mmla lines), not f32.
  bool bf16Values() const { return !s.integer && (floatPairs || mmla); }

  /// Packing values of codes of `format` (vector<N x i8>): i8 integer
  /// multiples (integer pairs), bf16 values (bf16Values: exact, every
  /// element value is a bf16) or i32 f32 bits, each by the target's best
  /// exact method.
  Value decode(OpBuilder &b, Location loc, Value codes, Format format) const {
    if (i16Pairs)
      return arith::ExtSIOp::create(
          b, loc, cast<VectorType>(codes.getType()).clone(i16()),
          decodeIntegerVector(b, loc, codes, format));
    if (s.integer)
      return decodeIntegerVector(b, loc, codes, format);
    if (bf16Values())
      return emitDecodeCodesBF16(b, loc, codes, format, target);
    Value values = emitDecodeCodes(b, loc, codes, format, target);
    return arith::BitcastOp::create(
        b, loc, cast<VectorType>(codes.getType()).clone(i32()), values);
  }

  /// The accumulator row `r` of the C tile `tile` (vector `type` from
  /// column `col`): the fill value, or C's values (zero past its columns).
  Value accRow(OpBuilder &b, Location loc, Value tile, int64_t r, int64_t col,
               VectorType type, bool inBounds) const {
    if (accFill)
      return vector::BroadcastOp::create(b, loc, type, accFill);
    return vector::TransferReadOp::create(
        b, loc, type, tile, ValueRange{index(b, loc, r), index(b, loc, col)},
        zeroOf(b, loc, f32()), ArrayRef<bool>{inBounds});
  }

  /// Whether integer pairs go through mx.dot_i8: A's values with a u8
  /// offset, B's panels with the column corrections of the offset.
  bool usesU8Offset() const { return s.integer && !i16Pairs; }

  /// A-side values get the u8 offset of mx.dot_i8 (xor 0x80).
  Value offsetA(OpBuilder &b, Location loc, Value values) const {
    if (!usesU8Offset())
      return values;
    return arith::XOrIOp::create(b, loc, values,
                                 splatI8(b, loc, values.getType(), 0x80));
  }

  /// Words (vector<words x i32>) of one block's values (vector<B x
  /// i8/i32/bf16>), padded with `pad` (zero for bf16 values).
  Value blockWords(OpBuilder &b, Location loc, Value values,
                   int64_t pad) const {
    if (s.blockScaled)
      values =
          padLanes(b, loc, values, words * perWord,
                   bf16Values() ? zeroOf(b, loc, values.getType())
                                : emitSplat(b, loc, values.getType(), pad));
    if (widenBF16)
      return widenedBits(b, loc, values);
    return vector::BitCastOp::create(b, loc, VectorType::get({words}, i32()),
                                     values);
  }

  /// The f32 bits (vector<N x i32>) of bf16 values (vector<N x bf16>):
  /// integer shifts, so every bit pattern (NaN payloads too) is kept.
  Value widenedBits(OpBuilder &b, Location loc, Value values) const {
    auto type = cast<VectorType>(values.getType());
    Value bits = arith::BitcastOp::create(
        b, loc, type.clone(IntegerType::get(s.ctx, 16)), values);
    bits = arith::ExtUIOp::create(b, loc, type.clone(i32()), bits);
    return arith::ShLIOp::create(b, loc, bits,
                                 emitSplat(b, loc, bits.getType(), 16));
  }

  /// Codes (vector<lanes x i8>) of block position `i` (static) of block
  /// `kb` for `lanes` consecutive indices from `first` along the other axis
  /// of an MX tensor blocked along axis 0; lanes past the end read code 0.
  Value codesAcross(OpBuilder &b, Location loc, Value elements,
                    MxTensorType type, Value kb, int64_t i, Value first,
                    int64_t lanes, bool masked) const {
    unsigned bits = type.getElementBits();
    int64_t blockBytes = s.block * bits / 8;
    Value base = mulIndex(b, loc, kb, blockBytes);
    Value zero = arith::ConstantIntOp::create(b, loc, i8(), 0);
    auto row = [&](int64_t offset) -> Value {
      return vector::TransferReadOp::create(
          b, loc, VectorType::get({lanes}, i8()), elements,
          ValueRange{addIndex(b, loc, base, offset), first}, zero,
          ArrayRef<bool>{!masked});
    };
    if (bits == 8)
      return row(i);
    if (bits == 4) {
      Value byte = row(i / 2);
      Type t = byte.getType();
      if (i % 2 == 0)
        return arith::AndIOp::create(b, loc, byte, splatI8(b, loc, t, 0xF));
      return arith::ShRUIOp::create(b, loc, byte, splatI8(b, loc, t, 4));
    }
    int64_t group = i / 4;
    return emitFP6Field(b, loc, row(3 * group), row(3 * group + 1),
                    row(3 * group + 2), i % 4);
  }

  /// Packing values (`decode`) of block `kb` of the line `line` of an MX
  /// tensor blocked along axis 1 (contiguous along K): vector<B x ...>.
  Value valuesContiguous(OpBuilder &b, Location loc, Value elements,
                         MxTensorType type, Value line, Value kb) const {
    unsigned bits = type.getElementBits();
    int64_t blockBytes = s.block * bits / 8;
    Value zero = arith::ConstantIntOp::create(b, loc, i8(), 0);
    Value bytes = vector::TransferReadOp::create(
        b, loc, VectorType::get({blockBytes}, i8()), elements,
        ValueRange{line, mulIndex(b, loc, kb, blockBytes)}, zero,
        ArrayRef<bool>{true});
    return decode(b, loc, unpackContiguous(b, loc, bytes, bits),
                  type.getFormat());
  }

  /// The words of word row `g` of block `kb` across `lanes` lines from
  /// `first`, for a tensor blocked along axis 0: vector<lanes x i32>.
  Value wordsAcross(OpBuilder &b, Location loc, Value elements,
                    MxTensorType type, Value kb, int64_t g, Value first,
                    int64_t lanes, bool isA, bool masked) const {
    SmallVector<Value> planes;
    for (int64_t j = 0; j < perWord; ++j) {
      int64_t i = g * perWord + j;
      Value values;
      if (i < s.block) {
        values = decode(
            b, loc,
            codesAcross(b, loc, elements, type, kb, i, first, lanes, masked),
            type.getFormat());
      } else {
        Type t = i16Pairs       ? i16()
                 : s.integer    ? i8()
                 : bf16Values() ? lineElement()
                                : i32();
        values = zeroOf(b, loc, VectorType::get({lanes}, t));
      }
      planes.push_back(isA ? offsetA(b, loc, values) : values);
    }
    if (planes.size() == 1)
      return planes[0];
    return vector::BitCastOp::create(b, loc, VectorType::get({lanes}, i32()),
                                     interleavePlanes(b, loc, planes));
  }

  /// mmla packing values of block `kb` of the line `line` of an operand
  /// stored lines x K (vector<B x s8/bf16>; bf16 zero past K).
  Value lineValuesContiguous(OpBuilder &b, Location loc, Value elements,
                             MxTensorType type, Value line, Value kb) const {
    if (s.blockScaled)
      return valuesContiguous(b, loc, elements, type, line, kb);
    return vector::TransferReadOp::create(
        b, loc, VectorType::get({s.block}, lineElement()), elements,
        ValueRange{line, mulIndex(b, loc, kb, s.block)},
        zeroOf(b, loc, lineElement()), ArrayRef<bool>{s.k % s.block == 0});
  }

  /// Packing values (mmla lines, or bf16 pairs) of K position `i` (static,
  /// within the K size) of block `kb` for `lanes` lines from `first` of an
  /// operand stored K x lines (vector<lanes x s8/bf16>); lanes past the
  /// last line are zero.
  Value lineValuesAcross(OpBuilder &b, Location loc, Value elements,
                         MxTensorType type, Value kb, int64_t i, Value first,
                         int64_t lanes, bool masked) const {
    if (s.blockScaled)
      return decode(
          b, loc,
          codesAcross(b, loc, elements, type, kb, i, first, lanes, masked),
          type.getFormat());
    Value row = addIndex(b, loc, mulIndex(b, loc, kb, s.block), i);
    return vector::TransferReadOp::create(
        b, loc, VectorType::get({lanes}, lineElement()), elements,
        ValueRange{row, first}, zeroOf(b, loc, lineElement()),
        ArrayRef<bool>{!masked});
  }

  /// An E8M0 byte of a scales tensor as an f32 factor 2^(e - shift).
  Value scaleAt(OpBuilder &b, Location loc, Value scales, ValueRange indices,
                int64_t shift) const {
    Value byte = tensor::ExtractOp::create(b, loc, scales, indices);
    byte = arith::BitcastOp::create(b, loc, i8(), byte);
    return emitScaleValue(b, loc, byte, shift);
  }

  /// For every block kb of K carrying `inits`: body(kb, valid) returns the
  /// next values, `valid` being the K positions of block kb that exist.
  /// They all do but in a bf16 operand's last block, which is emitted after
  /// the loop with kb and valid static.
  SmallVector<Value>
  forBlocks(OpBuilder &b, Location loc, ValueRange inits,
            function_ref<SmallVector<Value>(OpBuilder &, Location, Value,
                                            int64_t, ValueRange)>
                body) const;

  /// bf16: the words of pair `g` of block `kb` (K rows 2g and 2g + 1, zero
  /// from `valid` on) across `lanes` columns from `first` of B stored K x
  /// N: vector<lanes x i32>, each the mx.dot_bf16 pair (even, odd).
  Value pairWordsAcross(OpBuilder &b, Location loc, Value kb, int64_t g,
                        int64_t valid, Value first, int64_t lanes,
                        bool masked) const {
    Value even = lineValuesAcross(b, loc, bElements, MxTensorType(), kb, 2 * g,
                                  first, lanes, masked);
    Value odd = 2 * g + 1 < valid
                    ? lineValuesAcross(b, loc, bElements, MxTensorType(), kb,
                                       2 * g + 1, first, lanes, masked)
                    : zeroOf(b, loc, even.getType());
    return vector::BitCastOp::create(b, loc, VectorType::get({lanes}, i32()),
                                     interleavePlanes(b, loc, {even, odd}));
  }

  /// Types of packed A (words, scales) and B (words, scales, corrections).
  SmallVector<RankedTensorType> packedATypes() const;
  SmallVector<RankedTensorType> packedBTypes() const;
  /// Pack A into `inits` (packedATypes): all row tiles in parallel, or
  /// (`range`) the tiles of one worker, sequentially, into `inits` holding
  /// those tiles only.
  Value emitPackA(OpBuilder &b, Location loc, ValueRange inits,
                  Value &packedScales, const TileRange *range = nullptr) const;
  /// Pack B into `inits` (packedBTypes), in parallel or sequentially.
  Value emitPackB(OpBuilder &b, Location loc, ValueRange inits,
                  Value &packedScales, Value &corrections,
                  bool sequential = false) const;
  /// Pack panel `p` of B into `slices` (packedBTypes, or one panel of
  /// them: index 0 of the first dimension). `masked`: the last, partial
  /// panel, whose reads past N are masked.
  SmallVector<Value> emitPackBPanel(OpBuilder &b, Location loc, Value p,
                                    bool masked, ValueRange slices) const;
  Value emitCompute(OpBuilder &b, Location loc, Value aWords, Value aScalesF,
                    Value bWords, Value bScalesF, Value bCorr, Value acc) const;
  /// The tiles down panel `p` (`cols` wide, the last panel if less than nr)
  /// of a band of C's columns (`c`, starting at panel `firstPanel`), in a
  /// sequential loop; `bIndex`: the panel's index in bWords.
  Value emitPanelCompute(OpBuilder &b, Location loc, Value p, Value firstPanel,
                         int64_t cols, Value bIndex, Value aWords,
                         Value aScalesF, Value bWords, Value bScalesF,
                         Value bCorr, Value c) const;
  /// The rows of C of one worker's row tiles (`c`: those rows only), in
  /// sequential loops. `aFirst`: the tile index of packed A's first tile.
  Value emitWorkerCompute(OpBuilder &b, Location loc, const TileRange &range,
                          Value aFirst, Value aWords, Value aScalesF,
                          Value bWords, Value bScalesF, Value bCorr,
                          Value c) const;
  Value emitTile(OpBuilder &b, Location loc, int64_t rows, int64_t cols,
                 Value tile, Value mt, Value p, Value aWords, Value aScalesF,
                 Value bWords, Value bScalesF, Value bCorr) const;
  SmallVector<Value> emitBlockBF16(OpBuilder &b, Location loc, Value kb,
                                   int64_t valid, int64_t rows, int64_t vecs,
                                   Value mt, Value p, Value aWords,
                                   Value bWords, ValueRange tile) const;
  SmallVector<Value> emitBlockNarrow(OpBuilder &b, Location loc, Value kb,
                                     int64_t valid, int64_t split, Value mt,
                                     Value p, Value aWords, Value bWords,
                                     ValueRange parts) const;

  // The mmla kernel. A's rows and B's columns are both "lines" of 8-byte K
  // groups of perGroup values: packed A is [tiles, blocks, groups, mr *
  // perGroup] and packed B [panels, blocks, groups, nr * perGroup], line r
  // of a group at value perGroup r, so a line pair is one 16-byte operand.
  // Values are s8 integer multiples (no u8 offset: smmla is signed x
  // signed) or bf16, zero past K and past the last line; scales are [tiles,
  // blocks, mr] and [panels, blocks, nr].
  Value emitPackLinesMmla(OpBuilder &b, Location loc, Value elements,
                          Value scales, MxTensorType type, int64_t count,
                          int64_t width, bool contiguousAlongK, int64_t shift,
                          Value &packedScales) const;
  Value emitTileMmla(OpBuilder &b, Location loc, int64_t rows, int64_t cols,
                     Value tile, Value mt, Value p, Value aWords,
                     Value aScalesF, Value bWords, Value bScalesF) const;
};

/// `for iv in [lb, ub)` carrying `inits`, body returns the yielded values.
SmallVector<Value> forLoop(
    OpBuilder &b, Location loc, Value lb, Value ub, ValueRange inits,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>
        body) {
  auto forOp = scf::ForOp::create(
      b, loc, lb, ub, index(b, loc, 1), inits,
      [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
        scf::YieldOp::create(nb, nl, body(nb, nl, iv, args));
      });
  return SmallVector<Value>(forOp.getResults());
}

/// For every row `r` in [0, rows) of a tile starting at row `r0` and every
/// block `kb` in [0, blocks), carrying `inits`: body(r, r0 + r, kb, carried)
/// returns the next carried values. `zero` is the index constant 0.
SmallVector<Value>
forRowBlocks(OpBuilder &b, Location loc, Value zero, Value r0, Value rows,
             int64_t blocks, ValueRange inits,
             function_ref<SmallVector<Value>(OpBuilder &, Location, Value,
                                             Value, Value, ValueRange)>
                 body) {
  return forLoop(b, loc, zero, rows, inits,
                 [&](OpBuilder &b, Location loc, Value r, ValueRange args) {
                   Value row = arith::AddIOp::create(b, loc, r0, r);
                   return forLoop(b, loc, zero, index(b, loc, blocks), args,
                                  [&](OpBuilder &b, Location loc, Value kb,
                                      ValueRange args) {
                                    return body(b, loc, r, row, kb, args);
                                  });
                 });
}

SmallVector<Value> VectorMatmul::forBlocks(
    OpBuilder &b, Location loc, ValueRange inits,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, int64_t,
                                    ValueRange)>
        body) const {
  int64_t whole = s.k / s.block;
  SmallVector<Value> t =
      forLoop(b, loc, index(b, loc, 0), index(b, loc, whole), inits,
              [&](OpBuilder &b, Location loc, Value kb, ValueRange args) {
                return body(b, loc, kb, s.block, args);
              });
  if (whole < s.blocks)
    t = body(b, loc, index(b, loc, whole), s.k % s.block, t);
  return t;
}

/// `min(cap, total - start)` as an index.
Value remaining(OpBuilder &b, Location loc, Value start, int64_t total,
                int64_t cap) {
  Value left = arith::SubIOp::create(b, loc, index(b, loc, total), start);
  return arith::MinSIOp::create(b, loc, left, index(b, loc, cap));
}

/// A static slice [offsets, +sizes) with unit strides.
SmallVector<OpFoldResult> staticSizes(OpBuilder &b, ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> result;
  for (int64_t size : sizes)
    result.push_back(b.getIndexAttr(size));
  return result;
}

/// scf.forall over `counts` with `outputs` as shared outputs. `body` gets
/// the induction variables and the shared output block arguments and
/// returns, per output, the slice to insert with its offsets and sizes.
struct ForallSlice {
  Value source;
  SmallVector<OpFoldResult> offsets, sizes;
};
SmallVector<Value>
forall(OpBuilder &b, Location loc, ArrayRef<int64_t> counts, ValueRange outputs,
       function_ref<SmallVector<ForallSlice>(OpBuilder &, Location, ValueRange,
                                             ValueRange)>
           body) {
  SmallVector<OpFoldResult> upper = staticSizes(b, counts);
  auto op = scf::ForallOp::create(b, loc, upper, outputs, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  Block *block = op.getBody();
  b.setInsertionPoint(block->getTerminator());
  ValueRange ivs = block->getArguments().take_front(counts.size());
  ValueRange shared = block->getArguments().drop_front(counts.size());
  SmallVector<ForallSlice> slices = body(b, loc, ivs, shared);
  b.setInsertionPointToStart(op.getTerminator().getBody());
  for (auto [slice, dest] : llvm::zip(slices, shared)) {
    SmallVector<OpFoldResult> strides(slice.offsets.size(), b.getIndexAttr(1));
    tensor::ParallelInsertSliceOp::create(b, loc, slice.source, dest,
                                          slice.offsets, slice.sizes, strides);
  }
  return SmallVector<Value>(op.getResults());
}

/// The slice [at, 0, ...] of `output`, of size 1 along dimension 0 and
/// whole along the others: its offsets and sizes, and its value in `value`.
ForallSlice unitSlice(OpBuilder &b, Location loc, Value output, OpFoldResult at,
                      Value &value) {
  auto type = cast<RankedTensorType>(output.getType());
  ForallSlice slice;
  slice.offsets.assign(type.getRank(), b.getIndexAttr(0));
  slice.offsets[0] = at;
  SmallVector<int64_t> sizes(type.getShape());
  sizes[0] = 1;
  slice.sizes = staticSizes(b, sizes);
  SmallVector<OpFoldResult> ones(type.getRank(), b.getIndexAttr(1));
  value = tensor::ExtractSliceOp::create(b, loc, output, slice.offsets,
                                         slice.sizes, ones);
  return slice;
}

/// scf.forall over `count` packed units from `first`: iteration i owns the
/// slice [first + i, 0, ...] (size 1 along dim 0, whole along the others) of
/// every output. `body` gets the unit's index and its slices and returns the
/// slices' new values.
SmallVector<Value> forallUnits(
    OpBuilder &b, Location loc, int64_t first, int64_t count,
    ValueRange outputs,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>
        body) {
  return forall(
      b, loc, {count}, outputs,
      [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange shared) {
        Value unit = count == 1   ? index(b, loc, first)
                     : first == 0 ? ivs[0]
                                  : addIndex(b, loc, ivs[0], first);
        SmallVector<Value> slices(shared.size());
        SmallVector<ForallSlice> results;
        for (auto [output, slice] : llvm::zip(shared, slices))
          results.push_back(unitSlice(b, loc, output, unit, slice));
        SmallVector<Value> updated = body(b, loc, unit, slices);
        for (auto [slice, value] : llvm::zip(results, updated))
          slice.source = value;
        return results;
      });
}

/// forallUnits as one sequential loop over units [first, first + count)
/// (dynamic), unit u owning slice [u - origin, 0, ...] (the outputs start
/// at unit `origin`).
SmallVector<Value> forUnits(
    OpBuilder &b, Location loc, Value first, Value count, Value origin,
    ValueRange outputs,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>
        body) {
  Value start = arith::SubIOp::create(b, loc, first, origin);
  return forLoop(
      b, loc, start, arith::AddIOp::create(b, loc, start, count), outputs,
      [&](OpBuilder &b, Location loc, Value i, ValueRange args) {
        SmallVector<Value> slices(args.size());
        SmallVector<ForallSlice> at;
        for (auto [output, slice] : llvm::zip(args, slices))
          at.push_back(unitSlice(b, loc, output, i, slice));
        Value unit = arith::AddIOp::create(b, loc, origin, i);
        SmallVector<Value> updated = body(b, loc, unit, slices);
        SmallVector<Value> next;
        for (auto [k, value] : llvm::enumerate(updated)) {
          SmallVector<OpFoldResult> ones(at[k].offsets.size(),
                                         b.getIndexAttr(1));
          next.push_back(tensor::InsertSliceOp::create(
              b, loc, value, args[k], at[k].offsets, at[k].sizes, ones));
        }
        return next;
      });
}

SmallVector<RankedTensorType> VectorMatmul::packedATypes() const {
  SmallVector<RankedTensorType> types = {
      RankedTensorType::get({tiles, s.blocks, mr, words}, i32())};
  if (s.blockScaled)
    types.push_back(RankedTensorType::get({tiles, mr, s.blocks}, f32()));
  return types;
}

SmallVector<RankedTensorType> VectorMatmul::packedBTypes() const {
  SmallVector<RankedTensorType> types = {
      RankedTensorType::get({panels, s.blocks, words, nr}, i32())};
  if (s.blockScaled)
    types.push_back(RankedTensorType::get({panels, s.blocks, nr}, f32()));
  if (usesU8Offset())
    types.push_back(RankedTensorType::get({panels, s.blocks, nr}, i32()));
  return types;
}

/// Empty tensors of `types`.
SmallVector<Value> emptyTensors(OpBuilder &b, Location loc,
                                ArrayRef<RankedTensorType> types) {
  SmallVector<Value> empty;
  for (RankedTensorType type : types)
    empty.push_back(tensor::EmptyOp::create(b, loc, type.getShape(),
                                            type.getElementType()));
  return empty;
}

Value VectorMatmul::emitPackA(OpBuilder &b, Location loc, ValueRange inits,
                              Value &packedScales,
                              const TileRange *range) const {
  auto packTile = [&](OpBuilder &b, Location loc, Value mt,
                      ValueRange slices) -> SmallVector<Value> {
    Value tileW = slices[0];
    Value m0 = mulIndex(b, loc, mt, mr);
    Value rows = remaining(b, loc, m0, s.m, mr);
    Value zero = index(b, loc, 0);
    SmallVector<Value> next;
    // Scales (rows of the tile only).
    if (s.blockScaled)
      next.push_back(
          forRowBlocks(
              b, loc, zero, m0, rows, s.blocks, ValueRange{slices[1]},
              [&](OpBuilder &b, Location loc, Value r, Value m, Value kb,
                  ValueRange args) {
                SmallVector<Value> at = s.ta ? SmallVector<Value>{kb, m}
                                             : SmallVector<Value>{m, kb};
                Value f = scaleAt(b, loc, aScales, at, s.shiftA);
                Value t = tensor::InsertOp::create(b, loc, f, args[0],
                                                   ValueRange{zero, r, kb});
                return SmallVector<Value>{t};
              })[0]);
    if (!s.ta) {
      // Rows contiguous along K: one block of one row at a time.
      tileW =
          forRowBlocks(
              b, loc, zero, m0, rows, s.blocks, ValueRange{tileW},
              [&](OpBuilder &b, Location loc, Value r, Value m, Value kb,
                  ValueRange args) {
                Value values = s.blockScaled
                                   ? offsetA(b, loc,
                                             valuesContiguous(b, loc, aElements,
                                                              s.aType, m, kb))
                                   : lineValuesContiguous(b, loc, aElements,
                                                          s.aType, m, kb);
                Value w = blockWords(b, loc, values, usesU8Offset() ? 0x80 : 0);
                Value t = vector::TransferWriteOp::create(
                              b, loc, w, args[0], ValueRange{zero, kb, r, zero},
                              ArrayRef<bool>{true})
                              .getResult();
                return SmallVector<Value>{t};
              })[0];
    } else {
      // Stored K x M: each word row across the mr rows of the tile,
      // written down the tile's row dimension.
      MLIRContext *ctx = b.getContext();
      AffineMap rowMap = AffineMap::get(4, 0, {getAffineDimExpr(2, ctx)}, ctx);
      tileW =
          forLoop(
              b, loc, zero, index(b, loc, s.blocks), ValueRange{tileW},
              [&](OpBuilder &b, Location loc, Value kb, ValueRange args) {
                Value t = args[0];
                for (int64_t g = 0; g < words; ++g) {
                  Value w = wordsAcross(b, loc, aElements, s.aType, kb, g, m0,
                                        mr, /*isA=*/true, /*masked=*/true);
                  t = vector::TransferWriteOp::create(
                          b, loc, w, t,
                          ValueRange{zero, kb, zero, index(b, loc, g)},
                          AffineMapAttr::get(rowMap),
                          b.getBoolArrayAttr({true}))
                          .getResult();
                }
                return SmallVector<Value>{t};
              })[0];
    }
    next.insert(next.begin(), tileW);
    return next;
  };
  SmallVector<Value> results =
      range ? forUnits(b, loc, range->first, range->count, range->first, inits,
                       packTile)
            : forallUnits(b, loc, 0, tiles, inits, packTile);
  if (s.blockScaled)
    packedScales = results[1];
  return results[0];
}

SmallVector<Value> VectorMatmul::emitPackBPanel(OpBuilder &b, Location loc,
                                                Value p, bool masked,
                                                ValueRange slices) const {
  Value zero = index(b, loc, 0);
  SmallVector<Value> tiles(slices);
  Value n0 = mulIndex(b, loc, p, nr);
  auto i32Lanes = VectorType::get({lanes}, i32());
  if (!s.tb) {
    // Stored K x N: every word row across the panel's columns (bf16:
    // the pairs that hold a K position).
    tiles = forBlocks(
        b, loc, tiles,
        [&](OpBuilder &b, Location loc, Value kb, int64_t valid,
            ValueRange args) {
          SmallVector<Value> t(args);
          int64_t used = s.blockScaled ? words
                         : widenBF16   ? valid
                                       : (valid + 1) / 2;
          SmallVector<Value> sums(kVecs);
          for (int64_t v = 0; v < kVecs; ++v)
            sums[v] = emitSplat(b, loc, i32Lanes, 0);
          Value ones = emitSplat(b, loc, VectorType::get({4 * lanes}, i8()), 1);
          // bf16 pairs: words past the last K position hold zeros
          // (emitBlockNarrow reads them).
          int64_t written = !s.blockScaled && !widenBF16 ? words : used;
          for (int64_t g = 0; g < written; ++g) {
            Value w;
            if (s.blockScaled)
              w = wordsAcross(b, loc, bElements, s.bType, kb, g, n0, nr,
                              /*isA=*/false, masked);
            else if (widenBF16)
              w = widenedBits(b, loc,
                              lineValuesAcross(b, loc, bElements,
                                               MxTensorType(), kb, g, n0, nr,
                                               masked));
            else if (g < used)
              w = pairWordsAcross(b, loc, kb, g, valid, n0, nr, masked);
            else
              w = emitSplat(b, loc, VectorType::get({nr}, i32()), 0);
            t[0] = vector::TransferWriteOp::create(
                       b, loc, w, t[0],
                       ValueRange{zero, kb, index(b, loc, g), zero},
                       ArrayRef<bool>{true})
                       .getResult();
            if (!usesU8Offset())
              continue;
            // Column sums: sum of the four bytes of every word.
            for (int64_t v = 0; v < kVecs; ++v) {
              Value part = vector::ExtractStridedSliceOp::create(
                  b, loc, w, {v * lanes}, {lanes}, {1});
              part = vector::BitCastOp::create(
                  b, loc, VectorType::get({4 * lanes}, i8()), part);
              sums[v] = DotI8Op::create(b, loc, i32Lanes, sums[v], ones, part);
            }
          }
          Value sevenBits = emitSplat(b, loc, i32Lanes, 7);
          for (int64_t v = 0; v < usesU8Offset() * kVecs; ++v) {
            Value corr = arith::SubIOp::create(
                b, loc, emitSplat(b, loc, i32Lanes, 0),
                arith::ShLIOp::create(b, loc, sums[v], sevenBits));
            t[2] = vector::TransferWriteOp::create(
                       b, loc, corr, t[2],
                       ValueRange{zero, kb, index(b, loc, v * lanes)},
                       ArrayRef<bool>{true})
                       .getResult();
          }
          if (!s.blockScaled)
            return t;
          // Scales of the panel's columns (past N: any value).
          Value bytes = readScaleBytes(b, loc, bScales, {kb, n0}, nr,
                                       /*inBounds=*/!masked);
          Value f = emitScaleValue(b, loc, bytes, s.shiftB);
          t[1] = vector::TransferWriteOp::create(b, loc, f, t[1],
                                                 ValueRange{zero, kb, zero},
                                                 ArrayRef<bool>{true})
                     .getResult();
          return t;
        });
  } else {
    // Stored N x K: one block of one column at a time, written down
    // the word dimension. A partial panel's columns past N must hold
    // zeros: only the real ones are written.
    if (masked) {
      Value zero = arith::ConstantIntOp::create(b, loc, i32(), 0);
      tiles[0] = linalg::FillOp::create(b, loc, zero, tiles[0]).getResult(0);
    }
    MLIRContext *ctx = b.getContext();
    AffineMap wordMap = AffineMap::get(4, 0, {getAffineDimExpr(2, ctx)}, ctx);
    Value cols = remaining(b, loc, n0, s.n, nr);
    tiles = forRowBlocks(
        b, loc, zero, n0, cols, s.blocks, tiles,
        [&](OpBuilder &b, Location loc, Value c, Value n, Value kb,
            ValueRange args) {
          SmallVector<Value> t(args);
          Value values = valuesContiguous(b, loc, bElements, s.bType, n, kb);
          Value w = blockWords(b, loc, values, 0);
          t[0] = vector::TransferWriteOp::create(
                     b, loc, w, t[0], ValueRange{zero, kb, zero, c},
                     AffineMapAttr::get(wordMap), b.getBoolArrayAttr({true}))
                     .getResult();
          Value f = scaleAt(b, loc, bScales, ValueRange{n, kb}, s.shiftB);
          t[1] = tensor::InsertOp::create(b, loc, f, t[1],
                                          ValueRange{zero, kb, c});
          if (usesU8Offset()) {
            auto wide = VectorType::get({s.block}, i32());
            Value sum = vector::ReductionOp::create(
                b, loc, vector::CombiningKind::ADD,
                arith::ExtSIOp::create(b, loc, wide, values));
            Value corr = arith::MulIOp::create(
                b, loc, sum, arith::ConstantIntOp::create(b, loc, i32(), -128));
            t[2] = tensor::InsertOp::create(b, loc, corr, t[2],
                                            ValueRange{zero, kb, c});
          }
          return t;
        });
  }
  return tiles;
}

Value VectorMatmul::emitPackB(OpBuilder &b, Location loc, ValueRange inits,
                              Value &packedScales, Value &corrections,
                              bool sequential) const {
  SmallVector<Value> outputs(inits);
  // Full panels read whole rows; a last partial panel masks its reads (the
  // columns past N read code 0).
  int64_t fullPanels = s.n / nr;
  auto body = [&](bool masked) {
    return
        [this, masked](OpBuilder &b, Location loc, Value p, ValueRange slices) {
          return emitPackBPanel(b, loc, p, masked, slices);
        };
  };
  auto pack = [&](int64_t first, int64_t count, bool masked,
                  ValueRange outputs) {
    if (sequential)
      return forUnits(b, loc, index(b, loc, first), index(b, loc, count),
                      index(b, loc, 0), outputs, body(masked));
    return forallUnits(b, loc, first, count, outputs, body(masked));
  };
  SmallVector<Value> results = outputs;
  if (fullPanels > 0)
    results = pack(0, fullPanels, false, results);
  if (fullPanels != panels)
    results = pack(fullPanels, 1, true, results);
  if (s.blockScaled)
    packedScales = results[1];
  if (usesU8Offset())
    corrections = results[2];
  return results[0];
}

SmallVector<Value>
VectorMatmul::emitBlockBF16(OpBuilder &b, Location loc, Value kb, int64_t valid,
                            int64_t rows, int64_t vecs, Value mt, Value p,
                            Value aWords, Value bWords, ValueRange tile) const {
  // The steps of block kb in the documented order, each added into the
  // tile itself: widened values, one fma per K position (in each pair the
  // odd one first); bf16 pairs, one mx.dot_bf16 per pair and an odd K's
  // last element (the low half of its word) alone by one fma. An fma adds
  // an exact product with one rounding, subnormals kept.
  struct Step {
    int64_t word;
    bool pair;
  };
  SmallVector<Step> steps;
  if (widenBF16) {
    for (int64_t i = 0; i < valid; ++i)
      steps.push_back({i % 2 ? i - 1 : std::min(i + 1, valid - 1), false});
  } else {
    for (int64_t g = 0; 2 * g < valid; ++g)
      steps.push_back({g, 2 * g + 1 < valid});
  }
  auto i32Lanes = VectorType::get({lanes}, i32());
  auto f32Lanes = VectorType::get({lanes}, f32());
  auto pairs = VectorType::get({2 * lanes}, BFloat16Type::get(s.ctx));
  Value sixteen = emitSplat(b, loc, i32Lanes, 16);
  Value zeroI = arith::ConstantIntOp::create(b, loc, i32(), 0);
  SmallVector<Value> acc(tile);
  for (const Step &step : steps) {
    auto operand = [&](Value words) -> Value {
      if (step.pair)
        return vector::BitCastOp::create(b, loc, pairs, words);
      if (!widenBF16)
        words = arith::ShLIOp::create(b, loc, words, sixteen);
      return arith::BitcastOp::create(b, loc, f32Lanes, words);
    };
    Value word = index(b, loc, step.word);
    SmallVector<Value> bv(vecs);
    for (int64_t v = 0; v < vecs; ++v)
      bv[v] = operand(vector::TransferReadOp::create(
          b, loc, i32Lanes, bWords,
          ValueRange{p, kb, word, index(b, loc, v * lanes)}, zeroI,
          ArrayRef<bool>{true}));
    for (int64_t r = 0; r < rows; ++r) {
      Value a;
      if (aInPlace) {
        // The pair at (row, 2 word) of A itself; past an odd K, zero.
        Value row = addIndex(b, loc, mulIndex(b, loc, mt, mr), r);
        Value k =
            addIndex(b, loc, mulIndex(b, loc, kb, s.block), 2 * step.word);
        Value pair = vector::TransferReadOp::create(
            b, loc, VectorType::get({2}, lineElement()), aWords,
            ValueRange{row, k}, zeroOf(b, loc, lineElement()),
            ArrayRef<bool>{s.k % 2 == 0});
        a = vector::ExtractOp::create(
            b, loc,
            vector::BitCastOp::create(b, loc, VectorType::get({1}, i32()),
                                      pair),
            0);
      } else {
        a = tensor::ExtractOp::create(
            b, loc, aWords, ValueRange{mt, kb, index(b, loc, r), word});
      }
      Value av = operand(vector::BroadcastOp::create(b, loc, i32Lanes, a));
      for (int64_t v = 0; v < vecs; ++v) {
        Value &c = acc[r * vecs + v];
        c = step.pair
                ? DotBF16Op::create(b, loc, f32Lanes, c, av, bv[v]).getResult()
                : math::FmaOp::create(b, loc, av, bv[v], c).getResult();
      }
    }
  }
  return acc;
}

SmallVector<Value> VectorMatmul::emitBlockNarrow(
    OpBuilder &b, Location loc, Value kb, int64_t valid, int64_t split,
    Value mt, Value p, Value aWords, Value bWords, ValueRange parts) const {
  // A tile of at most lanes / split columns: each dot takes `split` pair
  // words at once. Lane i of a row's sum holds column i / split over the
  // words congruent to i mod split: A's `split` pairs broadcast lanes /
  // split times (one 16-byte load for split 4), B's `split` word rows of
  // the tile's columns transposed. 4 columns of 12 rows take 12 dots per
  // 4 pairs where one word per dot took 48 and as many broadcast loads,
  // which bound it (the 4-column panel of 256x2304x196 took 0.7 of the
  // time of a 32-column one).
  int64_t slots = lanes / split;
  int64_t used = (valid + 1) / 2; // pair words that hold a K position
  auto pairs = VectorType::get({2 * lanes}, BFloat16Type::get(s.ctx));
  SmallVector<int64_t> repeat;
  for (int64_t i = 0; i < lanes; ++i)
    repeat.push_back(i % split);
  SmallVector<Value> acc(parts);
  for (int64_t w = 0; w < used; w += split) {
    // Words past the block's K positions are zeros (emitPackB). 1-D reads:
    // a 2-D one lowers through a stack buffer allocated in the loop.
    SmallVector<Value> bRows;
    for (int64_t j = 0; j < split; ++j)
      bRows.push_back(vector::TransferReadOp::create(
          b, loc, VectorType::get({slots}, i32()), bWords,
          ValueRange{p, kb, index(b, loc, w + j), index(b, loc, 0)},
          arith::ConstantIntOp::create(b, loc, i32(), 0),
          ArrayRef<bool>{true}));
    Value bv = vector::BitCastOp::create(b, loc, pairs,
                                         transposeToLines(b, loc, bRows));
    Value k = addIndex(b, loc, mulIndex(b, loc, kb, s.block), 2 * w);
    for (int64_t r = 0, rows = acc.size(); r < rows; ++r) {
      // Past K (an odd K, or a last block of fewer pairs): zeros.
      Value row = addIndex(b, loc, mulIndex(b, loc, mt, mr), r);
      Value a = vector::TransferReadOp::create(
          b, loc, VectorType::get({2 * split}, lineElement()), aWords,
          ValueRange{row, k}, zeroOf(b, loc, lineElement()),
          ArrayRef<bool>{s.k % (2 * split) == 0});
      a = vector::BitCastOp::create(b, loc, VectorType::get({split}, i32()), a);
      Value av = vector::BitCastOp::create(
          b, loc, pairs, vector::ShuffleOp::create(b, loc, a, a, repeat));
      acc[r] = DotBF16Op::create(b, loc, VectorType::get({lanes}, f32()),
                                 acc[r], av, bv);
    }
  }
  return acc;
}

Value VectorMatmul::emitTile(OpBuilder &b, Location loc, int64_t rows,
                             int64_t cols, Value tile, Value mt, Value p,
                             Value aWords, Value aScalesF, Value bWords,
                             Value bScalesF, Value bCorr) const {
  if (mmla)
    return emitTileMmla(b, loc, rows, cols, tile, mt, p, aWords, aScalesF,
                        bWords, bScalesF);
  Value t = tile;
  int64_t vecs = (cols + lanes - 1) / lanes;
  auto f32Lanes = VectorType::get({lanes}, f32());
  auto i32Lanes = VectorType::get({lanes}, i32());
  Value zeroF = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32()));
  Value zeroI = arith::ConstantIntOp::create(b, loc, i32(), 0);
  auto inBounds = [&](int64_t v) { return (v + 1) * lanes <= cols; };
  SmallVector<Value> c;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t v = 0; v < vecs; ++v)
      c.push_back(accRow(b, loc, t, r, v * lanes, f32Lanes, inBounds(v)));
  Type operandType =
      i16Pairs    ? Type(VectorType::get({2 * lanes}, i16()))
      : s.integer ? Type(VectorType::get({4 * lanes}, i8()))
      : floatPairs
          ? Type(VectorType::get({2 * lanes}, BFloat16Type::get(s.ctx)))
          : Type(f32Lanes);
  // The blocks of K, each block's scale factor by an integer add or not.
  auto blocks = [&](OpBuilder &b, Location loc, bool addScales) {
    return forBlocks(
        b, loc, c,
        [&](OpBuilder &b, Location loc, Value kb, int64_t valid,
            ValueRange args) {
          if (!s.blockScaled)
            return emitBlockBF16(b, loc, kb, valid, rows, vecs, mt, p, aWords,
                                 bWords, args);
          // Block accumulators: the B column corrections, 0 or +0.
          SmallVector<Value> acc;
          SmallVector<Value> init(vecs);
          for (int64_t v = 0; v < vecs; ++v)
            init[v] = usesU8Offset()
                          ? vector::TransferReadOp::create(
                                b, loc, i32Lanes, bCorr,
                                ValueRange{p, kb, index(b, loc, v * lanes)},
                                zeroI, ArrayRef<bool>{true})
                                .getResult()
                      : s.integer ? emitSplat(b, loc, i32Lanes, 0)
                                  : emitSplatF32(b, loc, f32Lanes, 0.0f);
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t v = 0; v < vecs; ++v)
              acc.push_back(init[v]);
          // The products of word `gi` (B's word row, A's column) added to
          // `acc`.
          auto addWord = [&](OpBuilder &b, Location loc, Value gi,
                             MutableArrayRef<Value> acc) {
            SmallVector<Value> bv(vecs);
            for (int64_t v = 0; v < vecs; ++v) {
              Value w = vector::TransferReadOp::create(
                  b, loc, i32Lanes, bWords,
                  ValueRange{p, kb, gi, index(b, loc, v * lanes)}, zeroI,
                  ArrayRef<bool>{true});
              bv[v] = vector::BitCastOp::create(b, loc, operandType, w);
            }
            for (int64_t r = 0; r < rows; ++r) {
              Value word = tensor::ExtractOp::create(
                  b, loc, aWords, ValueRange{mt, kb, index(b, loc, r), gi});
              if (!s.integer && !floatPairs)
                word = arith::BitcastOp::create(b, loc, f32(), word);
              Value av = vector::BroadcastOp::create(
                  b, loc, VectorType::get({lanes}, word.getType()), word);
              if (s.integer || floatPairs)
                av = vector::BitCastOp::create(b, loc, operandType, av);
              for (int64_t v = 0; v < vecs; ++v) {
                Value &a = acc[r * vecs + v];
                if (i16Pairs)
                  a = DotI16Op::create(b, loc, i32Lanes, a, av, bv[v]);
                else if (s.integer)
                  a = DotI8Op::create(b, loc, i32Lanes, a, av, bv[v]);
                else if (floatPairs)
                  a = DotBF16Op::create(b, loc, f32Lanes, a, av, bv[v]);
                else
                  a = math::FmaOp::create(b, loc, av, bv[v], a);
              }
            }
          };
          if (i16Pairs) {
            // A loop over the words: unrolled here, LLVM reassociates the
            // chains of vpaddd (integer adds) into one sum per accumulator
            // over all the block's words, which keeps every B vector live
            // across the rows and spills them (MXINT8 0.7x SGEMM).
            acc = forLoop(
                b, loc, index(b, loc, 0), index(b, loc, words), acc,
                [&](OpBuilder &b, Location loc, Value gi, ValueRange args) {
                  SmallVector<Value> next(args);
                  addWord(b, loc, gi, next);
                  return next;
                });
          } else {
            // Floating-point pairs take the odd element first (mx.dot_bf16
            // order); each fma adds one exact product with one rounding,
            // as mx.dot_bf16 does twice.
            for (int64_t w = 0; w < words; ++w) {
              int64_t g =
                  s.integer || floatPairs ? w : (w % 2 == 0 ? w + 1 : w - 1);
              addWord(b, loc, index(b, loc, g), acc);
            }
          }
          SmallVector<Value> sb(vecs);
          for (int64_t v = 0; v < vecs; ++v)
            sb[v] = vector::TransferReadOp::create(
                b, loc, f32Lanes, bScalesF,
                ValueRange{p, kb, index(b, loc, v * lanes)}, zeroF,
                ArrayRef<bool>{true});
          if (addScales) {
            // 2^b as the bits of 2^b / 1.0, to add to the bits of 2^a.
            Value one = arith::ConstantOp::create(
                b, loc,
                DenseElementsAttr::get(
                    i32Lanes, b.getI32IntegerAttr(0x3F800000))); // 1.0f
            for (Value &v : sb)
              v = arith::SubIOp::create(
                  b, loc, vector::BitCastOp::create(b, loc, i32Lanes, v), one);
          }
          SmallVector<Value> next;
          for (int64_t r = 0; r < rows; ++r) {
            Value sa = vector::BroadcastOp::create(
                b, loc, f32Lanes,
                tensor::ExtractOp::create(
                    b, loc, aScalesF, ValueRange{mt, index(b, loc, r), kb}));
            for (int64_t v = 0; v < vecs; ++v) {
              Value d = acc[r * vecs + v];
              if (s.integer)
                d = arith::SIToFPOp::create(b, loc, f32Lanes, d);
              Value factor =
                  addScales
                      ? vector::BitCastOp::create(
                            b, loc, f32Lanes,
                            arith::AddIOp::create(
                                b, loc,
                                vector::BitCastOp::create(b, loc, i32Lanes, sa),
                                sb[v]))
                      : arith::MulFOp::create(b, loc, sa, sb[v]).getResult();
              next.push_back(
                  math::FmaOp::create(b, loc, d, factor, args[r * vecs + v]));
            }
          }
          return next;
        });
  };
  std::optional<int64_t> known = addScalesIf ? getConstantIntValue(addScalesIf)
                                             : std::optional<int64_t>(0);
  if (int64_t split = narrowSplit(cols); split > 1) {
    // Lane-split sums (emitBlockNarrow), then each row's column sums added
    // to its C row: a different order from the ordered kernel's.
    int64_t slots = lanes / split;
    Value zeros = emitSplatF32(b, loc, f32Lanes, 0.0f);
    SmallVector<Value> parts(rows, zeros);
    parts = forBlocks(b, loc, parts,
                      [&](OpBuilder &b, Location loc, Value kb, int64_t valid,
                          ValueRange args) {
                        return emitBlockNarrow(b, loc, kb, valid, split, mt, p,
                                               aWords, bWords, args);
                      });
    // Lanes of a column: a butterfly of adds, then column c from lane c *
    // split to lane c, zeros past the columns.
    SmallVector<int64_t> gather(lanes, lanes);
    for (int64_t col = 0; col < slots; ++col)
      gather[col] = col * split;
    for (int64_t r = 0; r < rows; ++r) {
      Value sum = parts[r];
      for (int64_t d = 1; d < split; d *= 2) {
        SmallVector<int64_t> swap;
        for (int64_t i = 0; i < lanes; ++i)
          swap.push_back(i ^ d);
        sum = arith::AddFOp::create(
            b, loc, sum, vector::ShuffleOp::create(b, loc, sum, sum, swap));
      }
      c[r] = arith::AddFOp::create(
          b, loc, c[r], vector::ShuffleOp::create(b, loc, sum, zeros, gather));
    }
  } else if (known) {
    c = blocks(b, loc, *known != 0);
  } else {
    auto ifOp = scf::IfOp::create(
        b, loc, addScalesIf,
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(b, loc, blocks(b, loc, true));
        },
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(b, loc, blocks(b, loc, false));
        });
    c = SmallVector<Value>(ifOp.getResults());
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t v = 0; v < vecs; ++v)
      t = vector::TransferWriteOp::create(
              b, loc, c[r * vecs + v], t,
              ValueRange{index(b, loc, r), index(b, loc, v * lanes)},
              ArrayRef<bool>{inBounds(v)})
              .getResult();
  return t;
}

Value VectorMatmul::emitPackLinesMmla(OpBuilder &b, Location loc,
                                      Value elements, Value scales,
                                      MxTensorType type, int64_t count,
                                      int64_t width, bool contiguousAlongK,
                                      int64_t shift,
                                      Value &packedScales) const {
  int64_t lineTiles = (count + width - 1) / width;
  int64_t groupValues = width * perGroup;
  Value wordsInit = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{lineTiles, s.blocks, groups, groupValues},
      lineElement());
  if (contiguousAlongK && count % width != 0) {
    // The lines past the end must be zeros; the loop below writes only the
    // real ones.
    wordsInit =
        linalg::FillOp::create(b, loc, zeroOf(b, loc, lineElement()), wordsInit)
            .getResult(0);
  }
  SmallVector<Value> inits = {wordsInit};
  if (s.blockScaled)
    inits.push_back(tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{lineTiles, s.blocks, width}, f32()));
  SmallVector<Value> results = forallUnits(
      b, loc, 0, lineTiles, inits,
      [&](OpBuilder &b, Location loc, Value lt, ValueRange slices) {
        Value first = mulIndex(b, loc, lt, width);
        Value zero = index(b, loc, 0);
        if (contiguousAlongK) {
          // One block of one line at a time: its groups go down the group
          // dimension at value perGroup r.
          MLIRContext *ctx = b.getContext();
          AffineMap groupMap = AffineMap::get(
              4, 0, {getAffineDimExpr(2, ctx), getAffineDimExpr(3, ctx)}, ctx);
          Value lines = remaining(b, loc, first, count, width);
          return forRowBlocks(
              b, loc, zero, first, lines, s.blocks, slices,
              [&](OpBuilder &b, Location loc, Value r, Value line, Value kb,
                  ValueRange args) {
                Value values =
                    lineValuesContiguous(b, loc, elements, type, line, kb);
                values = padLanes(b, loc, values, groups * perGroup,
                                  zeroOf(b, loc, values.getType()));
                values = vector::ShapeCastOp::create(
                    b, loc, VectorType::get({groups, perGroup}, lineElement()),
                    values);
                SmallVector<Value> next = {
                    vector::TransferWriteOp::create(
                        b, loc, values, args[0],
                        ValueRange{zero, kb, zero,
                                   mulIndex(b, loc, r, perGroup)},
                        AffineMapAttr::get(groupMap),
                        b.getBoolArrayAttr({true, true}))
                        .getResult()};
                if (s.blockScaled) {
                  Value f =
                      scaleAt(b, loc, scales, ValueRange{line, kb}, shift);
                  next.push_back(tensor::InsertOp::create(
                      b, loc, f, args[1], ValueRange{zero, kb, r}));
                }
                return next;
              });
        }
        // Stored K x lines: the values of one K position across the tile's
        // lines, perGroup positions transposed into one group. `valid` K
        // positions of block kb exist (fewer in a bf16 operand's last).
        bool partial = count % width != 0;
        auto laneType = VectorType::get({width}, lineElement());
        auto packBlock = [&](OpBuilder &b, Location loc, Value kb,
                             int64_t valid, ValueRange args) {
          Value w = args[0];
          for (int64_t g = 0; g < groups; ++g) {
            // rows[j] holds position perGroup g + j of every line.
            SmallVector<Value> rows;
            for (int64_t j = 0; j < perGroup; ++j) {
              int64_t i = perGroup * g + j;
              rows.push_back(i < valid
                                 ? lineValuesAcross(b, loc, elements, type, kb,
                                                    i, first, width, partial)
                                 : zeroOf(b, loc, laneType));
            }
            w = vector::TransferWriteOp::create(
                    b, loc, transposeToLines(b, loc, rows), w,
                    ValueRange{zero, kb, index(b, loc, g), zero},
                    ArrayRef<bool>{true})
                    .getResult();
          }
          SmallVector<Value> next = {w};
          if (s.blockScaled) {
            Value bytes = readScaleBytes(b, loc, scales, {kb, first}, width,
                                         /*inBounds=*/!partial);
            Value f = emitScaleValue(b, loc, bytes, shift);
            next.push_back(vector::TransferWriteOp::create(
                               b, loc, f, args[1], ValueRange{zero, kb, zero},
                               ArrayRef<bool>{true})
                               .getResult());
          }
          return next;
        };
        return forBlocks(b, loc, slices, packBlock);
      });
  if (s.blockScaled)
    packedScales = results[1];
  return results[0];
}

Value VectorMatmul::emitTileMmla(OpBuilder &b, Location loc, int64_t rows,
                                 int64_t cols, Value tile, Value mt, Value p,
                                 Value aWords, Value aScalesF, Value bWords,
                                 Value bScalesF) const {
  // acc[pr * colPairs + q] is the 2 x 2 tile of rows 2 pr, 2 pr + 1 and
  // columns 2 q, 2 q + 1, row-major (the smmla/bfmmla layout).
  int64_t rowPairs = (rows + 1) / 2, colPairs = (cols + 1) / 2;
  int64_t width = 2 * colPairs;
  auto rowType = VectorType::get({width}, f32());
  auto quadF = VectorType::get({4}, f32());
  auto quadAcc = VectorType::get({4}, s.integer ? i32() : f32());
  auto operandType = VectorType::get({2 * perGroup}, lineElement());
  Value zeroF = zeroOf(b, loc, f32());
  Value zeroLine = zeroOf(b, loc, lineElement());
  Value zero = index(b, loc, 0);
  bool inBounds = width <= cols;
  SmallVector<Value> c;
  for (int64_t pr = 0; pr < rowPairs; ++pr) {
    auto readRow = [&](int64_t r) -> Value {
      if (r >= rows)
        return emitSplatF32(b, loc, rowType, 0.0f);
      return accRow(b, loc, tile, r, 0, rowType, inBounds);
    };
    Value row0 = readRow(2 * pr), row1 = readRow(2 * pr + 1);
    for (int64_t q = 0; q < colPairs; ++q)
      c.push_back(
          shuffle(b, loc, row0, row1,
                  {2 * q, 2 * q + 1, width + 2 * q, width + 2 * q + 1}));
  }
  c = forLoop(
      b, loc, zero, index(b, loc, s.blocks), c,
      [&](OpBuilder &b, Location loc, Value kb, ValueRange args) {
        // MX: the block's sums, scaled below; bf16: the tile itself.
        SmallVector<Value> acc(args);
        if (s.blockScaled)
          acc.assign(rowPairs * colPairs, zeroOf(b, loc, quadAcc));
        for (int64_t g = 0; g < groups; ++g) {
          Value gi = index(b, loc, g);
          auto operand = [&](Value words, Value line, int64_t pair) -> Value {
            return vector::TransferReadOp::create(
                b, loc, operandType, words,
                ValueRange{line, kb, gi, index(b, loc, 2 * perGroup * pair)},
                zeroLine, ArrayRef<bool>{true});
          };
          SmallVector<Value> bv;
          for (int64_t q = 0; q < colPairs; ++q)
            bv.push_back(operand(bWords, p, q));
          for (int64_t pr = 0; pr < rowPairs; ++pr) {
            Value av = operand(aWords, mt, pr);
            for (int64_t q = 0; q < colPairs; ++q) {
              Value &a = acc[pr * colPairs + q];
              if (s.integer)
                a = MmlaI8Op::create(b, loc, quadAcc, a, av, bv[q]);
              else
                a = MmlaBF16Op::create(b, loc, quadAcc, a, av, bv[q]);
            }
          }
        }
        if (!s.blockScaled)
          return acc;
        Value sa = vector::TransferReadOp::create(
            b, loc, VectorType::get({mr}, f32()), aScalesF,
            ValueRange{mt, kb, zero}, zeroF, ArrayRef<bool>{true});
        Value sb = vector::TransferReadOp::create(
            b, loc, VectorType::get({nr}, f32()), bScalesF,
            ValueRange{p, kb, zero}, zeroF, ArrayRef<bool>{true});
        SmallVector<Value> next;
        for (int64_t pr = 0; pr < rowPairs; ++pr) {
          Value saPair =
              shuffle(b, loc, sa, sa, {2 * pr, 2 * pr, 2 * pr + 1, 2 * pr + 1});
          for (int64_t q = 0; q < colPairs; ++q) {
            Value sbPair =
                shuffle(b, loc, sb, sb, {2 * q, 2 * q + 1, 2 * q, 2 * q + 1});
            Value d = acc[pr * colPairs + q];
            if (s.integer)
              d = arith::SIToFPOp::create(b, loc, quadF, d);
            Value factor = arith::MulFOp::create(b, loc, saPair, sbPair);
            next.push_back(math::FmaOp::create(b, loc, d, factor,
                                               args[pr * colPairs + q]));
          }
        }
        return next;
      });
  // Back to rows: merge the 2 x 2 tiles of a row pair, each holding
  // [row 0 lanes, row 1 lanes], two at a time (zip1/zip2 of 64-bit lanes).
  Value t = tile;
  for (int64_t pr = 0; pr < rowPairs; ++pr) {
    SmallVector<Value> parts(c.begin() + pr * colPairs,
                             c.begin() + (pr + 1) * colPairs);
    while (parts.size() > 1) {
      SmallVector<Value> merged;
      for (size_t i = 0; i + 1 < parts.size(); i += 2) {
        int64_t half0 =
            cast<VectorType>(parts[i].getType()).getNumElements() / 2;
        int64_t half1 =
            cast<VectorType>(parts[i + 1].getType()).getNumElements() / 2;
        SmallVector<int64_t> mask;
        for (int64_t row = 0; row < 2; ++row) {
          for (int64_t l = 0; l < half0; ++l)
            mask.push_back(row * half0 + l);
          for (int64_t l = 0; l < half1; ++l)
            mask.push_back(2 * half0 + row * half1 + l);
        }
        merged.push_back(shuffle(b, loc, parts[i], parts[i + 1], mask));
      }
      if (parts.size() % 2 == 1)
        merged.push_back(parts.back());
      parts = merged;
    }
    for (int64_t h = 0; h < 2 && 2 * pr + h < rows; ++h) {
      Value row = vector::ExtractStridedSliceOp::create(
          b, loc, parts[0], {h * width}, {width}, {1});
      t = vector::TransferWriteOp::create(
              b, loc, row, t, ValueRange{index(b, loc, 2 * pr + h), zero},
              ArrayRef<bool>{inBounds})
              .getResult();
    }
  }
  return t;
}

/// Scale bytes for which VectorMatmul::addScalesIf's kernel gives the bits of
/// the f32 multiply: every factor 2^(e - 127 - sh) (sh <= 6) is then a
/// normal f32 with an exponent in [-63, 63], and so is the product of any
/// two (exponent in [-126, 126]). Quantized data sits well inside: a block's
/// scale follows its largest magnitude.
constexpr int64_t kAddScaleMin = 70, kAddScaleMax = 190;

/// i1: whether every byte of an E8M0 scales tensor lies in [kAddScaleMin,
/// kAddScaleMax]. A constant for constant scales; otherwise a loop over the
/// rows with a running unsigned minimum and maximum of 64 bytes at a time.
Value emitScalesInRange(OpBuilder &b, Location loc, Value scales) {
  if (auto parts = scales.getDefiningOp<DisassembleOp>())
    if (auto assemble = parts.getInput().getDefiningOp<AssembleOp>())
      scales = assemble.getScales();
  DenseElementsAttr constant;
  if (matchPattern(scales, m_Constant(&constant))) {
    bool inRange = llvm::all_of(constant.getValues<APFloat>(), [](auto x) {
      uint64_t e = x.bitcastToAPInt().getZExtValue();
      return e >= kAddScaleMin && e <= kAddScaleMax;
    });
    return arith::ConstantIntOp::create(b, loc, b.getI1Type(), inRange);
  }
  auto type = cast<RankedTensorType>(scales.getType());
  constexpr int64_t width = 64;
  auto splat = [&](int64_t v) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({width}, b.getI8Type()),
                               b.getI8IntegerAttr(v)));
  };
  // Running unsigned minimum (from 0xFF) and maximum (from 0); the bytes
  // past a row's end read as 127, inside the range.
  SmallVector<Value> bounds =
      forLoop(b, loc, index(b, loc, 0), index(b, loc, type.getDimSize(0)),
              ValueRange{splat(-1), splat(0)},
              [&](OpBuilder &b, Location loc, Value r, ValueRange rowBounds) {
                return forLoop(
                    b, loc, index(b, loc, 0),
                    index(b, loc, llvm::divideCeil(type.getDimSize(1), width)),
                    rowBounds,
                    [&](OpBuilder &b, Location loc, Value i, ValueRange args) {
                      Value bytes = readScaleBytes(
                          b, loc, scales, {r, mulIndex(b, loc, i, width)},
                          width, /*inBounds=*/false);
                      return SmallVector<Value>{
                          arith::MinUIOp::create(b, loc, args[0], bytes),
                          arith::MaxUIOp::create(b, loc, args[1], bytes)};
                    });
              });
  Value lo = vector::ReductionOp::create(b, loc, vector::CombiningKind::MINUI,
                                         bounds[0]);
  Value hi = vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXUI,
                                         bounds[1]);
  auto byte = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI8Type(), v);
  };
  return arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, lo,
                            byte(kAddScaleMin)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, hi,
                            byte(kAddScaleMax)));
}

/// VectorMatmul::addScalesIf for the scales of A and B: an i1, null where
/// the kernel has no block factors.
Value emitAddScalesCheck(OpBuilder &b, Location loc, const VectorMatmul &plan,
                         Value aScales, Value bScales) {
  if (!plan.s.blockScaled || plan.mmla)
    return Value();
  // Folded when both are constants: one kernel.
  return b.createOrFold<arith::AndIOp>(loc, emitScalesInRange(b, loc, aScales),
                                       emitScalesInRange(b, loc, bScales));
}

Value VectorMatmul::emitCompute(OpBuilder &b, Location loc, Value aWords,
                                Value aScalesF, Value bWords, Value bScalesF,
                                Value bCorr, Value acc) const {
  int64_t lastRows = s.m - (tiles - 1) * mr;
  int64_t lastCols = s.n - (panels - 1) * nr;
  int64_t fullTiles = lastRows == mr ? tiles : tiles - 1;
  int64_t fullPanels = lastCols == nr ? panels : panels - 1;
  // The C tile at (p, mt) with its static size (rows, cols).
  auto tileSlice = [&](OpBuilder &b, Location loc, Value c, Value p, Value mt,
                       int64_t rows, int64_t cols) {
    ForallSlice slice;
    slice.offsets = {mulIndex(b, loc, mt, mr), mulIndex(b, loc, p, nr)};
    slice.sizes = staticSizes(b, {rows, cols});
    SmallVector<OpFoldResult> ones(2, b.getIndexAttr(1));
    Value tile = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({rows, cols}, f32()), c, slice.offsets,
        slice.sizes, ones);
    slice.source = emitTile(b, loc, rows, cols, tile, mt, p, aWords, aScalesF,
                            bWords, bScalesF, bCorr);
    return slice;
  };
  // One parallel loop per region of equal tile size: the full tiles, the
  // last panel, the last row tile, and the corner.
  auto region = [&](Value c, int64_t panelCount, int64_t tileCount,
                    int64_t panel, int64_t tile, int64_t rows,
                    int64_t cols) -> Value {
    if (panelCount == 0 || tileCount == 0)
      return c;
    SmallVector<int64_t> counts;
    if (panel < 0)
      counts.push_back(panelCount);
    if (tile < 0)
      counts.push_back(tileCount);
    if (counts.empty()) {
      ForallSlice slice = tileSlice(b, loc, c, index(b, loc, panel),
                                    index(b, loc, tile), rows, cols);
      SmallVector<OpFoldResult> ones(2, b.getIndexAttr(1));
      return tensor::InsertSliceOp::create(b, loc, slice.source, c,
                                           slice.offsets, slice.sizes, ones);
    }
    return forall(
        b, loc, counts, ValueRange{c},
        [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange shared) {
          Value p = panel < 0 ? ivs[0] : index(b, loc, panel);
          Value mt = tile < 0 ? ivs[panel < 0 ? 1 : 0] : index(b, loc, tile);
          return SmallVector<ForallSlice>{
              tileSlice(b, loc, shared[0], p, mt, rows, cols)};
        })[0];
  };
  // The full tiles: one parallel iteration per (chunk of row tiles, group
  // of panels). A chunk of packed A (at most kChunkBytes) stays in L2 while
  // consecutive iterations sweep the panels, so A is read from memory once
  // per chunk rather than once per panel. A group is one panel, whose packed
  // B stays in L1 for all tiles of the chunk, unless C is larger than the
  // caches: then each tile sweeps a group of panels (packed B of at most
  // kPanelGroupBytes, kept in L2) and so reads its C rows left to right,
  // which the hardware prefetches; down a panel they are kilobytes apart
  // and every tile would wait for memory. Chunks are split further until
  // there are 16 iterations to share between threads.
  int64_t tileBytes = packedTileBytes();
  int64_t panelBytes = packedPanelBytes();
  int64_t chunks = 0, groups = 0, groupPanels = 0;
  if (fullTiles > 0 && fullPanels > 0) {
    groupPanels =
        s.m * s.n * 4 <= kCachedCBytes
            ? 1
            : std::clamp<int64_t>(kPanelGroupBytes / panelBytes, 1, fullPanels);
    groups = llvm::divideCeil(fullPanels, groupPanels);
    chunks = std::min<int64_t>(
        llvm::divideCeil(fullTiles * tileBytes, kChunkBytes), fullTiles);
    while (chunks * groups < 16 && chunks < fullTiles)
      ++chunks;
  }
  Value c = acc;
  if (chunks > 0)
    c = forall(
        b, loc, {chunks, groups}, ValueRange{c},
        [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange shared) {
          // Chunk i holds row tiles [i * fullTiles / chunks, (i + 1) *
          // fullTiles / chunks): sizes differ by at most one tile, where
          // ceil-sized chunks left the last one short (1024^3: 22, 22, 22,
          // 19 tiles) and a thread idle at the end of the static schedule.
          Value parts = index(b, loc, chunks);
          Value first = evenSplitBound(b, loc, ivs[0], fullTiles, parts);
          Value last = evenSplitBound(b, loc, addIndex(b, loc, ivs[0], 1),
                                      fullTiles, parts);
          auto count = [&](Value from, Value to, int64_t size) -> OpFoldResult {
            return mulIndex(b, loc, arith::SubIOp::create(b, loc, to, from),
                            size);
          };
          Value p0 = mulIndex(b, loc, ivs[1], groupPanels), p1;
          OpFoldResult width = b.getIndexAttr(nr);
          if (groupPanels > 1) {
            p1 = arith::MinSIOp::create(b, loc,
                                        addIndex(b, loc, p0, groupPanels),
                                        index(b, loc, fullPanels));
            width = count(p0, p1, nr);
          }
          ForallSlice slice;
          slice.offsets = {mulIndex(b, loc, first, mr),
                           mulIndex(b, loc, p0, nr)};
          slice.sizes = {count(first, last, mr), width};
          SmallVector<OpFoldResult> ones(2, b.getIndexAttr(1));
          Value block = tensor::ExtractSliceOp::create(
              b, loc, shared[0], slice.offsets, slice.sizes, ones);
          auto tileAt = [&](OpBuilder &b, Location loc, Value mt, Value p,
                            ValueRange args) {
            SmallVector<OpFoldResult> offsets = {count(first, mt, mr),
                                                 p == p0 ? b.getIndexAttr(0)
                                                         : count(p0, p, nr)};
            SmallVector<OpFoldResult> sizes = staticSizes(b, {mr, nr});
            Value tile = tensor::ExtractSliceOp::create(
                b, loc, RankedTensorType::get({mr, nr}, f32()), args[0],
                offsets, sizes, ones);
            tile = emitTile(b, loc, mr, nr, tile, mt, p, aWords, aScalesF,
                            bWords, bScalesF, bCorr);
            return SmallVector<Value>{tensor::InsertSliceOp::create(
                b, loc, tile, args[0], offsets, sizes, ones)};
          };
          slice.source = forLoop(
              b, loc, first, last, ValueRange{block},
              [&](OpBuilder &b, Location loc, Value mt, ValueRange args) {
                if (groupPanels == 1)
                  return tileAt(b, loc, mt, p0, args);
                return forLoop(
                    b, loc, p0, p1, args,
                    [&](OpBuilder &b, Location loc, Value p, ValueRange args) {
                      return tileAt(b, loc, mt, p, args);
                    });
              })[0];
          return SmallVector<ForallSlice>{slice};
        })[0];
  if (lastCols != nr)
    c = region(c, 1, fullTiles, panels - 1, -1, mr, lastCols);
  if (lastRows != mr)
    c = region(c, fullPanels, 1, -1, tiles - 1, lastRows, nr);
  if (lastCols != nr && lastRows != mr)
    c = region(c, 1, 1, panels - 1, tiles - 1, lastRows, lastCols);
  return c;
}

Value VectorMatmul::emitWorkerCompute(OpBuilder &b, Location loc,
                                      const TileRange &range, Value aFirst,
                                      Value aWords, Value aScalesF,
                                      Value bWords, Value bScalesF, Value bCorr,
                                      Value c) const {
  int64_t lastRows = s.m - (tiles - 1) * mr;
  int64_t lastCols = s.n - (panels - 1) * nr;
  int64_t fullTiles = lastRows == mr ? tiles : tiles - 1;
  int64_t fullPanels = lastCols == nr ? panels : panels - 1;
  Value first = range.first;
  Value end = arith::AddIOp::create(b, loc, first, range.count);
  // The tile (rows x cols) at row tile mt and panel p.
  auto tileAt = [&](OpBuilder &b, Location loc, Value mt, Value p, int64_t rows,
                    int64_t cols, Value c) -> Value {
    SmallVector<OpFoldResult> offsets = {
        mulIndex(b, loc, arith::SubIOp::create(b, loc, mt, first), mr),
        mulIndex(b, loc, p, nr)};
    SmallVector<OpFoldResult> sizes = staticSizes(b, {rows, cols});
    SmallVector<OpFoldResult> ones(2, b.getIndexAttr(1));
    Value tile = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({rows, cols}, f32()), c, offsets, sizes,
        ones);
    Value at = aFirst ? arith::SubIOp::create(b, loc, mt, aFirst) : mt;
    tile = emitTile(b, loc, rows, cols, tile, at, p, aWords, aScalesF, bWords,
                    bScalesF, bCorr);
    return tensor::InsertSliceOp::create(b, loc, tile, c, offsets, sizes, ones);
  };
  // The panels of a row tile.
  auto acrossPanels = [&](OpBuilder &b, Location loc, Value mt, int64_t rows,
                          Value c) {
    if (fullPanels > 0)
      c = forLoop(
          b, loc, index(b, loc, 0), index(b, loc, fullPanels), ValueRange{c},
          [&](OpBuilder &b, Location loc, Value p, ValueRange args) {
            return SmallVector<Value>{tileAt(b, loc, mt, p, rows, nr, args[0])};
          })[0];
    if (lastCols != nr)
      c = tileAt(b, loc, mt, index(b, loc, panels - 1), rows, lastCols, c);
    return c;
  };
  // The worker's full row tiles of a panel.
  Value fullEnd = arith::MinSIOp::create(b, loc, end, index(b, loc, fullTiles));
  auto downPanel = [&](Value p, int64_t cols, Value c) {
    return forLoop(b, loc, first, fullEnd, ValueRange{c},
                   [&](OpBuilder &b, Location loc, Value mt, ValueRange args) {
                     return SmallVector<Value>{
                         tileAt(b, loc, mt, p, mr, cols, args[0])};
                   })[0];
  };
  // Panel by panel (C is in cache, usesWorkers): a panel of packed B stays
  // in L1 (or L2) while the worker's A tiles come from L2. Panel-major and
  // tile-major measured the same at 256x2304x196.
  if (fullPanels > 0)
    c = forLoop(b, loc, index(b, loc, 0), index(b, loc, fullPanels),
                ValueRange{c},
                [&](OpBuilder &b, Location loc, Value p, ValueRange args) {
                  return SmallVector<Value>{downPanel(p, nr, args[0])};
                })[0];
  if (lastCols != nr)
    c = downPanel(index(b, loc, panels - 1), lastCols, c);
  if (lastRows == mr)
    return c;
  // The last row tile, if it is the worker's.
  Value last = index(b, loc, fullTiles);
  Value owns = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, first, last),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, end, last));
  auto ifOp = scf::IfOp::create(
      b, loc, owns,
      [&](OpBuilder &b, Location loc) {
        scf::YieldOp::create(b, loc, acrossPanels(b, loc, last, lastRows, c));
      },
      [&](OpBuilder &b, Location loc) { scf::YieldOp::create(b, loc, c); });
  return ifOp.getResult(0);
}

Value VectorMatmul::emitPanelCompute(OpBuilder &b, Location loc, Value p,
                                     Value firstPanel, int64_t cols,
                                     Value bIndex, Value aWords, Value aScalesF,
                                     Value bWords, Value bScalesF, Value bCorr,
                                     Value c) const {
  int64_t lastRows = s.m - (tiles - 1) * mr;
  int64_t fullTiles = lastRows == mr ? tiles : tiles - 1;
  OpFoldResult col =
      mulIndex(b, loc, arith::SubIOp::create(b, loc, p, firstPanel), nr);
  auto tileAt = [&](OpBuilder &b, Location loc, Value mt, int64_t rows,
                    Value c) -> Value {
    SmallVector<OpFoldResult> offsets = {mulIndex(b, loc, mt, mr), col};
    SmallVector<OpFoldResult> sizes = staticSizes(b, {rows, cols});
    SmallVector<OpFoldResult> ones(2, b.getIndexAttr(1));
    Value tile = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({rows, cols}, f32()), c, offsets, sizes,
        ones);
    tile = emitTile(b, loc, rows, cols, tile, mt, bIndex, aWords, aScalesF,
                    bWords, bScalesF, bCorr);
    return tensor::InsertSliceOp::create(b, loc, tile, c, offsets, sizes, ones);
  };
  if (fullTiles > 0)
    c = forLoop(b, loc, index(b, loc, 0), index(b, loc, fullTiles),
                ValueRange{c},
                [&](OpBuilder &b, Location loc, Value mt, ValueRange args) {
                  return SmallVector<Value>{tileAt(b, loc, mt, mr, args[0])};
                })[0];
  if (lastRows != mr)
    c = tileAt(b, loc, index(b, loc, fullTiles), lastRows, c);
  return c;
}

//===----------------------------------------------------------------------===//
// Compile-time packing of constant operands
//===----------------------------------------------------------------------===//

/// Bits of the f32 factor 2^(byte - 127 - shift) (emitScaleValue).
uint32_t scaleBits(uint8_t byte, int64_t shift) {
  if (byte == 0xFF)
    return 0x7FC00000;
  float f = static_cast<float>(std::ldexp(1.0, int(byte) - 127 - int(shift)));
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

/// The 32-bit word value of an element for the kernels: its integer
/// multiple (integer pairs, a byte; sign-extended by packedWord for i16
/// pairs) or its f32 bits.
uint32_t elementValue(Format format, uint8_t code, bool integer) {
  double v = codeValue(format, code);
  if (integer)
    return static_cast<uint8_t>(
        static_cast<int8_t>(std::lround(v * (1 << integerShift(format)))));
  float f = static_cast<float>(v);
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return std::isnan(v) ? 0x7FC00000 : b;
}

Value constantTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                     Type element, ArrayRef<uint32_t> data) {
  auto type = RankedTensorType::get(shape, element);
  auto attr = DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(reinterpret_cast<const char *>(data.data()),
                           data.size() * 4));
  return arith::ConstantOp::create(b, loc, attr);
}

/// A constant operand as the packings read it, by line (a row of A, a
/// column of B) and K position: the element's 32-bit word value
/// (elementValue: an integer multiple or exact f32 bits; a bf16 value is
/// its f32 widening) and, for MX, the scale byte of its block.
struct ConstantLines {
  std::function<uint32_t(int64_t line, int64_t k)> value;
  std::function<uint8_t(int64_t line, int64_t k)> scale;

  /// Lines of an MX operand; `lineFirst`: stored lines x K.
  static ConstantLines fromMx(std::shared_ptr<const ConstantOperand> c,
                              Format format, bool integer, bool lineFirst) {
    auto at = [lineFirst](int64_t line, int64_t k) {
      return lineFirst ? std::pair(line, k) : std::pair(k, line);
    };
    return {[=](int64_t line, int64_t k) {
              auto [r, col] = at(line, k);
              return elementValue(format, c->code(r, col), integer);
            },
            [=](int64_t line, int64_t k) {
              auto [r, col] = at(line, k);
              return c->scale(r, col);
            }};
  }

  /// Lines of a bf16 operand with `cols` columns.
  static ConstantLines fromBF16(std::shared_ptr<const std::vector<uint16_t>> v,
                                int64_t cols, bool lineFirst) {
    return {[=](int64_t line, int64_t k) {
              int64_t at = lineFirst ? line * cols + k : k * cols + line;
              return static_cast<uint32_t>((*v)[at]) << 16;
            },
            nullptr};
  }
};

/// A word of emitPackA / emitPackB: values j of `perWord` K positions from
/// `k0 + first` of `line`, zero past the block and past K (bf16 pairs: the
/// high halves of the f32 bits, two per word).
uint32_t packedWord(const VectorMatmul &plan, const ConstantLines &lines,
                    int64_t line, int64_t k0, int64_t first, bool isA) {
  const MatmulShape &s = plan.s;
  uint32_t word = 0;
  for (int64_t j = 0; j < plan.perWord; ++j) {
    int64_t i = first + j;
    uint32_t v = 0;
    if (i < s.block && k0 + i < s.k) {
      v = lines.value(line, k0 + i);
      // bf16 pairs hold the high halves of the f32 bits (exact for MX
      // element values).
      if (!s.integer && plan.perWord == 2)
        v >>= 16;
      if (plan.i16Pairs)
        v = static_cast<uint16_t>(static_cast<int8_t>(v));
    }
    // The u8 offset of mx.dot_i8 on the A side.
    if (isA && plan.usesU8Offset())
      v = (v ^ 0x80) & 0xFF;
    word |= v << (32 / plan.perWord * j);
  }
  return word;
}

/// The packed A of emitPackA, computed here from constant storage.
Value packConstantA(OpBuilder &b, Location loc, const VectorMatmul &plan,
                    const ConstantLines &a, Value &packedScales) {
  const MatmulShape &s = plan.s;
  std::vector<uint32_t> words(plan.tiles * s.blocks * plan.mr * plan.words, 0);
  std::vector<uint32_t> scales(plan.tiles * plan.mr * s.blocks, 0);
  for (int64_t m = 0; m < s.m; ++m) {
    int64_t mt = m / plan.mr, r = m % plan.mr;
    for (int64_t kb = 0; kb < s.blocks; ++kb) {
      int64_t k0 = kb * s.block;
      if (s.blockScaled)
        scales[(mt * plan.mr + r) * s.blocks + kb] =
            scaleBits(a.scale(m, k0), s.shiftA);
      for (int64_t g = 0; g < plan.words; ++g)
        words[((mt * s.blocks + kb) * plan.mr + r) * plan.words + g] =
            packedWord(plan, a, m, k0, g * plan.perWord, /*isA=*/true);
    }
  }
  if (s.blockScaled)
    packedScales = constantTensor(b, loc, {plan.tiles, plan.mr, s.blocks},
                                  b.getF32Type(), scales);
  return constantTensor(b, loc, {plan.tiles, s.blocks, plan.mr, plan.words},
                        b.getI32Type(), words);
}

/// The packed B of emitPackB, computed here from constant storage.
Value packConstantB(OpBuilder &b, Location loc, const VectorMatmul &plan,
                    const ConstantLines &bo, Value &packedScales,
                    Value &corrections) {
  const MatmulShape &s = plan.s;
  int64_t panels = plan.panels;
  std::vector<uint32_t> words(panels * s.blocks * plan.words * plan.nr, 0);
  std::vector<uint32_t> scales(panels * s.blocks * plan.nr, 0);
  std::vector<uint32_t> corr(panels * s.blocks * plan.nr, 0);
  for (int64_t n = 0; n < s.n; ++n) {
    int64_t p = n / plan.nr, c = n % plan.nr;
    for (int64_t kb = 0; kb < s.blocks; ++kb) {
      int64_t k0 = kb * s.block;
      if (s.blockScaled)
        scales[(p * s.blocks + kb) * plan.nr + c] =
            scaleBits(bo.scale(n, k0), s.shiftB);
      int32_t sum = 0;
      for (int64_t g = 0; g < plan.words; ++g) {
        uint32_t word =
            packedWord(plan, bo, n, k0, g * plan.perWord, /*isA=*/false);
        for (int64_t j = 0; plan.usesU8Offset() && j < plan.perWord; ++j)
          sum += static_cast<int8_t>(word >> (8 * j));
        words[((p * s.blocks + kb) * plan.words + g) * plan.nr + c] = word;
      }
      corr[(p * s.blocks + kb) * plan.nr + c] =
          static_cast<uint32_t>(-128 * sum);
    }
  }
  if (s.blockScaled)
    packedScales = constantTensor(b, loc, {panels, s.blocks, plan.nr},
                                  b.getF32Type(), scales);
  if (plan.usesU8Offset())
    corrections = constantTensor(b, loc, {panels, s.blocks, plan.nr},
                                 b.getI32Type(), corr);
  return constantTensor(b, loc, {panels, s.blocks, plan.words, plan.nr},
                        b.getI32Type(), words);
}

/// The packed lines of emitPackLinesMmla (`count` lines in tiles of
/// `width`), computed here from constant storage.
Value packConstantLinesMmla(OpBuilder &b, Location loc,
                            const VectorMatmul &plan,
                            const ConstantLines &lines, int64_t count,
                            int64_t width, int64_t shift, Value &packedScales) {
  const MatmulShape &s = plan.s;
  int64_t lineTiles = (count + width - 1) / width;
  int64_t groupValues = width * plan.perGroup;
  // Little-endian storage of the s8 or bf16 values.
  int64_t valueBytes = s.integer ? 1 : 2;
  std::vector<char> raw(
      lineTiles * s.blocks * plan.groups * groupValues * valueBytes, 0);
  std::vector<uint32_t> scales(lineTiles * s.blocks * width, 0);
  for (int64_t line = 0; line < count; ++line) {
    int64_t lt = line / width, r = line % width;
    for (int64_t kb = 0; kb < s.blocks; ++kb) {
      int64_t k0 = kb * s.block;
      if (s.blockScaled)
        scales[(lt * s.blocks + kb) * width + r] =
            scaleBits(lines.scale(line, k0), shift);
      for (int64_t i = 0; i < s.block && k0 + i < s.k; ++i) {
        int64_t at = ((lt * s.blocks + kb) * plan.groups + i / plan.perGroup) *
                         groupValues +
                     plan.perGroup * r + i % plan.perGroup;
        // An s8 integer multiple, or the high half of exact f32 bits.
        uint32_t value = lines.value(line, k0 + i);
        if (!s.integer)
          value >>= 16;
        for (int64_t byteIndex = 0; byteIndex < valueBytes; ++byteIndex)
          raw[at * valueBytes + byteIndex] =
              static_cast<char>(value >> (8 * byteIndex));
      }
    }
  }
  if (s.blockScaled)
    packedScales = constantTensor(b, loc, {lineTiles, s.blocks, width},
                                  b.getF32Type(), scales);
  auto wordsType = RankedTensorType::get(
      {lineTiles, s.blocks, plan.groups, groupValues}, plan.lineElement());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::getFromRawBuffer(wordsType, raw));
}

/// The position `i * step`: static if `i` is.
OpFoldResult times(OpBuilder &b, Location loc, OpFoldResult i, int64_t step) {
  if (std::optional<int64_t> c = getConstantIntValue(i))
    return b.getIndexAttr(*c * step);
  return mulIndex(b, loc, cast<Value>(i), step);
}

/// Positions [k0, k0 + kc) along dimension `dim` of a rank-2 tensor: a
/// constant if `matrix` is one and `k0` is static (so that a chunk of a
/// weight is still packed at compile time), else a tensor.extract_slice.
Value sliceAlong(OpBuilder &b, Location loc, Value matrix, int64_t dim,
                 OpFoldResult at, int64_t kc) {
  auto type = cast<RankedTensorType>(matrix.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = kc;
  auto sliceType = RankedTensorType::get(shape, type.getElementType());
  DenseElementsAttr value;
  std::optional<int64_t> k0 = getConstantIntValue(at);
  if (k0 && matchPattern(matrix, m_Constant(&value))) {
    if (value.isSplat())
      return arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(sliceType, value.getSplatValue<Attribute>()));
    // Row-major storage of whole bytes (i8 elements, E8M0 scales, bf16).
    int64_t bytes = type.getElementTypeBitWidth() / 8;
    ArrayRef<char> raw = value.getRawData();
    std::vector<char> part;
    part.reserve(shape[0] * shape[1] * bytes);
    for (int64_t r = 0; r < shape[0]; ++r) {
      int64_t row = dim == 0 ? *k0 + r : r, col = dim == 1 ? *k0 : 0;
      const char *first = raw.data() + (row * type.getDimSize(1) + col) * bytes;
      part.insert(part.end(), first, first + shape[1] * bytes);
    }
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::getFromRawBuffer(sliceType, part));
  }
  SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0));
  offsets[dim] = at;
  SmallVector<OpFoldResult> ones(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, sliceType, matrix, offsets,
                                        staticSizes(b, shape), ones);
}

/// An mx.matmul operand cut into K chunks (splitIntoKChunks): a bf16 tensor, or
/// an !mx.tensor whose element bytes and scales are sliced alike (whole blocks:
/// packing runs along the blocked axis).
class KSlicer {
public:
  /// `kDim`: the dimension along K of the operand as stored.
  KSlicer(OpBuilder &b, Location loc, Value operand, int64_t kDim)
      : operand(operand), type(dyn_cast<MxTensorType>(operand.getType())),
        kDim(kDim) {
    if (!type)
      return;
    if (auto assemble = operand.getDefiningOp<AssembleOp>()) {
      // Keeps constant parts visible to the chunks' compile-time packing.
      elements = assemble.getElements();
      scales = assemble.getScales();
      return;
    }
    auto parts = DisassembleOp::create(b, loc, type.getPackedTensorType(),
                                       type.getScalesTensorType(), operand);
    elements = parts.getElements();
    scales = parts.getScales();
  }

  /// The operand's scales (null for bf16).
  Value getScales() const { return scales; }

  /// Whether the operand is known at compile time.
  bool isConstant() const {
    return type ? matchPattern(elements, m_Constant()) &&
                      matchPattern(scales, m_Constant())
                : matchPattern(operand, m_Constant());
  }

  /// K positions [i * chunk, i * chunk + kc), `chunk` whole blocks.
  Value slice(OpBuilder &b, Location loc, OpFoldResult i, int64_t chunk,
              int64_t kc) const {
    auto [values, chunkScales] = sliceParts(b, loc, i, chunk, kc);
    if (!type)
      return values;
    return AssembleOp::create(b, loc, withBlockedExtent(type, kc), values,
                              chunkScales);
  }

  /// The parts of slice(): element bytes and scales of an !mx.tensor, or
  /// the bf16 tensor and a null scales value.
  std::pair<Value, Value> sliceParts(OpBuilder &b, Location loc, OpFoldResult i,
                                     int64_t chunk, int64_t kc) const {
    if (!type)
      return {sliceAlong(b, loc, operand, kDim, times(b, loc, i, chunk), kc),
              Value()};
    int64_t bits = type.getElementBits(), block = type.getBlockSize();
    return {sliceAlong(b, loc, elements, kDim,
                       times(b, loc, i, chunk * bits / 8), kc * bits / 8),
            sliceAlong(b, loc, scales, kDim, times(b, loc, i, chunk / block),
                       kc / block)};
  }

private:
  Value operand, elements, scales;
  MxTensorType type;
  int64_t kDim;
};

/// The run-time operands of a product split into K chunks of `chunk`
/// positions (whole blocks) inside one worker loop.
struct KChunks {
  KSlicer a, b;
  int64_t chunk;
};

/// Every mx.matmul on a fixed-width target (x86-64-amx's AMX pattern has
/// the higher benefit for the products it takes).
struct MxMatmulToVector : OpRewritePattern<MatmulOp> {
  MxMatmulToVector(MLIRContext *ctx, VectorTarget target, bool dotBF16)
      : OpRewritePattern(ctx), target(target), dotBF16(dotBF16) {}

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    VectorMatmul plan(op, target, dotBF16);
    if (plan.usesKChunks()) {
      // K runs along the blocked axis of an MX operand, along the columns
      // of a bf16 A and the rows of a bf16 B.
      const MatmulShape &s = plan.s;
      KChunks chunks{
          KSlicer(rewriter, loc, op.getA(), s.aType ? s.aType.getAxis() : 1),
          KSlicer(rewriter, loc, op.getB(), s.bType ? s.bType.getAxis() : 0),
          plan.chunkK()};
      if (chunks.a.isConstant() || chunks.b.isConstant() ||
          !plan.withK(chunks.chunk).usesWorkers())
        return splitIntoKChunks(op, plan, chunks, rewriter);
      Value acc = fillAccumulator(op.getAcc(), plan);
      rewriter.replaceOp(op, emitWorkers(rewriter, loc, plan, std::nullopt,
                                         std::nullopt, acc, &chunks));
      return success();
    }
    Value acc = fillAccumulator(op.getAcc(), plan);
    if (op.isBlockScaled()) {
      auto aParts = DisassembleOp::create(
          rewriter, loc, plan.s.aType.getPackedTensorType(),
          plan.s.aType.getScalesTensorType(), op.getA());
      auto bParts = DisassembleOp::create(
          rewriter, loc, plan.s.bType.getPackedTensorType(),
          plan.s.bType.getScalesTensorType(), op.getB());
      plan.aElements = aParts.getElements();
      plan.aScales = aParts.getScales();
      plan.bElements = bParts.getElements();
      plan.bScales = bParts.getScales();
    } else {
      plan.aElements = op.getA();
      plan.bElements = op.getB();
    }
    // A constant operand (a weight), to pack at compile time. `lineFirst`:
    // stored lines (rows of A, columns of B) x K.
    const MatmulShape &s = plan.s;
    auto constant = [&](Value operand, MxTensorType type,
                        bool lineFirst) -> std::optional<ConstantLines> {
      if (type) {
        std::optional<ConstantOperand> c = getConstantOperand(operand, type);
        if (!c)
          return std::nullopt;
        return ConstantLines::fromMx(
            std::make_shared<const ConstantOperand>(std::move(*c)),
            type.getFormat(), s.integer, lineFirst);
      }
      std::optional<std::vector<uint16_t>> bits = getConstantBF16(operand);
      if (!bits)
        return std::nullopt;
      int64_t cols = cast<RankedTensorType>(operand.getType()).getDimSize(1);
      return ConstantLines::fromBF16(
          std::make_shared<const std::vector<uint16_t>>(std::move(*bits)), cols,
          lineFirst);
    };
    // A read in place needs no packing, constant or not.
    std::optional<ConstantLines> constA =
        plan.aInPlace ? std::nullopt : constant(op.getA(), s.aType, !s.ta);
    std::optional<ConstantLines> constB = constant(op.getB(), s.bType, s.tb);
    Value aScalesF, bScalesF, bCorr, aWords, bWords;
    if (plan.mmla) {
      aWords = constA
                   ? packConstantLinesMmla(rewriter, loc, plan, *constA, s.m,
                                           plan.mr, s.shiftA, aScalesF)
                   : plan.emitPackLinesMmla(rewriter, loc, plan.aElements,
                                            plan.aScales, s.aType, s.m, plan.mr,
                                            !s.ta, s.shiftA, aScalesF);
      bWords = constB
                   ? packConstantLinesMmla(rewriter, loc, plan, *constB, s.n,
                                           plan.nr, s.shiftB, bScalesF)
                   : plan.emitPackLinesMmla(rewriter, loc, plan.bElements,
                                            plan.bScales, s.bType, s.n, plan.nr,
                                            s.tb, s.shiftB, bScalesF);
    } else if (plan.usesWorkers()) {
      rewriter.replaceOp(op,
                         emitWorkers(rewriter, loc, plan, constA, constB, acc));
      return success();
    } else if (plan.usesPanelWorkers()) {
      rewriter.replaceOp(
          op, emitPanelWorkers(rewriter, loc, plan, constA, constB, acc));
      return success();
    } else {
      aWords =
          plan.aInPlace ? plan.aElements
          : constA
              ? packConstantA(rewriter, loc, plan, *constA, aScalesF)
              : plan.emitPackA(rewriter, loc,
                               emptyTensors(rewriter, loc, plan.packedATypes()),
                               aScalesF);
      bWords =
          constB
              ? packConstantB(rewriter, loc, plan, *constB, bScalesF, bCorr)
              : plan.emitPackB(rewriter, loc,
                               emptyTensors(rewriter, loc, plan.packedBTypes()),
                               bScalesF, bCorr);
    }
    plan.addScalesIf =
        emitAddScalesCheck(rewriter, loc, plan, plan.aScales, plan.bScales);
    Value result = plan.emitCompute(rewriter, loc, aWords, aScalesF, bWords,
                                    bScalesF, bCorr, acc);
    rewriter.replaceOp(op, result);
    return success();
  }

  /// The tensor to write C into. An accumulator filled with one f32 value
  /// (C = A B after mx-bf16 or mx-quantize is a zero fill) is not read:
  /// the tiles start from the value (plan.accFill) and write the filled
  /// tensor, so the fill, a serial memset of all of C, goes away and no
  /// tile waits for C's lines. The same bits: each tile adds to the value
  /// the fill would have stored.
  static Value fillAccumulator(Value acc, VectorMatmul &plan) {
    auto fill = acc.getDefiningOp<linalg::FillOp>();
    if (!fill)
      return acc;
    plan.accFill = fill.getInputs()[0];
    return fill.getOutputs()[0];
  }

  /// Buffers shaped like the packed tensors `types`, with a leading
  /// dimension of `copies` if given.
  static SmallVector<Value> allocate(OpBuilder &b, Location loc,
                                     ArrayRef<RankedTensorType> types,
                                     Value copies) {
    SmallVector<Value> buffers;
    for (RankedTensorType type : types) {
      SmallVector<int64_t> shape(type.getShape());
      if (copies)
        shape.insert(shape.begin(), ShapedType::kDynamic);
      buffers.push_back(memref::AllocOp::create(
          b, loc, MemRefType::get(shape, type.getElementType()),
          copies ? ValueRange{copies} : ValueRange{}, b.getI64IntegerAttr(64)));
    }
    return buffers;
  }

  /// The part [offset, offset + size) along dimension 0 of a buffer as a
  /// writable tensor (`dropFirst`: without that dimension, size 1).
  static Value writablePart(OpBuilder &b, Location loc, Value buffer,
                            OpFoldResult offset, OpFoldResult size,
                            bool dropFirst) {
    auto type = cast<MemRefType>(buffer.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
    offsets[0] = offset;
    SmallVector<OpFoldResult> sizes = staticSizes(b, type.getShape());
    sizes[0] = size;
    SmallVector<OpFoldResult> ones(type.getRank(), b.getIndexAttr(1));
    ArrayRef<int64_t> shape = type.getShape().drop_front();
    Value view;
    if (dropFirst)
      view = memref::SubViewOp::create(
          b, loc,
          memref::SubViewOp::inferRankReducedResultType(shape, type, offsets,
                                                        sizes, ones),
          buffer, offsets, sizes, ones);
    else
      view = memref::SubViewOp::create(b, loc, buffer, offsets, sizes, ones);
    auto viewType = cast<MemRefType>(view.getType());
    return bufferization::ToTensorOp::create(
        b, loc,
        RankedTensorType::get(viewType.getShape(), viewType.getElementType()),
        view, /*restrict=*/true, /*writable=*/true);
  }

  /// Worker w's parts (dimension 0 index w) of `buffers` as writable tensors.
  static SmallVector<Value> workerParts(OpBuilder &b, Location loc,
                                        ArrayRef<Value> buffers, Value w) {
    SmallVector<Value> parts;
    for (Value buffer : buffers)
      parts.push_back(writablePart(b, loc, buffer, w, b.getIndexAttr(1),
                                   /*dropFirst=*/true));
    return parts;
  }

  /// One scf.forall iteration per worker (`workers`) on the shared output
  /// `acc`; worker `w` takes units [first, end) of `units`, split evenly.
  struct WorkerLoop {
    scf::ForallOp op;
    Value shared, first, end;
    SmallVector<OpFoldResult> offsets, sizes;

    /// The worker's part of the output, at `offsets` x `sizes` (kept for
    /// finish()).
    Value part(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> at,
               ArrayRef<OpFoldResult> extent) {
      offsets.assign(at.begin(), at.end());
      sizes.assign(extent.begin(), extent.end());
      SmallVector<OpFoldResult> ones(offsets.size(), b.getIndexAttr(1));
      return tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes,
                                            ones);
    }
    /// Ends the loop: the worker's part `c` goes back where part() took it.
    Value finish(OpBuilder &b, Location loc, Value c) {
      b.setInsertionPointToStart(op.getTerminator().getBody());
      SmallVector<OpFoldResult> ones(offsets.size(), b.getIndexAttr(1));
      tensor::ParallelInsertSliceOp::create(b, loc, c, shared, offsets, sizes,
                                            ones);
      return op.getResult(0);
    }
  };
  /// Creates the loop and puts the builder in its body (the caller keeps an
  /// InsertionGuard).
  static WorkerLoop beginWorkerLoop(OpBuilder &b, Location loc, Value workers,
                                    Value acc, int64_t units) {
    auto forallOp = scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{workers}, ValueRange{acc}, std::nullopt);
    b.setInsertionPoint(forallOp.getBody()->getTerminator());
    Value w = forallOp.getInductionVar(0);
    WorkerLoop loop;
    loop.op = forallOp;
    loop.shared = forallOp.getRegionIterArgs()[0];
    loop.first = evenSplitBound(b, loc, w, units, workers);
    loop.end = evenSplitBound(b, loc, addIndex(b, loc, w, 1), units, workers);
    return loop;
  }

  /// VectorMatmul::usesPanelWorkers: one scf.forall iteration per worker,
  /// each packing its own copy of A and its panels of B (into its part of
  /// one buffer), then computing the tiles down those panels; the worker
  /// whose panels end at the last one packs and computes the last, partial
  /// panel (scf.if). Constant operands are packed at compile time, and A
  /// read in place is not packed. Buffers as in emitWorkers.
  Value emitPanelWorkers(OpBuilder &b, Location loc, const VectorMatmul &plan,
                         const std::optional<ConstantLines> &constA,
                         const std::optional<ConstantLines> &constB,
                         Value acc) const {
    const MatmulShape &s = plan.s;
    Value aScalesF, bScalesF, bCorr, aWords, bWords;
    if (plan.aInPlace)
      aWords = plan.aElements;
    else if (constA)
      aWords = packConstantA(b, loc, plan, *constA, aScalesF);
    if (constB)
      bWords = packConstantB(b, loc, plan, *constB, bScalesF, bCorr);
    VectorMatmul kernel = plan;
    kernel.addScalesIf =
        emitAddScalesCheck(b, loc, plan, plan.aScales, plan.bScales);
    Value workers = WorkerCountOp::create(b, loc, b.getIndexType());
    SmallVector<Value> aBuffers, bBuffers;
    if (!aWords)
      aBuffers = allocate(b, loc, plan.packedATypes(), workers);
    if (!bWords)
      bBuffers = allocate(b, loc, plan.packedBTypes(), /*copies=*/nullptr);
    OpBuilder::InsertionGuard guard(b);
    // Worker w: panels [w * panels / workers, (w + 1) * panels / workers);
    // the last worker has at least one, the last.
    WorkerLoop loop = beginWorkerLoop(b, loc, workers, acc, plan.panels);
    Value w = loop.op.getInductionVar(0);
    Value first = loop.first, end = loop.end;
    int64_t lastCols = s.n - (plan.panels - 1) * plan.nr;
    int64_t fullPanels = lastCols == plan.nr ? plan.panels : plan.panels - 1;
    Value fullEnd =
        arith::MinSIOp::create(b, loc, end, index(b, loc, fullPanels));
    Value last = index(b, loc, plan.panels - 1);
    Value ownsLast =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, end, last);
    // Runs `body` (yielding `values`) if this worker owns the last, partial
    // panel.
    auto ifOwnsLast = [&](ValueRange values,
                          function_ref<SmallVector<Value>()> body) {
      if (lastCols == plan.nr)
        return SmallVector<Value>(values);
      auto ifOp = scf::IfOp::create(
          b, loc, ownsLast,
          [&](OpBuilder &b, Location loc) {
            scf::YieldOp::create(b, loc, body());
          },
          [&](OpBuilder &b, Location loc) {
            scf::YieldOp::create(b, loc, values);
          });
      return SmallVector<Value>(ifOp.getResults());
    };
    Value aW = aWords, aS = aScalesF;
    if (!aWords) {
      TileRange all{index(b, loc, 0), index(b, loc, plan.tiles)};
      aW = plan.emitPackA(b, loc, workerParts(b, loc, aBuffers, w), aS, &all);
    }
    // The worker's panels of B, packed into its part of the buffer before
    // any is read: a panel packed just before the tiles down it read it
    // was 8% faster on one thread, but 25% slower on two.
    Value bW = bWords, bS = bScalesF, corr = bCorr, bOrigin = index(b, loc, 0);
    if (!bWords) {
      SmallVector<Value> parts;
      OpFoldResult count =
          arith::SubIOp::create(b, loc, end, first).getResult();
      for (Value buffer : bBuffers)
        parts.push_back(writablePart(b, loc, buffer, first, count,
                                     /*dropFirst=*/false));
      auto pack = [&](Value from, Value count, bool masked,
                      ValueRange outputs) {
        return forUnits(
            b, loc, from, count, first, outputs,
            [&](OpBuilder &b, Location loc, Value p, ValueRange slices) {
              return plan.emitPackBPanel(b, loc, p, masked, slices);
            });
      };
      parts = pack(first, arith::SubIOp::create(b, loc, fullEnd, first), false,
                   parts);
      parts = ifOwnsLast(
          parts, [&] { return pack(last, index(b, loc, 1), true, parts); });
      bW = parts[0];
      if (s.blockScaled)
        bS = parts[1];
      if (plan.usesU8Offset())
        corr = parts[2];
      bOrigin = first;
    }
    auto panel = [&](OpBuilder &b, Location loc, Value p, int64_t cols,
                     Value c) {
      return kernel.emitPanelCompute(b, loc, p, first, cols,
                                     arith::SubIOp::create(b, loc, p, bOrigin),
                                     aW, aS, bW, bS, corr, c);
    };
    // The worker's columns of C.
    auto column = [&](Value p) -> Value {
      return arith::MinSIOp::create(b, loc, mulIndex(b, loc, p, plan.nr),
                                    index(b, loc, s.n));
    };
    Value col0 = column(first);
    Value c = loop.part(
        b, loc, {b.getIndexAttr(0), col0},
        {b.getIndexAttr(s.m),
         arith::SubIOp::create(b, loc, column(end), col0).getResult()});
    c = forLoop(b, loc, first, fullEnd, ValueRange{c},
                [&](OpBuilder &b, Location loc, Value p, ValueRange args) {
                  return SmallVector<Value>{panel(b, loc, p, plan.nr, args[0])};
                })[0];
    c = ifOwnsLast(c, [&] {
      return SmallVector<Value>{panel(b, loc, last, lastCols, c)};
    })[0];
    return loop.finish(b, loc, c);
  }

  /// VectorMatmul::usesWorkers: one scf.forall iteration per worker, each
  /// packing its share of A's row tiles and its own copy of B, and
  /// computing its rows of C. Constant operands are packed once, at compile
  /// time. The packing buffers are allocated before the loop (one copy of B
  /// per worker) and each worker takes its part as a writable tensor: an
  /// allocation inside the loop body would get no deallocation from the
  /// ownership-based buffer deallocation.
  ///
  /// With `chunks` (a product of run-time operands split into K chunks,
  /// VectorMatmul::usesKChunks, whose chunks split by rows), each worker
  /// goes through the chunks in order inside the one loop: pack its rows of
  /// the chunk of A and its copy of the chunk of B, add the chunk to its
  /// rows of C. The same bits as one mx.matmul per chunk (splitIntoKChunks),
  /// with one fork and join per call instead of one per chunk, and no
  /// worker waits for the other between chunks.
  Value emitWorkers(OpBuilder &b, Location loc, const VectorMatmul &plan,
                    const std::optional<ConstantLines> &constA,
                    const std::optional<ConstantLines> &constB, Value acc,
                    const KChunks *chunks = nullptr) const {
    const MatmulShape &s = plan.s;
    // Operands packed before the loop (read in place, or constant).
    Value aScalesF, bScalesF, bCorr, aWords, bWords;
    if (constA && !plan.aInPlace)
      aWords = packConstantA(b, loc, plan, *constA, aScalesF);
    if (constB)
      bWords = packConstantB(b, loc, plan, *constB, bScalesF, bCorr);
    Value addScalesIf = emitAddScalesCheck(
        b, loc, plan, chunks ? chunks->a.getScales() : plan.aScales,
        chunks ? chunks->b.getScales() : plan.bScales);
    Value workers = WorkerCountOp::create(b, loc, b.getIndexType());
    // Packing buffers per K extent (the whole K, or a chunk and the last
    // chunk), reused by every chunk of that extent.
    struct Buffers {
      SmallVector<Value> a, b;
    };
    std::map<int64_t, Buffers> buffers;
    SmallVector<int64_t> extents = {chunks ? chunks->chunk : s.k};
    if (chunks && s.k % chunks->chunk != 0)
      extents.push_back(s.k % chunks->chunk);
    for (int64_t extent : extents) {
      VectorMatmul part = plan.withK(extent);
      if (!aWords && !plan.aInPlace)
        buffers[extent].a = allocate(b, loc, part.packedATypes(), Value());
      if (!bWords)
        buffers[extent].b = allocate(b, loc, part.packedBTypes(), workers);
    }
    OpBuilder::InsertionGuard guard(b);
    // Worker w: row tiles [w * tiles / workers, (w + 1) * tiles / workers).
    WorkerLoop loop = beginWorkerLoop(b, loc, workers, acc, plan.tiles);
    Value w = loop.op.getInductionVar(0);
    Value first = loop.first, end = loop.end;
    TileRange range{first, arith::SubIOp::create(b, loc, end, first)};
    // Packs what `p` (the whole product or one chunk) needs and adds it to
    // the worker's rows of C.
    auto compute = [&](OpBuilder &b, const VectorMatmul &p, Value c) {
      Value aS = aScalesF, bS = bScalesF, corr = bCorr, aW = aWords,
            bW = bWords, aFirst;
      const Buffers &own = buffers[p.s.k];
      if (p.aInPlace) {
        aW = p.aElements;
      } else if (!aW) {
        SmallVector<Value> inits;
        for (Value buffer : own.a)
          inits.push_back(
              writablePart(b, loc, buffer, first, range.count, false));
        aW = p.emitPackA(b, loc, inits, aS, &range);
        aFirst = first;
      }
      if (!bW)
        bW = p.emitPackB(b, loc, workerParts(b, loc, own.b, w), bS, corr,
                         /*sequential=*/true);
      VectorMatmul kernel = p;
      kernel.addScalesIf = addScalesIf;
      return kernel.emitWorkerCompute(b, loc, range, aFirst, aW, aS, bW, bS,
                                      corr, c);
    };
    // The worker's rows of C.
    auto row = [&](Value tile) -> Value {
      return arith::MinSIOp::create(b, loc, mulIndex(b, loc, tile, plan.mr),
                                    index(b, loc, s.m));
    };
    Value row0 = row(first);
    Value c =
        loop.part(b, loc, {row0, b.getIndexAttr(0)},
                  {arith::SubIOp::create(b, loc, row(end), row0).getResult(),
                   b.getIndexAttr(s.n)});
    if (!chunks) {
      c = compute(b, plan, c);
    } else {
      // The product over chunk i, K positions [i * chunk, i * chunk + kc);
      // only the first chunk starts from a fill accumulator.
      int64_t chunk = chunks->chunk;
      auto chunkPlan = [&](OpBuilder &b, OpFoldResult i, int64_t kc) {
        VectorMatmul p = plan.withK(kc);
        if (getConstantIntValue(i) != 0)
          p.accFill = Value();
        std::tie(p.aElements, p.aScales) =
            chunks->a.sliceParts(b, loc, i, chunk, kc);
        std::tie(p.bElements, p.bScales) =
            chunks->b.sliceParts(b, loc, i, chunk, kc);
        return p;
      };
      int64_t whole = s.k / chunk, next = 0;
      if (plan.accFill)
        c = compute(b, chunkPlan(b, b.getIndexAttr(next++), chunk), c);
      if (next < whole)
        c = forLoop(b, loc, index(b, loc, next), index(b, loc, whole),
                    ValueRange{c},
                    [&](OpBuilder &b, Location, Value i, ValueRange args) {
                      return SmallVector<Value>{
                          compute(b, chunkPlan(b, i, chunk), args[0])};
                    })[0];
      if (s.k % chunk != 0)
        c = compute(b, chunkPlan(b, b.getIndexAttr(whole), s.k % chunk), c);
    }
    return loop.finish(b, loc, c);
  }

  /// One mx.matmul per K chunk (VectorMatmul::usesKChunks), in order, each
  /// accumulating into the previous one's result. Chunks are whole blocks
  /// (even K positions for bf16), and every block is added to the result in
  /// order, so the bits are those of the whole product. The whole chunks of
  /// run-time operands are one loop (one copy of the kernel); a constant
  /// operand is sliced into constants instead, so that each chunk still
  /// packs it at compile time.
  LogicalResult splitIntoKChunks(MatmulOp op, const VectorMatmul &plan,
                                 const KChunks &operands,
                                 PatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    const MatmulShape &s = plan.s;
    const KSlicer &a = operands.a, &b = operands.b;
    int64_t chunk = operands.chunk;
    // The product over chunk i, K positions [i * chunk, i * chunk + kc).
    auto product = [&](OpBuilder &builder, OpFoldResult i, int64_t kc,
                       Value acc) {
      auto part = MatmulOp::create(builder, loc, acc.getType(),
                                   a.slice(builder, loc, i, chunk, kc),
                                   b.slice(builder, loc, i, chunk, kc), acc);
      part->setAttrs(op->getAttrDictionary()); // transposes, `unordered`
      return part.getResult();
    };
    int64_t chunks = llvm::divideCeil(s.k, chunk), first = 0, looped = 0;
    Value acc = op.getAcc();
    if (!a.isConstant() && !b.isConstant()) {
      // A fill accumulator stays with the first chunk, which then need not
      // read C (fillAccumulator).
      if (acc.getDefiningOp<linalg::FillOp>())
        acc = product(rewriter, rewriter.getIndexAttr(first++), chunk, acc);
      looped = s.k / chunk; // the whole chunks
      acc = forLoop(
          rewriter, loc, index(rewriter, loc, first),
          index(rewriter, loc, looped), ValueRange{acc},
          [&](OpBuilder &builder, Location, Value i, ValueRange args) {
            return SmallVector<Value>{product(builder, i, chunk, args[0])};
          })[0];
    }
    for (int64_t i = looped; i < chunks; ++i)
      acc = product(rewriter, rewriter.getIndexAttr(i),
                    std::min(chunk, s.k - i * chunk), acc);
    rewriter.replaceOp(op, acc);
    return success();
  }

  VectorTarget target;
  bool dotBF16;
};

} // namespace

void mx::populateMxBlockMatmulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MxMatmulToLinalg>(patterns.getContext());
}

void mx::populateMxBlockMatmulToVectorPatterns(RewritePatternSet &patterns,
                                               VectorTarget target,
                                               bool dotBF16) {
  patterns.add<MxMatmulToVector>(patterns.getContext(), target, dotBF16);
}
