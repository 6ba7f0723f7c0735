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

namespace mlir {
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

} // namespace mlir::mx

#endif // MX_CONVERSION_MXTOSTANDARD_H
