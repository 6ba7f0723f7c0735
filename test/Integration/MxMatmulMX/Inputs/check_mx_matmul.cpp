//===- check_mx_matmul.cpp - compiled MX mx.matmul vs scalar oracles ------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Runs every compiled block-scaled mx.matmul kernel of gen_kernels.py on
// random MX operands and checks, for every output:
//
// 1. bit for bit (NaN matching NaN) against a scalar C++ implementation of
//    the order in the op's description: per block, the exact integer dot
//    product of the integer multiples (integer pairs) or the float sum in
//    the vdpbf16ps pair order (floating-point pairs), then
//    c = fmaf(d, f32(2^(eA-shA)) * f32(2^(eB-shB)), c), blocks ascending;
//    element values come from mx::ref::decodeElement, the operands from
//    logical codes packed with mx::ref::packCodes (no code shared with the
//    compiler);
// 2. for normal-range data, within a rounding-error bound of an FP64
//    computation of acc + sum_k dequant(a) dequant(b):
//    |c - exact| <= 1.01 * n * 2^-24 * (|acc| + sum_k |a_k b_k|), with
//    n = K/B + 1 additions for integer pairs and n = K/B + B + 1 for
//    floating-point pairs (B - 1 roundings inside each block).
//
// Data: "normal" trials (scale bytes 117..137, every finite code), one
// "wide" trial (scale bytes 0..254: subnormal and overflowing scale
// products; bit-exactness only), one "nan" trial (some 0xFF scales and
// NaN codes; bit-exactness only), one "edge" trial (scale bytes at the ends
// of the range in which the kernels add scale exponents as integers, 70 and
// 190, and next to them; bit-exactness only: products from 2^-126 to
// 2^126 that overflow) and one "sweep" trial (every code of the
// format in storage order, specials included, so that each kernel decodes
// all of them; bit-exactness only). Constant operands of a kernel (packed at
// compile time) keep their data from the generated header in every trial.
// --corrupt flips one bit of one result per kernel and expects every kernel
// to be reported (the checker can fail).
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/MxFormats.h"

#include "../../Inputs/mx_operand.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#pragma clang fp contract(off)

using mx::ref::Format;

typedef void (*MatmulFn)(MemRef2D *, MemRef2D *, MemRef2D *, MemRef2D *,
                         MemRef2D *);
struct MatmulKernel {
  const char *name;
  Format fa, fb;
  int m, k, n, block;
  bool ta, tb;
  /// C = A B: the kernel fills C with zeros first (C is passed as NaN).
  bool zeroAcc;
  MatmulFn fn;
  // Constant operands: their logical codes and scale bytes (else null).
  const uint8_t *aCodes, *aScales, *bCodes, *bScales;
};

#include "mx_matmul_kernels.h"

