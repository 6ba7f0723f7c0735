//===- AmxMatmulLowering.cpp - mx.matmul unordered on Intel AMX ---------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The x86-64-amx lowering of `mx.matmul ... unordered` for bf16 x bf16 and
// for MX pairs with an FP8 or E3M2 operand (integer MX pairs keep their exact
// VNNI kernel, MxMatmulLowering.cpp). The op's description states what
// `unordered` allows; this lowering uses it for AMX-BF16 (tdpbf16ps), whose
// internal order is not a sequence of pairs.
//
// 1. Packing (scf.forall on tensors, like the ordered kernel): every element
//    times its block scale is a bf16 value (exact in bf16's normal range, see
//    the op description), so A becomes row tiles tensor<MT x KT x 16 x 32 x
//    bf16> (16 rows of 32 consecutive k each, 1 KiB contiguous per tile) and
//    B column tiles tensor<NT x KT x 16 x 32 x bf16> in the VNNI pair layout
//    (row p, column n holds k = 2p and 2p + 1), NT even. FP8 codes decode
//    through f16, one scale factor per 32 k. K, M and N are padded with
//    zeros to whole tiles. Constant MX operands (weights) are packed at
//    compile time; bf16 A with whole tiles is read in place.
// 2. Compute on the packed buffers (bufferization.to_buffer) and on the
//    accumulator's buffer, updated in place: blocks of 2 x 2 C tiles of 16 x
//    16 f32 stay in four AMX tiles across a K chunk of up to 768, 288 in the
//    fused path below (two A and two B tile loads per four tdpbf16ps). Row
//    blocks are grouped so that their packed A stays in L2 while one parallel
//    iteration sweeps a 32-column panel of B across the chunk. Partial C tiles
//    at the bottom and right edges go through a 32 x 32 scratch buffer, so
//    every tile has the one shape 16 x 64 bytes (one tile configuration for the
//    whole function). An accumulator that is a +0.0 fill is written without
//    being read (the tiles start from tilezero). B stored K x N (bf16, or MX
//    that is not a constant; its packing would otherwise be a third to a half
//    of the time when N is large or M small) is instead packed inside the
//    parallel loop when A fits in L2: each work item packs (and decodes) a slab
//    of panels per K chunk into its worker's scratch slot (cache-resident,
//    never written back to memory) and sweeps all of A over it
//    (AmxCompute::emitFused). When A is over 512 KiB, each slab is two items,
//    one per half of K, so that two threads each keep half of A in L2; each
//    half owns half of the rows of C, and the two add each other's sums for
//    them from a scratch buffer. A stored M x K is packed (MX: decoded) in
//    that loop as well: with the K split, bf16 A chunk by chunk into a ring
//    slot of the worker right before use when all panels fit one slab, else
//    each half of K by the first item that needs it (the thread that reads it
//    next); without it, all of A, its row tiles shared among the workers,
//    unless bf16 A of whole tiles starts on a cache line (checked at run
//    time), which the tile loads then read in place.
// 3. The process must be granted the AMX tile state by Linux
//    (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)) before the first
//    tile instruction. The code asks once per process (a module global) and,
//    if the kernel refuses, computes the product from the same packed
//    buffers (MX B packed whole first) with scalar f32 loops, so the result
//    stays within the bound.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/IndexMath.h"
#include "mx/Conversion/MxConstantOperand.h"
#include "mx/Conversion/MxElementMath.h"
#include "mx/Conversion/MxToVector.h"
#include "mx/Dialect/Mx/IR/MxOps.h"
#include "mx/Dialect/Mx/IR/MxReferenceFormat.h"
#include "mx/Reference/MxFormats.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

#include <cmath>
#include <cstring>
#include <optional>

using namespace mlir;
using namespace mlir::mx;

namespace {

/// Tile geometry of AMX-BF16: A tiles are 16 rows x 32 bf16 (k), B tiles 16
/// k-pairs x 16 columns x 2, C tiles 16 x 16 f32.
constexpr int64_t kRows = 16;
constexpr int64_t kCols = 16;
constexpr int64_t kDepth = 32;
/// At most this many K tiles per cache chunk (A and B tiles of one 32 x 32
/// block and one chunk: 48 KiB each); K is cut into chunks of equal size.
constexpr int64_t kMaxChunkTiles = 24;
/// Packed A of one group of row blocks, kept in L2 while a parallel
/// iteration sweeps it.
constexpr int64_t kGroupBytes = 512 << 10;
/// B stored K x N (bf16, or MX decoded as it is packed) is packed inside
/// the parallel loop (AmxCompute::emitFused) when A takes at most this much
/// of the 2 MiB L2: every panel of B is then packed once, and all of A is
/// swept per slab of panels.
constexpr int64_t kFusedABytes = 1536 << 10;
/// At most this many K tiles per chunk of the fused path: a panel's B tiles
/// of one chunk (2 x 9 KiB, reused by every row block) stay in the 48 KiB
/// L1 while the row blocks' A tiles (as much again per block) stream
/// through it. With 18 both came from L2, and at 256x2304x196 the kernels
/// took 8-14% longer (docs/design.md, "K chunks of the fused path").
constexpr int64_t kFusedChunkTiles = 9;
/// Packed B per slab of the fused path: a few panels of 2 x 288 k x 32
/// columns (measured best between 64 and 200 KiB on 64x576x3136).
constexpr int64_t kSlabBytes = 128 << 10;
/// Fewer slabs than this are made even, so that two threads share them
/// equally.
constexpr int64_t kEvenBelow = 8;
/// The fused path splits K in two halves when A is larger than this: with
/// the columns split instead, each thread would keep all of A in its L2.
constexpr int64_t kSplitABytes = 512 << 10;

/// At most this many parallel iterations (workers, each with its scratch
/// slots) in the fused path.
constexpr int64_t kWorkers = 16;
/// The once-per-process AMX permission state: 0 not asked, 1 granted,
/// 2 refused.
constexpr llvm::StringLiteral kStateGlobal = "__mx_amx_state";

/// Bytes of A packed into bf16 tiles.
int64_t packedABytes(int64_t mTiles, int64_t kTiles) {
  return mTiles * kTiles * kRows * kDepth * 2;
}

/// Whether the fused path splits K (packed A over kSplitABytes).
bool splitsK(int64_t mTiles, int64_t kTiles) {
  return packedABytes(mTiles, kTiles) > kSplitABytes && kTiles >= 2;
}

/// Whether the tile loads can read bf16 A (M x K, rows K apart) in place:
/// its tiles are whole, and its rows are not a multiple of 4 KiB apart (the
/// 16 rows of a tile would share one L1 set).
bool tilesInPlace(int64_t m, int64_t k) {
  return m % kRows == 0 && k % kDepth == 0 && (2 * k) % 4096 != 0;
}

Value minIndex(OpBuilder &b, Location loc, Value x, int64_t bound) {
  return arith::MinSIOp::create(b, loc, x, index(b, loc, bound));
}

Value ltIndex(OpBuilder &b, Location loc, Value x, int64_t bound) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x,
                               index(b, loc, bound));
}

/// `for iv in [lb, ub) step 1` without results.
void forEach(OpBuilder &b, Location loc, Value lb, Value ub,
             function_ref<void(OpBuilder &, Location, Value)> body) {
  scf::ForOp::create(b, loc, lb, ub, index(b, loc, 1), ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value iv, ValueRange) {
                       body(nb, nl, iv);
                       scf::YieldOp::create(nb, nl);
                     });
}

/// `if (cond) then else otherwise`, without results.
void ifElse(OpBuilder &b, Location loc, Value cond,
            function_ref<void(OpBuilder &, Location)> then,
            function_ref<void(OpBuilder &, Location)> otherwise) {
  scf::IfOp::create(
      b, loc, cond,
      [&](OpBuilder &b, Location loc) {
        then(b, loc);
        scf::YieldOp::create(b, loc);
      },
      [&](OpBuilder &b, Location loc) {
        otherwise(b, loc);
        scf::YieldOp::create(b, loc);
      });
}

/// `for iv in [lb, ub)` carrying one value.
Value forCarry(OpBuilder &b, Location loc, Value lb, Value ub, Value init,
               function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  return scf::ForOp::create(
             b, loc, lb, ub, index(b, loc, 1), ValueRange{init},
             [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
               scf::YieldOp::create(nb, nl, body(nb, nl, iv, args[0]));
             })
      .getResult(0);
}

/// Slot `slot` (a 2 kRows x 2 kCols f32 buffer) of the per-worker scratch
/// buffers `slots`.
Value scratchSlot(OpBuilder &b, Location loc, Value slots, Value slot) {
  SmallVector<OpFoldResult> offsets = {slot, b.getIndexAttr(0),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                     b.getIndexAttr(2 * kRows),
                                     b.getIndexAttr(2 * kCols)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  auto slotType = cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
      {2 * kRows, 2 * kCols}, cast<MemRefType>(slots.getType()), offsets,
      sizes, strides));
  return memref::SubViewOp::create(b, loc, slotType, slots, offsets, sizes,
                                   strides);
}

/// Claims the lowest free entry of `flags` (i32, 0 = free) with atomic
/// exchanges and returns its index. Parallel iterations that own scratch
/// slots claim one while they run, so that the slots in use are as many as
/// the threads and stay in their caches: one thread reuses slot 0 instead of
/// cycling through one slot per iteration. There are never more running
/// iterations than entries, so the scan always ends.
Value claimSlot(OpBuilder &b, Location loc, Value flags) {
  Value one = arith::ConstantIntOp::create(b, loc, 1, 32);
  Value zeroI32 = arith::ConstantIntOp::create(b, loc, 0, 32);
  Type indexType = b.getIndexType();
  auto scan = scf::WhileOp::create(
      b, loc, TypeRange{indexType}, ValueRange{index(b, loc, 0)},
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value old = memref::AtomicRMWOp::create(
            b, loc, arith::AtomicRMWKind::assign, one, flags, args[0]);
        Value taken = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                            old, zeroI32);
        scf::ConditionOp::create(b, loc, taken, args);
      },
      [&](OpBuilder &b, Location loc, ValueRange args) {
        scf::YieldOp::create(b, loc, addIndex(b, loc, args[0], 1));
      });
  return scan.getResult(0);
}

/// Returns a slot claimed by claimSlot.
void releaseSlot(OpBuilder &b, Location loc, Value flags, Value slot) {
  memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::assign,
                              arith::ConstantIntOp::create(b, loc, 0, 32),
                              flags, slot);
}

/// Result lane `2i + j` is lane i of plane j.
Value interleave(OpBuilder &b, Location loc, Value x, Value y) {
  int64_t n = cast<VectorType>(x.getType()).getNumElements();
  SmallVector<int64_t> mask;
  for (int64_t i = 0; i < n; ++i)
    mask.append({i, n + i});
  return vector::ShuffleOp::create(b, loc, x, y, mask);
}

/// Lanes j, j + count, j + 2 count, ... of `x`.
Value deinterleave(OpBuilder &b, Location loc, Value x, int64_t count,
                   int64_t j) {
  int64_t n = cast<VectorType>(x.getType()).getNumElements() / count;
  SmallVector<int64_t> mask;
  for (int64_t i = 0; i < n; ++i)
    mask.push_back(count * i + j);
  return vector::ShuffleOp::create(b, loc, x, x, mask);
}

/// f32 values of a vector of i8 codes, times 2^-8 for E4M3 (scaleFactors
/// puts the 2^8 back): FP8 through f16, FP4 and FP6 from a register table
/// (the integer formula where the lanes are not a multiple of 16).
Value decodeValues(OpBuilder &b, Location loc, Value codes, Format format) {
  if (format == Format::e4m3)
    return emitDecodeFP8ViaF16(b, loc, codes, format,
                               /*e4m3TimesPow2Minus8=*/true);
  return emitDecodeCodes(b, loc, codes, format, VectorTarget::X86Avx512);
}

/// The factors of E8M0 scale bytes (i8-like) for values from decodeValues:
/// E4M3's 2^8 goes into `low`, once per scale instead of once per value.
/// Exact: low is at most 2^64, so low 2^8 is a normal power of two and the
/// product of an f16 value (at least 2^-17) with it is exact, as the
/// product of the value with low was; a NaN low stays NaN.
Pow2Factors scaleFactors(OpBuilder &b, Location loc, Value scaleBytes,
                         Format format) {
  Pow2Factors factors = emitScaleFactors(b, loc, scaleBytes);
  if (format == Format::e4m3)
    factors.low = arith::MulFOp::create(
        b, loc, factors.low, emitSplatF32(b, loc, factors.low.getType(), 256));
  return factors;
}

/// Everything the AMX lowering of one op needs.
struct AmxMatmul {
  bool blockScaled;
  MxTensorType aType, bType; // MX operands
  bool ta = false, tb = false;
  int64_t m, n, k, block = 0, blocks = 0;
  int64_t mTiles, nTiles, kTiles;
  Value a, b;                                   // bf16 operands
  Value aElements, aScales, bElements, bScales; // MX operands
  MLIRContext *ctx;

