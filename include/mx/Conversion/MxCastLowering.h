//===- MxCastLowering.h - lowerings of mx.cast ------------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Patterns that lower mx.cast (f32 <-> bf16). They are part of
// mx-lower-to-linalg (populateMxToLinalgPatterns) and mx-lower-to-vector
// (populateMxToVectorPatterns); hosts that only want the casts can add them
// alone.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_MXCASTLOWERING_H
#define MX_CONVERSION_MXCASTLOWERING_H

#include "mx/Conversion/MxToVector.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::mx {

/// The reference lowering: mx.cast becomes one elementwise linalg.generic
/// whose body is the integer element math of MxElementMath.h.
void populateMxCastToLinalgPatterns(RewritePatternSet &patterns);

/// The vector lowering: a loop over the flattened tensor, 64 elements (four
/// vectors of 16) per iteration and a masked tail. `target` picks the
/// conversion instruction where one matches the op's policy exactly:
/// `vcvtneps2bf16` (x86vector.avx512.cvt.packed.f32_to_bf16) for rne +
/// flush on X86Avx512, `bfcvtn` (llvm.fptrunc, with +bf16) for rne on
/// AArch64Neon; the integer element math otherwise.
void populateMxCastToVectorPatterns(RewritePatternSet &patterns,
                                    VectorTarget target);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXCASTLOWERING_H
