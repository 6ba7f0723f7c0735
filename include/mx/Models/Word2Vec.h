//===- Word2Vec.h - The HogBatch SGNS step as an MLIR graph -----*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Builds the word2vec training step (skip-gram with negative sampling,
// HogBatch form: Ji et al., arXiv 1611.06172) as one function, so that
// mx-compile, the tests, the benchmarks and the trainer compile the same
// graph. The meaning is defined, and tested, by the scalar reference
// include/mx/Reference/Word2VecStep.h.
//
// The function, for D = dim, B = batch, O = 1 + negatives:
//
//   func.func @word2vec_step(
//       %wih: memref<?xDxf32>,   input (context) embeddings, updated in place
//       %woh: memref<?xDxf32>,   output embeddings, updated in place
//       %ctx: memref<Bxiw>,      context rows (iw = i32 or i64)
//       %nctx: i32,              how many of them are used (clamped to [0, B])
//       %out: memref<Oxiw>,      output rows: the centre word, then negatives
//       %meta: memref<Oxf32>,    weight of each output row (multiplicity)
//       %nout: i32,              how many output rows are used ([0, O])
//       %alpha: f32)             learning rate
//       attributes {llvm.emit_c_interface}
//
// The argument names are the block arguments' locations (`loc("wih")`), which
// the C header generator uses. Body, on tensors where the math is:
//
//   inM  = gather(Wih, ctx)   B x D, rows >= nctx are zero   (linalg.generic)
//   outM = gather(Woh, out)   O x D, rows >= nout are zero
//   corr = outM * transpose(inM)                           (linalg.matmul)
//   g    = ((label - sigma(corr)) * alpha) * meta          (linalg.generic;
//          sigma exact with math.exp, or mx.ksigmoid, saturated at +-6;
//          0 in unused slots)
//   outMd = g * inM,  inMd = transpose(g) * outM           (linalg.matmul)
//   Wih[ctx[b]] += inMd[b] (b < nctx), Woh[out[o]] += outMd[o] (o < nout)
//
// With Word2VecOptions::bf16Operands the gathers and g are rounded to bf16
// in the graph (what mx-compile and mx-word2vec build for bf16).
//
// The scatter-add runs on memrefs (memref.subview + linalg.generic, in index
// order, no atomics: Hogwild), so the tables are never copied. Zero rows
// and zero scores for unused slots make them contribute nothing to the
// products, nor to an MX policy's block scales. The GEMMs are
// plain linalg.matmul so that the precision policy passes (mx-bf16, later
// mx-quantize) see them.
//
//===----------------------------------------------------------------------===//

#ifndef MX_MODELS_WORD2VEC_H
#define MX_MODELS_WORD2VEC_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>
#include <string>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::mx::models {

enum class Word2VecSigmoid {
  /// 1 / (1 + exp(-x)) with math.exp.
  Exact,
  /// mx.ksigmoid (K-TanH), full mantissa.
  KTanh,
};

struct Word2VecOptions {
  /// Embedding dimension D.
  int64_t dim = 100;
  /// Maximum number of context rows per update (B).
  int64_t batch = 11;
  /// Maximum number of negatives K; O = 1 + K output rows.
  int64_t negatives = 5;
  /// Width of the row indices in `ctx` and `out`: 32 or 64.
  unsigned indexBitwidth = 32;
  Word2VecSigmoid sigmoid = Word2VecSigmoid::Exact;
  /// Compute only the `nctx` context rows: the three products take
  /// dynamic-size slices of the gathered rows and gradients (views of the
  /// static buffers, no allocation), so a batch that is not full costs
  /// proportionally less. The precision policies (mx-bf16, mx-quantize)
  /// rewrite static-shape products only: set it for fp32 and with
  /// bf16Operands.
  bool trimToContexts = false;
  /// The BF16 step built into the graph: the gathers round every row
  /// element to bf16 as they copy it and the sigmoid step rounds g (nearest
  /// even, subnormals kept), and the three products stay f32 linalg.matmul
  /// on those bf16 values, whose products are exact in f32: the BF16
  /// meaning of mx/Reference/Word2VecStep.h (sums in f32, in any order),
  /// with the fp32 graph's folded transposes, vectorized dot products and
  /// trimming, and each row rounded once instead of once per product.
  /// With trimToContexts the rows are gathered by loops over the used rows
  /// (rows >= nctx of inM are then left undefined: nothing reads them;
  /// rows >= nout of outM are zeroed). Compile it without a precision
  /// policy pass (fp32).
  bool bf16Operands = false;
  /// Name of the function.
  std::string functionName = "word2vec_step";
};

/// Empty if `options` are valid (dim, batch >= 1, negatives >= 0, batch and
/// 1 + negatives within 32 bits, indexBitwidth 32 or 64, a function name
/// that is a C identifier), else what is wrong.
std::string checkWord2VecOptions(const Word2VecOptions &options);

/// Dialects the builder creates ops of.
void registerWord2VecDialects(DialectRegistry &registry);

/// The module with the one step function, or null (after emitting the
/// checkWord2VecOptions error on `context`) if the options are invalid.
/// Loads the dialects it needs.
OwningOpRef<ModuleOp> buildWord2VecStep(MLIRContext *context,
                                        const Word2VecOptions &options);

} // namespace mlir::mx::models

#endif // MX_MODELS_WORD2VEC_H
