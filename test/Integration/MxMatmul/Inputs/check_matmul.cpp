//===- check_matmul.cpp - compiled mx.matmul vs a scalar reference ------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Runs every compiled mx.matmul kernel on random bf16 matrices whose values,
// products and partial sums stay in the normal f32 range, and compares the
// result bit for bit with a plain C++ implementation of the documented order
// (k in pairs, odd element first, an odd K's last element alone). Also
// checks the classic error bound against an FP64 product. Kernels with a
// constant operand (packed at compile time) use its values in every trial.
// Four "tiny" trials put products, sums and accumulators in the subnormal
// range (operand exponents -75..-60, 1 in 8 run-time A values a bf16
// subnormal, accumulators below 2^-120): every target keeps subnormals, so
// these are bit-exact too (a kernel that flushed them, as vdpbf16ps does,
// fails). Four more trials
// make almost all products and every accumulator -0, so that the sign of a
// zero result shows any addition beyond the documented ones (a kernel that
// padded K with zero pairs would turn -0 into +0). Prints "ALL OK".
//
//===----------------------------------------------------------------------===//

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

struct MemRef2D {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};
typedef void (*MatmulFn)(MemRef2D *, MemRef2D *, MemRef2D *);
struct MatmulKernel {
  const char *name;
  int m, k, n;
  MatmulFn fn;
  // The values of a constant operand (the kernel ignores its memref).
  const uint16_t *constA, *constB;
  // C = fill + A B: the accumulator is a linalg.fill of C (C is passed as
  // NaN, so a kernel that read it fails).
  bool filled;
  float fill;
};

#include "../../Inputs/check_support.h"
#include "kernels.h"

static float bf16ToFloat(uint16_t h) { return floatOf(uint32_t(h) << 16); }

// 20 normal trials, 4 tiny, 4 with -0 accumulators.
constexpr int kTrials = 28;

int main() {
  uint64_t state = 0x243F6A8885A308D3ull;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return uint32_t(state >> 33);
  };
  // bf16 values, both signs: normal with exponents in [-8, 8]; normal
  // with exponents in [-75, -60]; subnormal.
  auto randomBF16 = [&]() -> uint16_t {
    uint32_t r = next();
    uint16_t sign = (r & 1) << 15;
    uint16_t exponent = uint16_t(127 - 8 + (r >> 1) % 17) << 7;
    uint16_t mantissa = (r >> 8) & 0x7F;
    return sign | exponent | mantissa;
  };
  auto tinyBF16 = [&]() -> uint16_t {
    uint32_t r = next();
    return uint16_t((r & 1) << 15 | (127 - 75 + (r >> 1) % 16) << 7 |
                    ((r >> 8) & 0x7F));
  };
  auto subnormalBF16 = [&]() -> uint16_t {
    uint32_t r = next();
    return uint16_t((r & 1) << 15 | (1 + (r >> 1) % 127));
  };
  int failures = 0;
  for (const MatmulKernel &kernel : kKernels) {
    int m = kernel.m, k = kernel.k, n = kernel.n;
    long checked = 0;
    long negativeZeros = 0;
    for (int trial = 0; trial < kTrials; ++trial) {
      bool tiny = trial >= 20 && trial < 24;
      bool zeros = trial >= 24;
      // Zero trials: A is -0 but for 1% of positive values, B positive,
      // so that most products are -0.
      auto operandA = [&]() -> uint16_t {
        if (tiny)
          return next() % 8 ? tinyBF16() : subnormalBF16();
        if (!zeros)
          return randomBF16();
        return next() % 100 ? 0x8000 : randomBF16() & 0x7FFF;
      };
      auto operandB = [&]() -> uint16_t {
        if (tiny)
          return tinyBF16();
        return zeros ? randomBF16() & 0x7FFF : randomBF16();
      };
      std::vector<uint16_t> a(m * k), b(k * n);
      std::vector<float> c(m * n), expected(m * n);
      for (uint16_t &x : a)
        x = operandA();
      for (uint16_t &x : b)
        x = operandB();
      if (kernel.constA)
        a.assign(kernel.constA, kernel.constA + m * k);
      if (kernel.constB)
        b.assign(kernel.constB, kernel.constB + k * n);
      for (float &x : c)
        x = kernel.filled ? kernel.fill
            : zeros       ? -0.0f
            : tiny        ? std::ldexp(float(int(next() % 2001) - 1000), -130)
                          : bf16ToFloat(randomBF16());
      // The documented order, one rounding per addition.
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
          volatile float acc = c[i * n + j];
          // An exact product and one rounding (fmaf: products of bf16
          // values below 2^-126 are not exact in f32).
          auto add = [&](int kk) {
            acc = std::fmaf(bf16ToFloat(a[i * k + kk]),
                            bf16ToFloat(b[kk * n + j]), acc);
          };
          for (int p = 0; p + 1 < k; p += 2) {
            add(p + 1);
            add(p);
          }
          if (k % 2)
            add(k - 1);
          expected[i * n + j] = acc;
          negativeZeros += bitsOf(acc) == 0x80000000u;
        }
      std::vector<float> result = c;
      if (kernel.filled)
        result.assign(result.size(), std::nanf(""));
      MemRef2D ma = {a.data(), a.data(), 0, {m, k}, {k, 1}};
      MemRef2D mb = {b.data(), b.data(), 0, {k, n}, {n, 1}};
      MemRef2D mc = {result.data(), result.data(), 0, {m, n}, {n, 1}};
      kernel.fn(&ma, &mb, &mc);
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
          float got = result[i * n + j], want = expected[i * n + j];
          // Error bound against the exact result: |err| <= K u sum|a b| + u|c|.
          double exact = c[i * n + j], magnitude = std::fabs(c[i * n + j]);
          for (int kk = 0; kk < k; ++kk) {
            double p = double(bf16ToFloat(a[i * k + kk])) *
                       bf16ToFloat(b[kk * n + j]);
            exact += p;
            magnitude += std::fabs(p);
          }
          // Each rounding errs by at most 2^-24 relative or, below 2^-126,
          // 2^-150 absolute.
          double bound = (k + 1) * (std::ldexp(1.0, -24) * magnitude +
                                    std::ldexp(1.0, -150));
          if (bitsOf(got) != bitsOf(want) ||
              std::fabs(got - exact) > bound) {
            if (failures++ < 10)
              std::printf("MISMATCH %s trial %d [%d,%d]: got %a want %a "
                          "exact %a\n",
                          kernel.name, trial, i, j, got, want, exact);
          }
          ++checked;
        }
    }
    std::printf("ok %s %ld (%ld -0)\n", kernel.name, checked, negativeZeros);
  }
  if (failures) {
    std::printf("%d mismatches\n", failures);
    return 1;
  }
  std::printf("ALL OK\n");
  return 0;
}
