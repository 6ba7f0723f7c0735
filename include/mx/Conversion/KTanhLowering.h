//===- KTanhLowering.h - lowering of the K-TanH activations -----*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Patterns for mx.ktanh, mx.ksigmoid, mx.kswish and mx.kgelu, added to the
// existing passes by their populate functions (mx-lower-to-linalg,
// mx-lower-to-vector, mx-lower-vector-ops).
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_KTANHLOWERING_H
#define MX_CONVERSION_KTANHLOWERING_H

#include "mx/Conversion/MxToVector.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::mx {

/// Reference lowering: one linalg.generic per op whose scalar body is the
/// element math of MxElementMath.h, the parameter table a constant tensor
/// read with tensor.extract.
void populateKActivationToLinalgPatterns(RewritePatternSet &patterns);

/// Vector lowering: a loop over 64-lane vectors of the flattened tensor
/// (a masked tail for the rest), table entries looked up with mx.lookup in
/// the form `target` permutes best (16-bit entries for vpermw on x86, two
/// byte tables for tbl on AArch64, 32-bit entries for the select chain of
/// the generic target).
void populateKActivationToVectorPatterns(RewritePatternSet &patterns,
                                         VectorTarget target);

/// mx.lookup of a 32-entry i16 table on x86-64-avx512: one vpermw
/// (llvm.x86.avx512.permvar.hi.512) per 32 lanes.
void populateKTanhLookupLoweringPatterns(RewritePatternSet &patterns,
                                         VectorTarget target);

} // namespace mlir::mx

#endif // MX_CONVERSION_KTANHLOWERING_H
