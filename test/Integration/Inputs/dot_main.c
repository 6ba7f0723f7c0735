// Calls the compiled @dot through its C interface and prints the result.
#include <stdint.h>
#include <stdio.h>

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} MemRef1D;

float _mlir_ciface_dot(MemRef1D *a, MemRef1D *b);

int main(void) {
  float a[64], b[64];
  for (int i = 0; i < 64; ++i) {
    a[i] = (float)i;
    b[i] = (float)(i % 4) * 0.5f;
  }
  MemRef1D ma = {a, a, 0, {64}, {1}}, mb = {b, b, 0, {64}, {1}};
  printf("dot = %.1f\n", _mlir_ciface_dot(&ma, &mb));
  return 0;
}
