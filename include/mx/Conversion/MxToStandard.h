//===- MxToStandard.h - lowering of mx ops to upstream dialects -*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Rewrite patterns that lower mx.quantize and mx.dequantize to upstream
// dialects, for hosts that want them without the passes of Passes.h.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_MXTOSTANDARD_H
#define MX_CONVERSION_MXTOSTANDARD_H

#include "mlir/IR/Value.h"

#include <cstdint>

namespace mlir {
class Location;
class OpBuilder;
class RewritePatternSet;
} // namespace mlir

namespace mlir::mx {

/// Adds the patterns of `mx-lower-to-linalg`: mx.quantize and mx.dequantize
/// become linalg.generic ops on tensors (arith bodies) that produce or consume
/// the storage buffers through mx.assemble / mx.disassemble.
void populateMxToLinalgPatterns(RewritePatternSet &patterns);

/// mx.matmul as linalg.generic ops in its documented accumulation order.
void populateMxMatmulToLinalgPatterns(RewritePatternSet &patterns);

/// mx.matmul on !mx.tensor operands as linalg.generic ops (block dot
/// products, then fma by the block scales in ascending block order).
void populateMxBlockMatmulToLinalgPatterns(RewritePatternSet &patterns);

/// mx.sparse_matmul to scalar loops, the meaning (SparseMatmulLowering).
void populateMxSparseMatmulToLinalgPatterns(RewritePatternSet &patterns);

/// The dense, masked reference lowering of the AutoSparse ops
/// (SparseLowering.cpp); also the generic fallback of mx-lower-to-vector.
void populateMxSparseToLinalgPatterns(RewritePatternSet &patterns);

enum class SparseMaskMode : uint32_t;

/// w~ = mx.sparse_mask(weight, threshold, mode) as an elementwise
/// linalg.generic on tensors (SparseLowering.cpp; the threshold is an f32 or
/// a tensor<f32>). Shared with the vector lowering of mx.masked_matmul.
Value createMaskedWeights(OpBuilder &b, Location loc, Value weight,
                          Value threshold, SparseMaskMode mode);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXTOSTANDARD_H