  explicit AmxMatmul(MatmulOp op) : ctx(op.getContext()) {
    blockScaled = op.isBlockScaled();
    if (blockScaled) {
      aType = cast<MxTensorType>(op.getA().getType());
      bType = cast<MxTensorType>(op.getB().getType());
      ta = op.getTransposeA();
      tb = op.getTransposeB();
      m = aType.getShape()[ta ? 1 : 0];
      k = aType.getShape()[ta ? 0 : 1];
      n = bType.getShape()[tb ? 0 : 1];
      block = aType.getBlockSize();
      blocks = k / block;
    } else {
      auto at = cast<RankedTensorType>(op.getA().getType());
      m = at.getDimSize(0);
      k = at.getDimSize(1);
      n = op.getAcc().getType().getDimSize(1);
    }
    mTiles = (m + kRows - 1) / kRows;
    nTiles = (n + kCols - 1) / kCols;
    kTiles = (k + kDepth - 1) / kDepth;
  }

  Type i8() const { return IntegerType::get(ctx, 8); }
  Type i16() const { return IntegerType::get(ctx, 16); }
  Type i32() const { return IntegerType::get(ctx, 32); }
  Type f32() const { return Float32Type::get(ctx); }
  Type bf16() const { return BFloat16Type::get(ctx); }
  VectorType vec(int64_t lanes, Type t) const {
    return VectorType::get({lanes}, t);
  }
  /// B is packed in panels of two tiles.
  int64_t paddedNTiles() const { return (nTiles + 1) / 2 * 2; }
  RankedTensorType packedType(int64_t tiles) const {
    return RankedTensorType::get({tiles, kTiles, kRows, kDepth}, bf16());
  }

  /// bf16 bit patterns (i16) of f32 values that are bf16 values: the high
  /// half. Below 2^-126 this truncates (AMX reads bf16 subnormals as 0).
  Value toBF16Bits(OpBuilder &b, Location loc, Value values) const {
    int64_t lanes = cast<VectorType>(values.getType()).getNumElements();
    // The odd (little-endian high) i16 halves: one two-source word permute
    // per 32 lanes on x86, where a shift and a narrowing per 16 lanes took
    // 6-11% of the MXFP8 time at 256x2304x196.
    Value halves =
        vector::BitCastOp::create(b, loc, vec(2 * lanes, i16()), values);
    SmallVector<int64_t> high;
    for (int64_t i = 0; i < lanes; ++i)
      high.push_back(2 * i + 1);
    return vector::ShuffleOp::create(b, loc, halves, halves, high);
  }

  /// Zeros where `!valid` (a scalar i1).
  Value keepIf(OpBuilder &b, Location loc, Value valid, Value x) const {
    Value zero = emitSplat(b, loc, x.getType(), 0);
    return arith::SelectOp::create(b, loc, valid, x, zero);
  }

  /// An E8M0 scale (tensor or memref element) as an i8 byte.
  Value scaleByte(OpBuilder &b, Location loc, Value scales,
                  ValueRange indices) const {
    Value byte =
        isa<MemRefType>(scales.getType())
            ? memref::LoadOp::create(b, loc, scales, indices).getResult()
            : tensor::ExtractOp::create(b, loc, scales, indices).getResult();
    return arith::BitcastOp::create(b, loc, i8(), byte);
  }

  /// bf16 bits (vector<32xi16>) of elements k = 32 kt .. 32 kt + 31 of line
  /// `line` of an MX tensor blocked along axis 1, times their scales; zero
  /// past K.
  Value lineBits(OpBuilder &b, Location loc, Value elements, Value scales,
                 MxTensorType type, Value line, Value kt,
                 bool inBounds = false) const {
    unsigned bits = type.getElementBits();
    int64_t bytes = kDepth * bits / 8;
    Value zero8 = arith::ConstantIntOp::create(b, loc, i8(), 0);
    Value raw = vector::TransferReadOp::create(
        b, loc, vec(bytes, i8()), elements,
        ValueRange{line, mulIndex(b, loc, kt, bytes)}, zero8,
        ArrayRef<bool>{inBounds});
    Value codes = raw;
    if (bits == 4) {
      Value low = arith::AndIOp::create(b, loc, raw,
                                        emitSplat(b, loc, raw.getType(), 0xF));
      Value high = arith::ShRUIOp::create(b, loc, raw,
                                          emitSplat(b, loc, raw.getType(), 4));
      codes = interleave(b, loc, low, high);
    } else if (bits == 6) {
      Value b0 = deinterleave(b, loc, raw, 3, 0);
      Value b1 = deinterleave(b, loc, raw, 3, 1);
      Value b2 = deinterleave(b, loc, raw, 3, 2);
      SmallVector<Value> f;
      for (int64_t j = 0; j < 4; ++j)
        f.push_back(emitFP6Field(b, loc, b0, b1, b2, j));
      Value lo = interleave(b, loc, f[0], f[1]);
      Value hi = interleave(b, loc, f[2], f[3]);
      SmallVector<int64_t> mask;
      for (int64_t i = 0; i < kDepth / 4; ++i)
        mask.append(
            {2 * i, 2 * i + 1, kDepth / 2 + 2 * i, kDepth / 2 + 2 * i + 1});
      codes = vector::ShuffleOp::create(b, loc, lo, hi, mask);
    }
    Value values = decodeValues(b, loc, codes, type.getFormat());
    // The scale of every lane: one block for blocks of 32 k or more, a
    // gather of the few blocks otherwise.
    Value scaleBytes;
    if (block % kDepth == 0) {
      // One scale: its factors are computed once and broadcast.
      Value kb = arith::DivUIOp::create(b, loc, mulIndex(b, loc, kt, kDepth),
                                        index(b, loc, block));
      Pow2Factors factors = scaleFactors(
          b, loc, scaleByte(b, loc, scales, {line, kb}), type.getFormat());
      for (Value *f : {&factors.low, &factors.high})
        if (*f)
          *f = vector::BroadcastOp::create(b, loc, vec(kDepth, f32()), *f);
      values = emitApplyScale(b, loc, values, factors);
    } else {
      SmallVector<Value> lanes;
      Value k0 = mulIndex(b, loc, kt, kDepth);
      for (int64_t i = 0; i < kDepth; ++i) {
        Value kb = arith::DivUIOp::create(b, loc, addIndex(b, loc, k0, i),
                                          index(b, loc, block));
        kb = minIndex(b, loc, kb, blocks - 1);
        lanes.push_back(scaleByte(b, loc, scales, {line, kb}));
      }
      scaleBytes =
          vector::FromElementsOp::create(b, loc, vec(kDepth, i8()), lanes);
      values = emitApplyScale(
          b, loc, values, scaleFactors(b, loc, scaleBytes, type.getFormat()));
    }
    if (k % kDepth != 0) {
      // Lanes past K: codes of padding bits and a clamped scale.
      SmallVector<int32_t> iota;
      for (int64_t i = 0; i < kDepth; ++i)
        iota.push_back(static_cast<int32_t>(i));
      Value lanesK = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(vec(kDepth, i32()), ArrayRef(iota)));
      Value k0 = arith::IndexCastOp::create(b, loc, i32(),
                                            mulIndex(b, loc, kt, kDepth));
      Value kIdx = arith::AddIOp::create(
          b, loc, lanesK,
          vector::BroadcastOp::create(b, loc, vec(kDepth, i32()), k0));
      Value inside =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, kIdx,
                                emitSplat(b, loc, kIdx.getType(), k));
      values = arith::SelectOp::create(
          b, loc, inside, values, emitSplatF32(b, loc, values.getType(), 0));
    }
    return toBF16Bits(b, loc, values);
  }

  /// bf16 bits (vector<16xi16>) of element k = 32 kt + j (j static) of the
  /// 16 lines from `first` of an MX tensor blocked along axis 0, times their
  /// scales; zero past K and past the last line.
  Value acrossBits(OpBuilder &b, Location loc, Value elements, Value scales,
                   MxTensorType type, Value kt, int64_t j, Value first,
                   int64_t lanes = kCols, bool inBounds = false,
                   const Pow2Factors *factors = nullptr) const {
    unsigned bits = type.getElementBits();
    int64_t packedRows = type.getPackedShape()[0];
    Value zero8 = arith::ConstantIntOp::create(b, loc, i8(), 0);
    auto row = [&](Value r) -> Value {
      return vector::TransferReadOp::create(
          b, loc, vec(lanes, i8()), elements,
          ValueRange{minIndex(b, loc, r, packedRows - 1), first}, zero8,
          ArrayRef<bool>{inBounds});
    };
    Value codes;
    if (bits == 8) {
      codes = row(addIndex(b, loc, mulIndex(b, loc, kt, kDepth), j));
    } else if (bits == 4) {
      Value byte =
          row(addIndex(b, loc, mulIndex(b, loc, kt, kDepth / 2), j / 2));
      Type t = byte.getType();
      codes =
          j % 2 == 0
              ? arith::AndIOp::create(b, loc, byte, emitSplat(b, loc, t, 0xF))
                    .getResult()
              : arith::ShRUIOp::create(b, loc, byte, emitSplat(b, loc, t, 4))
                    .getResult();
    } else {
      Value r0 =
          addIndex(b, loc, mulIndex(b, loc, kt, kDepth / 4 * 3), j / 4 * 3);
      codes = emitFP6Field(b, loc, row(r0), row(addIndex(b, loc, r0, 1)),
                           row(addIndex(b, loc, r0, 2)), j % 4);
    }
    Value values = decodeValues(b, loc, codes, type.getFormat());
    Value kIndex = addIndex(b, loc, mulIndex(b, loc, kt, kDepth), j);
    values = emitApplyScale(b, loc, values,
                            factors ? *factors
                                    : acrossScaleFactors(b, loc, scales, type,
                                                         kt, kIndex, first,
                                                         lanes, inBounds));
    Value bitsOut = toBF16Bits(b, loc, values);
    if (k % kDepth != 0)
      bitsOut = keepIf(b, loc, ltIndex(b, loc, kIndex, k), bitsOut);
    return bitsOut;
  }

  /// Scale factors of `lanes` lines from `first` of an MX tensor blocked
  /// along axis 0, at k = kIndex in K tile kt. Blocks of 32 k or more have
  /// one scale row per K tile (kIndex is then not read, and may be null),
  /// whose factors a caller can compute once for all 32 rows.
  Pow2Factors acrossScaleFactors(OpBuilder &b, Location loc, Value scales,
                                 MxTensorType type, Value kt, Value kIndex,
                                 Value first, int64_t lanes,
                                 bool inBounds) const {
    Value kb = minIndex(
        b, loc,
        arith::DivUIOp::create(
            b, loc, block % kDepth == 0 ? mulIndex(b, loc, kt, kDepth) : kIndex,
            index(b, loc, block)),
        blocks - 1);
    Type e8m0 = type.getScalesTensorType().getElementType();
    Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(e8m0, 1.0));
    Value scaleBytes = vector::TransferReadOp::create(
        b, loc, vec(lanes, e8m0), scales, ValueRange{kb, first}, one,
        ArrayRef<bool>{inBounds});
    scaleBytes = arith::BitcastOp::create(b, loc, vec(lanes, i8()), scaleBytes);
    return scaleFactors(b, loc, scaleBytes, type.getFormat());
  }

  /// Row `r` (a vector<32xi16>) of A tile (mt, kt) for operands that are
  /// contiguous along K.
  Value aRowBits(OpBuilder &b, Location loc, Value mIndex, Value kt,
                 bool inBounds) const {
    Value mc = minIndex(b, loc, mIndex, m - 1);
    Value row;
    if (blockScaled) {
      row = lineBits(b, loc, aElements, aScales, aType, mc, kt, inBounds);
    } else {
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(bf16()));
      row = vector::TransferReadOp::create(
          b, loc, vec(kDepth, bf16()), a,
          ValueRange{mc, mulIndex(b, loc, kt, kDepth)}, zero,
          ArrayRef<bool>{inBounds});
      row = vector::BitCastOp::create(b, loc, vec(kDepth, i16()), row);
    }
    if (m % kRows != 0)
      row = keepIf(b, loc, ltIndex(b, loc, mIndex, m), row);
    return row;
  }

  /// bf16 bits (vector<16xi16>) of B row k = 32 kt + j across the 16
  /// columns from n0, for B stored K x N.
  Value bRowBits(OpBuilder &b, Location loc, Value kt, int64_t j, Value n0,
                 int64_t lanes, bool inBounds,
                 const Pow2Factors *factors = nullptr) const {
    if (blockScaled)
      return acrossBits(b, loc, bElements, bScales, bType, kt, j, n0, lanes,
                        inBounds, factors);
    Value kIndex = addIndex(b, loc, mulIndex(b, loc, kt, kDepth), j);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(bf16()));
    Value row = vector::TransferReadOp::create(
        b, loc, vec(lanes, bf16()), this->b,
        ValueRange{minIndex(b, loc, kIndex, k - 1), n0}, zero,
        ArrayRef<bool>{inBounds});
    row = vector::BitCastOp::create(b, loc, vec(lanes, i16()), row);
    if (k % kDepth != 0)
      row = keepIf(b, loc, ltIndex(b, loc, kIndex, k), row);
    return row;
  }

  /// Writes 16 rows of 32 bf16 bits (vector<32xi16>) at [0, kt, r, 0] of
  /// `tile`, one 1-D write per row (an n-D transfer would go through a
  /// stack temporary per loop iteration).
  Value writeTile(OpBuilder &b, Location loc, ArrayRef<Value> rows, Value tile,
                  Value kt, int64_t which) const {
    Value zero = index(b, loc, 0);
    for (auto [r, row] : llvm::enumerate(rows)) {
      Value v = vector::BitCastOp::create(b, loc, vec(kDepth, bf16()), row);
      tile = vector::TransferWriteOp::create(
                 b, loc, v, tile,
                 ValueRange{index(b, loc, which), kt, index(b, loc, r), zero},
                 ArrayRef<bool>{true})
                 .getResult();
    }
    return tile;
  }

  /// Rows of the transpose of the matrix whose rows are `rows`.
  SmallVector<Value> transposeRows(OpBuilder &b, Location loc,
                                   ArrayRef<Value> rows) const {
    Value t = vector::TransposeOp::create(b, loc, stack(b, loc, rows),
                                          ArrayRef<int64_t>{1, 0});
    int64_t count = cast<VectorType>(t.getType()).getDimSize(0);
    SmallVector<Value> result;
    for (int64_t i = 0; i < count; ++i)
      result.push_back(
          vector::ExtractOp::create(b, loc, t, ArrayRef<int64_t>{i}));
    return result;
  }

  /// Stacks 1-D vectors into a 2-D vector (row i = rows[i]).
  Value stack(OpBuilder &b, Location loc, ArrayRef<Value> rows) const {
    auto rowType = cast<VectorType>(rows[0].getType());
    auto type = VectorType::get(
        {static_cast<int64_t>(rows.size()), rowType.getNumElements()},
        rowType.getElementType());
    Value result = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
    for (auto [i, row] : llvm::enumerate(rows))
      result = vector::InsertOp::create(b, loc, row, result,
                                        ArrayRef<int64_t>{int64_t(i)});
    return result;
  }

  Value emitPackA(OpBuilder &b, Location loc) const;
  Value emitPackB(OpBuilder &b, Location loc) const;
};

