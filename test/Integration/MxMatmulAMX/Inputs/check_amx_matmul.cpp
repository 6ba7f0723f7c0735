//===- check_amx_matmul.cpp - mx.matmul unordered vs FP64 and ordered -----===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Runs every kernel pair of gen_kernels.py (`_u`: mx.matmul unordered, AMX
// tiles on x86-64-amx; `_o`: the same product, ordered) and checks every
// output:
//
// 1. "normal" trials (random finite codes, scale bytes 117..137; random
//    normal bf16 values): the unordered result lies within the bound of the
//    op description of an FP64 computation on the dequantized inputs,
//      |c - exact| <= gamma_n (|acc| + sum |a_i b_i|) + n 2^-126,
//      gamma_n = n u / (1 - n u), n = K + 1, u = 2^-24
//    (no operand is below 2^-126, so no product is flushed), and differs
//    from the ordered result by at most twice that bound;
// 2. an "exact" trial (element values that are multiples of 1/4 of
//    magnitude <= 8, scale 2^0, integer accumulators): every partial sum is
//    a multiple of 1/16 below 2^20, so every order is exact and the
//    unordered result equals the ordered one and the FP64 one exactly
//    (not for kernels with constant operands, whose data is fixed);
// 3. a "nan" trial (MX only: some 0xFF scales and NaN codes): an output is
//    NaN exactly where the FP64 computation is NaN;
// 4. a "wide" trial (MX only, not with constant operands): as "normal",
//    with A's scales 2^-110..2^-87 and B's 2^87..2^111, so that the decode
//    meets scale bytes far from 127 (the factors of 2^(s - 127), E4M3's 2^8
//    folded into them);
// 5. two "extreme" trials (MX only, not with constant operands): one
//    operand's scale bytes in 0..16 (2^-127..2^-111), the other's in
//    239..254 (2^112..2^127), then the other way round. An operand value
//    below 2^-126 may be read as zero (its products join the bound's term
//    for them), and an output with an operand value of 2^128 or more (the
//    element times its scale overflows bf16) may instead be NaN or Inf.
//    Products stay below 2^48, so no sum overflows. The ordered result is
//    not compared: it scales each block's sum and stays finite there. The
//    counts of bounded and of non-finite outputs are printed.
// Kernels whose accumulator is a zero fill (`_z`, C = A B) get C full of
// NaN and are checked against acc = 0: a kernel that read C would fail.
//
// Element values come from mx::ref::decodeElement, the storage from
// mx::ref::packCodes (no code shared with the compiler). --corrupt flips one
// bit of one unordered result per kernel and expects every kernel to be
// reported (the checker can fail). --refuse-amx makes Linux refuse the AMX
// tile state to this process (a seccomp filter on arch_prctl), so every
// unordered kernel must take its scalar fallback (a tile instruction would
// raise SIGILL) and still pass the same checks (x86-64 only).
// --round-to-odd takes u = 2^-23 in the bound, for kernels whose sums are
// rounded to odd (AArch64 BFMMLA): within one ulp rather than half of one.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/MxFormats.h"

#include "../../Inputs/mx_operand.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#pragma clang fp contract(off)

using mx::ref::Format;

typedef void (*MxFn)(MemRef2D *, MemRef2D *, MemRef2D *, MemRef2D *,
                     MemRef2D *);
typedef void (*BF16Fn)(MemRef2D *, MemRef2D *, MemRef2D *);
struct AmxKernel {
  const char *name;
  bool bf16;
  Format fa, fb;
  int m, k, n, block;
  bool ta, tb;
  /// C = A B (the kernels fill C with zeros first; C is passed as NaN).
  bool zeroAcc;
  MxFn mxU, mxO;
  BF16Fn bfU, bfO;
  // Constant MX operands: their logical codes and scale bytes (else null).
  const uint8_t *aCodes, *aScales, *bCodes, *bScales;
  // Constant bf16 operands: their values (else null).
  const uint16_t *aBF16, *bBF16;
};

#include "amx_kernels.h"

