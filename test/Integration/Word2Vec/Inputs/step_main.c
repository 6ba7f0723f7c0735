/* Runs the word2vec step that mx-compile compiled, through the C header it
   generated (step.h: mx_call_<name>, WORD2VEC_STEP_* constants), on random
   tables and batches, and checks every update with the C++ reference.
   Compile with -DINDEX_T=int32_t or int64_t (the --index-type),
   -DPRECISION=0..5 (fp32, bf16, mxfp8, mxfp6, mxfp4, mxint8) and
   -DKTANH=0/1 (the policies the kernel was compiled with). */
#include "check_step.h"
#include "step.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIM WORD2VEC_STEP_DIM
#define BATCH WORD2VEC_STEP_BATCH
#define OUTPUTS WORD2VEC_STEP_OUTPUTS
#define ROWS 50

static unsigned long long state = 1;
static unsigned long long next(void) {
  state = state * 25214903917ULL + 11;
  return state >> 16;
}
static double uniform(void) { return (double)(next() & 0xFFFFFF) / 16777216.0; }

int main(void) {
  static float wih[ROWS * DIM], woh[ROWS * DIM];
  static float wihBefore[ROWS * DIM], wohBefore[ROWS * DIM];
  INDEX_T ctx[BATCH], out[OUTPUTS];
  int64_t ctx64[BATCH], out64[OUTPUTS];
  float meta[OUTPUTS];
  int trials = 0, failures = 0;
  double worstAll = 0;
  for (int trial = 0; trial < 24; ++trial) {
    /* Dyadic values (exact scores), word2vec's initial scale, or a spread
       that reaches the saturated sigmoid. */
    int kind = trial % 3;
    if (KTANH && kind == 2)
      kind = 0; /* K-TanH has steps: check it on exact scores */
    if (PRECISION >= 2)
      kind = 0; /* MX is bounded on exact scores only */
    for (int i = 0; i < ROWS * DIM; ++i) {
      for (int t = 0; t < 2; ++t) {
        float v;
        if (kind == 0)
          v = (float)((long)(next() % 17) - 8) / 64.0f;
        else if (kind == 1)
          v = (float)((uniform() - 0.5) / DIM);
        else
          v = (float)((2 * uniform() - 1) * 1.5);
        (t ? woh : wih)[i] = v;
      }
    }
    for (int b = 0; b < BATCH; ++b)
      ctx64[b] = ctx[b] = (INDEX_T)(next() % ROWS);
    for (int o = 0; o < OUTPUTS; ++o) {
      out64[o] = out[o] = (INDEX_T)(next() % ROWS);
      meta[o] = (float)(next() % 4);
    }
    int nctx = trial % 4 == 3 ? (int)(next() % (BATCH + 1)) : BATCH;
    int nout = trial % 5 == 4 ? (int)(next() % (OUTPUTS + 1)) : OUTPUTS;
    float alpha = 0.025f + (float)uniform() * 0.5f;
    memcpy(wihBefore, wih, sizeof(wih));
    memcpy(wohBefore, woh, sizeof(woh));

    mx_call_word2vec_step(wih, ROWS, woh, ROWS, ctx, nctx, out, meta, nout,
                          alpha);

    double worst = 0;
    int64_t bad = mx_check_word2vec_step(DIM, PRECISION, KTANH, ROWS, wihBefore,
                                         wohBefore, wih, woh, ctx64, nctx,
                                         out64, meta, nout, alpha, &worst);
    if (bad) {
      printf("FAIL trial %d: %lld elements beyond the bound (nctx %d, nout "
             "%d)\n",
             trial, (long long)bad, nctx, nout);
      ++failures;
    }
    if (worst > worstAll)
      worstAll = worst;
    ++trials;
  }
  printf("dim %d batch %d outputs %d: %d trials, %d failed, worst diff/bound "
         "%.3g\n",
         DIM, BATCH, OUTPUTS, trials, failures, worstAll);
  printf(failures ? "FAILED\n" : "ALL OK\n");
  return failures != 0;
}
