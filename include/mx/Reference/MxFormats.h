//===- MxFormats.h - Scalar reference for OCP MX v1.0 ----------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Independent scalar reference ("oracle") for OCP Microscaling (MX) v1.0
// quantization and dequantization. Plain C++17; depends on nothing of LLVM or
// MLIR. It favours clarity and independence over speed: element encoding is a
// nearest-value search over a table built from the decoder, not a bit trick.
// The authoritative facts are in reference/mx-formats.md (sections 2, 3, 9).
//
// ---------------------------------------------------------------------------
// Storage layout of an MX tensor (the project-wide convention)
// ---------------------------------------------------------------------------
//
// Element codes. Every element is stored as its OCP bit pattern, the sign bit
// being the most significant bit of the element width:
//   E4M3  S EEEE MMM  (bias 7)    E5M2  S EEEEE MM (bias 15)
//   E2M3  S EE MMM    (bias 1)    E3M2  S EEE MM   (bias 3)
//   E2M1  S EE M      (bias 1)    INT8  two's complement k, value k/64
// Unpacked codes (one per byte, as taken and returned by quantizeBlock,
// dequantizeBlock, encodeElement and decodeElement) sit in the low bits of the
// byte; the unused high bits of an FP6/FP4 byte are zero on output and ignored
// on input.
//
// Packing runs along the blocked axis:
//   - 8-bit formats (E4M3, E5M2, INT8): one byte per element.
//   - FP4 (E2M1): element i lives in byte i/2; even i in the LOW nibble
//     (bits 0..3), odd i in the HIGH nibble (bits 4..7). Codes {1, 2} pack to
//     the byte 0x21.
//   - FP6 (E2M3, E3M2): each group of 4 elements occupies 3 bytes, read as a
//     little-endian 24-bit word w = b0 | b1 << 8 | b2 << 16; element j (0..3)
//     of the group occupies bits [6j, 6j + 6) of w.
//   The packed length of n elements is packedBytes(n) = n * bits / 8; n must
//   be a multiple of the packing group (2 for FP4, 4 for FP6, 1 otherwise).
//
// Scales. One E8M0 byte per block: value 2^(byte - 127). 0x00 is 2^-127 (an
// FP32 subnormal, bits 0x00400000), NOT zero; 0xFF is NaN and makes the whole
// block decode as NaN.
//
// Tensors. For a row-major logical shape [d0, ..., dr-1] blocked along `axis`
// with block size B (B divides d[axis]):
//   - elements: row-major bytes of the shape with d[axis] replaced by
//     packedBytes(d[axis]); i.e. every 1-D line along `axis` is packed as
//     above and the lines keep their row-major positions;
//   - scales: row-major bytes of the shape with d[axis] replaced by
//     d[axis] / B; the scale of block b of a line sits at index b along axis.
//
// ---------------------------------------------------------------------------
// Quantization rules (OCP MX v1.0 as the project implements it)
// ---------------------------------------------------------------------------
//
// quantizeBlock(V[0..n)):
//   1. If flushSubnormals, FP32 subnormal inputs become zero of the same sign.
//   2. amax = integer max of bits(V_i) & 0x7FFFFFFF.
//   3. amax >= 0x7F800000 (an Inf or a NaN in the block): scale 0xFF, every
//      code 0; the block decodes as NaN.
//   4. se = shared exponent by the ScaleRule (see computeScale), clamped to
//      [-127, 127]; scale byte = se + 127 (never 0xFF for finite input).
//   5. y_i = V_i / 2^se, exact (double arithmetic), then encodeElement: RNE
//      onto the element grid with subnormals, saturating to +-maxNormal, -0
//      kept. INT8: k = RNE(64 y) clamped to [-127, 127] (never -128, never -0).
//
// Semantic choices not fixed by the spec (documented decisions):
//   - encodeElement(NaN): E4M3 and E5M2 give 0x7F (the sign of the NaN is
//     dropped); FP6, FP4 and INT8 have no NaN and give code 0x00 (+0), the
//     same code quantizeBlock writes into a NaN block. Quantization never
//     feeds a NaN to encodeElement (such a block gets scale 0xFF).
//   - encodeElement(+-Inf) saturates to +-maxNormal like every other
//     out-of-range value (E5M2 too: a saturating conversion never emits Inf).
//   - INT8 has no -0: negative values that round to zero give code 0x00.
//     Code 0x80 decodes as -2.0 but is never produced by encoding.
//   - CEIL: se = ceil(log2(amax)) - emax, computed exactly from the bits. For
//     a normal amax this is "FLOOR + 1 if the mantissa field is nonzero"; for
//     a subnormal amax the true exponent floor(log2(amax)) is taken from the
//     highest set mantissa bit, then +1 unless amax is a power of two.
//     Zero amax gives se = -127.
//   - EVEN: amax is rounded (RNE) to the element's mantissa width directly on
//     its FP32 bit pattern (the carry may move the exponent field, including
//     from subnormal to normal and from 254 to 255), then the FLOOR rule is
//     applied to the rounded exponent field. INT8 uses mantissaBits = 6.
//     For the exponent result RNE and round-half-up agree (a carry needs the
//     kept bits to be all ones, i.e. odd), so this matches torchao's EVEN.
//   - RCEIL: se = ceil(log2(amax / maxNormal)) computed exactly (frexp, no
//     log2); zero amax gives se = -127.
//   - dequantizeBlock rounds the exact product value * 2^se to float with RNE
//     (overflow gives +-Inf). Element Inf (E5M2) stays Inf, element NaN stays
//     NaN, -0 stays -0. Under FLOOR a block of finite inputs always
//     dequantizes to finite values. Under CEIL/RCEIL/EVEN an amax close
//     enough to 2^128 (e.g. FLT_MAX) gets se = 128 - emax and rounds to the
//     element 2^emax, which dequantizes to 2^128 = +Inf (INT8 is clamped at
//     se = 127 instead and stays finite). That is the rules' arithmetic,
//     kept as is.
//   - Precondition violations (bad sizes, axis, block size) print a message
//     and abort(); the library is built without exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MX_REFERENCE_MXFORMATS_H
#define MX_REFERENCE_MXFORMATS_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mx {
namespace ref {

/// MX element formats.
enum class Format { E4M3, E5M2, E2M3, E3M2, E2M1, Int8 };

/// Rules that choose the shared block exponent (see the file comment).
enum class ScaleRule { Floor, Ceil, RCeil, Even };

/// Static parameters of an element format.
struct FormatInfo {
  const char *name;      ///< "e4m3", "e5m2", "e2m3", "e3m2", "e2m1", "int8".
  unsigned bits;         ///< Element width in bits (8, 6 or 4).
  int emax;              ///< Exponent of the largest normal (INT8: 0).
  int emin;              ///< Exponent of the smallest normal (INT8: 0).
  unsigned mantissaBits; ///< Explicit mantissa bits (INT8: 6 fraction bits).
  double maxNormal;      ///< Largest finite magnitude (INT8: 127/64).
};

/// All formats, in enum order (handy for tests and loops).
inline constexpr Format AllFormats[] = {Format::E4M3, Format::E5M2,
                                        Format::E2M3, Format::E3M2,
                                        Format::E2M1, Format::Int8};

/// Parameters of `f`.
const FormatInfo &getFormatInfo(Format f);

/// Number of elements that pack into a whole number of bytes: 2 for FP4,
/// 4 for FP6, 1 for 8-bit formats.
size_t getPackingGroup(Format f);

/// Mask of the sign bit of an element code (0x80, 0x20 or 0x08), or 0 for
/// INT8 (two's complement, no separate sign bit).
uint8_t getSignBit(Format f);

/// True if `code` decodes to NaN (E4M3 0x7F/0xFF; E5M2 exponent all ones with
/// nonzero mantissa). Formats without NaN always return false.
bool isNaNCode(uint8_t code, Format f);

/// Exact value of an element code. NaN for E4M3 0x7F/0xFF and the E5M2 NaN
/// codes, +-Inf for E5M2 0x7C/0xFC. INT8 is int8/64 (0x80 decodes as -2.0).
/// Only the low getFormatInfo(f).bits bits of `code` are read.
double decodeElement(uint8_t code, Format f);

/// Round `y` to nearest, ties to the even code, onto the element grid with
/// subnormals; saturate to +-maxNormal (also for +-Inf); keep -0 (the sign
/// bit is set for -0 and for negatives that round to zero, except INT8).
/// NaN gives 0x7F for E4M3/E5M2 and 0x00 for FP6/FP4/INT8.
uint8_t encodeElement(double y, Format f);

/// Value of an E8M0 scale byte: 2^(b - 127); 0x00 is 2^-127, 0xFF is NaN.
double decodeScale(uint8_t e8m0);

/// Scale byte for a block whose maximum magnitude is `amax` (its sign bit is
/// ignored). Inf/NaN amax gives 0xFF.
uint8_t computeScale(float amax, Format f, ScaleRule r);

/// Quantize one block of `n` contiguous values: writes n unpacked element
/// codes and returns the scale byte.
uint8_t quantizeBlock(const float *in, size_t n, Format f, ScaleRule r,
                      bool flushSubnormals, uint8_t *codes);

/// Dequantize one block: out[i] = value(codes[i]) * 2^(scale - 127) rounded
/// to float (RNE); the whole block is NaN when scale == 0xFF.
void dequantizeBlock(const uint8_t *codes, size_t n, Format f, uint8_t scale,
                     float *out);

/// Bytes taken by `n` packed elements (n * bits / 8). Aborts unless `n` is a
/// multiple of getPackingGroup(f).
size_t packedBytes(size_t n, Format f);

/// Pack `n` unpacked codes into packedBytes(n, f) bytes (see file comment).
/// Bits of a code above the element width are ignored.
void packCodes(const uint8_t *codes, size_t n, Format f, uint8_t *bytes);

/// Inverse of packCodes.
void unpackCodes(const uint8_t *bytes, size_t n, Format f, uint8_t *codes);

/// Number of bytes of the packed element storage of a tensor.
size_t tensorElementBytes(const std::vector<int64_t> &shape, int64_t axis,
                          Format f);

/// Number of scale bytes of a tensor.
size_t tensorScaleBytes(const std::vector<int64_t> &shape, int64_t axis,
                        int64_t blockSize);

/// Quantize a row-major tensor blocked along `axis` (layout in the file
/// comment). `elements` needs tensorElementBytes() bytes and `scales`
/// tensorScaleBytes() bytes.
void quantizeTensor(const float *in, const std::vector<int64_t> &shape,
                    int64_t axis, int64_t blockSize, Format f, ScaleRule r,
                    bool flushSubnormals, uint8_t *elements, uint8_t *scales);

/// Inverse of quantizeTensor: writes the row-major logical tensor to `out`.
void dequantizeTensor(const uint8_t *elements, const uint8_t *scales,
                      const std::vector<int64_t> &shape, int64_t axis,
                      int64_t blockSize, Format f, float *out);

} // namespace ref
} // namespace mx

#endif // MX_REFERENCE_MXFORMATS_H
