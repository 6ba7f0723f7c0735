// Runs the x86 (vpermw / vpermi2w) and the generic lowerings of mx.lookup on
// 16-bit tables of 32, 64 and 128 entries with random tables and every i8
// index in shuffled lanes, and compares both with table[index mod N].
// Prints "ALL OK" and the count of compared lanes.

#include <stdint.h>
#include <stdio.h>

#define DECLARE(n)                                                             \
  void lookup##n(const int16_t *, const int16_t *, int64_t, int64_t, int64_t,  \
                 const int8_t *, const int8_t *, int64_t, int64_t, int64_t,    \
                 int16_t *, int16_t *, int64_t, int64_t, int64_t);             \
  void generic_lookup##n(const int16_t *, const int16_t *, int64_t, int64_t,   \
                         int64_t, const int8_t *, const int8_t *, int64_t,     \
                         int64_t, int64_t, int16_t *, int16_t *, int64_t,      \
                         int64_t, int64_t);
DECLARE(32)
DECLARE(64)
DECLARE(128)

typedef void (*LookupFn)(const int16_t *, const int16_t *, int64_t, int64_t,
                         int64_t, const int8_t *, const int8_t *, int64_t,
                         int64_t, int64_t, int16_t *, int16_t *, int64_t,
                         int64_t, int64_t);

static uint32_t state = 12345;
static uint32_t next(void) {
  state = state * 1664525u + 1013904223u;
  return state >> 8;
}

int main(void) {
  struct {
    int entries;
    LookupFn fast, generic;
  } cases[] = {{32, lookup32, generic_lookup32},
               {64, lookup64, generic_lookup64},
               {128, lookup128, generic_lookup128}};
  int failures = 0;
  long compared = 0;
  for (int c = 0; c < 3; ++c) {
    int n = cases[c].entries;
    for (int trial = 0; trial < 16; ++trial) {
      int16_t table[128];
      int8_t index[256];
      int16_t fast[256], generic[256];
      for (int j = 0; j < n; ++j)
        table[j] = (int16_t)next();
      for (int j = 0; j < 256; ++j)
        index[j] = (int8_t)j;
      for (int j = 255; j > 0; --j) { // a shuffle: every index once
        int k = next() % (j + 1);
        int8_t t = index[j];
        index[j] = index[k];
        index[k] = t;
      }
      cases[c].fast(table, table, 0, n, 1, index, index, 0, 256, 1, fast,
                    fast, 0, 256, 1);
      cases[c].generic(table, table, 0, n, 1, index, index, 0, 256, 1,
                       generic, generic, 0, 256, 1);
      for (int j = 0; j < 256; ++j) {
        int16_t want = table[(uint8_t)index[j] % n];
        if (fast[j] != want || generic[j] != want) {
          if (failures++ < 10)
            printf("MISMATCH %d entries, index %d: x86 %d generic %d want %d\n",
                   n, (uint8_t)index[j], fast[j], generic[j], want);
        }
        ++compared;
      }
    }
  }
  if (failures) {
    printf("%d mismatches\n", failures);
    return 1;
  }
  printf("ALL OK %ld lanes\n", compared);
  return 0;
}
