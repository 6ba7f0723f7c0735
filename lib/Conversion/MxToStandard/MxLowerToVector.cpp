//===- MxLowerToVector.cpp - vectorized mx.quantize / mx.dequantize -----===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Lowers mx.quantize and mx.dequantize to loops over blocks with vector
// bodies. The tensor is viewed as [outer, D, inner] with D the blocked axis:
//
// - inner == 1 (blocks contiguous): one block is one vector<B x f32>; amax is
//   a horizontal unsigned max and packing shuffles codes within the vector.
// - inner > 1 (blocks strided): 16 neighbouring blocks are processed at once,
//   one vector<16 x f32> per block row, so amax is a lane-wise max over rows
//   and packing combines whole rows; no horizontal work at all.
//
// The element math comes from MxElementMath (shared with the reference
// lowering). Targets only change how codes are decoded: a register table
// permute on x86 (vpermps / vpermi2ps) and tbl on AArch64, both through
// llvm.call_intrinsic, and the integer formula on the generic target.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/IndexMath.h"
#include "mx/Conversion/KTanhLowering.h"
#include "mx/Conversion/MxCastLowering.h"
#include "mx/Conversion/MxElementMath.h"
#include "mx/Conversion/MxToStandard.h"
#include "mx/Conversion/MxToVector.h"
#include "mx/Conversion/Passes.h"
#include "mx/Dialect/Mx/IR/MxOps.h"
#include "mx/Support/TensorUtils.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/bit.h"
#include "llvm/TargetParser/Host.h"

#define DEBUG_TYPE "mx-lower-to-vector"

namespace mlir::mx {
#define GEN_PASS_DEF_MXLOWERTOVECTORPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

/// Lanes processed together in the strided layout: one 512-bit f32 register.
static constexpr int64_t kLanes = 16;

std::optional<VectorTarget> mx::parseVectorTarget(StringRef name) {
  return llvm::StringSwitch<std::optional<VectorTarget>>(name)
      .Case("generic", VectorTarget::Generic)
      .Case("x86-64-avx2", VectorTarget::X86Avx2)
      .Case("x86-64-avx512", VectorTarget::X86Avx512)
      // AVX-512 code plus the AMX matmul patterns (MxLowerToVectorPass).
      .Case("x86-64-amx", VectorTarget::X86Avx512)
      .Case("aarch64-neon", VectorTarget::AArch64Neon)
      .Case("aarch64-sve", VectorTarget::AArch64Sve)
      .Default(std::nullopt);
}

namespace {

/// A tensor seen as [outer, dim, inner] around its blocked axis.
struct BlockedView {
  int64_t outer = 1, dim = 0, inner = 1;

