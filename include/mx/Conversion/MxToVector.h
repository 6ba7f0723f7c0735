//===- MxToVector.h - vectorized lowering of mx ops -------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_MXTOVECTOR_H
#define MX_CONVERSION_MXTOVECTOR_H

#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::mx {

/// Which instruction patterns the vector lowerings may use. `AArch64Sve`
/// is `AArch64Neon` plus vector-length-agnostic (scalable) code where a
/// lowering has it (mx.cast); the other lowerings use their NEON form on it
/// (`getFixedWidthTarget`).
enum class VectorTarget {
  Generic,
  X86Avx2,
  X86Avx512,
  AArch64Neon,
  AArch64Sve
};

/// Parses `generic`, `x86-64-avx2`, `x86-64-avx512`, `aarch64-neon` or
/// `aarch64-sve`.
std::optional<VectorTarget> parseVectorTarget(llvm::StringRef name);

/// The target whose fixed-width (128/512-bit) patterns a lowering without a
/// scalable form uses: NEON for SVE, the target itself otherwise.
inline VectorTarget getFixedWidthTarget(VectorTarget target) {
  return target == VectorTarget::AArch64Sve ? VectorTarget::AArch64Neon
                                            : target;
}

/// The target whose patterns a lowering without an AVX2 form uses: generic
/// for x86-64-avx2 (whose own kernels so far are mx.matmul's 8-lane 6 x 16
/// tiles and mx.dot_i16), the target itself otherwise. Generic code compiled
/// for AVX2 still gets its 256-bit vectors from LLVM.
inline VectorTarget getPortableTarget(VectorTarget target) {
  return target == VectorTarget::X86Avx2 ? VectorTarget::Generic : target;
}

/// The f32 element values of a vector of codes (i8 lanes) of `format`, by
/// the target's best method: FP8 through f16; FP4 and FP6 from a register
/// table (mx.lookup: vpermps / vpermi2ps on x86, tbl on AArch64) when the
/// lane count is a multiple of 16; the integer formula otherwise.
Value emitDecodeCodes(OpBuilder &b, Location loc, Value codes, Format format,
                      VectorTarget target);

/// The bf16 element values of a vector of codes (i8 lanes) of a
/// floating-point `format` (or INT8), exact: every MX element value is zero
/// or a bf16 normal; FP8 NaN and infinity codes give bf16 NaN and infinity.
/// On x86 with a lane count that is a multiple of 32 the magnitudes come
/// from one register table of bf16 bits (mx.lookup: vpermw, vpermi2w, two
/// vpermi2w for FP8) and the sign is ORed in; otherwise emitDecodeCodes
/// and a conversion to bf16.
Value emitDecodeCodesBF16(OpBuilder &b, Location loc, Value codes,
                          Format format, VectorTarget target);

/// Whether this machine's CPU issues vdpbf16ps at the vfmadd rate (AMD
/// Zen 4 and later), which makes bf16 pairs the faster x86 matmul kernel
/// (`dot-bf16=auto`).
bool hostHasFastDotBF16();

/// Adds the patterns of `mx-lower-to-vector`: mx.quantize and mx.dequantize
/// become scf loops over blocks with vector bodies. `dotBF16`: x86
/// mx.matmul kernels sum bf16 pairs with vdpbf16ps (option dot-bf16).
void populateMxToVectorPatterns(RewritePatternSet &patterns,
                                VectorTarget target, bool dotBF16 = false);

/// mx.matmul: parallel packing of A and B and a register-blocked
/// micro-kernel of mx.dot_i8 (integer MX pairs), f32 fmas (other MX pairs)
/// or mx.dot_bf16 (bf16 pairs; on x86 with `dotBF16` also the other MX
/// pairs); mx.mmla_i8 / mx.mmla_bf16 tiles on AArch64.
void populateMxBlockMatmulToVectorPatterns(RewritePatternSet &patterns,
                                           VectorTarget target,
                                           bool dotBF16 = false);

/// `mx.matmul ... unordered` on Intel AMX-BF16 tiles for bf16 x bf16 and MX
/// pairs with an FP8 or E3M2 operand (AmxMatmulLowering; target x86-64-amx).
/// Takes precedence over the ordered patterns (benefit 2).
void populateMxAmxMatmulPatterns(RewritePatternSet &patterns);

/// mx.sparse_matmul to register-blocked vector loops (SparseMatmulLowering).
void populateMxSparseMatmulToVectorPatterns(RewritePatternSet &patterns,
                                            VectorTarget target);

/// mx.masked_matmul with static shapes to register-blocked vector loops in
/// the reference's summation order (MaskedMatmulLowering; benefit 2, before
/// the reference patterns of populateMxSparseToLinalgPatterns).
void populateMxMaskedMatmulToVectorPatterns(RewritePatternSet &patterns,
                                            VectorTarget target);

/// mx.dot_i8 as vpdpbusd (AVX-512), usdot (AArch64) or arith (elsewhere),
/// mx.dot_i16 as vpmaddwd (x86) or arith, mx.mmla_i8 as smmla (AArch64) or
/// arith, and 16-entry byte-table mx.lookup as vpshufb on AVX-512.
void populateMxDotI8LoweringPatterns(RewritePatternSet &patterns,
                                     VectorTarget target);

/// Adds the patterns of `mx-lower-vector-ops`: target permutes where they fit,
/// compare/select chains otherwise.
void populateMxVectorOpsLoweringPatterns(RewritePatternSet &patterns,
                                         VectorTarget target);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXTOVECTOR_H
