/* Calls mm of matmul-result.mlir (C = acc + A B, returned as a new buffer)
   on small integers, which every precision policy (MXFP8, MXINT8, bf16)
   represents and sums exactly, and compares with the product computed
   here. */
#include "matmul_result.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  float a[4 * 64], b[64 * 8], acc[4 * 8], expect[4 * 8];
  for (int i = 0; i < 4 * 64; ++i)
    a[i] = (float)(i * 7 % 9 - 4);
  for (int i = 0; i < 64 * 8; ++i)
    b[i] = (float)(i * 5 % 7 - 3);
  for (int i = 0; i < 4 * 8; ++i)
    acc[i] = expect[i] = (float)(i % 5);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j)
      for (int k = 0; k < 64; ++k)
        expect[i * 8 + j] += a[i * 64 + k] * b[k * 8 + j];
  mx_memref_f32_2d result;
  mx_call_mm(&result, a, b, acc);
  int bad = 0;
  for (int i = 0; i < 4 * 8; ++i)
    if (result.aligned[result.offset + i] != expect[i]) {
      printf("mismatch at %d: %g, expected %g\n", i,
             result.aligned[result.offset + i], expect[i]);
      ++bad;
    }
  /* The result is the caller's: a buffer of its own, freed here. */
  if (result.aligned == acc)
    printf("result aliases the accumulator argument\n");
  printf("%ld x %ld, %s\n", (long)result.sizes[0], (long)result.sizes[1],
         bad || result.aligned == acc ? "FAIL" : "ok");
  free(result.allocated);
  return bad != 0;
}