  BlockedView(ArrayRef<int64_t> shape, int64_t axis) {
    for (int64_t i = 0; i < axis; ++i)
      outer *= shape[i];
    dim = shape[axis];
    for (int64_t i = axis + 1, e = shape.size(); i < e; ++i)
      inner *= shape[i];
  }
  bool isContiguous() const { return inner == 1; }
  /// The view's shape for a blocked axis of `axisSize` entries.
  SmallVector<int64_t> shape(int64_t axisSize) const {
    if (isContiguous())
      return {outer, axisSize};
    return {outer, axisSize, inner};
  }
};

/// Codes per packing group and the bytes they fill.
struct Packing {
  int64_t codes, bytes;
  explicit Packing(Format format) {
    switch (getFormatInfo(format).bits) {
    case 4:
      codes = 2, bytes = 1;
      return;
    case 6:
      codes = 4, bytes = 3;
      return;
    default:
      codes = 1, bytes = 1;
    }
  }
};

Value broadcast(OpBuilder &b, Location loc, Value scalar, int64_t lanes) {
  return vector::BroadcastOp::create(
      b, loc, VectorType::get({lanes}, scalar.getType()), scalar);
}

/// Reads a 1-D vector at `indices`; the last dimension may run past the end
/// in the strided view (padding zeros).
Value read(OpBuilder &b, Location loc, Value tensor, ValueRange indices,
           int64_t lanes, bool inBounds) {
  Type element = cast<RankedTensorType>(tensor.getType()).getElementType();
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  return vector::TransferReadOp::create(
      b, loc, VectorType::get({lanes}, element), tensor, indices, pad,
      ArrayRef<bool>{inBounds});
}

Value write(OpBuilder &b, Location loc, Value vector, Value tensor,
            ValueRange indices, bool inBounds) {
  return vector::TransferWriteOp::create(b, loc, vector, tensor, indices,
                                         ArrayRef<bool>{inBounds})
      .getResult();
}

/// f32 view of a loaded f32 or bf16 vector.
Value toF32(OpBuilder &b, Location loc, Value vector) {
  auto type = cast<VectorType>(vector.getType());
  if (type.getElementType().isF32())
    return vector;
  return arith::ExtFOp::create(b, loc, type.clone(b.getF32Type()), vector);
}

Value shuffle(OpBuilder &b, Location loc, Value x, Value y,
              ArrayRef<int64_t> mask) {
  return vector::ShuffleOp::create(b, loc, x, y, mask);
}

/// Packs planes of codes (plane j holds code j of every packing group, i8)
/// into planes of storage bytes (plane k holds byte k of every group): the
/// codes of a group form a little-endian word of 4-bit (FP4) or 6-bit (FP6)
/// fields. Shared by the contiguous layout (planes are deinterleaved from
/// one vector) and the strided one (planes are rows).
SmallVector<Value> packPlanes(OpBuilder &b, Location loc, ArrayRef<Value> codes,
                              Packing packing) {
  if (packing.codes == 1)
    return {codes[0]};
  auto type = cast<VectorType>(codes[0].getType());
  Type i32 = type.clone(b.getI32Type());
  int64_t width = packing.codes == 2 ? 4 : 6;
  Value word;
  for (auto [j, code] : llvm::enumerate(codes)) {
    Value field = arith::ExtUIOp::create(b, loc, i32, code);
    field = arith::AndIOp::create(b, loc, field,
                                  emitSplat(b, loc, i32, (1 << width) - 1));
    field =
        arith::ShLIOp::create(b, loc, field, emitSplat(b, loc, i32, width * j));
    word = word ? arith::OrIOp::create(b, loc, word, field).getResult() : field;
  }
  SmallVector<Value> bytes;
  for (int64_t k = 0; k < packing.bytes; ++k) {
    Value shifted =
        arith::ShRUIOp::create(b, loc, word, emitSplat(b, loc, i32, 8 * k));
    bytes.push_back(arith::TruncIOp::create(b, loc, type, shifted));
  }
  return bytes;
}

/// Inverse of packPlanes.
SmallVector<Value> unpackPlanes(OpBuilder &b, Location loc,
                                ArrayRef<Value> bytes, Packing packing) {
  if (packing.codes == 1)
    return {bytes[0]};
  auto type = cast<VectorType>(bytes[0].getType());
  Type i32 = type.clone(b.getI32Type());
  Value word;
  for (auto [k, byte] : llvm::enumerate(bytes)) {
    Value wide = arith::ExtUIOp::create(b, loc, i32, byte);
    wide = arith::ShLIOp::create(b, loc, wide, emitSplat(b, loc, i32, 8 * k));
    word = word ? arith::OrIOp::create(b, loc, word, wide).getResult() : wide;
  }
  int64_t width = packing.codes == 2 ? 4 : 6;
  SmallVector<Value> codes;
  for (int64_t j = 0; j < packing.codes; ++j) {
    Value code =
        arith::ShRUIOp::create(b, loc, word, emitSplat(b, loc, i32, width * j));
    code = arith::AndIOp::create(b, loc, code,
                                 emitSplat(b, loc, i32, (1 << width) - 1));
    codes.push_back(arith::TruncIOp::create(b, loc, type, code));
  }
  return codes;
}

/// Splits a vector into `count` planes: plane j holds elements j, j + count,
/// j + 2 * count, ...
SmallVector<Value> deinterleavePlanes(OpBuilder &b, Location loc, Value vector,
                                      int64_t count) {
  if (count == 1)
    return {vector};
  int64_t groups = cast<VectorType>(vector.getType()).getNumElements() / count;
  SmallVector<Value> planes;
  for (int64_t j = 0; j < count; ++j) {
    SmallVector<int64_t> mask;
    for (int64_t g = 0; g < groups; ++g)
      mask.push_back(g * count + j);
    planes.push_back(shuffle(b, loc, vector, vector, mask));
  }
  return planes;
}

/// Inverse of deinterleavePlanes for up to four planes: two concatenations and
/// one final shuffle.
Value interleavePlanes(OpBuilder &b, Location loc, ArrayRef<Value> planes) {
  int64_t count = planes.size();
  if (count == 1)
    return planes[0];
  int64_t groups = cast<VectorType>(planes[0].getType()).getNumElements();
  auto concat = [&](Value x, Value y) {
    return shuffle(b, loc, x, y,
                   llvm::to_vector(llvm::seq<int64_t>(0, 2 * groups)));
  };
  // Plane j starts at j * groups in concat(front, back).
  Value front = count == 2 ? planes[0] : concat(planes[0], planes[1]);
  Value back = count == 2
                   ? planes[1]
                   : concat(planes[2], count == 4 ? planes[3] : planes[2]);
  SmallVector<int64_t> mask;
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t j = 0; j < count; ++j)
      mask.push_back(j * groups + g);
  return shuffle(b, loc, front, back, mask);
}

/// Packs a vector of codes (i8, along the blocked axis) into storage bytes.
Value packCodes(OpBuilder &b, Location loc, Value codes, Format format) {
  Packing packing(format);
  return interleavePlanes(
      b, loc,
      packPlanes(b, loc, deinterleavePlanes(b, loc, codes, packing.codes),
                 packing));
}

/// Encodes and packs one block of f32 values into its storage bytes, working
/// on the bytes of the i32 code lanes: narrowing is one two-source byte
/// permute per block (vpermt2b with AVX-512 VBMI) rather than a truncation
/// per register, and the sign bits are moved from the inputs' top bytes
/// after packing, once per byte instead of once per lane. FP4 then merges
/// each odd code into the high nibble of its even neighbour within a 16-bit
/// lane. FP6 merges the four code bytes of each 32-bit word into its low 24
/// bits. Assumes little-endian lanes, as on every
/// target mxir lowers to.
Value encodePacked(OpBuilder &b, Location loc, Value values,
                   Pow2Factors inverseScale, Format format, bool flush) {
  int64_t count = cast<VectorType>(values.getType()).getNumElements();
  auto i32s = [&](int64_t n) { return VectorType::get({n}, b.getI32Type()); };
  auto i8s = [&](int64_t n) { return VectorType::get({n}, b.getI8Type()); };
  auto splat = [&](Type type, int64_t value) {
    return emitSplat(b, loc, type, value);
  };
  // FP4 takes the bytes of the even lanes first, then the odd ones: that
  // puts pairs in two halves, and it is not a truncation pattern, which
  // LLVM would lower as two narrowing moves and an insert.
  bool evenThenOdd = getFormatInfo(format).bits == 4;
  // Byte `offset` of every i32 lane of `lanes`.
  auto laneBytes = [&](Value lanes, int64_t offset) {
    Value bytes = vector::BitCastOp::create(b, loc, i8s(count * 4), lanes);
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < count; ++i)
      mask.push_back(evenThenOdd ? 4 * (2 * i % count + 2 * i / count) + offset
                                 : 4 * i + offset);
    return shuffle(b, loc, bytes, bytes, mask);
  };
  if (format == Format::int8)
    return laneBytes(
        emitEncodeElementBits(b, loc, values, inverseScale, format, flush), 0);
  // Saturating the packed bytes takes one min per block, not one per
  // register, and leaves LLVM no known-zero high bits that would turn the
  // byte permute back into truncations.
  Value codes = arith::MinUIOp::create(
      b, loc,
      laneBytes(emitEncodeMagnitudeBits(b, loc, values, inverseScale, format,
                                        flush, /*saturate=*/false),
                0),
      splat(i8s(count), getMaxMagnitudeCode(format)));
  // Top byte of each input: its bit 7 is the sign.
  Value signs =
      laneBytes(arith::BitcastOp::create(b, loc, i32s(count), values), 3);
  auto orMasked = [&](Value x, Value y, int64_t mask) {
    return arith::OrIOp::create(
        b, loc, x, arith::AndIOp::create(b, loc, y, splat(x.getType(), mask)));
  };
  if (getFormatInfo(format).bits == 8)
    return orMasked(codes, signs, 0x80);

