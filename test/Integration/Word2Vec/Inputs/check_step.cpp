//===- check_step.cpp - word2vec updates against the C++ reference ------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "check_step.h"

#include "mx/Reference/Word2VecStep.h"

#include <algorithm>
#include <cmath>
#include <vector>

int64_t mx_check_word2vec_step(int64_t dim, int precision, int ktanh,
                               int64_t rows, const float *wihBefore,
                               const float *wohBefore, const float *wihAfter,
                               const float *wohAfter, const int64_t *ctx,
                               int64_t nctx, const int64_t *out,
                               const float *meta, int64_t nout, float alpha,
                               double *worst) {
  std::vector<float> wih(wihBefore, wihBefore + rows * dim);
  std::vector<float> woh(wohBefore, wohBefore + rows * dim);
  std::vector<double> wihBound(rows * dim), wohBound(rows * dim);
  mx::ref::Word2VecStepOptions options;
  options.dim = dim;
  options.precision = static_cast<mx::ref::Word2VecPrecision>(precision);
  options.sigmoid =
      ktanh ? mx::ref::Word2VecSigmoid::KTanh : mx::ref::Word2VecSigmoid::Exact;
  mx::ref::word2vecStep(options, wih.data(), woh.data(), ctx, nctx, out, meta,
                        nout, alpha, wihBound.data(), wohBound.data());
  int64_t bad = 0;
  *worst = 0;
  // Every bound must be finite: an infinite one would check nothing.
  auto compare = [&](const float *got, const std::vector<float> &want,
                     const std::vector<double> &bound) {
    for (size_t i = 0; i < want.size(); ++i) {
      double diff = std::fabs(double(got[i]) - double(want[i]));
      if (!(diff <= bound[i]) || std::isinf(bound[i]))
        ++bad;
      if (bound[i] > 0)
        *worst = std::max(*worst, diff / bound[i]);
    }
  };
  compare(wihAfter, wih, wihBound);
  compare(wohAfter, woh, wohBound);
  return bad;
}