/// scf.forall over `count` groups of `per` tiles of a packed tensor, the
/// first at tile `first`: `body` fills the slice [per t + first, +per) of
/// one iteration `t` (given the first tile index) and returns it.
Value forallTiles(
    OpBuilder &b, Location loc, int64_t count, int64_t per, int64_t first,
    Value init, function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  if (count == 0)
    return init;
  auto type = cast<RankedTensorType>(init.getType());
  auto op = scf::ForallOp::create(b, loc,
                                  ArrayRef<OpFoldResult>{b.getIndexAttr(count)},
                                  ValueRange{init}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  Block *bodyBlock = op.getBody();
  b.setInsertionPoint(bodyBlock->getTerminator());
  Value t =
      addIndex(b, loc, mulIndex(b, loc, bodyBlock->getArgument(0), per), first);
  Value shared = bodyBlock->getArgument(1);
  SmallVector<OpFoldResult> offsets = {t, b.getIndexAttr(0), b.getIndexAttr(0),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(per)};
  for (int64_t d = 1; d < 4; ++d)
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  Value slice =
      tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes, strides);
  Value filled = body(b, loc, t, slice);
  b.setInsertionPointToStart(op.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, filled, shared, offsets, sizes,
                                        strides);
  return op.getResult(0);
}

/// The K tiles of one packing iteration: whole ones with in-bounds reads,
/// then a partial last one with masked reads.
Value forKTiles(
    OpBuilder &b, Location loc, int64_t k, int64_t kTiles, Value tile,
    function_ref<Value(OpBuilder &, Location, Value, Value, bool)> body) {
  int64_t whole = k / kDepth;
  if (whole > 0)
    tile = forCarry(b, loc, index(b, loc, 0), index(b, loc, whole), tile,
                    [&](OpBuilder &b, Location loc, Value kt, Value tile) {
                      return body(b, loc, kt, tile, true);
                    });
  if (whole != kTiles)
    tile = body(b, loc, index(b, loc, whole), tile, false);
  return tile;
}

Value AmxMatmul::emitPackA(OpBuilder &b, Location loc) const {
  Value init =
      tensor::EmptyOp::create(b, loc, packedType(mTiles).getShape(), bf16());
  return forallTiles(
      b, loc, mTiles, 1, 0, init,
      [&](OpBuilder &b, Location loc, Value mt, Value tile) {
        Value m0 = mulIndex(b, loc, mt, kRows);
        return forKTiles(
            b, loc, k, kTiles, tile,
            [&](OpBuilder &b, Location loc, Value kt, Value tile, bool whole) {
              SmallVector<Value> rows;
              if (!blockScaled || !ta) {
                for (int64_t r = 0; r < kRows; ++r)
                  rows.push_back(
                      aRowBits(b, loc, addIndex(b, loc, m0, r), kt, whole));
                return writeTile(b, loc, rows, tile, kt, 0);
              }
              // Stored K x M: 32 rows of k across the tile's 16 rows,
              // transposed.
              SmallVector<Value> columns;
              for (int64_t j = 0; j < kDepth; ++j)
                columns.push_back(
                    acrossBits(b, loc, aElements, aScales, aType, kt, j, m0));
              return writeTile(b, loc, transposeRows(b, loc, columns), tile, kt,
                               0);
            });
      });
}

Value AmxMatmul::emitPackB(OpBuilder &b, Location loc) const {
  Value init = tensor::EmptyOp::create(
      b, loc, packedType(paddedNTiles()).getShape(), bf16());
  if (blockScaled && tb) {
    // Stored N x K: per column its 16 k pairs as i32, transposed into 16
    // rows of pairs.
    return forallTiles(
        b, loc, paddedNTiles(), 1, 0, init,
        [&](OpBuilder &b, Location loc, Value nt, Value tile) {
          Value n0 = mulIndex(b, loc, nt, kCols);
          return forKTiles(
              b, loc, k, kTiles, tile,
              [&](OpBuilder &b, Location loc, Value kt, Value tile,
                  bool whole) {
                SmallVector<Value> columns;
                for (int64_t c = 0; c < kCols; ++c) {
                  Value nIndex = addIndex(b, loc, n0, c);
                  Value bits =
                      lineBits(b, loc, bElements, bScales, bType,
                               minIndex(b, loc, nIndex, n - 1), kt, whole);
                  if (n % (2 * kCols) != 0)
                    bits = keepIf(b, loc, ltIndex(b, loc, nIndex, n), bits);
                  columns.push_back(vector::BitCastOp::create(
                      b, loc, vec(kRows, i32()), bits));
                }
                SmallVector<Value> rows = transposeRows(b, loc, columns);
                for (Value &row : rows)
                  row = vector::BitCastOp::create(b, loc, vec(2 * kCols, i16()),
                                                  row);
                return writeTile(b, loc, rows, tile, kt, 0);
              });
        });
  }
  // Stored K x N: one parallel iteration per K tile walks the 32 rows of
  // B along N (sequential streams the prefetchers follow), reading 32
  // columns (whole cache lines of bf16) per row and panel; rows 2p and
  // 2p + 1 interleave into row p of the panel's two tiles. Whole panels
  // read in bounds, a last partial one masked.
  auto op = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(kTiles)}, ValueRange{init},
      std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  Block *body = op.getBody();
  b.setInsertionPoint(body->getTerminator());
  Value kt = body->getArgument(0);
  Value shared = body->getArgument(1);
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), kt, b.getIndexAttr(0),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(paddedNTiles()),
                                     b.getIndexAttr(1), b.getIndexAttr(kRows),
                                     b.getIndexAttr(kDepth)};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  Value slice =
      tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes, strides);
  SmallVector<int64_t> low, high;
  for (int64_t i = 0; i < kCols; ++i) {
    low.append({i, 2 * kCols + i});
    high.append({kCols + i, 3 * kCols + i});
  }
  auto panel = [&](OpBuilder &b, Location loc, Value pn, Value tile,
                   bool inBounds) {
    Value n0 = mulIndex(b, loc, pn, 2 * kCols);
    Value zero = index(b, loc, 0);
    for (int64_t p = 0; p < kRows; ++p) {
      Value even = bRowBits(b, loc, kt, 2 * p, n0, 2 * kCols, inBounds);
      Value odd = bRowBits(b, loc, kt, 2 * p + 1, n0, 2 * kCols, inBounds);
      for (int64_t half = 0; half < 2; ++half) {
        Value row = vector::ShuffleOp::create(b, loc, even, odd,
                                              half == 0 ? low : high);
        row = vector::BitCastOp::create(b, loc, vec(kDepth, bf16()), row);
        Value t = addIndex(b, loc, mulIndex(b, loc, pn, 2), half);
        tile =
            vector::TransferWriteOp::create(
                b, loc, row, tile, ValueRange{t, zero, index(b, loc, p), zero},
                ArrayRef<bool>{true})
                .getResult();
      }
    }
    return tile;
  };
  int64_t panels = paddedNTiles() / 2, whole = n / (2 * kCols);
  if (whole > 0)
    slice = forCarry(b, loc, index(b, loc, 0), index(b, loc, whole), slice,
                     [&](OpBuilder &b, Location loc, Value pn, Value tile) {
                       return panel(b, loc, pn, tile, true);
                     });
  if (whole != panels)
    slice = panel(b, loc, index(b, loc, whole), slice, false);
  b.setInsertionPointToStart(op.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, slice, shared, offsets, sizes,
                                        strides);
  return op.getResult(0);
}

//===----------------------------------------------------------------------===//
// Compute on buffers
//===----------------------------------------------------------------------===//

/// The compute phase on memrefs: packed A and B, C updated in place.
struct AmxCompute {
  Value pa, pb, c;
  /// `pa` is the bf16 A itself (M x K), read in place: no packing.
  bool aDirect = false;
  /// B stored K x N (bf16: `pb` is its buffer; or MX) is packed panel by
  /// panel inside the parallel loop (emitFused); `plan` reads its rows.
  const AmxMatmul *plan = nullptr;
  /// A (bf16, or MX decoded) is packed inside the parallel loop of the
  /// fused path (emitFused; `pa` is then null): with K split, bf16 A chunk
  /// by chunk into a ring slot of the worker, or each half of K by the first
  /// item that needs it; else all of A, row tiles shared among the workers,
  /// or line-aligned bf16 A of whole tiles read in place.
  bool packAInLoop = false;
  /// The accumulator is a zero fill: `c` is its uninitialized destination,
  /// written without being read.
  bool zeroAcc = false;
  int64_t m, n, k, mTiles, nTiles, kTiles;
  MLIRContext *ctx;

  amx::TileType cTile() const {
    return amx::TileType::get({kRows, kCols}, Float32Type::get(ctx));
  }
  amx::TileType abTile() const {
    return amx::TileType::get({kRows, kDepth}, BFloat16Type::get(ctx));
  }

  /// Where the A or B tiles of a block come from, when not from `pa` / `pb`:
  /// `indices(b, loc, i or j, kt)` of `buffer` (a packed chunk of the fused
  /// path), or without `indices` tile (mt0 + i, kt) / (nt0 + j, kt) of
  /// `buffer` in the packed layout.
  struct TileSource {
    Value buffer;
    function_ref<SmallVector<Value>(OpBuilder &, Location, int64_t, Value)>
        indices;
  };