  // 16-bit shifts of byte vectors: with 4- and 6-bit fields nothing crosses
  // into the neighbouring byte that the masks or the ors below keep.
  auto shiftBytes = [&](Value v, int64_t by, bool left) -> Value {
    int64_t n = cast<VectorType>(v.getType()).getNumElements();
    auto words = VectorType::get({n / 2}, b.getI16Type());
    Value w = vector::BitCastOp::create(b, loc, words, v);
    Value amount = splat(words, by);
    w = left ? arith::ShLIOp::create(b, loc, w, amount).getResult()
             : arith::ShRUIOp::create(b, loc, w, amount).getResult();
    return vector::BitCastOp::create(b, loc, i8s(n), w);
  };
  if (getFormatInfo(format).bits == 6) {
    // Each sign bit from 7 to 5 of its own byte; then the four code bytes
    // of an i32 lane (a packing group) become the lane's low 24 bits,
    // c0 | c1 << 6 | c2 << 12 | c3 << 18, in two merge steps on a quarter
    // as many lanes, and a byte shuffle drops every lane's top byte.
    Value withSigns =
        orMasked(codes, shiftBytes(signs, 2, /*left=*/false), 0x20);
    auto groups = i32s(count / 4);
    auto merge = [&](Value v, int64_t keep, int64_t shift) -> Value {
      Value low = arith::AndIOp::create(b, loc, v, splat(groups, keep));
      Value high = arith::AndIOp::create(b, loc, v, splat(groups, ~keep));
      return arith::OrIOp::create(
          b, loc, low,
          arith::ShRUIOp::create(b, loc, high, splat(groups, shift)));
    };
    Value words = vector::BitCastOp::create(b, loc, groups, withSigns);
    words = merge(merge(words, 0x00FF00FF, 2), 0x0000FFFF, 4);
    Value bytes = vector::BitCastOp::create(b, loc, i8s(count), words);
    SmallVector<int64_t> mask;
    for (int64_t g = 0; g < count / 4; ++g)
      mask.append({4 * g, 4 * g + 1, 4 * g + 2});
    return shuffle(b, loc, bytes, bytes, mask);
  }
  // Each sign bit from 7 to 3 of its own byte.
  Value withSigns = orMasked(codes, shiftBytes(signs, 4, /*left=*/false), 0x08);
  auto half = [&](int64_t first) {
    return shuffle(
        b, loc, withSigns, withSigns,
        llvm::to_vector(llvm::seq<int64_t>(first, first + count / 2)));
  };
  // Byte i: even code i in the low nibble, odd code i in the high one.
  return arith::OrIOp::create(b, loc, half(0),
                              shiftBytes(half(count / 2), 4, /*left=*/true));
}

/// FP6 codes (i8) of contiguous packed bytes: code i is bits [6i, 6i + 6)
/// of the little-endian byte string. One byte shuffle gives each 32-bit lane
/// the two bytes that hold its code, a per-lane shift and a mask extract it
/// (vpermb + vpsrlvd on AVX-512, tbl + ushl on NEON): no byte planes.
Value unpackFP6Codes(OpBuilder &b, Location loc, Value bytes) {
  auto type = cast<VectorType>(bytes.getType());
  int64_t numBytes = type.getNumElements();
  int64_t numCodes = numBytes * 8 / 6;
  // Shuffle lanes >= numBytes read the zero vector.
  SmallVector<int64_t> mask;
  SmallVector<int32_t> shifts;
  for (int64_t i = 0; i < numCodes; ++i) {
    int64_t byte = 6 * i / 8;
    mask.append({byte, std::min(byte + 1, numBytes), numBytes, numBytes});
    shifts.push_back(6 * i % 8);
  }
  Value gathered = shuffle(b, loc, bytes, emitSplat(b, loc, type, 0), mask);
  auto words = VectorType::get({numCodes}, b.getI32Type());
  Value codes = vector::BitCastOp::create(b, loc, words, gathered);
  codes = arith::ShRUIOp::create(
      b, loc, codes,
      arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(words, ArrayRef<int32_t>(shifts))));
  codes = arith::AndIOp::create(b, loc, codes, emitSplat(b, loc, words, 63));
  return arith::TruncIOp::create(b, loc, words.clone(b.getI8Type()), codes);
}

