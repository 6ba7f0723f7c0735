/* The C entry of check_step.cpp: one word2vec update checked against the
   C++ reference (mx/Reference/Word2VecStep.h) and its error bounds. */
#ifndef MX_TEST_WORD2VEC_CHECK_STEP_H
#define MX_TEST_WORD2VEC_CHECK_STEP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Applies the reference update to copies of `wih_before` / `woh_before`
   (rows x dim each) and compares them with `wih_after` / `woh_after`, the
   compiled kernel's result. `precision`: 0 FP32, 1 BF16, 2 MXFP8, 3 MXFP6,
   4 MXFP4, 5 MXINT8 (mx::ref::Word2VecPrecision). Returns the number of
   elements outside the bound; *worst is the largest |diff| / bound. */
int64_t mx_check_word2vec_step(int64_t dim, int precision, int ktanh,
                               int64_t rows, const float *wih_before,
                               const float *woh_before, const float *wih_after,
                               const float *woh_after, const int64_t *ctx,
                               int64_t nctx, const int64_t *out,
                               const float *meta, int64_t nout, float alpha,
                               double *worst);

#ifdef __cplusplus
}
#endif

#endif
