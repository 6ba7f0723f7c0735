//===- Word2VecStep.h - Scalar reference for the HogBatch SGNS step -*- C++
//-*-//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Independent scalar reference ("oracle") for the word2vec step that
// `mx::models::buildWord2VecStep` builds (lib/Models/Word2Vec.cpp) and
// `mx-compile --model=word2vec` compiles. Plain C++17; depends on nothing of
// LLVM or MLIR and shares no code with the compiler: it is the loop nest of
// pWord2Vec's HogBatch update (Ji et al., arXiv 1611.06172), written the
// obvious way, every sum in ascending index order, every operation rounded
// once (no fused multiply-add: built with -ffp-contract=off).
//
// One update, for B' = nctx context rows (inputs) and O' = nout output rows
// (row 0 the centre word with label 1, the others negatives with label 0),
// D = dim, tables Wih and Woh of V x D floats, row-major:
//
//   1. inM[b]  = Wih[ctx[b]]                      b < B'
//      outM[o] = Woh[out[o]]                      o < O'
//   2. corr[o][b] = sum_d outM[o][d] * inM[b][d]
//   3. g[o][b] = ((label(o) - sigma(corr[o][b])) * alpha) * meta[o]
//      sigma(x) = 1 if x > 6, 0 if x < -6 (word2vec's MAX_EXP saturation),
//      otherwise 1 / (1 + exp(-x)) (Exact, libm expf) or the K-TanH sigmoid
//      of mx.ksigmoid (KTanh, mx::ref::kactivation with the full mantissa)
//   4. outMd[o][d] = sum_b g[o][b] * inM[b][d]
//   5. inMd[b][d]  = sum_o g[o][b] * outM[o][d]      (pre-update outM)
//   6. Wih[ctx[b]] += inMd[b] for b ascending, then Woh[out[o]] += outMd[o]
//      for o ascending: a row that appears twice gets both additions.
//
// BF16 precision (what mx-compile and mx-word2vec build for bf16: the
// gathers and the sigmoid step round as they write, Word2VecOptions::
// bf16Operands; or what `mx-bf16` makes of the graph): the operands of the
// three products (inM, outM, g) are rounded to bf16 (nearest even) first;
// products are then exact in f32 and accumulated in f32. Tables, sigmoid
// and updates stay f32.
//
// MX precisions (what `mx-quantize` with one format for both operands makes
// of it: MXFP8 = E4M3, MXFP6 = E2M3, MXFP4 = E2M1, MXINT8): each operand of
// each product is quantized along its reduction axis (d for the scores, b
// for outMd, o for inMd) in blocks of 32 from index 0, zero-padded to whole
// blocks, FLOOR scales, no flush (mx::ref::quantizeBlock), and used
// dequantized; sums in f32.
//
// Error bounds. An implementation that sums in another order (vectorized
// reductions, the pairwise order of mx.matmul) or fuses multiply-adds
// computes a different, equally valid result. `word2vecStep` can return, for
// every table element, a bound on |W_impl - W_ref| that holds for any such
// implementation starting from the same tables (see Word2VecStep.cpp for the
// derivation): with u = 2^-24 and gamma(n) = n u / (1 - n u),
//
//   |d corr|  <= 2 gamma(D) sum_d |outM[o][d] inM[b][d]|, and 0 when every
//                product is exact and every partial sum in any order is (all
//                products multiples of one power of two q, sum |p| <= 2^24 q)
//   |d sigma| <= 0 if d corr = 0 (the same argument: the same libm expf, or
//                K-TanH, which is bit-exact); else |d corr| / 4 + 8u, plus
//                1 - sigma(6) if [corr - d, corr + d] contains +-6 (the
//                saturation step); KTanh: |d corr| / 2 + 2^-8 (it has steps)
//   |d g|     <= (|d sigma| alpha |meta| + 6u |g|) (1 + 8u), 0 if d sigma = 0
//                BF16: + one bf16 ulp of |g| + |d g| when d g > 0 (the
//                rounding of g to bf16 may go the other way); MX: infinite
//                when d g > 0 (a block scale may change), so MX is checked
//                on exact scores only
//   (MX sums have one more rounding per block: gamma(n + blocks))
//   |d grad|  <= sum |d g| |x| + 2 gamma(n) sum (|g| + |d g|) |x|
//   |d W'|    <= |d W| + |d grad| + ulp(|W'| + |d W| + |d grad|), 0 if both
//                are 0 (the same addition of the same values)
//
// No subnormal intermediates are assumed (mx.matmul on x86 flushes them).
//
//===----------------------------------------------------------------------===//

#ifndef MX_REFERENCE_WORD2VECSTEP_H
#define MX_REFERENCE_WORD2VECSTEP_H

#include <cstdint>

namespace mx::ref {

enum class Word2VecPrecision { FP32, BF16, MXFP8, MXFP6, MXFP4, MXINT8 };
enum class Word2VecSigmoid { Exact, KTanh };

struct Word2VecStepOptions {
  /// Embedding dimension D (row length of both tables).
  int64_t dim = 100;
  Word2VecPrecision precision = Word2VecPrecision::FP32;
  Word2VecSigmoid sigmoid = Word2VecSigmoid::Exact;
};

/// sigma of step 3, saturation included.
float word2vecSigmoid(float x, Word2VecSigmoid kind);

/// One HogBatch SGNS update of `wih` and `woh` (V x dim floats each) in
/// place. `ctx` has `nctx` row indices, `out` and `meta` have `nout`
/// entries; every index must be in [0, V). If `wihBound` / `wohBound` are
/// given (V x dim doubles each, the bounds the tables already carry, zero for
/// identical tables), the bound of every updated element is increased as
/// described above.
void word2vecStep(const Word2VecStepOptions &options, float *wih, float *woh,
                  const int64_t *ctx, int64_t nctx, const int64_t *out,
                  const float *meta, int64_t nout, float alpha,
                  double *wihBound = nullptr, double *wohBound = nullptr);

} // namespace mx::ref

#endif // MX_REFERENCE_WORD2VECSTEP_H