  /// C[rows of base from (r0, c0)] += A tiles mt0.. x B tiles nt0.. over K
  /// tiles [ktLo, ktHi): mCount x nCount (1 or 2) C tiles in AMX registers.
  /// Where `fromZero` (i1) holds, the tiles start from zero instead of C
  /// (the first K chunk of a product whose accumulator is a zero fill).
  void emitBlock(OpBuilder &b, Location loc, Value base, Value r0, Value c0,
                 Value mt0, Value nt0, int64_t mCount, int64_t nCount,
                 Value ktLo, Value ktHi, Value fromZero,
                 TileSource aSource = {}, TileSource bSource = {}) const {
    auto body = [&](OpBuilder &b, Location loc, bool zero) {
      SmallVector<Value> acc;
      for (int64_t i = 0; i < mCount; ++i)
        for (int64_t j = 0; j < nCount; ++j)
          acc.push_back(
              zero ? amx::TileZeroOp::create(b, loc, cTile()).getResult()
                   : amx::TileLoadOp::create(
                         b, loc, cTile(), base,
                         ValueRange{addIndex(b, loc, r0, i * kRows),
                                    addIndex(b, loc, c0, j * kCols)})
                         .getResult());
      Value zeroIndex = index(b, loc, 0);
      auto loop = scf::ForOp::create(
          b, loc, ktLo, ktHi, index(b, loc, 1), acc,
          [&](OpBuilder &b, Location loc, Value kt, ValueRange args) {
            SmallVector<Value> at, bt, next;
            Value aBuffer = aSource.buffer ? aSource.buffer : pa;
            bool inPlace = aDirect && !aSource.buffer;
            for (int64_t i = 0; i < mCount; ++i)
              at.push_back(
                  aSource.indices
                      ? amx::TileLoadOp::create(b, loc, abTile(), aBuffer,
                                                aSource.indices(b, loc, i, kt))
                      : amx::TileLoadOp::create(
                            b, loc, abTile(), aBuffer,
                            inPlace
                                ? ValueRange{mulIndex(b, loc,
                                                      addIndex(b, loc, mt0, i),
                                                      kRows),
                                             mulIndex(b, loc, kt, kDepth)}
                                : ValueRange{addIndex(b, loc, mt0, i), kt,
                                             zeroIndex, zeroIndex}));
            for (int64_t j = 0; j < nCount; ++j)
              bt.push_back(bSource.indices
                               ? amx::TileLoadOp::create(
                                     b, loc, abTile(), bSource.buffer,
                                     bSource.indices(b, loc, j, kt))
                               : amx::TileLoadOp::create(
                                     b, loc, abTile(), pb,
                                     ValueRange{addIndex(b, loc, nt0, j), kt,
                                                zeroIndex, zeroIndex}));
            for (int64_t i = 0; i < mCount; ++i)
              for (int64_t j = 0; j < nCount; ++j)
                next.push_back(amx::TileMulFOp::create(
                    b, loc, cTile(), at[i], bt[j], args[i * nCount + j]));
            scf::YieldOp::create(b, loc, next);
          });
      for (int64_t i = 0; i < mCount; ++i)
        for (int64_t j = 0; j < nCount; ++j)
          amx::TileStoreOp::create(b, loc, base,
                                   ValueRange{addIndex(b, loc, r0, i * kRows),
                                              addIndex(b, loc, c0, j * kCols)},
                                   loop.getResult(i * nCount + j));
    };
    // Tiles cannot be scf.if results: a dynamic condition gets both bodies.
    if (!fromZero || matchPattern(fromZero, m_Zero()))
      return body(b, loc, false);
    if (matchPattern(fromZero, m_One()))
      return body(b, loc, true);
    ifElse(
        b, loc, fromZero,
        [&](OpBuilder &b, Location loc) { body(b, loc, true); },
        [&](OpBuilder &b, Location loc) { body(b, loc, false); });
  }

  /// emitBlock on `dest` (C or a buffer of its shape) for a block whose C
  /// tiles are not all whole: through a 32 x 32 scratch slot (row copies in
  /// and out, zeros in where `fromZero`),
  /// so that every tile keeps the one 16 x 64-byte shape. The slots are
  /// preallocated, one per parallel worker: an alloca inside the parallel
  /// loop stops scf-to-openmp's alloca scopes from inlining.
  void emitEdgeBlock(OpBuilder &b, Location loc, Value dest, Value slot,
                     Value mt0, Value nt0, int64_t mCount, int64_t nCount,
                     Value ktLo, Value ktHi, Value fromZero,
                     TileSource aSource = {}, TileSource bSource = {}) const {
    Type f32 = Float32Type::get(ctx);
    Value r0 = mulIndex(b, loc, mt0, kRows), c0 = mulIndex(b, loc, nt0, kCols);
    Value rowsEnd = minIndex(b, loc, addIndex(b, loc, r0, mCount * kRows), m);
    Value zero = index(b, loc, 0);
    Value zeroF = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
    auto rowType = VectorType::get({2 * kCols}, f32);
    Value zeroRow = arith::ConstantOp::create(b, loc, b.getZeroAttr(rowType));
    forEach(b, loc, r0, rowsEnd, [&](OpBuilder &b, Location loc, Value r) {
      auto readC = [&](OpBuilder &b, Location loc) -> Value {
        return vector::TransferReadOp::create(b, loc, rowType, dest,
                                              ValueRange{r, c0}, zeroF,
                                              ArrayRef<bool>{false});
      };
      Value row;
      if (!fromZero) {
        row = readC(b, loc);
      } else {
        row = scf::IfOp::create(
                  b, loc, fromZero,
                  [&](OpBuilder &b, Location loc) {
                    scf::YieldOp::create(b, loc, zeroRow);
                  },
                  [&](OpBuilder &b, Location loc) {
                    scf::YieldOp::create(b, loc, readC(b, loc));
                  })
                  .getResult(0);
      }
      vector::TransferWriteOp::create(
          b, loc, row, slot,
          ValueRange{arith::SubIOp::create(b, loc, r, r0), zero},
          ArrayRef<bool>{true});
    });
    emitBlock(b, loc, slot, zero, zero, mt0, nt0, mCount, nCount, ktLo, ktHi,
              /*fromZero=*/{}, aSource, bSource);
    forEach(b, loc, r0, rowsEnd, [&](OpBuilder &b, Location loc, Value r) {
      Value row = vector::TransferReadOp::create(
          b, loc, rowType, slot,
          ValueRange{arith::SubIOp::create(b, loc, r, r0), zero}, zeroF,
          ArrayRef<bool>{true});
      vector::TransferWriteOp::create(b, loc, row, dest, ValueRange{r, c0},
                                      ArrayRef<bool>{false});
    });
  }

  /// i1 for emitBlock: the chunk starting at K tile `ktLo` starts from zero
  /// (null when the accumulator is read).
  Value startsFromZero(OpBuilder &b, Location loc, Value ktLo) const {
    if (!zeroAcc)
      return {};
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, ktLo,
                                 index(b, loc, 0));
  }

  /// How one dimension splits into blocks of two tiles: `pairs` blocks
  /// without a partial tile, then a tail of `tailTiles` (0, 1 or 2) tiles,
  /// partial when `tailPartial`.
  struct Split {
    int64_t pairs, tailTiles;
    bool tailPartial;
  };
  static Split split(int64_t size, int64_t tile, int64_t tiles) {
    if (size % tile == 0)
      return {tiles / 2, tiles % 2, false};
    if (tiles % 2 == 0)
      return {tiles / 2 - 1, 2, true};
    return {tiles / 2, 1, true};
  }

  void emit(OpBuilder &b, Location loc) const;
  void emitFused(OpBuilder &b, Location loc) const;
};