namespace {

uint64_t rngState = 0x13198A2E03707344ull;
uint32_t next() {
  rngState = rngState * 6364136223846793005ull + 1442695040888963407ull;
  return uint32_t(rngState >> 33);
}

enum class Trial { Normal, Exact, NaN, Wide, TinyA, HugeA };

/// A random code of `f` for the trial.
uint8_t randomCode(Format f, Trial trial) {
  unsigned bits = mx::ref::getFormatInfo(f).bits;
  for (;;) {
    uint8_t code = next() & ((1u << bits) - 1);
    double v = mx::ref::decodeElement(code, f);
    if (trial == Trial::NaN && next() % 64 == 0)
      return code;
    if (!std::isfinite(v))
      continue;
    if (trial == Trial::Exact &&
        (std::fabs(v) > 8 || std::ldexp(v, 2) != std::floor(std::ldexp(v, 2))))
      continue;
    return code;
  }
}

/// A scale byte of the "wide" trial: 2^-110..2^-87 for A, 2^87..2^111 for
/// B. Every operand value stays a finite normal bf16 (E5M2's smallest
/// subnormal times 2^-110 is 2^-126, its largest value times 2^111 is below
/// 2^127) and every product lies within 2^-56..2^56.
uint8_t wideScale(bool isA) {
  return isA ? 17 + next() % 24 : 214 + next() % 25;
}

/// A scale byte of the "extreme" trials: 0..16 for the tiny operand,
/// 239..254 for the other.
uint8_t extremeScale(bool tiny) {
  return tiny ? next() % 17 : 239 + next() % 16;
}

/// Columns of the last panel when the x86 word kernel sums it several pair
/// words per vdpbf16ps (at most 8 past a multiple of 32 columns, in lanes of
/// their own: unordered, not the ordered kernel's bits).
int narrowColumns(int n) { return n % 32 <= 8 ? n % 32 : 0; }

bool isExtreme(Trial trial) {
  return trial == Trial::TinyA || trial == Trial::HugeA;
}

/// Random codes and scales of `op` for the trial (the kernel's constant data
/// instead when `constCodes` is set), packed.
void fill(MxOperand &op, Trial trial, bool isA, const uint8_t *constCodes,
          const uint8_t *constScales) {
  op.codes.resize(size_t(op.rows) * op.cols);
  op.scales.resize(size_t(op.scaleRows()) * op.scaleCols());
  for (uint8_t &c : op.codes)
    c = randomCode(op.format, trial);
  for (uint8_t &s : op.scales)
    s = trial == Trial::Exact                     ? 127
        : trial == Trial::NaN && next() % 32 == 0 ? 0xFF
        : trial == Trial::Wide                    ? wideScale(isA)
        : isExtreme(trial) ? extremeScale(isA == (trial == Trial::TinyA))
                           : 117 + next() % 21;
  if (constCodes) {
    // A constant operand of the kernel: the same data in every trial.
    op.codes.assign(constCodes, constCodes + op.codes.size());
    op.scales.assign(constScales, constScales + op.scales.size());
  }
  op.pack();
}

template <typename T> MemRef2D ref(std::vector<T> &data, int rows, int cols) {
  return {data.data(), data.data(), 0, {rows, cols}, {cols, 1}};
}

/// A random bf16 value (bits): normal, |x| in [2^-8, 2^8), or a multiple of
/// 1/4 of magnitude <= 8 for the exact trial.
uint16_t randomBF16(Trial trial) {
  if (trial == Trial::Exact) {
    float f = float(int(next() % 65) - 32) / 4.0f;
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return uint16_t(bits >> 16);
  }
  uint32_t sign = next() & 1, exponent = 127 - 8 + next() % 16,
           mantissa = next() & 0x7F;
  return uint16_t(sign << 15 | exponent << 7 | mantissa);
}

double bf16Value(uint16_t bits) {
  uint32_t wide = uint32_t(bits) << 16;
  float f;
  std::memcpy(&f, &wide, 4);
  return f;
}

uint32_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

#ifdef __x86_64__
/// Makes arch_prctl(ARCH_REQ_XCOMP_PERM = 0x1023, ...) fail with EPERM in
/// this process from now on; every other system call is allowed.
bool refuseAmx() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_arch_prctl, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x1023, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program = {sizeof(filter) / sizeof(filter[0]), filter};
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}
#endif

} // namespace