/// Inverse of packCodes: storage bytes (i8) to codes (i8).
Value unpackCodes(OpBuilder &b, Location loc, Value bytes, Format format) {
  Packing packing(format);
  if (packing.codes == 4)
    return unpackFP6Codes(b, loc, bytes);
  return interleavePlanes(
      b, loc,
      unpackPlanes(b, loc, deinterleavePlanes(b, loc, bytes, packing.bytes),
                   packing));
}

/// The 2^k-scaled values of every code magnitude of `format`, as f32.
SmallVector<float> magnitudeTable(OpBuilder &b, Location loc, Format format,
                                  int64_t entries) {
  SmallVector<float> table;
  const FormatInfo &info = getFormatInfo(format);
  int64_t bias = 1 - info.emin;
  for (int64_t code = 0; code < entries; ++code) {
    int64_t exponent = code >> info.mantissaBits;
    int64_t mantissa = code & ((1 << info.mantissaBits) - 1);
    double significand =
        exponent == 0 ? mantissa : mantissa + (1 << info.mantissaBits);
    table.push_back(static_cast<float>(
        std::ldexp(significand,
                   std::max<int64_t>(exponent, 1) - bias - info.mantissaBits)));
  }
  return table;
}

Value f32Constant(OpBuilder &b, Location loc, ArrayRef<float> values) {
  auto type =
      VectorType::get({static_cast<int64_t>(values.size())}, b.getF32Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, values));
}

Value i8Constant(OpBuilder &b, Location loc, ArrayRef<int8_t> values) {
  auto type =
      VectorType::get({static_cast<int64_t>(values.size())}, b.getI8Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, values));
}

/// ORs the code's sign bit into an f32 magnitude vector.
Value applySign(OpBuilder &b, Location loc, Value magnitude, Value codes,
                unsigned bits) {
  Type i32 = cast<VectorType>(magnitude.getType()).clone(b.getI32Type());
  Value c = arith::ExtUIOp::create(b, loc, i32, codes);
  Value sign =
      arith::ShRUIOp::create(b, loc, c, emitSplat(b, loc, i32, bits - 1));
  sign = arith::ShLIOp::create(b, loc, sign, emitSplat(b, loc, i32, 31));
  Value result = arith::OrIOp::create(
      b, loc, arith::BitcastOp::create(b, loc, i32, magnitude), sign);
  return arith::BitcastOp::create(b, loc, magnitude.getType(), result);
}

/// x86: the f32 magnitudes of all codes in one register table (16 entries
/// for FP4, 32 for FP6), looked up with mx.lookup (vpermps / vpermi2ps).
Value decodeX86(OpBuilder &b, Location loc, Value codes, Format format) {
  const FormatInfo &info = getFormatInfo(format);
  int64_t entries = int64_t(1) << (info.bits - 1);
  auto type = cast<VectorType>(codes.getType());
  SmallVector<float> table = magnitudeTable(b, loc, format, entries);
  table.resize(std::max<int64_t>(entries, kLanes), 0.0f);
  auto i32 = type.clone(b.getI32Type());
  Value index =
      arith::AndIOp::create(b, loc, arith::ExtUIOp::create(b, loc, i32, codes),
                            emitSplat(b, loc, i32, entries - 1));
  Value magnitude = LookupOp::create(b, loc, type.clone(b.getF32Type()),
                                     f32Constant(b, loc, table), index);
  return applySign(b, loc, magnitude, codes, info.bits);
}

/// AArch64: tbl looks up small integer multiples of the magnitudes (2P for
/// FP4, 8P for FP6 E2M3: all fit in a byte), which convert exactly to f32.
Value decodeAArch64(OpBuilder &b, Location loc, Value codes, Format format) {
  const FormatInfo &info = getFormatInfo(format);
  int64_t entries = int64_t(1) << (info.bits - 1);
  int64_t multiple = format == Format::e2m1 ? 2 : 8;
  SmallVector<int8_t> table;
  for (float value : magnitudeTable(b, loc, format, entries))
    table.push_back(static_cast<int8_t>(value * multiple));
  table.resize(std::max<int64_t>(entries, 16), 0);
  auto type = cast<VectorType>(codes.getType());
  Value index = arith::AndIOp::create(b, loc, codes,
                                      emitSplat(b, loc, type, entries - 1));
  Value integer =
      LookupOp::create(b, loc, type, i8Constant(b, loc, table), index);
  auto f32 = type.clone(b.getF32Type());
  Value magnitude = arith::UIToFPOp::create(b, loc, f32, integer);
  magnitude = arith::MulFOp::create(b, loc, magnitude,
                                    emitSplatF32(b, loc, f32, 1.0f / multiple));
  return applySign(b, loc, magnitude, codes, info.bits);
}

/// Element values (f32) of a vector of codes, by the target's best method:
/// a register-table lookup where the table fits one permute, FP8 through
/// f16, the integer formula otherwise (and on the generic target).
Value decodeCodes(OpBuilder &b, Location loc, Value codes, Format format,
                  VectorTarget target) {
  int64_t n = cast<VectorType>(codes.getType()).getNumElements();
  if (target != VectorTarget::Generic &&
      (format == Format::e4m3 || format == Format::e5m2))
    return emitDecodeFP8ViaF16(b, loc, codes, format);
  if (n % kLanes == 0) {
    if (target == VectorTarget::X86Avx512 &&
        (format == Format::e2m1 || format == Format::e2m3 ||
         format == Format::e3m2))
      return decodeX86(b, loc, codes, format);
    if (target == VectorTarget::AArch64Neon &&
        (format == Format::e2m1 || format == Format::e2m3))
      return decodeAArch64(b, loc, codes, format);
  }
  return emitDecodeElement(b, loc, codes, format);
}