/// scf.forall without outputs over `counts`.
void forallBuffers(OpBuilder &b, Location loc, ArrayRef<int64_t> counts,
                   function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<OpFoldResult> upper;
  for (int64_t count : counts)
    upper.push_back(b.getIndexAttr(count));
  auto op = scf::ForallOp::create(b, loc, upper, ValueRange{}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(op.getBody()->getTerminator());
  body(b, loc, op.getInductionVars());
}

/// The fused path for B stored K x N (bf16 or MX) whose A fits in L2: one work
/// item is a slab of `slab` whole 32-column panels of B and a range of row
/// blocks. Per K chunk, the item packs its slab (two VNNI tiles per panel
/// and K tile, at most kFusedChunkTiles K tiles) into its worker's scratch
/// slot, reading each row of B along the slab (sequential lines the
/// hardware prefetchers follow), then sweeps every panel of the slab over
/// the item's row blocks with the 2 x 2 tile kernel. B is read once from
/// memory and its packed copy stays in the cache. Items are split among at
/// most kWorkers workers (the parallel iterations); a running worker claims
/// a free pair of B and C slots (claimSlot), so one thread keeps reusing the
/// same cache-resident slot. A single whole panel is split into two row
/// ranges instead, so that two threads get equal shares. A partial last
/// panel is two items of its own (halves of the rows), one after the first
/// half of the slab items and one at the end, so that it does not make the
/// second thread's share larger. Partial C tiles go through the worker's
/// 32 x 32 C slot, one K chunk at a time.
void AmxCompute::emitFused(OpBuilder &b, Location loc) const {
  Type f32 = Float32Type::get(ctx), bf16 = BFloat16Type::get(ctx);
  int64_t panels = (nTiles + 1) / 2, wholePanels = n / (2 * kCols);
  int64_t lastPanelTiles = nTiles - 2 * (panels - 1);
  int64_t wholeBlocks = m / (2 * kRows), blocks = (mTiles + 1) / 2;
  int64_t wholeKTiles = k / kDepth;
  bool kSplit = splitsK(mTiles, kTiles);
  // K tiles per item: all of them, or about half when K is split.
  int64_t itemKTiles = kSplit ? (kTiles + 1) / 2 : kTiles;
  int64_t chunks = (itemKTiles + kFusedChunkTiles - 1) / kFusedChunkTiles;
  int64_t chunkTiles = (itemKTiles + chunks - 1) / chunks;
  // Slabs of about kSlabBytes of packed B; without the K split at least
  // two (an even number when there are few) so that two threads get equal
  // shares. Slab i is the whole panels [i W / S, (i + 1) W / S).
  int64_t panelBytes = 2 * chunkTiles * kRows * kDepth * 2;
  int64_t slabs = 0;
  if (wholePanels > 0) {
    slabs = (wholePanels * panelBytes + kSlabBytes - 1) / kSlabBytes;
    if (!kSplit) {
      slabs = std::max<int64_t>(slabs, 2);
      if (slabs < kEvenBelow)
        slabs -= slabs % 2;
    }
    slabs = std::min(slabs, wholePanels);
  }
  int64_t slab = slabs ? (wholePanels + slabs - 1) / slabs : 1;
  // Without the K split: row ranges, `parts` of `partBlocks` row blocks per
  // slab (two for a single whole panel), `partialItems` of `partialBlocks`
  // for the partial panel.
  auto rowParts = [&](int64_t parts, int64_t &partBlocks) {
    partBlocks = (blocks + parts - 1) / parts;
    return (blocks + partBlocks - 1) / partBlocks;
  };
  int64_t partBlocks = blocks, partialBlocks = blocks;
  int64_t parts = 1, partialItems = wholePanels != panels;
  if (!kSplit) {
    parts = rowParts(slabs == 1 ? std::min<int64_t>(blocks, 2) : 1, partBlocks);
    if (partialItems)
      partialItems = rowParts(std::min<int64_t>(blocks, 2), partialBlocks);
  }
  int64_t slabItems = slabs * parts, firstHalf = slabItems / 2;
  // bf16 A packed in the loop goes chunk by chunk into a ring slot of the
  // worker, right before its tiles are used, when every panel is in one
  // unit: the ring (mTiles x chunkTiles tiles) then stays in L2 where the
  // whole packed A (half of it per item) did not, and its stores no longer
  // fetch lines from L3. MX A keeps the decode per half of K: chunk by
  // chunk it was slower on two threads (docs/design.md, "A ring").
  bool aRing = packAInLoop && kSplit && !plan->blockScaled && slabs <= 1;
  bool foldPartial = aRing && slabs == 1 && partialItems;
  // With the K split, a unit (a slab or the partial panel, or with
  // `foldPartial` the slab and the partial panel) is two items, one per
  // half of K; all first halves come before all second halves.
  int64_t units = slabs + (foldPartial ? 0 : partialItems);
  int64_t items = kSplit ? 2 * units : slabItems + partialItems;
  int64_t workers = std::min(items, kWorkers);
  if (kSplit) {
    // An even number of workers, each taking items of one half only, so
    // that a static split between two threads gives the first the first
    // half of K of every unit and the second the other half.
    workers = std::min(units, kWorkers / 2);
    while (units % workers != 0)
      --workers;
    workers *= 2;
  }
  int64_t perWorker = (items + workers - 1) / workers;
  workers = (items + perWorker - 1) / perWorker;
  bool edges = wholePanels != panels || m % kRows != 0;

  Value bSlots = memref::AllocOp::create(
      b, loc,
      MemRefType::get({workers, slab, 2, chunkTiles, kRows, kDepth}, bf16),
      /*alignment=*/b.getI64IntegerAttr(64));
  Value cSlots;
  if (edges)
    cSlots = memref::AllocOp::create(
        b, loc, MemRefType::get({workers, 2 * kRows, 2 * kCols}, f32),
        b.getI64IntegerAttr(64));
  Value zero = index(b, loc, 0);
  Value zeroI32 = arith::ConstantIntOp::create(b, loc, 0, 32);
  Value oneI32 = arith::ConstantIntOp::create(b, loc, 1, 32);
  auto zeroCounters = [&](int64_t count) -> Value {
    Value counters = memref::AllocOp::create(
        b, loc, MemRefType::get({count}, b.getI32Type()));
    forEach(b, loc, zero, index(b, loc, count),
            [&](OpBuilder &b, Location loc, Value i) {
              memref::StoreOp::create(b, loc, zeroI32, counters, i);
            });
    return counters;
  };
  // Which slots are in use (claimSlot).
  Value flags = zeroCounters(workers);
  // K split: per unit, a counter of its items' starts (+1) and finishes
  // (+16), and the sums of an item that ran beside the other (splitItem).
  // The rows of `partial` start on cache lines: one core writes them and
  // the other reads them, and rows sharing lines cost 8% of the 2-thread
  // call at 256x2304x196 (docs/design.md, "K split"). C and `partial` then
  // take one type, so that an item can pick either as its destination.
  Value c = this->c, unitState, partial;
  if (kSplit) {
    unitState = zeroCounters(units);
    int64_t lineFloats = 64 / 4;
    int64_t stride = (n + lineFloats - 1) / lineFloats * lineFloats;
    Value lines = memref::AllocOp::create(
        b, loc, MemRefType::get({m, stride}, f32), b.getI64IntegerAttr(64));
    SmallVector<OpFoldResult> zeros(2, b.getIndexAttr(0)),
        sizes = {b.getIndexAttr(m), b.getIndexAttr(n)},
        ones(2, b.getIndexAttr(1));
    partial = memref::SubViewOp::create(b, loc, lines, zeros, sizes, ones);
    auto anyRows =
        MemRefType::get({m, n}, f32,
                        StridedLayoutAttr::get(ctx, ShapedType::kDynamic,
                                               {ShapedType::kDynamic, 1}));
    partial = memref::CastOp::create(b, loc, anyRows, partial);
    c = memref::CastOp::create(b, loc, anyRows, c);
  }
  // packAInLoop: the ring slots, or the whole packed A and, per half of K,
  // whether an item has claimed its packing and whether it is done.
  Value aBuffer, aClaimed, aDecoded;
  if (aRing) {
    aBuffer = memref::AllocOp::create(
        b, loc,
        MemRefType::get({workers, mTiles, chunkTiles, kRows, kDepth}, bf16),
        b.getI64IntegerAttr(64));
  } else if (packAInLoop) {
    aBuffer = memref::AllocOp::create(
        b, loc, MemRefType::get({mTiles, kTiles, kRows, kDepth}, bf16),
        b.getI64IntegerAttr(64));
    // One pair of counters per half of K, or for all of A.
    aClaimed = zeroCounters(kSplit ? 2 : 1);
    aDecoded = zeroCounters(kSplit ? 2 : 1);
  }
  // Without the K split, bf16 A of whole tiles whose rows start on cache
  // lines (checked at run time) is read in place: the tiles of a row block
  // (as packed, 16 whole lines each) then need no packing, which took 8-10
  // us of the 64x576x3136 call on each of two threads and did not scale
  // (docs/design.md, "A in place, block by block"). Otherwise A is packed
  // (shareA), so that tile rows do not straddle lines: with A 16 bytes off,
  // reading it in place was 10-12% slower.
  Value aTiles = aBuffer, aInPlace;
  if (packAInLoop && !kSplit && !plan->blockScaled && tilesInPlace(m, k)) {
    Value a = plan->a;
    Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, a);
    aInPlace = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq,
        arith::RemUIOp::create(b, loc, address, index(b, loc, 64)), zero);
    int64_t dynamic = ShapedType::kDynamic;
    auto anyTiles = MemRefType::get(
        {mTiles, kTiles, kRows, kDepth}, bf16,
        StridedLayoutAttr::get(ctx, 0, {dynamic, dynamic, dynamic, 1}));
    SmallVector<OpFoldResult> sizes, strides;
    for (int64_t size : {mTiles, kTiles, kRows, kDepth})
      sizes.push_back(b.getIndexAttr(size));
    for (int64_t stride : {kRows * k, kDepth, k, int64_t(1)})
      strides.push_back(b.getIndexAttr(stride));
    Value inPlace = memref::ReinterpretCastOp::create(
        b, loc,
        MemRefType::get(
            {mTiles, kTiles, kRows, kDepth}, bf16,
            StridedLayoutAttr::get(ctx, 0, {kRows * k, kDepth, k, 1})),
        a, b.getIndexAttr(0), sizes, strides);
    aTiles = arith::SelectOp::create(
        b, loc, aInPlace, memref::CastOp::create(b, loc, anyTiles, inPlace),
        memref::CastOp::create(b, loc, anyTiles, aBuffer));
  }

  // Rows 2p and 2p + 1 of each K tile interleave into row p of the two
  // tiles of a panel (as emitPackB).
  SmallVector<int64_t> low, high;
  for (int64_t i = 0; i < kCols; ++i) {
    low.append({i, 2 * kCols + i});
    high.append({kCols + i, 3 * kCols + i});
  }
  // `body` on the K tiles [ktLo, ktHi): whole ones (true), then the
  // partial last one (false) if it is in the range.
  auto forKTilesIn = [&](OpBuilder &b, Location loc, Value ktLo, Value ktHi,
                         function_ref<void(OpBuilder &, Location, Value, bool)>
                             body) {
    Value wholeEnd = minIndex(b, loc, ktHi, wholeKTiles);
    forEach(b, loc, ktLo, wholeEnd, [&](OpBuilder &b, Location loc, Value kt) {
      body(b, loc, kt, true);
    });
    if (wholeKTiles == kTiles)
      return;
    Value last = index(b, loc, wholeKTiles);
    Value inRange = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, ktLo, last),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, last, ktHi));
    scf::IfOp::create(b, loc, inRange, [&](OpBuilder &b, Location loc) {
      body(b, loc, last, false);
      scf::YieldOp::create(b, loc);
    });
  };
  bool hoistScales = plan->blockScaled && plan->block % kDepth == 0;
  // Packs K tiles [ktLo, ktHi) of the panels [pn0, pn0 + slab) into the
  // slot of worker w; in-bounds reads when every panel is whole.
  auto packChunk = [&](OpBuilder &b, Location loc, Value w, Value pn0,
                       Value count, Value ktLo, Value ktHi, bool wholeSlab) {
    auto packTile = [&](OpBuilder &b, Location loc, Value kt, bool inBounds) {
      Value slotKt = arith::SubIOp::create(b, loc, kt, ktLo);
      // Rows 2p and 2p + 1 of panel pn0 + s.
      auto packRows = [&](OpBuilder &b, Location loc, Value s, int64_t p,
                          const Pow2Factors *factors) {
        Value n0 =
            mulIndex(b, loc, arith::AddIOp::create(b, loc, pn0, s), 2 * kCols);
        Value even =
            plan->bRowBits(b, loc, kt, 2 * p, n0, 2 * kCols, inBounds, factors);
        Value odd = plan->bRowBits(b, loc, kt, 2 * p + 1, n0, 2 * kCols,
                                   inBounds, factors);
        for (int64_t half = 0; half < 2; ++half) {
          Value row = vector::ShuffleOp::create(b, loc, even, odd,
                                                half == 0 ? low : high);
          row = vector::BitCastOp::create(b, loc,
                                          VectorType::get({kDepth}, bf16), row);
          vector::TransferWriteOp::create(b, loc, row, bSlots,
                                          ValueRange{w, s, index(b, loc, half),
                                                     slotKt, index(b, loc, p),
                                                     zero},
                                          ArrayRef<bool>{true});
        }
      };
      if (hoistScales) {
        // MX B with one scale row per K tile: panel by panel, so that the
        // scale factors of the panel's 32 columns are computed once for
        // its 32 rows rather than once per row pair (4-22% off the MX
        // kernels' time at the ResNet shapes).
        forEach(b, loc, zero, count, [&](OpBuilder &b, Location loc, Value s) {
          Value n0 = mulIndex(b, loc, arith::AddIOp::create(b, loc, pn0, s),
                              2 * kCols);
          Pow2Factors factors =
              plan->acrossScaleFactors(b, loc, plan->bScales, plan->bType, kt,
                                       Value(), n0, 2 * kCols, inBounds);
          for (int64_t p = 0; p < kRows; ++p)
            packRows(b, loc, s, p, &factors);
        });
        return;
      }
      // Row by row along the slab: sequential lines the prefetchers follow.
      for (int64_t p = 0; p < kRows; ++p)
        forEach(b, loc, zero, count, [&](OpBuilder &b, Location loc, Value s) {
          packRows(b, loc, s, p, nullptr);
        });
    };
    // Whole K tiles of whole panels read in bounds; the rest masked.
    forKTilesIn(b, loc, ktLo, ktHi,
                [&](OpBuilder &b, Location loc, Value kt, bool whole) {
                  packTile(b, loc, kt, whole && wholeSlab);
                });
  };
  // The A tiles of K tiles [ktLo, ktHi) of every row tile (as
  // AmxMatmul::emitPackA) into `aBuffer`: tile (mt, kt) at `tileIndices(mt,
  // kt)`.
  auto packARows =
      [&](OpBuilder &b, Location loc, Value mtLo, Value mtHi, Value ktLo,
          Value ktHi,
          function_ref<SmallVector<Value>(OpBuilder &, Location, Value, Value)>
              tileIndices) {
        forEach(b, loc, mtLo, mtHi,
                [&](OpBuilder &b, Location loc, Value mt) {
                  Value m0 = mulIndex(b, loc, mt, kRows);
                  forKTilesIn(
                      b, loc, ktLo, ktHi,
                      [&](OpBuilder &b, Location loc, Value kt, bool whole) {
                        SmallVector<Value> tile = tileIndices(b, loc, mt, kt);
                        for (int64_t r = 0; r < kRows; ++r) {
                          Value row = vector::BitCastOp::create(
                              b, loc, VectorType::get({kDepth}, bf16),
                              plan->aRowBits(b, loc, addIndex(b, loc, m0, r),
                                             kt, whole));
                          SmallVector<Value> at(tile);
                          at.append({index(b, loc, r), zero});
                          vector::TransferWriteOp::create(
                              b, loc, row, aBuffer, at, ArrayRef<bool>{true});
                        }
                      });
                });
      };
  auto packA =
      [&](OpBuilder &b, Location loc, Value ktLo, Value ktHi,
          function_ref<SmallVector<Value>(OpBuilder &, Location, Value, Value)>
              tileIndices) {
        packARows(b, loc, zero, index(b, loc, mTiles), ktLo, ktHi, tileIndices);
      };
  auto wholeTile = [](OpBuilder &, Location, Value mt,
                      Value kt) -> SmallVector<Value> {
    return {mt, kt};
  };
  // Spins until the i32 at `counters[at]` reaches `target`.
  auto waitFor = [&](OpBuilder &b, Location loc, Value counters, Value at,
                     int64_t target) {
    scf::WhileOp::create(
        b, loc, TypeRange{}, ValueRange{},
        [&](OpBuilder &b, Location loc, ValueRange) {
          Value now = memref::AtomicRMWOp::create(
              b, loc, arith::AtomicRMWKind::addi, zeroI32, counters, at);
          scf::ConditionOp::create(
              b, loc,
              arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::slt, now,
                  arith::ConstantIntOp::create(b, loc, target, 32)),
              ValueRange{});
        },
        [&](OpBuilder &b, Location loc, ValueRange) {
          scf::YieldOp::create(b, loc);
        });
  };
  // Without the K split: every worker packs row tiles of A that no other
  // has claimed (one at a time, all K), then waits until all are packed.
  // Two threads share the packing, and no parallel loop of its own (with
  // the fork and join of another team) comes before the compute.
  auto shareA = [&](OpBuilder &b, Location loc) {
    Value limit = arith::ConstantIntOp::create(b, loc, mTiles, 32);
    auto claim = [&](OpBuilder &b, Location loc) -> Value {
      return memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addi,
                                         oneI32, aClaimed, zero);
    };
    scf::WhileOp::create(
        b, loc, TypeRange{b.getI32Type()}, ValueRange{claim(b, loc)},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          scf::ConditionOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, args[0],
                                    limit),
              args);
        },
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value mt =
              arith::IndexCastUIOp::create(b, loc, b.getIndexType(), args[0]);
          packARows(b, loc, mt, addIndex(b, loc, mt, 1), zero,
                    index(b, loc, kTiles), wholeTile);
          memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addi,
                                      oneI32, aDecoded, zero);
          scf::YieldOp::create(b, loc, claim(b, loc));
        });
    waitFor(b, loc, aDecoded, zero, mTiles);
  };
  // Without the ring: packs the A tiles of K tiles [ktLo, ktHi) the first
  // time an item needs them; the other items of that half wait until they
  // are done.
  auto ensureA = [&](OpBuilder &b, Location loc, Value half, Value ktLo,
                     Value ktHi) {
    Value claimed = memref::AtomicRMWOp::create(
        b, loc, arith::AtomicRMWKind::addi, oneI32, aClaimed, half);
    Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        claimed, zeroI32);
    ifElse(
        b, loc, first,
        [&](OpBuilder &b, Location loc) {
          packA(b, loc, ktLo, ktHi, wholeTile);
          memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::assign,
                                      oneI32, aDecoded, half);
        },
        [&](OpBuilder &b, Location loc) {
          waitFor(b, loc, aDecoded, half, 1);
        });
  };

  // Where an item sums: `dest` (C or `partial`), from zero in its first K
  // chunk where `fromZero` (an i1, or null for never).
  struct Target {
    Value dest, fromZero;
  };
  // Row blocks below `splitBlock` sum into `low`, the others into `high`
  // (splitItem); without `splitBlock`, all into `low`.
  struct Targets {
    Target low, high;
    Value splitBlock;
  };
  Value falseI1 = arith::ConstantIntOp::create(b, loc, 0, 1);
  // The destination and from-zero flag of row block mb.
  auto targetOf = [&](OpBuilder &b, Location loc, const Targets &to,
                      Value mb) -> Target {
    if (!to.splitBlock)
      return to.low;
    Value low = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, mb,
                                      to.splitBlock);
    auto orFalse = [&](Value x) { return x ? x : falseI1; };
    return {arith::SelectOp::create(b, loc, low, to.low.dest, to.high.dest),
            arith::SelectOp::create(b, loc, low, orFalse(to.low.fromZero),
                                    orFalse(to.high.fromZero))};
  };
  // One row block of panel pn (slab slot s) over one K chunk: straight on
  // the destination when all its tiles are whole, else through the
  // worker's C slot.
  auto block = [&](OpBuilder &b, Location loc, Value w, Value s, Value mb,
                   Value pn, Value ktLo, Value ktHi, Value fromZero, Value dest,
                   int64_t mCount, int64_t nCount, bool direct) {
    Value mt0 = mulIndex(b, loc, mb, 2), nt0 = mulIndex(b, loc, pn, 2);
    Value r0 = mulIndex(b, loc, mt0, kRows), c0 = mulIndex(b, loc, nt0, kCols);
    auto bIndices = [&](OpBuilder &b, Location loc, int64_t j,
                        Value kt) -> SmallVector<Value> {
      return {
          w,    s,   index(b, loc, j), arith::SubIOp::create(b, loc, kt, ktLo),
          zero, zero};
    };
    auto ringIndices = [&](OpBuilder &b, Location loc, int64_t i,
                           Value kt) -> SmallVector<Value> {
      return {w, addIndex(b, loc, mt0, i),
              arith::SubIOp::create(b, loc, kt, ktLo), zero, zero};
    };
    TileSource aSource{aTiles, nullptr}, bSource{bSlots, bIndices};
    if (aRing)
      aSource.indices = ringIndices;
    if (direct)
      emitBlock(b, loc, dest, r0, c0, mt0, nt0, mCount, nCount, ktLo, ktHi,
                fromZero, aSource, bSource);
    else
      emitEdgeBlock(b, loc, dest, scratchSlot(b, loc, cSlots, w), mt0, nt0,
                    mCount, nCount, ktLo, ktHi, fromZero, aSource, bSource);
  };

  // `body(b, loc, mb, mCount, wholeRows)` on the row blocks [mbLo, mbHi):
  // the whole ones, then the partial last one if it is in the range.
  auto forBlocksIn =
      [&](OpBuilder &b, Location loc, Value mbLo, Value mbHi,
          function_ref<void(OpBuilder &, Location, Value, int64_t, bool)>
              body) {
        forEach(b, loc, mbLo, minIndex(b, loc, mbHi, wholeBlocks),
                [&](OpBuilder &b, Location loc, Value mb) {
                  body(b, loc, mb, 2, true);
                });
        if (wholeBlocks == blocks)
          return;
        Value last = index(b, loc, wholeBlocks);
        Value mine = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                           last, mbHi);
        scf::IfOp::create(b, loc, mine, [&](OpBuilder &b, Location loc) {
          body(b, loc, last, mTiles - 2 * wholeBlocks, m % kRows == 0);
          scf::YieldOp::create(b, loc);
        });
      };
  // The row blocks [mbLo, mbHi) of panel pn over one K chunk.
  auto panel = [&](OpBuilder &b, Location loc, Value w, Value s, Value pn,
                   Value mbLo, Value mbHi, Value ktLo, Value ktHi,
                   const Targets &to, bool wholePanel) {
    int64_t nCount = wholePanel ? 2 : lastPanelTiles;
    forBlocksIn(b, loc, mbLo, mbHi,
                [&](OpBuilder &b, Location loc, Value mb, int64_t mCount,
                    bool wholeRows) {
                  Target t = targetOf(b, loc, to, mb);
                  block(b, loc, w, s, mb, pn, ktLo, ktHi, t.fromZero, t.dest,
                        mCount, nCount, wholePanel && wholeRows);
                });
  };
  // The panels [pn0, pn0 + count) in the slot (whole ones, or the partial
  // one) over the row blocks [mbLo, mbHi) and one K chunk. Without the K
  // split block by block: a row block's A tiles of the chunk (18 KiB) stay
  // in L1 while the slab's B tiles stream from L2, two of the four tile
  // loads per K step from L2 instead of three (at M = 64 the chunk's A, 36
  // KiB, and a panel's B did not fit L1 together): 3-4% faster at
  // 64x576x3136. With the K split (many row blocks) panel by panel, whose B
  // tiles then serve every row block from L1: block by block was 1-2%
  // slower there for MX on two threads (docs/design.md, "A in place, block
  // by block").
  auto sweep = [&](OpBuilder &b, Location loc, Value w, Value pn0, Value count,
                   Value mbLo, Value mbHi, Value ktLo, Value ktHi,
                   const Targets &to, bool whole) {
    if (kSplit) {
      forEach(b, loc, zero, count, [&](OpBuilder &b, Location loc, Value s) {
        panel(b, loc, w, s, arith::AddIOp::create(b, loc, pn0, s), mbLo, mbHi,
              ktLo, ktHi, to, whole);
      });
      return;
    }
    int64_t nCount = whole ? 2 : lastPanelTiles;
    forBlocksIn(b, loc, mbLo, mbHi,
                [&](OpBuilder &b, Location loc, Value mb, int64_t mCount,
                    bool wholeRows) {
                  Target t = targetOf(b, loc, to, mb);
                  forEach(b, loc, zero, count,
                          [&](OpBuilder &b, Location loc, Value s) {
                            block(b, loc, w, s, mb,
                                  arith::AddIOp::create(b, loc, pn0, s), ktLo,
                                  ktHi, t.fromZero, t.dest, mCount, nCount,
                                  whole && wholeRows);
                          });
                });
  };

  // One item: panels [pn0, pn0 + count) (whole panels, or the partial
  // one), then the partial one if `withPartial`, row blocks [mbLo, mbHi), K
  // tiles [ktBegin, ktEnd), chunk by chunk, into `to`.
  auto item = [&](OpBuilder &b, Location loc, Value w, Value pn0, Value count,
                  Value mbLo, Value mbHi, Value ktBegin, Value ktEnd,
                  const Targets &to, bool whole, bool withPartial = false) {
    scf::ForOp::create(
        b, loc, ktBegin, ktEnd, index(b, loc, chunkTiles), ValueRange{},
        [&](OpBuilder &b, Location loc, Value ktLo, ValueRange) {
          Value ktHi = arith::MinSIOp::create(
              b, loc, addIndex(b, loc, ktLo, chunkTiles), ktEnd);
          Value firstChunk = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::eq, ktLo, ktBegin);
          // The targets of this chunk: from zero only in the first.
          auto inChunk = [&](Target t) -> Target {
            if (t.fromZero)
              t.fromZero =
                  arith::AndIOp::create(b, loc, t.fromZero, firstChunk);
            return t;
          };
          Targets chunkTo{inChunk(to.low), inChunk(to.high), to.splitBlock};
          if (aRing)
            packA(b, loc, ktLo, ktHi,
                  [&](OpBuilder &b, Location loc, Value mt,
                      Value kt) -> SmallVector<Value> {
                    return {w, mt, arith::SubIOp::create(b, loc, kt, ktLo)};
                  });
          packChunk(b, loc, w, pn0, count, ktLo, ktHi, whole);
          sweep(b, loc, w, pn0, count, mbLo, mbHi, ktLo, ktHi, chunkTo, whole);
          if (withPartial) {
            // Into slot 0: the whole panels of this chunk are done.
            Value last = index(b, loc, wholePanels);
            packChunk(b, loc, w, last, index(b, loc, 1), ktLo, ktHi, false);
            panel(b, loc, w, zero, last, mbLo, mbHi, ktLo, ktHi, chunkTo,
                  false);
          }
          scf::YieldOp::create(b, loc);
        });
  };
  Value kTilesEnd = index(b, loc, kTiles);
  Value trueI1 = arith::ConstantIntOp::create(b, loc, 1, 1);
  Targets toC{{c, zeroAcc ? trueI1 : Value()}, {}, {}};
  // The first panel of slab `sl` and the number of its panels.
  auto slabPanels = [&](OpBuilder &b, Location loc, Value sl, Value &pn0,
                        Value &count) {
    auto begin = [&](Value i) -> Value {
      return arith::DivUIOp::create(b, loc, mulIndex(b, loc, i, wholePanels),
                                    index(b, loc, slabs));
    };
    pn0 = begin(sl);
    count = arith::SubIOp::create(b, loc, begin(addIndex(b, loc, sl, 1)), pn0);
  };
  // Item j of the slabs: slab j / parts, row part j % parts.
  auto slabItem = [&](OpBuilder &b, Location loc, Value w, Value j) {
    Value sl = arith::DivUIOp::create(b, loc, j, index(b, loc, parts));
    Value part = arith::RemUIOp::create(b, loc, j, index(b, loc, parts));
    Value pn0, count;
    slabPanels(b, loc, sl, pn0, count);
    Value mbLo = mulIndex(b, loc, part, partBlocks);
    item(b, loc, w, pn0, count, mbLo,
         minIndex(b, loc, addIndex(b, loc, mbLo, partBlocks), blocks), zero,
         kTilesEnd, toC, true);
  };
  // Row part q of the partial panel.
  auto partialItem = [&](OpBuilder &b, Location loc, Value w, int64_t q) {
    int64_t mbLo = q * partialBlocks;
    item(b, loc, w, index(b, loc, wholePanels), index(b, loc, 1),
         index(b, loc, mbLo),
         index(b, loc, std::min(mbLo + partialBlocks, blocks)), zero, kTilesEnd,
         toC, false);
  };
  // Item i in the order [slab items before firstHalf, partial part 0, the
  // other slab items, partial part 1].
  auto anyItem = [&](OpBuilder &b, Location loc, Value w, Value i) {
    auto at = [&](OpBuilder &b, Location loc, int64_t position) -> Value {
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, i,
                                   index(b, loc, position));
    };
    auto partial0 = [&](OpBuilder &b, Location loc) {
      partialItem(b, loc, w, 0);
    };
    auto partial1 = [&](OpBuilder &b, Location loc) {
      partialItem(b, loc, w, 1);
    };
    if (partialItems == 0)
      return slabItem(b, loc, w, i);
    if (slabItems == 0) {
      if (partialItems == 1)
        return partial0(b, loc);
      return ifElse(b, loc, at(b, loc, 0), partial0, partial1);
    }
    auto slabsOnly = [&](OpBuilder &b, Location loc) {
      Value after = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, i,
                                          index(b, loc, firstHalf));
      slabItem(b, loc, w,
               arith::SubIOp::create(b, loc, i,
                                     arith::IndexCastUIOp::create(
                                         b, loc, b.getIndexType(), after)));
    };
    auto rest = [&](OpBuilder &b, Location loc) {
      if (partialItems == 1)
        return slabsOnly(b, loc);
      ifElse(b, loc, at(b, loc, items - 1), partial1, slabsOnly);
    };
    ifElse(b, loc, at(b, loc, firstHalf), partial0, rest);
  };

  // C[rows [r0, r1), panels [pn0, pn0 + count)] += partial.
  auto addPartial = [&](OpBuilder &b, Location loc, Value r0, Value r1,
                        Value pn0, Value count, bool whole) {
    auto rowType = VectorType::get({2 * kCols}, f32);
    Value zeroF = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
    forEach(b, loc, r0, r1, [&](OpBuilder &b, Location loc, Value r) {
      forEach(b, loc, zero, count,
              [&](OpBuilder &b, Location loc, Value s) {
                Value c0 = mulIndex(
                    b, loc, arith::AddIOp::create(b, loc, pn0, s), 2 * kCols);
                auto read = [&](Value buffer) -> Value {
                  return vector::TransferReadOp::create(
                      b, loc, rowType, buffer, ValueRange{r, c0}, zeroF,
                      ArrayRef<bool>{whole});
                };
                Value sum =
                    arith::AddFOp::create(b, loc, read(c), read(partial));
                vector::TransferWriteOp::create(
                    b, loc, sum, c, ValueRange{r, c0}, ArrayRef<bool>{whole});
              });
    });
  };

  // K split, item i: half i / units of unit u = i % units. Half 0 owns the
  // row blocks below blocks / 2 and half 1 the others: an item sums its own
  // rows into C, the other half's rows into `partial` from zero, or into C
  // if the other item has finished. The unit's counter (+1 per start, +16
  // per finish) tells the cases apart atomically: an item starting at 17
  // found the other finished; the first item, finishing with two starts
  // counted, ran beside the other. Every item whose own rows the other put
  // into `partial` adds them to C once both have finished (at 34). So with
  // two threads each core writes only its own rows of C and reads half of
  // the other's sums once (docs/design.md, "K split"). A single worker sums
  // everything into C: no `partial`, no adding.
  Value splitBlock, alone;
  if (kSplit) {
    splitBlock = index(b, loc, blocks / 2);
    alone = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq,
        WorkerCountOp::create(b, loc, b.getIndexType()), index(b, loc, 1));
  }
  int64_t splitRow = std::min(blocks / 2 * 2 * kRows, m);
  auto splitItem = [&](OpBuilder &b, Location loc, Value w, Value i) {
    Value unitCount = index(b, loc, units);
    Value half = arith::DivUIOp::create(b, loc, i, unitCount);
    Value u = arith::RemUIOp::create(b, loc, i, unitCount);
    Value ktBegin = mulIndex(b, loc, half, itemKTiles);
    Value ktEnd =
        minIndex(b, loc, addIndex(b, loc, ktBegin, itemKTiles), kTiles);
    if (packAInLoop && !aRing)
      ensureA(b, loc, half, ktBegin, ktEnd);
    auto count = [&](OpBuilder &b, Location loc, int64_t add) -> Value {
      return memref::AtomicRMWOp::create(
          b, loc, arith::AtomicRMWKind::addi,
          arith::ConstantIntOp::create(b, loc, add, 32), unitState, u);
    };
    auto eqI32 = [](OpBuilder &b, Location loc, Value x, int64_t y) -> Value {
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x,
                                   arith::ConstantIntOp::create(b, loc, y, 32));
    };
    Value startedAt = count(b, loc, 1);
    Value first = eqI32(b, loc, startedAt, 0);
    Value afterOther = eqI32(b, loc, startedAt, 17);
    auto notI1 = [&](OpBuilder &b, Location loc, Value x) -> Value {
      return arith::XOrIOp::create(b, loc, x, trueI1);
    };
    // The other half's rows go to `partial` from zero, or to C (on top of
    // the other's sums) when this worker is alone or the other finished.
    Value otherToC = arith::OrIOp::create(b, loc, alone, afterOther);
    Target other{arith::SelectOp::create(b, loc, otherToC, c, partial),
                 notI1(b, loc, otherToC)};
    // A zero accumulator is written without being read: from zero, except
    // where a lone worker's first half has written C already.
    Target own{c, falseI1};
    if (zeroAcc) {
      own.fromZero = arith::OrIOp::create(b, loc, first, notI1(b, loc, alone));
      other.fromZero =
          arith::SelectOp::create(b, loc, alone, first, other.fromZero);
    }
    Value ownsLow =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, half, zero);
    auto pick = [&](Target x, Target y) -> Target {
      return {arith::SelectOp::create(b, loc, ownsLow, x.dest, y.dest),
              arith::SelectOp::create(b, loc, ownsLow, x.fromZero, y.fromZero)};
    };
    Targets to{pick(own, other), pick(other, own), splitBlock};
    // The item on panels [pn0, pn0 + count) (`whole` ones or the partial
    // one; and the partial one if `withPartial`), then the other half's
    // sums for its own rows.
    auto run = [&](OpBuilder &b, Location loc, Value pn0, Value panelCount,
                   bool whole, bool withPartial) {
      item(b, loc, w, pn0, panelCount, zero, index(b, loc, blocks), ktBegin,
           ktEnd, to, whole, withPartial);
      Value finishedAt = count(b, loc, 16);
      Value besideOther = eqI32(
          b, loc,
          arith::AndIOp::create(b, loc, finishedAt,
                                arith::ConstantIntOp::create(b, loc, 15, 32)),
          2);
      Value reduces = arith::AndIOp::create(
          b, loc, notI1(b, loc, alone),
          arith::OrIOp::create(b, loc, notI1(b, loc, first), besideOther));
      scf::IfOp::create(b, loc, reduces, [&](OpBuilder &b, Location loc) {
        // Both items finished: two starts and two finishes.
        scf::WhileOp::create(
            b, loc, TypeRange{}, ValueRange{},
            [&](OpBuilder &b, Location loc, ValueRange) {
              Value state = count(b, loc, 0);
              scf::ConditionOp::create(
                  b, loc, notI1(b, loc, eqI32(b, loc, state, 2 + 2 * 16)),
                  ValueRange{});
            },
            [&](OpBuilder &b, Location loc, ValueRange) {
              scf::YieldOp::create(b, loc);
            });
        Value split = index(b, loc, splitRow);
        Value r0 = arith::SelectOp::create(b, loc, ownsLow, zero, split);
        Value r1 =
            arith::SelectOp::create(b, loc, ownsLow, split, index(b, loc, m));
        addPartial(b, loc, r0, r1, pn0, panelCount, whole);
        if (withPartial)
          addPartial(b, loc, r0, r1, index(b, loc, wholePanels),
                     index(b, loc, 1), false);
        scf::YieldOp::create(b, loc);
      });
    };
    auto slabUnit = [&](OpBuilder &b, Location loc) {
      Value pn0, panelCount;
      slabPanels(b, loc, u, pn0, panelCount);
      run(b, loc, pn0, panelCount, true, foldPartial);
    };
    auto partialUnit = [&](OpBuilder &b, Location loc) {
      run(b, loc, index(b, loc, wholePanels), index(b, loc, 1), false, false);
    };
    if (!partialItems || foldPartial)
      return slabUnit(b, loc);
    if (slabs == 0)
      return partialUnit(b, loc);
    ifElse(b, loc,
           arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, u,
                                 index(b, loc, slabs)),
           partialUnit, slabUnit);
  };

  forallBuffers(
      b, loc, {workers}, [&](OpBuilder &b, Location loc, ValueRange ivs) {
        Value first = mulIndex(b, loc, ivs[0], perWorker);
        Value w = claimSlot(b, loc, flags);
        if (aInPlace)
          scf::IfOp::create(b, loc,
                            arith::XOrIOp::create(b, loc, aInPlace, trueI1),
                            [&](OpBuilder &b, Location loc) {
                              shareA(b, loc);
                              scf::YieldOp::create(b, loc);
                            });
        else if (packAInLoop && !kSplit)
          shareA(b, loc);
        Value end = minIndex(b, loc, addIndex(b, loc, first, perWorker), items);
        forEach(b, loc, first, end, [&](OpBuilder &b, Location loc, Value i) {
          if (kSplit)
            splitItem(b, loc, w, i);
          else
            anyItem(b, loc, w, i);
        });
        releaseSlot(b, loc, flags, w);
      });
}

