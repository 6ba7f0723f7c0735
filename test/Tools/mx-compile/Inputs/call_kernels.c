/* Calls the kernels of kernels.mlir through the header mx-compile
   generated for them: the _mlir_ciface_* entry points with descriptors and
   the mx_call_* wrappers with plain arrays. */
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  float x[5] = {1, 2, 3, 4, 5};
  mx_call_scale(x, 5, 2.0f);
  printf("scale: %g %g %g %g %g\n", x[0], x[1], x[2], x[3], x[4]);

  float y[8] = {1, 2, 3, 4, 5, 6, 7, 8.5f};
  printf("sum: %g\n", mx_call_sum(y));

  /* A descriptor by hand: y[2..4] scaled by -1 in place. */
  mx_memref_f32_1d view = {y, y + 2, 0, {3}, {1}};
  _mlir_ciface_scale(&view, -1.0f);
  printf("view: %g %g %g %g %g %g\n", y[1], y[2], y[3], y[4], y[5], y[6]);

  float m[6] = {0, 1, 2, 3, 4, 5};
  mx_memref_f32_2d result;
  mx_call_affine(&result, m, 10.0f, 0.5f);
  printf("affine: %ld x %ld:", (long)result.sizes[0], (long)result.sizes[1]);
  for (int i = 0; i < 6; ++i)
    printf(" %g", result.aligned[result.offset + i]);
  printf("\n");
  free(result.allocated);

  printf("mix: %lld\n", (long long)mx_call_mix(40, -3, 1000, 2.75));
  return 0;
}