/// Builds `for iv in [0, count)` carrying `inits`; `body` returns the values
/// to yield.
SmallVector<Value>
loop(OpBuilder &b, Location loc, int64_t count, int64_t step, ValueRange inits,
     function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>
         body) {
  auto forOp = scf::ForOp::create(
      b, loc, index(b, loc, 0), index(b, loc, count), index(b, loc, step),
      inits, [&](OpBuilder &nb, Location nloc, Value iv, ValueRange args) {
        scf::YieldOp::create(nb, nloc, body(nb, nloc, iv, args));
      });
  return SmallVector<Value>(forOp.getResults());
}

/// Reduces kLanes vectors of kLanes lanes to one vector whose lane j is the
/// unsigned max of vector j, by a transposing tree: each level halves the
/// lane groups and merges pairs of vectors with two shuffles and one max
/// (45 ops for 16 vectors instead of 16 horizontal reductions).
Value transposeMaxUI(OpBuilder &b, Location l, SmallVector<Value> vectors) {
  for (int64_t group = kLanes; group > 1; group /= 2) {
    SmallVector<int64_t> lowHalves, highHalves;
    for (int64_t source : {0, 1})
      for (int64_t start = 0; start < kLanes; start += group)
        for (int64_t lane = 0; lane < group / 2; ++lane) {
          lowHalves.push_back(source * kLanes + start + lane);
          highHalves.push_back(source * kLanes + start + group / 2 + lane);
        }
    SmallVector<Value> merged;
    for (size_t i = 0; i < vectors.size(); i += 2)
      merged.push_back(arith::MaxUIOp::create(
          b, l, shuffle(b, l, vectors[i], vectors[i + 1], lowHalves),
          shuffle(b, l, vectors[i], vectors[i + 1], highHalves)));
    vectors = std::move(merged);
  }
  return vectors.front();
}

//===----------------------------------------------------------------------===//
// mx.quantize
//===----------------------------------------------------------------------===//

/// Everything one mx.quantize lowering needs; the loop bodies are methods.
struct QuantizeLowering {
  Format format;
  ScaleRule rule;
  bool flush;
  int64_t block;
  Packing packing;
  int64_t packedBlock;
  Value input;

  QuantizeLowering(QuantizeOp op, Value input)
      : format(op.getResult().getType().getFormat()), rule(op.getScaleRule()),
        flush(op.getFlushSubnormals()),
        block(op.getResult().getType().getBlockSize()), packing(format),
        packedBlock(block / packing.codes * packing.bytes), input(input) {}

  Value magnitude(OpBuilder &b, Location l, Value values) const {
    Value bits = emitMagnitudeBits(b, l, toF32(b, l, values));
    return flush ? emitFlushSubnormalBits(b, l, bits) : bits;
  }

  Value encode(OpBuilder &b, Location l, Value values, Pow2Factors inverseScale,
               Value amax) const {
    Value codes = emitEncodeElement(b, l, toF32(b, l, values), inverseScale,
                                    format, flush);
    return emitMaskNaNBlock(b, l, codes, amax);
  }

  Value scaleFromByte(OpBuilder &b, Location l, Value byte) const {
    Type e8m0 = b.getType<Float8E8M0FNUType>();
    if (auto vector = dyn_cast<VectorType>(byte.getType()))
      return arith::BitcastOp::create(b, l, vector.clone(e8m0), byte);
    return arith::BitcastOp::create(b, l, e8m0, byte);
  }

  /// Block k of row o, contiguous: one vector<block>.
  SmallVector<Value> contiguousBlock(OpBuilder &b, Location l, Value o, Value k,
                                     ValueRange acc) const {
    Value values =
        read(b, l, input, {o, mulIndex(b, l, k, block)}, block, true);
    Value amax = vector::ReductionOp::create(b, l, vector::CombiningKind::MAXUI,
                                             magnitude(b, l, values));
    Value se = emitSharedExponent(b, l, amax, format, rule);
    Value scale = scaleFromByte(b, l, emitScaleByte(b, l, amax, se));
    // Per-block quantities are computed on scalars and broadcast once.
    Pow2Factors inverseScale = emitInverseScaleFactors(b, l, se, format);
    inverseScale.low = broadcast(b, l, inverseScale.low, block);
    if (inverseScale.high)
      inverseScale.high = broadcast(b, l, inverseScale.high, block);
    Value codes =
        encode(b, l, values, inverseScale, broadcast(b, l, amax, block));
    Value bytes = packCodes(b, l, codes, format);
    return {
        write(b, l, bytes, acc[0], {o, mulIndex(b, l, k, packedBlock)}, true),
        tensor::InsertOp::create(b, l, scale, acc[1], {o, k})};
  }