namespace {

uint64_t rngState = 0x243F6A8885A308D3ull;
uint32_t next() {
  rngState = rngState * 6364136223846793005ull + 1442695040888963407ull;
  return uint32_t(rngState >> 33);
}

uint32_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

bool isIntegerFormat(Format f) {
  return f == Format::Int8 || f == Format::E2M1 || f == Format::E2M3;
}

int integerShift(Format f) {
  return f == Format::Int8 ? 6 : f == Format::E2M1 ? 1 : 3;
}

bool isSpecialCode(uint8_t code, Format f) {
  return !std::isfinite(mx::ref::decodeElement(code, f));
}

/// A random code of `f`, finite unless `allowSpecial`.
uint8_t randomCode(Format f, bool allowSpecial) {
  unsigned bits = mx::ref::getFormatInfo(f).bits;
  for (;;) {
    uint8_t code = next() & ((1u << bits) - 1);
    if (allowSpecial || !isSpecialCode(code, f))
      return code;
  }
}

using Operand = MxOperand;

enum class Trial { Normal, Wide, NaN, Edge, Sweep };

Operand makeOperand(Format f, int rows, int cols, int axis, int block,
                    Trial trial, const uint8_t *constCodes,
                    const uint8_t *constScales) {
  Operand op{f, rows, cols, axis, block, {}, {}, {}};
  op.codes.resize(size_t(rows) * cols);
  op.scales.resize(size_t(op.scaleRows()) * op.scaleCols());
  if (constCodes) {
    // A constant operand of the kernel: the same data in every trial.
    op.codes.assign(constCodes, constCodes + op.codes.size());
    op.scales.assign(constScales, constScales + op.scales.size());
    op.pack();
    return op;
  }
  unsigned bits = mx::ref::getFormatInfo(f).bits;
  for (size_t i = 0; i < op.codes.size(); ++i)
    op.codes[i] = trial == Trial::Sweep
                      ? uint8_t(i % (1u << bits))
                      : randomCode(f, trial == Trial::NaN && next() % 64 == 0);
  for (uint8_t &s : op.scales) {
    if (trial == Trial::Normal)
      s = 117 + next() % 21;
    else if (trial == Trial::Wide)
      s = next() % 255;
    else if (trial == Trial::Edge)
      s = std::array<uint8_t, 5>{70, 71, 127, 189, 190}[next() % 5];
    else
      s = next() % 32 == 0 ? 0xFF : 117 + next() % 21;
  }
  op.pack();
  return op;
}

/// f32 value of 2^(byte - 127 - shift); NaN for 0xFF.
float scaleFactor(uint8_t byte, int shift) {
  if (byte == 0xFF)
    return NAN;
  return float(std::ldexp(1.0, int(byte) - 127 - shift));
}

} // namespace