void AmxCompute::emit(OpBuilder &b, Location loc) const {
  if (plan) {
    emitFused(b, loc);
    return;
  }
  Split ms = split(m, kRows, mTiles), ns = split(n, kCols, nTiles);
  // Main blocks: groups of row blocks whose packed A stays in L2, one
  // parallel iteration per (group, 32-column panel); K in chunks so that
  // the B tiles of a chunk stay in L1 across the group's row blocks.
  if (ms.pairs > 0 && ns.pairs > 0) {
    int64_t blockBytes = 2 * kTiles * kRows * kDepth * 2;
    int64_t groups = (ms.pairs * blockBytes + kGroupBytes - 1) / kGroupBytes;
    while (groups * ns.pairs < 16 && groups < ms.pairs)
      ++groups;
    int64_t groupBlocks = (ms.pairs + groups - 1) / groups;
    // Groups of equal size where a divisor of the block count is at least
    // half as large: every parallel iteration then costs the same, so a
    // static split gives two threads equal shares (at M = 256, groups of
    // 3, 3 and 2 blocks had one thread do 27 block-panels, the other 21).
    for (int64_t g = groupBlocks; 2 * g >= groupBlocks; --g) {
      if (ms.pairs % g == 0) {
        groupBlocks = g;
        break;
      }
    }
    groups = (ms.pairs + groupBlocks - 1) / groupBlocks;
    int64_t chunks = (kTiles + kMaxChunkTiles - 1) / kMaxChunkTiles;
    int64_t chunkTiles = (kTiles + chunks - 1) / chunks;
    chunks = (kTiles + chunkTiles - 1) / chunkTiles;
    forallBuffers(
        b, loc, {groups, ns.pairs},
        [&](OpBuilder &b, Location loc, ValueRange ivs) {
          Value first = mulIndex(b, loc, ivs[0], groupBlocks);
          Value last =
              minIndex(b, loc, addIndex(b, loc, first, groupBlocks), ms.pairs);
          Value nt0 = mulIndex(b, loc, ivs[1], 2);
          Value c0 = mulIndex(b, loc, nt0, kCols);
          forEach(b, loc, index(b, loc, 0), index(b, loc, chunks),
                  [&](OpBuilder &b, Location loc, Value chunk) {
                    Value ktLo = mulIndex(b, loc, chunk, chunkTiles);
                    Value ktHi = minIndex(
                        b, loc, addIndex(b, loc, ktLo, chunkTiles), kTiles);
                    forEach(b, loc, first, last,
                            [&](OpBuilder &b, Location loc, Value mb) {
                              Value mt0 = mulIndex(b, loc, mb, 2);
                              emitBlock(b, loc, c, mulIndex(b, loc, mt0, kRows),
                                        c0, mt0, nt0, 2, 2, ktLo, ktHi,
                                        startsFromZero(b, loc, ktLo));
                            });
                  });
        });
  }
  // The tails: a column of blocks on the right, a row at the bottom, the
  // corner. Static tile counts; partial tiles through the scratch buffer.
  auto tail = [&](int64_t mBlocks, int64_t mFirstTile, int64_t mCount,
                  bool mPartial, int64_t nBlocks, int64_t nFirstTile,
                  int64_t nCount, bool nPartial) {
    if (mBlocks == 0 || nBlocks == 0 || mCount == 0 || nCount == 0)
      return;
    Value slots;
    if (mPartial || nPartial)
      slots = memref::AllocOp::create(
          b, loc,
          MemRefType::get({mBlocks * nBlocks, 2 * kRows, 2 * kCols},
                          b.getF32Type()));
    forallBuffers(
        b, loc, {mBlocks, nBlocks},
        [&](OpBuilder &b, Location loc, ValueRange ivs) {
          Value mt0 = addIndex(b, loc, mulIndex(b, loc, ivs[0], 2), mFirstTile);
          Value nt0 = addIndex(b, loc, mulIndex(b, loc, ivs[1], 2), nFirstTile);
          Value kt0 = index(b, loc, 0), ktEnd = index(b, loc, kTiles);
          Value fromZero = startsFromZero(b, loc, kt0);
          if (mPartial || nPartial) {
            Value slot = arith::AddIOp::create(
                b, loc, mulIndex(b, loc, ivs[0], nBlocks), ivs[1]);
            emitEdgeBlock(b, loc, c, scratchSlot(b, loc, slots, slot), mt0, nt0,
                          mCount, nCount, kt0, ktEnd, fromZero);
            return;
          }
          emitBlock(b, loc, c, mulIndex(b, loc, mt0, kRows),
                    mulIndex(b, loc, nt0, kCols), mt0, nt0, mCount, nCount,
                    kt0, ktEnd, fromZero);
        });
  };
  tail(ms.pairs, 0, 2, false, 1, 2 * ns.pairs, ns.tailTiles, ns.tailPartial);
  tail(1, 2 * ms.pairs, ms.tailTiles, ms.tailPartial, ns.pairs, 0, 2, false);
  tail(1, 2 * ms.pairs, ms.tailTiles, ms.tailPartial, 1, 2 * ns.pairs,
       ns.tailTiles, ns.tailPartial);
}