  /// kLanes contiguous blocks starting at block k: amax of all of them comes
  /// from one transposing reduction, and the scales, their factors and the
  /// NaN flags are computed once for the group on vector<kLanes> before each
  /// block is encoded with its lane broadcast.
  SmallVector<Value> contiguousGroup(OpBuilder &b, Location l, Value o, Value k,
                                     ValueRange acc) const {
    auto blockStart = [&](int64_t j) {
      return mulIndex(b, l, addIndex(b, l, k, j), block);
    };
    SmallVector<Value> partial;
    for (int64_t j = 0; j < kLanes; ++j) {
      Value max;
      for (int64_t h = 0; h < block; h += kLanes) {
        Value values = read(b, l, input, {o, addIndex(b, l, blockStart(j), h)},
                            kLanes, true);
        Value bits = magnitude(b, l, values);
        max = max ? arith::MaxUIOp::create(b, l, max, bits).getResult() : bits;
      }
      partial.push_back(max);
    }
    Value amax = transposeMaxUI(b, l, partial);
    Value se = emitSharedExponent(b, l, amax, format, rule);
    Value scales =
        write(b, l, scaleFromByte(b, l, emitScaleByte(b, l, amax, se)), acc[1],
              {o, k}, true);
    Pow2Factors inverseScale = emitInverseScaleFactors(b, l, se, format);
    // Blocks holding Inf or NaN are rare: the common path encodes without
    // masking, and a group with one of them re-encodes with the mask.
    Value special =
        arith::CmpIOp::create(b, l, arith::CmpIPredicate::uge, amax,
                              emitSplat(b, l, amax.getType(), 0x7F800000));
    Value anySpecial =
        vector::ReductionOp::create(b, l, vector::CombiningKind::OR, special);
    // The blocks are encoded in a loop, not unrolled: a 16-block body is
    // ~600 instructions, too long for the decoded-instruction cache, and
    // the legacy decoders then bound the kernel rather than the vector ALUs.
    auto encodeGroup = [&](OpBuilder &b, Location l, bool masked) {
      auto body = [&](OpBuilder &b, Location l, Value j, ValueRange dest) {
        auto lane = [&](Value vector) {
          return vector::BroadcastOp::create(
              b, l, VectorType::get({block}, b.getF32Type()),
              vector::ExtractOp::create(b, l, vector, OpFoldResult(j)));
        };
        Pow2Factors factors{lane(inverseScale.low), Value()};
        if (inverseScale.high)
          factors.high = lane(inverseScale.high);
        Value blockIndex = arith::AddIOp::create(b, l, k, j);
        Value values = toF32(
            b, l,
            read(b, l, input, {o, mulIndex(b, l, blockIndex, block)}, block,
                 true));
        Value bytes = encodePacked(b, l, values, factors, format, flush);
        if (masked) {
          Value isSpecial = vector::BroadcastOp::create(
              b, l, VectorType::get({packedBlock}, b.getI1Type()),
              vector::ExtractOp::create(b, l, special, OpFoldResult(j)));
          bytes = arith::SelectOp::create(
              b, l, isSpecial, emitSplat(b, l, bytes.getType(), 0), bytes);
        }
        return SmallVector<Value>{
            write(b, l, bytes, dest[0],
                  {o, mulIndex(b, l, blockIndex, packedBlock)}, true)};
      };
      return loop(b, l, kLanes, 1, acc[0], body)[0];
    };
    auto ifOp = scf::IfOp::create(
        b, l, anySpecial,
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(b, l, encodeGroup(b, l, true));
        },
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(b, l, encodeGroup(b, l, false));
        });
    return {ifOp.getResult(0), scales};
  }

  /// kLanes strided blocks starting at inner index i: block row r of all of
  /// them is one vector, so amax is a lane-wise max over the rows.
  SmallVector<Value> stridedBlocks(OpBuilder &b, Location l, Value o, Value k,
                                   Value i, ValueRange acc) const {
    Value first = mulIndex(b, l, k, block);
    auto row = [&](OpBuilder &b, Location l, Value r) {
      return read(b, l, input, {o, arith::AddIOp::create(b, l, first, r), i},
                  kLanes, false);
    };
    Value zero = emitSplat(b, l, VectorType::get({kLanes}, b.getI32Type()), 0);
    Value amax = loop(b, l, block, 1, zero,
                      [&](OpBuilder &b, Location l, Value r, ValueRange max) {
                        Value bits = magnitude(b, l, row(b, l, r));
                        return SmallVector<Value>{
                            arith::MaxUIOp::create(b, l, max[0], bits)};
                      })[0];
    Value se = emitSharedExponent(b, l, amax, format, rule);
    Value scales =
        write(b, l, scaleFromByte(b, l, emitScaleByte(b, l, amax, se)), acc[1],
              {o, k, i}, false);
    Pow2Factors inverseScale = emitInverseScaleFactors(b, l, se, format);
    Value firstByte = mulIndex(b, l, k, packedBlock);
    Value elements = loop(
        b, l, block / packing.codes, 1, acc[0],
        [&](OpBuilder &b, Location l, Value g, ValueRange dest) {
          // The group's codes, one row each, packed into its byte rows.
          SmallVector<Value> codes;
          Value base = mulIndex(b, l, g, packing.codes);
          for (int64_t j = 0; j < packing.codes; ++j)
            codes.push_back(encode(b, l, row(b, l, addIndex(b, l, base, j)),
                                   inverseScale, amax));
          SmallVector<Value> rows = packPlanes(b, l, codes, packing);
          Value result = dest[0];
          Value byteBase = arith::AddIOp::create(
              b, l, firstByte, mulIndex(b, l, g, packing.bytes));
          for (auto [r, bytes] : llvm::enumerate(rows))
            result = write(b, l, bytes, result,
                           {o, addIndex(b, l, byteBase, r), i}, false);
          return SmallVector<Value>{result};
        })[0];
    return {elements, scales};
  }
};

