//===- check_masked.cpp - compiled mx.masked_matmul vs the oracle ---------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Runs every compiled mx.masked_matmul kernel (kernels.h, gen_masked.py) at
// thresholds from dense (s = -3200, tau = 0) to about 95% masked and compares
// the result bit for bit with mx::ref::maskedMatmul (include/mx/Reference/
// Sparse.h: k ascending from +0, no FMA) and, when the table has a second
// lowering, with it. Values span 2^-6 .. 2^6 so that another summation
// order or a fused multiply-add changes bits. `--corrupt` changes one
// reference bit per kernel and expects every kernel to fail.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/Sparse.h"

#include "../../Inputs/check_support.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

struct MemRef2D {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};
typedef void (*MaskedFn)(MemRef2D *, MemRef2D *, float, MemRef2D *);
struct MaskedKernel {
  const char *name;
  int m, k, n;
  bool hard;
  MaskedFn fn, second;
};

#include "kernels.h"

namespace {

uint64_t state = 0x9E3779B97F4A7C15ull;
uint32_t next32() {
  state = state * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<uint32_t>(state >> 33);
}

/// Uniform in (-2^(e+1), 2^(e+1)) for a random e in [-6, 6]: both signs,
/// so sums cancel.
float randomValue() {
  double u = next32() / 2147483648.0; // next32() has 31 bits: [0, 1)
  return static_cast<float>((2 * u - 1) *
                            std::ldexp(1.0, int(next32() % 13) - 6));
}

MemRef2D view(float *p, int64_t r, int64_t c) {
  return {p, p, 0, {r, c}, {c, 1}};
}

} // namespace

int main(int argc, char **argv) {
  bool corrupt = argc > 1 && std::strcmp(argv[1], "--corrupt") == 0;
  // tau = 0, ~0.38, ~0.57, ~0.95 (|w| is up to 64, mostly below 1).
  const float thresholds[] = {-3200.0f, -0.5f, 0.3f, 3.0f};
  int failures = 0, total = 0;
  for (const MaskedKernel &kernel : kKernels) {
    ++total;
    int m = kernel.m, k = kernel.k, n = kernel.n;
    bool ok = true;
    long compared = 0;
    for (float s : thresholds) {
      std::vector<float> w(size_t(m) * k), x(size_t(k) * n);
      for (float &v : w)
        v = randomValue();
      for (float &v : x)
        v = randomValue();
      std::vector<float> expect(size_t(m) * n);
      mx::ref::maskedMatmul(w.data(), x.data(), m, k, n, s,
                            kernel.hard ? mx::ref::MaskMode::Hard
                                        : mx::ref::MaskMode::Soft,
                            expect.data());
      if (corrupt)
        expect[expect.size() / 2] =
            std::nextafter(expect[expect.size() / 2], INFINITY);
      for (int which = 0; which < (kernel.second ? 2 : 1); ++which) {
        std::vector<float> got(size_t(m) * n, NAN);
        MemRef2D wv = view(w.data(), m, k), xv = view(x.data(), k, n),
                 yv = view(got.data(), m, n);
        (which ? kernel.second : kernel.fn)(&wv, &xv, s, &yv);
        for (size_t i = 0; i < got.size(); ++i, ++compared)
          if (bitsOf(got[i]) != bitsOf(expect[i])) {
            if (ok && !corrupt)
              std::printf("FAIL %s (lowering %d) s %g at (%zu, %zu): got %a, "
                          "expected %a\n",
                          kernel.name, which, s, i / n, i % n, got[i],
                          expect[i]);
            ok = false;
          }
      }
    }
    if (ok)
      std::printf("ok %s %ld values\n", kernel.name, compared);
    else
      ++failures;
  }
  if (corrupt) {
    std::printf(failures == total ? "SELFTEST OK\n" : "SELFTEST FAILED\n");
    return failures == total ? 0 : 1;
  }
  if (failures) {
    std::printf("%d of %d kernels FAILED\n", failures, total);
    return 1;
  }
  std::printf("ALL OK %d kernels\n", total);
  return 0;
}