int main(int argc, char **argv) {
  bool corrupt = false, refused = false, roundToOdd = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--corrupt") == 0) {
      corrupt = true;
    } else if (std::strcmp(argv[i], "--refuse-amx") == 0) {
      refused = true;
    } else if (std::strcmp(argv[i], "--round-to-odd") == 0) {
      roundToOdd = true;
    } else {
      std::printf("unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (refused) {
#ifndef __x86_64__
    std::printf("--refuse-amx needs x86-64\n");
    return 2;
#else
    if (!refuseAmx()) {
      std::perror("seccomp filter for arch_prctl");
      return 1;
    }
    // The state request itself now fails.
    if (syscall(SYS_arch_prctl, 0x1023, 18) != -1 || errno != EPERM) {
      std::printf("arch_prctl was not refused\n");
      return 1;
    }
    std::printf("AMX refused: scalar fallback\n");
#endif
  }
  int kernelsFailed = 0, total = 0;
  // Normal-trial outputs where the unordered result differs from the
  // ordered one: nonzero shows that another order (AMX) ran.
  long differing = 0, differingWide = 0, compared = 0;
  // Extreme-trial outputs within the bound, and non-finite ones.
  long extremeBounded = 0, extremeNonFinite = 0;
  // Sums rounded to odd (AArch64 BFMMLA) are within one ulp, not half.
  const double u = std::ldexp(1.0, roundToOdd ? -23 : -24);
  for (const AmxKernel &kernel : kKernels) {
    int m = kernel.m, k = kernel.k, n = kernel.n;
    int failures = 0;
    double nAdd = k + 1;
    double gamma = nAdd * u / (1 - nAdd * u);
    for (Trial trial : {Trial::Normal, Trial::Normal, Trial::Exact, Trial::NaN,
                        Trial::Wide, Trial::TinyA, Trial::HugeA}) {
      bool scaleTrial = trial == Trial::Wide || isExtreme(trial);
      if ((trial == Trial::NaN || scaleTrial) && kernel.bf16)
        continue;
      // Constant operands keep their (inexact) data in every trial.
      if ((trial == Trial::Exact || scaleTrial) &&
          (kernel.aCodes || kernel.bCodes || kernel.aBF16 || kernel.bBF16))
        continue;
      // Operand values in logical (M, K) and (K, N) orientation.
      std::vector<double> av(size_t(m) * k), bv(size_t(k) * n);
      // cuOff: bf16 kernels' unordered result with A 16 bytes off a line.
      std::vector<float> acc(size_t(m) * n), cu, co, cuOff;
      for (float &x : acc)
        x = trial == Trial::Exact ? float(int(next() % 201) - 100)
                                  : float(int(next() % 2001) - 1000) / 64.0f;
      cu = acc;
      co = acc;
      if (kernel.zeroAcc) {
        std::fill(acc.begin(), acc.end(), 0.0f);
        std::fill(cu.begin(), cu.end(), std::nanf(""));
        std::fill(co.begin(), co.end(), std::nanf(""));
      }
      MemRef2D cuRef = ref(cu, m, n), coRef = ref(co, m, n);
      if (kernel.bf16) {
        std::vector<uint16_t> a(size_t(m) * k), b(size_t(k) * n);
        for (size_t i = 0; i < a.size(); ++i)
          av[i] = bf16Value(a[i] = kernel.aBF16 ? kernel.aBF16[i]
                                                : randomBF16(trial));
        for (size_t i = 0; i < b.size(); ++i)
          bv[i] = bf16Value(b[i] = kernel.bBF16 ? kernel.bBF16[i]
                                                : randomBF16(trial));
        // A on a cache line, then 16 bytes past one: the AMX kernels read
        // line-aligned bf16 A of whole tiles in place and pack it
        // otherwise. Both results must be within the bound, and the same
        // bits unless the kernel splits K (packed A over 512 KiB), whose
        // two threads add their halves in either order.
        std::vector<uint16_t> placed(a.size() + 64);
        auto placeA = [&](uintptr_t byteOffset) {
          uintptr_t line =
              (reinterpret_cast<uintptr_t>(placed.data()) + 63) / 64 * 64;
          auto *at = reinterpret_cast<uint16_t *>(line + byteOffset);
          std::copy(a.begin(), a.end(), at);
          return MemRef2D{at, at, 0, {m, k}, {k, 1}};
        };
        cuOff = cu;
        MemRef2D aOn = placeA(0), bRef = ref(b, k, n);
        kernel.bfU(&aOn, &bRef, &cuRef);
        MemRef2D aOff = placeA(16), cuOffRef = ref(cuOff, m, n);
        kernel.bfU(&aOff, &bRef, &cuOffRef);
        kernel.bfO(&aOff, &bRef, &coRef);
        int64_t packedA = int64_t((m + 15) / 16) * ((k + 31) / 32) * 1024;
        bool splitsK = packedA > (512 << 10) && k > 32;
        if (!splitsK &&
            std::memcmp(cu.data(), cuOff.data(), cu.size() * 4) != 0 &&
            failures++ < 3)
          std::printf("FAIL %s trial %d: A on a line and 16 bytes off give "
                      "different bits\n",
                      kernel.name, int(trial));
      } else {
        MxOperand a{kernel.fa,
                    kernel.ta ? k : m,
                    kernel.ta ? m : k,
                    kernel.ta ? 0 : 1,
                    kernel.block,
                    {},
                    {},
                    {}};
        MxOperand b{kernel.fb,
                    kernel.tb ? n : k,
                    kernel.tb ? k : n,
                    kernel.tb ? 1 : 0,
                    kernel.block,
                    {},
                    {},
                    {}};
        fill(a, trial, /*isA=*/true, kernel.aCodes, kernel.aScales);
        fill(b, trial, /*isA=*/false, kernel.bCodes, kernel.bScales);
        for (int i = 0; i < m; ++i)
          for (int j = 0; j < k; ++j)
            av[size_t(i) * k + j] = kernel.ta ? a.value(j, i) : a.value(i, j);
        for (int i = 0; i < k; ++i)
          for (int j = 0; j < n; ++j)
            bv[size_t(i) * n + j] = kernel.tb ? b.value(j, i) : b.value(i, j);
        MemRef2D ae = a.elementsRef(), as = a.scalesRef(), be = b.elementsRef(),
                 bs = b.scalesRef();
        kernel.mxU(&ae, &as, &be, &bs, &cuRef);
        kernel.mxO(&ae, &as, &be, &bs, &coRef);
      }
      if (corrupt && trial == Trial::Normal) {
        uint32_t bits = floatBits(cu[0]) ^ (1u << 20);
        std::memcpy(&cu[0], &bits, 4);
      }
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
          size_t o = size_t(i) * n + j;
          double exact = acc[o], mag = std::fabs(acc[o]), flushable = 0;
          bool overflows = false;
          for (int q = 0; q < k; ++q) {
            double x = av[size_t(i) * k + q], y = bv[size_t(q) * n + j];
            double p = x * y;
            exact += p;
            mag += std::fabs(p);
            if (std::fabs(x) < 0x1p-126 || std::fabs(y) < 0x1p-126)
              flushable += std::fabs(p);
            overflows |= std::fabs(x) >= 0x1p128 || std::fabs(y) >= 0x1p128;
          }
          double bound = gamma * mag + flushable + nAdd * std::ldexp(1.0, -126);
          bool ok;
          if (trial == Trial::NaN)
            ok = std::isnan(exact) == std::isnan(double(cu[o])) &&
                 std::isnan(exact) == std::isnan(double(co[o]));
          else if (trial == Trial::Exact)
            ok = double(cu[o]) == exact && double(co[o]) == exact;
          else {
            ++compared;
            differing += cu[o] != co[o];
            differingWide += cu[o] != co[o] && j < n - narrowColumns(n);
          }
          if (trial == Trial::Normal || trial == Trial::Wide)
            ok = std::fabs(double(cu[o]) - exact) <= bound &&
                 std::fabs(double(cu[o]) - double(co[o])) <= 2 * bound;
          if (!cuOff.empty() && trial != Trial::NaN)
            ok = ok && (trial == Trial::Exact
                            ? double(cuOff[o]) == exact
                            : std::fabs(double(cuOff[o]) - exact) <= bound);
          if (isExtreme(trial)) {
            bool nonFinite = !std::isfinite(cu[o]);
            ok = nonFinite ? overflows
                           : std::fabs(double(cu[o]) - exact) <= bound;
            ++(nonFinite ? extremeNonFinite : extremeBounded);
          }
          if (!ok && failures++ < 3)
            std::printf("FAIL %s trial %d at (%d, %d): unordered %.9g ordered "
                        "%.9g exact %.17g bound %.3g\n",
                        kernel.name, int(trial), i, j, double(cu[o]),
                        double(co[o]), exact, bound);
        }
    }
    ++total;
    if (failures) {
      ++kernelsFailed;
      if (!corrupt)
        std::printf("FAILED %s: %d outputs\n", kernel.name, failures);
    } else {
      std::printf("ok %s\n", kernel.name);
    }
  }
  if (corrupt) {
    bool all = kernelsFailed == total;
    std::printf(all ? "SELFTEST OK\n" : "SELFTEST FAILED: %d of %d kernels\n",
                kernelsFailed, total);
    return all ? 0 : 1;
  }
  if (kernelsFailed) {
    std::printf("%d of %d kernels FAILED\n", kernelsFailed, total);
    return 1;
  }
  // The scalar fallback sums in the ordered kernel's order or not: no count.
  if (!refused)
    std::printf("unordered != ordered in %ld of %ld outputs, %ld outside a "
                "narrow last panel\n",
                differing, compared, differingWide);
  std::printf("extreme scales: %ld outputs within the bound, %ld non-finite\n",
              extremeBounded, extremeNonFinite);
  std::printf("ALL OK %d kernels\n", total);
  return 0;
}