struct QuantizeToVector : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MxTensorType type = op.getResult().getType();
    BlockedView view(type.getShape(), type.getAxis());
    Value input = reshape(rewriter, loc, op.getInput(), view.shape(view.dim));
    QuantizeLowering lowering(op, input);
    int64_t blocks = view.dim / lowering.block;

    Value elements = tensor::EmptyOp::create(
        rewriter, loc, view.shape(blocks * lowering.packedBlock),
        rewriter.getI8Type());
    Value scales =
        tensor::EmptyOp::create(rewriter, loc, view.shape(blocks),
                                rewriter.getType<Float8E8M0FNUType>());
    // Contiguous blocks go kLanes at a time when they divide evenly.
    bool grouped = view.isContiguous() && blocks % kLanes == 0 &&
                   lowering.block % kLanes == 0;
    SmallVector<Value> results = loop(
        rewriter, loc, view.outer, 1, {elements, scales},
        [&](OpBuilder &b, Location l, Value o, ValueRange outer) {
          return loop(b, l, blocks, grouped ? kLanes : 1, outer,
                      [&](OpBuilder &b, Location l, Value k, ValueRange acc) {
                        if (grouped)
                          return lowering.contiguousGroup(b, l, o, k, acc);
                        if (view.isContiguous())
                          return lowering.contiguousBlock(b, l, o, k, acc);
                        return loop(b, l, view.inner, kLanes, acc,
                                    [&](OpBuilder &b, Location l, Value i,
                                        ValueRange inner) {
                                      return lowering.stridedBlocks(b, l, o, k,
                                                                    i, inner);
                                    });
                      });
        });
    Value packed = reshape(rewriter, loc, results[0], type.getPackedShape());
    Value blockScales =
        reshape(rewriter, loc, results[1], type.getScalesShape());
    rewriter.replaceOpWithNewOp<AssembleOp>(op, type, packed, blockScales);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// mx.dequantize
//===----------------------------------------------------------------------===//

struct DequantizeLowering {
  Format format;
  VectorTarget target;
  int64_t block;
  Packing packing;
  int64_t packedBlock;
  Type resultElement;
  Value elements, scales;

  DequantizeLowering(DequantizeOp op, VectorTarget target, Value elements,
                     Value scales)
      : format(op.getInput().getType().getFormat()), target(target),
        block(op.getInput().getType().getBlockSize()), packing(format),
        packedBlock(block / packing.codes * packing.bytes),
        resultElement(op.getResult().getType().getElementType()),
        elements(elements), scales(scales) {}

  /// Decoded, scaled values of `codes` in the result element type.
  Value values(OpBuilder &b, Location l, Value codes, Pow2Factors scale) const {
    Value decoded = decodeCodes(b, l, codes, format, target);
    Value scaled = emitApplyScale(b, l, decoded, scale);
    if (resultElement.isF32())
      return scaled;
    return arith::TruncFOp::create(
        b, l, cast<VectorType>(scaled.getType()).clone(resultElement), scaled);
  }

  Value scaleBytes(OpBuilder &b, Location l, Value scale) const {
    if (auto vector = dyn_cast<VectorType>(scale.getType()))
      return arith::BitcastOp::create(b, l, vector.clone(b.getI8Type()), scale);
    return arith::BitcastOp::create(b, l, b.getI8Type(), scale);
  }

  Value contiguousBlock(OpBuilder &b, Location l, Value o, Value k,
                        Value dest) const {
    Value bytes = read(b, l, elements, {o, mulIndex(b, l, k, packedBlock)},
                       packedBlock, true);
    Value codes = unpackCodes(b, l, bytes, format);
    Pow2Factors scale = emitScaleFactors(
        b, l,
        scaleBytes(b, l, tensor::ExtractOp::create(b, l, scales, {o, k})));
    scale = {broadcast(b, l, scale.low, block),
             broadcast(b, l, scale.high, block)};
    Value result = values(b, l, codes, scale);
    return write(b, l, result, dest, {o, mulIndex(b, l, k, block)}, true);
  }

  Value stridedBlocks(OpBuilder &b, Location l, Value o, Value k, Value i,
                      Value dest) const {
    Pow2Factors scale = emitScaleFactors(
        b, l, scaleBytes(b, l, read(b, l, scales, {o, k, i}, kLanes, false)));
    Value firstByte = mulIndex(b, l, k, packedBlock);
    Value firstRow = mulIndex(b, l, k, block);
    return loop(b, l, block / packing.codes, 1, dest,
                [&](OpBuilder &b, Location l, Value g, ValueRange acc) {
                  Value byteBase = arith::AddIOp::create(
                      b, l, firstByte, mulIndex(b, l, g, packing.bytes));
                  SmallVector<Value> rows;
                  for (int64_t r = 0; r < packing.bytes; ++r)
                    rows.push_back(read(b, l, elements,
                                        {o, addIndex(b, l, byteBase, r), i},
                                        kLanes, false));
                  Value rowBase = arith::AddIOp::create(
                      b, l, firstRow, mulIndex(b, l, g, packing.codes));
                  Value result = acc[0];
                  for (auto [j, codes] :
                       llvm::enumerate(unpackPlanes(b, l, rows, packing)))
                    result = write(b, l, values(b, l, codes, scale), result,
                                   {o, addIndex(b, l, rowBase, j), i}, false);
                  return SmallVector<Value>{result};
                })[0];
  }
};

struct DequantizeToVector : OpRewritePattern<DequantizeOp> {
  DequantizeToVector(MLIRContext *ctx, VectorTarget target)
      : OpRewritePattern(ctx), target(target) {}

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MxTensorType type = op.getInput().getType();
    BlockedView view(type.getShape(), type.getAxis());
    auto storage =
        DisassembleOp::create(rewriter, loc, type.getPackedTensorType(),
                              type.getScalesTensorType(), op.getInput());
    int64_t blocks = view.dim / type.getBlockSize();
    DequantizeLowering lowering(
        op, target,
        reshape(rewriter, loc, storage.getElements(),
                view.shape(type.getPackedShape()[type.getAxis()])),
        reshape(rewriter, loc, storage.getScales(), view.shape(blocks)));