int main(int argc, char **argv) {
  bool corrupt = argc > 1 && std::strcmp(argv[1], "--corrupt") == 0;
  int failures = 0, kernelsFailed = 0;
  for (const MatmulKernel &kernel : kKernels) {
    int m = kernel.m, k = kernel.k, n = kernel.n, block = kernel.block;
    int blocks = k / block;
    bool integer = isIntegerFormat(kernel.fa) && isIntegerFormat(kernel.fb);
    int shA = integer ? integerShift(kernel.fa) : 0;
    int shB = integer ? integerShift(kernel.fb) : 0;
    long checked = 0;
    int kernelFailures = 0;
    const Trial trials[] = {Trial::Normal, Trial::Normal, Trial::Normal,
                            Trial::Wide,   Trial::NaN,    Trial::Edge,
                            Trial::Sweep};
    for (int t = 0; t < int(sizeof(trials) / sizeof(trials[0])); ++t) {
      Trial trial = trials[t];
      // Logical A is M x K (stored K x M with transpose_a), B is K x N
      // (stored N x K with transpose_b).
      Operand a = kernel.ta ? makeOperand(kernel.fa, k, m, 0, block, trial,
                                          kernel.aCodes, kernel.aScales)
                            : makeOperand(kernel.fa, m, k, 1, block, trial,
                                          kernel.aCodes, kernel.aScales);
      Operand b = kernel.tb ? makeOperand(kernel.fb, n, k, 1, block, trial,
                                          kernel.bCodes, kernel.bScales)
                            : makeOperand(kernel.fb, k, n, 0, block, trial,
                                          kernel.bCodes, kernel.bScales);
      auto aCode = [&](int i, int kk) {
        return kernel.ta ? a.code(kk, i) : a.code(i, kk);
      };
      auto aScale = [&](int i, int kk) {
        return kernel.ta ? a.scale(kk, i) : a.scale(i, kk);
      };
      auto bCode = [&](int kk, int j) {
        return kernel.tb ? b.code(j, kk) : b.code(kk, j);
      };
      auto bScale = [&](int kk, int j) {
        return kernel.tb ? b.scale(j, kk) : b.scale(kk, j);
      };
      std::vector<float> acc(size_t(m) * n), expected(size_t(m) * n);
      for (float &x : acc)
        x = kernel.zeroAcc ? 0.0f
                           : std::ldexp(float(int(next() % 2001) - 1000),
                                        -int(next() % 8));
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
          float c = acc[i * n + j];
          for (int jb = 0; jb < blocks; ++jb) {
            float d;
            if (integer) {
              long sum = 0;
              for (int kk = jb * block; kk < (jb + 1) * block; ++kk)
                sum +=
                    std::lround(std::ldexp(
                        mx::ref::decodeElement(aCode(i, kk), kernel.fa), shA)) *
                    std::lround(std::ldexp(
                        mx::ref::decodeElement(bCode(kk, j), kernel.fb), shB));
              d = float(sum);
            } else {
              auto pa = [&](int kk) {
                return float(mx::ref::decodeElement(aCode(i, kk), kernel.fa));
              };
              auto pb = [&](int kk) {
                return float(mx::ref::decodeElement(bCode(kk, j), kernel.fb));
              };
              d = 0.0f;
              int first = jb * block;
              for (int p = 0; p + 1 < block; p += 2) {
                d = d + pa(first + p + 1) * pb(first + p + 1);
                d = d + pa(first + p) * pb(first + p);
              }
              if (block % 2)
                d = d + pa(first + block - 1) * pb(first + block - 1);
            }
            float s = scaleFactor(aScale(i, jb * block), shA) *
                      scaleFactor(bScale(jb * block, j), shB);
            c = std::fmaf(d, s, c);
          }
          expected[i * n + j] = c;
        }
      std::vector<float> result = acc;
      if (kernel.zeroAcc)
        std::fill(result.begin(), result.end(), std::nanf(""));
      MemRef2D ae = a.elementsRef(), as = a.scalesRef(), be = b.elementsRef(),
               bs = b.scalesRef();
      MemRef2D mc = {result.data(), result.data(), 0, {m, n}, {n, 1}};
      kernel.fn(&ae, &as, &be, &bs, &mc);
      if (corrupt && t == 0)
        result[(m * n) / 2] = std::nextafter(result[(m * n) / 2], INFINITY);
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
          float got = result[i * n + j], want = expected[i * n + j];
          bool same = floatBits(got) == floatBits(want) ||
                      (std::isnan(got) && std::isnan(want));
          bool bounded = true;
          double exact = 0, bound = 0;
          if (trial == Trial::Normal) {
            exact = acc[i * n + j];
            double magnitude = std::fabs(exact);
            for (int kk = 0; kk < k; ++kk) {
              double p = mx::ref::decodeElement(aCode(i, kk), kernel.fa) *
                         mx::ref::decodeScale(aScale(i, kk)) *
                         mx::ref::decodeElement(bCode(kk, j), kernel.fb) *
                         mx::ref::decodeScale(bScale(kk, j));
              exact += p;
              magnitude += std::fabs(p);
            }
            int roundings = blocks + 1 + (integer ? 0 : block);
            bound = 1.01 * roundings * std::ldexp(1.0, -24) * magnitude;
            bounded = std::fabs(double(got) - exact) <= bound;
          }
          if (!same || !bounded) {
            ++kernelFailures;
            if (failures++ < 20)
              std::printf("MISMATCH %s trial %d [%d,%d]: got %a want %a "
                          "(exact %a, bound %a)\n",
                          kernel.name, t, i, j, got, want, exact, bound);
          }
          ++checked;
        }
    }
    if (kernelFailures)
      ++kernelsFailed;
    else
      std::printf("ok %s %ld\n", kernel.name, checked);
  }
  int total = int(sizeof(kKernels) / sizeof(kKernels[0]));
  if (corrupt) {
    // Every kernel must have been caught.
    if (kernelsFailed == total) {
      std::printf("SELFTEST OK\n");
      return 0;
    }
    std::printf("SELFTEST FAILED: %d of %d kernels caught\n", kernelsFailed,
                total);
    return 1;
  }
  if (failures) {
    std::printf("%d mismatches in %d of %d kernels\n", failures, kernelsFailed,
                total);
    return 1;
  }
  std::printf("ALL OK %d kernels\n", total);
  return 0;
}