/// The same product from the same packed buffers with scalar f32 fmas, for
/// a process that was refused the AMX state.
void emitScalarFallback(OpBuilder &b, Location loc, const AmxCompute &cp) {
  Type f32 = b.getF32Type();
  Value zero = index(b, loc, 0);
  forEach(
      b, loc, zero, index(b, loc, cp.m),
      [&](OpBuilder &b, Location loc, Value i) {
        Value mt = arith::DivUIOp::create(b, loc, i, index(b, loc, kRows));
        Value r = arith::RemUIOp::create(b, loc, i, index(b, loc, kRows));
        forEach(
            b, loc, zero, index(b, loc, cp.n),
            [&](OpBuilder &b, Location loc, Value j) {
              Value nt =
                  arith::DivUIOp::create(b, loc, j, index(b, loc, kCols));
              Value col = mulIndex(
                  b, loc,
                  arith::RemUIOp::create(b, loc, j, index(b, loc, kCols)), 2);
              Value acc =
                  cp.zeroAcc
                      ? arith::ConstantOp::create(b, loc, b.getZeroAttr(f32))
                            .getResult()
                      : memref::LoadOp::create(b, loc, cp.c, ValueRange{i, j})
                            .getResult();
              acc = forCarry(
                  b, loc, zero,
                  index(b, loc, cp.plan ? cp.k : cp.kTiles * kDepth), acc,
                  [&](OpBuilder &b, Location loc, Value kk, Value acc) {
                    Value kt = arith::DivUIOp::create(b, loc, kk,
                                                      index(b, loc, kDepth));
                    Value q = arith::RemUIOp::create(b, loc, kk,
                                                     index(b, loc, kDepth));
                    Value x =
                        cp.aDirect
                            ? memref::LoadOp::create(b, loc, cp.pa,
                                                     ValueRange{i, kk})
                            : memref::LoadOp::create(b, loc, cp.pa,
                                                     ValueRange{mt, kt, r, q});
                    Value y;
                    if (cp.plan) {
                      // B itself (K x N); the K loop stops at K.
                      y = memref::LoadOp::create(b, loc, cp.pb,
                                                 ValueRange{kk, j});
                    } else {
                      Value p =
                          arith::DivUIOp::create(b, loc, q, index(b, loc, 2));
                      Value odd =
                          arith::RemUIOp::create(b, loc, q, index(b, loc, 2));
                      y = memref::LoadOp::create(
                          b, loc, cp.pb,
                          ValueRange{nt, kt, p,
                                     arith::AddIOp::create(b, loc, col, odd)});
                    }
                    return arith::AddFOp::create(
                               b, loc, acc,
                               arith::MulFOp::create(
                                   b, loc,
                                   arith::ExtFOp::create(b, loc, f32, x),
                                   arith::ExtFOp::create(b, loc, f32, y)))
                        .getResult();
                  });
              memref::StoreOp::create(b, loc, acc, cp.c, ValueRange{i, j});
            });
      });
}