    Value result = tensor::EmptyOp::create(rewriter, loc, view.shape(view.dim),
                                           lowering.resultElement);
    result = loop(
        rewriter, loc, view.outer, 1, result,
        [&](OpBuilder &b, Location l, Value o, ValueRange outer) {
          return loop(
              b, l, blocks, 1, outer,
              [&](OpBuilder &b, Location l, Value k, ValueRange acc) {
                if (view.isContiguous())
                  return SmallVector<Value>{
                      lowering.contiguousBlock(b, l, o, k, acc[0])};
                return loop(
                    b, l, view.inner, kLanes, acc,
                    [&](OpBuilder &b, Location l, Value i, ValueRange inner) {
                      return SmallVector<Value>{
                          lowering.stridedBlocks(b, l, o, k, i, inner[0])};
                    });
              });
        })[0];
    rewriter.replaceOp(op, reshape(rewriter, loc, result, type.getShape()));
    return success();
  }

  VectorTarget target;
};

struct MxLowerToVectorPass
    : mx::impl::MxLowerToVectorPassBase<MxLowerToVectorPass> {
  using MxLowerToVectorPassBase::MxLowerToVectorPassBase;

  void runOnOperation() override {
    std::optional<VectorTarget> parsed = parseVectorTarget(target);
    if (!parsed) {
      emitError(getOperation()->getLoc(), "unsupported target '")
          << target << "' for mx-lower-to-vector; expected generic, "
          << "x86-64-avx2, x86-64-avx512, x86-64-amx, aarch64-neon or "
          << "aarch64-sve";
      return signalPassFailure();
    }
    if (dotBF16 != "auto" && dotBF16 != "on" && dotBF16 != "off") {
      emitError(getOperation()->getLoc(), "unsupported dot-bf16 '")
          << dotBF16 << "' for mx-lower-to-vector; expected auto, on or off";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateMxToVectorPatterns(patterns, *parsed,
                               dotBF16 == "on" ||
                                   (dotBF16 == "auto" && hostHasFastDotBF16()));
    if (target == "x86-64-amx")
      populateMxAmxMatmulPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

Value mx::emitDecodeCodes(OpBuilder &b, Location loc, Value codes,
                          Format format, VectorTarget target) {
  return decodeCodes(b, loc, codes, format, target);
}

Value mx::emitDecodeCodesBF16(OpBuilder &b, Location loc, Value codes,
                              Format format, VectorTarget target) {
  auto type = cast<VectorType>(codes.getType());
  auto bf16s = type.clone(b.getBF16Type());
  if (target != VectorTarget::X86Avx512 || type.getNumElements() % 32 != 0 ||
      format == Format::int8) {
    Value values = decodeCodes(b, loc, codes, format, target);
    return arith::TruncFOp::create(b, loc, bf16s, values);
  }
  // The bf16 bits of every magnitude (exact), FP8 specials included.
  const FormatInfo &info = getFormatInfo(format);
  int64_t entries = int64_t(1) << (info.bits - 1);
  SmallVector<int16_t> table;
  for (float value : magnitudeTable(b, loc, format, entries))
    table.push_back(
        static_cast<int16_t>(llvm::bit_cast<uint32_t>(value) >> 16));
  if (format == Format::e4m3)
    table[0x7F] = 0x7FC0;
  if (format == Format::e5m2) {
    table[0x7C] = 0x7F80;
    for (int64_t code : {0x7D, 0x7E, 0x7F})
      table[code] = 0x7FC0;
  }
  // At least one register of 32 entries, repeated, so that the permute's
  // own modulo (32) also drops the sign bit.
  for (int64_t i = entries; i < 32; ++i)
    table.push_back(table[i % entries]);
  auto i16s = type.clone(b.getI16Type());
  auto tableType =
      VectorType::get({static_cast<int64_t>(table.size())}, b.getI16Type());
  Value tableValue = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tableType, ArrayRef<int16_t>(table)));
  // mx.lookup reads its index modulo the table size: the sign bit drops.
  Value wide = arith::ExtUIOp::create(b, loc, i16s, codes);
  Value magnitude = LookupOp::create(b, loc, i16s, tableValue, wide);
  Value sign = arith::ShLIOp::create(
      b, loc,
      arith::ShRUIOp::create(b, loc, wide,
                             emitSplat(b, loc, i16s, info.bits - 1)),
      emitSplat(b, loc, i16s, 15));
  return arith::BitcastOp::create(
      b, loc, bf16s, arith::OrIOp::create(b, loc, magnitude, sign));
}

bool mx::hostHasFastDotBF16() {
  return llvm::sys::getHostCPUName().starts_with("znver");
}

void mx::populateMxToVectorPatterns(RewritePatternSet &patterns,
                                    VectorTarget target, bool dotBF16) {
  // Only mx.matmul has an AVX2 form so far.
  populateMxBlockMatmulToVectorPatterns(patterns, getFixedWidthTarget(target),
                                        dotBF16);
  target = getPortableTarget(target);
  // Only mx.cast has a scalable (SVE) form so far.
  populateMxCastToVectorPatterns(patterns, target);
  target = getFixedWidthTarget(target);
  patterns.add<QuantizeToVector>(patterns.getContext());
  patterns.add<DequantizeToVector>(patterns.getContext(), target);
  populateMxSparseMatmulToVectorPatterns(patterns, target);
  populateMxMaskedMatmulToVectorPatterns(patterns, target);
  populateKActivationToVectorPatterns(patterns, target);
  // The other AutoSparse ops (and mx.masked_matmul with dynamic shapes)
  // have no vector form of their own: the sparse kernels (mx-sparsify)
  // replace the ops they speed up before this pass runs.
  populateMxSparseToLinalgPatterns(patterns);
}