/// i1: true once this process may use AMX tiles. Asks Linux on the first
/// call (arch_prctl(ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18),
/// syscall 158) and remembers the answer in a module global. Concurrent
/// first calls both ask; the request is idempotent.
Value emitAmxPermission(OpBuilder &b, Location loc, Operation *anchor) {
  auto module = anchor->getParentOfType<ModuleOp>();
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  auto stateType = MemRefType::get({}, i32);
  if (!SymbolTable::lookupSymbolIn(module, kStateGlobal)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    memref::GlobalOp::create(
        b, loc, kStateGlobal, b.getStringAttr("private"), stateType,
        DenseElementsAttr::get(RankedTensorType::get({}, i32),
                               b.getI32IntegerAttr(0).getValue()),
        /*constant=*/false, /*alignment=*/nullptr);
  }
  Value global = memref::GetGlobalOp::create(b, loc, stateType, kStateGlobal);
  Value state = memref::LoadOp::create(b, loc, global, ValueRange{});
  auto c32 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, i32, v);
  };
  Value unknown =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, state, c32(0));
  auto ifOp = scf::IfOp::create(
      b, loc, unknown,
      [&](OpBuilder &b, Location loc) {
        auto c64 = [&](int64_t v) {
          return arith::ConstantIntOp::create(b, loc, i64, v);
        };
        Value rc =
            LLVM::InlineAsmOp::create(
                b, loc, i64, ValueRange{c64(158), c64(0x1023), c64(18)},
                "syscall", "={rax},{rax},{rdi},{rsi},~{rcx},~{r11},~{memory}",
                /*has_side_effects=*/true, /*is_align_stack=*/false,
                LLVM::tailcallkind::TailCallKind::None, nullptr, nullptr)
                .getResult(0);
        Value granted =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rc, c64(0));
        Value answer = arith::SelectOp::create(
            b, loc, granted, arith::ConstantIntOp::create(b, loc, i32, 1),
            arith::ConstantIntOp::create(b, loc, i32, 2));
        memref::StoreOp::create(b, loc, answer, global, ValueRange{});
        scf::YieldOp::create(b, loc, answer);
      },
      [&](OpBuilder &b, Location loc) { scf::YieldOp::create(b, loc, state); });
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                               ifOp.getResult(0), c32(1));
}

//===----------------------------------------------------------------------===//
// Compile-time packing of constant operands
//===----------------------------------------------------------------------===//

/// The values (element times scale, as f32) of an MX operand assembled
/// from two constants, [rows][cols] as stored, or nothing.
std::optional<std::vector<float>> constantValues(Value value,
                                                 MxTensorType type) {
  std::optional<ConstantOperand> operand = getConstantOperand(value, type);
  if (!operand)
    return std::nullopt;
  ::mx::ref::Format format = toReferenceFormat(type.getFormat());
  std::vector<float> result(operand->rows * operand->cols);
  for (int64_t r = 0; r < operand->rows; ++r)
    for (int64_t c = 0; c < operand->cols; ++c)
      result[r * operand->cols + c] = static_cast<float>(
          ::mx::ref::decodeElement(operand->code(r, c), format) *
          ::mx::ref::decodeScale(operand->scale(r, c)));
  return result;
}

/// The values (row-major, as f32) of a constant bf16 operand.
std::optional<std::vector<float>> constantValuesBF16(Value value) {
  std::optional<std::vector<uint16_t>> bits = getConstantBF16(value);
  if (!bits)
    return std::nullopt;
  std::vector<float> result(bits->size());
  for (size_t i = 0; i < bits->size(); ++i) {
    uint32_t wide = static_cast<uint32_t>((*bits)[i]) << 16;
    std::memcpy(&result[i], &wide, 4);
  }
  return result;
}

/// bf16 bits of an f32 that is a bf16 value (as the run-time packing).
uint16_t bf16Bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return static_cast<uint16_t>(bits >> 16);
}

/// The packed tensor of emitPackA (`isA`) or emitPackB from the values of
/// a constant operand, computed here.
Value packConstant(OpBuilder &b, Location loc, const AmxMatmul &plan,
                   const std::vector<float> &values, bool isA) {
  int64_t tiles = isA ? plan.mTiles : plan.paddedNTiles();
  bool transposed = isA ? plan.ta : plan.tb;
  // Columns of the stored operand (M x K or K x N, transposed: K x M or
  // N x K).
  int64_t cols =
      isA ? (transposed ? plan.m : plan.k) : (transposed ? plan.k : plan.n);
  // Value at logical (row, k) of A or (k, column) of B, zero outside.
  auto at = [&](int64_t line, int64_t k) -> uint16_t {
    if (line >= (isA ? plan.m : plan.n) || k >= plan.k)
      return 0;
    bool lineFirst = isA != transposed;
    int64_t r = lineFirst ? line : k, c = lineFirst ? k : line;
    return bf16Bits(values[r * cols + c]);
  };
  std::vector<uint16_t> packed(tiles * plan.kTiles * kRows * kDepth);
  for (int64_t t = 0; t < tiles; ++t)
    for (int64_t kt = 0; kt < plan.kTiles; ++kt)
      for (int64_t r = 0; r < kRows; ++r)
        for (int64_t q = 0; q < kDepth; ++q) {
          int64_t k = kt * kDepth + (isA ? q : 2 * r + q % 2);
          int64_t line = isA ? t * kRows + r : t * kCols + q / 2;
          packed[((t * plan.kTiles + kt) * kRows + r) * kDepth + q] =
              at(line, k);
        }
  auto tensorType = plan.packedType(tiles);
  auto attr = DenseElementsAttr::getFromRawBuffer(
      tensorType, ArrayRef<char>(reinterpret_cast<const char *>(packed.data()),
                                 packed.size() * 2));
  return arith::ConstantOp::create(b, loc, attr);
}

bool isIntegerFormat(Format format) {
  return format == Format::int8 || format == Format::e2m1 ||
         format == Format::e2m3;
}

struct AmxMatmulPattern : OpRewritePattern<MatmulOp> {
  AmxMatmulPattern(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getUnordered())
      return rewriter.notifyMatchFailure(op, "ordered accumulation");
    // The AMX permission state is a module global.
    if (!op->getParentOfType<ModuleOp>())
      return rewriter.notifyMatchFailure(op, "not inside a module");
    if (op.isBlockScaled()) {
      auto a = cast<MxTensorType>(op.getA().getType());
      auto b = cast<MxTensorType>(op.getB().getType());
      if (isIntegerFormat(a.getFormat()) && isIntegerFormat(b.getFormat()))
        return rewriter.notifyMatchFailure(op, "integer pair: exact VNNI");
    }
    Location loc = op.getLoc();
    AmxMatmul plan(op);
    if (plan.m == 0 || plan.n == 0 || plan.k == 0)
      return rewriter.notifyMatchFailure(op, "empty product");
    if (plan.blockScaled) {
      auto aParts =
          DisassembleOp::create(rewriter, loc, plan.aType.getPackedTensorType(),
                                plan.aType.getScalesTensorType(), op.getA());
      auto bParts =
          DisassembleOp::create(rewriter, loc, plan.bType.getPackedTensorType(),
                                plan.bType.getScalesTensorType(), op.getB());
      plan.aElements = aParts.getElements();
      plan.aScales = aParts.getScales();
      plan.bElements = bParts.getElements();
      plan.bScales = bParts.getScales();
    } else {
      plan.a = op.getA();
      plan.b = op.getB();
    }
    // Constant operands (weights: quantized by mx-quantize, rounded by
    // mx-bf16) are packed here, at compile time.
    std::optional<std::vector<float>> constA, constB;
    if (plan.blockScaled) {
      constA = constantValues(op.getA(), plan.aType);
      constB = constantValues(op.getB(), plan.bType);
    } else {
      constA = constantValuesBF16(op.getA());
      constB = constantValuesBF16(op.getB());
    }
    // B that is not a constant is packed inside the compute loop when A
    // fits in L2: bf16 B, and MX B stored K x N.
    bool fused = !constB && (!plan.blockScaled || !plan.tb) &&
                 packedABytes(plan.mTiles, plan.kTiles) <= kFusedABytes;
    // A stored M x K is then packed (MX: decoded) inside that loop too
    // (emitFused: per K chunk or per half of K when it splits K, for bf16 at
    // 256x2304x196 1.06x / 1.17x faster on 1 / 2 threads than reading A in
    // place (session 15); else all of A, or line-aligned bf16 A in place).
    bool packAInLoop = fused && !plan.ta && !constA;
    // Outside the fused path, bf16 A is read in place where it can be.
    bool aDirect =
        !fused && !plan.blockScaled && !constA && tilesInPlace(plan.m, plan.k);
    Value packedA = aDirect  ? op.getA()
                    : constA ? packConstant(rewriter, loc, plan, *constA, true)
                    : packAInLoop ? Value()
                                  : plan.emitPackA(rewriter, loc);
    Value packedB = fused    ? (plan.blockScaled ? Value() : op.getB())
                    : constB ? packConstant(rewriter, loc, plan, *constB, false)
                             : plan.emitPackB(rewriter, loc);

    // The compute phase works on buffers: the packed operands read-only,
    // the accumulator's buffer updated in place and returned as the result.
    auto bufferType = [](Value tensor) {
      auto t = cast<RankedTensorType>(tensor.getType());
      return MemRefType::get(t.getShape(), t.getElementType());
    };
    AmxCompute cp;
    cp.aDirect = aDirect;
    cp.ctx = rewriter.getContext();
    cp.m = plan.m;
    cp.n = plan.n;
    cp.k = plan.k;
    cp.mTiles = plan.mTiles;
    cp.nTiles = plan.nTiles;
    cp.kTiles = plan.kTiles;
    // With packAInLoop, emitFused allocates what A is packed into.
    cp.packAInLoop = packAInLoop;
    if (!packAInLoop)
      cp.pa = bufferization::ToBufferOp::create(
          rewriter, loc, bufferType(packedA), packedA, /*read_only=*/true);
    if (packedB)
      cp.pb = bufferization::ToBufferOp::create(
          rewriter, loc, bufferType(packedB), packedB, /*read_only=*/true);
    // A zero-filled accumulator used only here: write the fill's
    // destination without reading it (the fill is then dead).
    Value acc = op.getAcc();
    if (auto fill = acc.getDefiningOp<linalg::FillOp>();
        fill && acc.hasOneUse() && matchPattern(fill.value(), m_PosZeroFloat())) {
      acc = fill.getDpsInits()[0];
      cp.zeroAcc = true;
    }
    cp.c = bufferization::ToBufferOp::create(rewriter, loc, bufferType(acc),
                                             acc);
    AmxMatmul bufferPlan = plan;
    if (fused) {
      if (plan.blockScaled) {
        auto toBuffer = [&](Value tensor) -> Value {
          return bufferization::ToBufferOp::create(
              rewriter, loc, bufferType(tensor), tensor, /*read_only=*/true);
        };
        bufferPlan.bElements = toBuffer(plan.bElements);
        bufferPlan.bScales = toBuffer(plan.bScales);
        if (packAInLoop) {
          bufferPlan.aElements = toBuffer(plan.aElements);
          bufferPlan.aScales = toBuffer(plan.aScales);
        }
      } else {
        bufferPlan.b = cp.pb;
        if (packAInLoop)
          bufferPlan.a = bufferization::ToBufferOp::create(
              rewriter, loc, bufferType(plan.a), plan.a, /*read_only=*/true);
      }
      cp.plan = &bufferPlan;
    }
    Value granted = emitAmxPermission(rewriter, loc, op);
    ifElse(
        rewriter, loc, granted,
        [&](OpBuilder &b, Location loc) { cp.emit(b, loc); },
        [&](OpBuilder &b, Location loc) {
          AmxCompute fallback = cp;
          if (packAInLoop) {
            Value packed = plan.emitPackA(b, loc);
            fallback.pa = bufferization::ToBufferOp::create(
                b, loc, bufferType(packed), packed, /*read_only=*/true);
            fallback.packAInLoop = false;
          }
          if (fused && plan.blockScaled) {
            // The AMX loop decodes MX B slab by slab; the fallback reads
            // all of it packed.
            Value packed = plan.emitPackB(b, loc);
            fallback.pb = bufferization::ToBufferOp::create(
                b, loc, bufferType(packed), packed, /*read_only=*/true);
            fallback.plan = nullptr;
          }
          emitScalarFallback(b, loc, fallback);
        });
    Value result = bufferization::ToTensorOp::create(
        rewriter, loc, op.getAcc().getType(), cp.c, /*restrict=*/true,
        /*writable=*/true);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::mx::populateMxAmxMatmulPatterns(RewritePatternSet &patterns) {
  patterns.add<AmxMatmulPattern>(patterns.getContext());
}
