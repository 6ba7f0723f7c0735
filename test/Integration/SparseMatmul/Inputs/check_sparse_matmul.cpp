//===- check_sparse_matmul.cpp - compiled mx.sparse_matmul vs the oracle --===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Runs every compiled mx.sparse_matmul kernel (kernels.h, gen_kernels.py) on
// weights masked at 0, 50, 80, 90, 95, 99 and 100% sparsity with three kinds
// of mask (random; structured: 1x4 blocks along K; random with empty rows,
// empty columns and a fully dense row), packed into the K-segmented CSR by
// the oracle, and compares the result bit for bit with the dense masked
// product of include/mx/Reference/SparseMatmul.h (every k, ascending, no
// FMA). When the table has a second lowering of each kernel, its result
// must equal the first's bit for bit too. Values span 2^-6 .. 2^6 so that
// any change of summation order or a fused multiply-add changes bits.
// MX kernels (value_format) get the masked weights quantized by the scalar
// oracle (mx::reference::quantizeMaskedRows: blocks of 32 along K per row,
// mx::ref::quantizeBlock), their codes and scales, and must equal the dense
// masked product of the oracle's decoded weights (mx::ref::dequantizeBlock)
// bit for bit. Some rows are scaled by 2^-130 (scale byte 0x00, element
// subnormals) or 2^40; FP6/FP4 codes get random bits above the code, which
// the kernel must ignore.
// `--corrupt` changes one reference bit and expects the check to fail.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/SparseMatmul.h"

#include "../../Inputs/check_support.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

struct MemRef1D {
  void *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
};
struct MemRef2D {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};
typedef void (*SpmmFn)(MemRef1D *, MemRef1D *, MemRef1D *, MemRef2D *,
                       MemRef2D *);
typedef void (*SpmmMxFn)(MemRef1D *, MemRef1D *, MemRef1D *, MemRef1D *,
                         MemRef2D *, MemRef2D *);
struct SparseKernel {
  const char *name;
  int m, k, n, kTile;
  bool crd16, bf16;
  int format; // mx::ref::Format of MX codes, or -1
  SpmmFn fn, second;
  SpmmMxFn mxFn, mxSecond;
};

#include "kernels.h"

namespace {

uint64_t state = 0x9E3779B97F4A7C15ull;
uint32_t next32() {
  state = state * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<uint32_t>(state >> 33);
}
double uniform() { return next32() / 2147483648.0; } // [0, 1)

float randomValue(bool bf16) {
  float v = static_cast<float>((2 * uniform() - 1) *
                               std::ldexp(1.0, int(next32() % 13) - 6));
  if (bf16) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    bits &= 0xFFFF0000u; // a bf16 value, exactly
    std::memcpy(&v, &bits, 4);
  }
  return v;
}

MemRef1D view1(void *p, int64_t n) { return {p, p, 0, {n}, {1}}; }
MemRef2D view2(void *p, int64_t r, int64_t c) {
  return {p, p, 0, {r, c}, {c, 1}};
}

/// kind 0: random; 1: 1x4 blocks along K; 2: random, rows 1, 4, 7, ...
/// and columns 2, 7, 12, ... empty, row 0 fully dense.
std::vector<uint8_t> makeMask(int m, int k, double sparsity, int kind) {
  std::vector<uint8_t> mask(size_t(m) * k);
  for (int i = 0; i < m; ++i)
    for (int l = 0; l < k; ++l) {
      bool keep;
      if (kind == 1)
        keep = l % 4 == 0 ? uniform() >= sparsity : mask[i * k + l - l % 4];
      else
        keep = uniform() >= sparsity;
      if (kind == 2) {
        if (i % 3 == 1 || l % 5 == 2)
          keep = false;
        if (i == 0)
          keep = true;
      }
      mask[size_t(i) * k + l] = keep;
    }
  return mask;
}

bool hasSecond(const SparseKernel &kernel) {
  return kernel.format < 0 ? kernel.second != nullptr
                           : kernel.mxSecond != nullptr;
}

/// Runs lowering `which` of `kernel` on the packed weights; c starts as acc.
std::vector<float> run(const SparseKernel &kernel, int which,
                       mx::reference::SegmentedCsr &csr, std::vector<float> &x,
                       const std::vector<float> &acc,
                       std::vector<uint8_t> &scales) {
  std::vector<uint16_t> crd16(csr.crd.begin(), csr.crd.end());
  std::vector<uint16_t> val16;
  for (float v : csr.values)
    val16.push_back(static_cast<uint16_t>(bitsOf(v) >> 16));
  // One spare element keeps the pointers valid when there is no entry.
  csr.crd.push_back(0);
  csr.values.push_back(0);
  crd16.push_back(0);
  val16.push_back(0);
  int64_t nnz = csr.pos.back();
  MemRef1D pos = view1(csr.pos.data(), int64_t(csr.pos.size()));
  MemRef1D crd =
      kernel.crd16 ? view1(crd16.data(), nnz) : view1(csr.crd.data(), nnz);
  MemRef1D val =
      kernel.bf16 ? view1(val16.data(), nnz) : view1(csr.values.data(), nnz);
  std::vector<float> c = acc;
  MemRef2D b = view2(x.data(), kernel.k, kernel.n);
  MemRef2D cv = view2(c.data(), kernel.m, kernel.n);
  if (kernel.format >= 0) {
    std::vector<uint8_t> codes = csr.codes;
    codes.push_back(0);
    MemRef1D code = view1(codes.data(), nnz);
    MemRef1D scale = view1(scales.data(), int64_t(scales.size()));
    (which == 0 ? kernel.mxFn : kernel.mxSecond)(&pos, &crd, &code, &scale, &b,
                                                 &cv);
  } else {
    (which == 0 ? kernel.fn : kernel.second)(&pos, &crd, &val, &b, &cv);
  }
  csr.crd.pop_back();
  csr.values.pop_back();
  return c;
}

} // namespace

int main(int argc, char **argv) {
  bool corrupt = argc > 1 && std::strcmp(argv[1], "--corrupt") == 0;
  const double sparsities[] = {0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0};
  int failures = 0;
  for (const SparseKernel &kernel : kKernels) {
    int m = kernel.m, k = kernel.k, n = kernel.n;
    int64_t compared = 0, entries = 0;
    bool ok = true;
    for (double sparsity : sparsities)
      for (int kind = 0; kind < 3; ++kind) {
        std::vector<float> w(size_t(m) * k), x(size_t(k) * n),
            acc(size_t(m) * n);
        for (float &v : w)
          v = randomValue(kernel.bf16);
        for (float &v : x)
          v = randomValue(false);
        for (float &v : acc)
          v = randomValue(false);
        std::vector<uint8_t> mask = makeMask(m, k, sparsity, kind);
        mx::reference::MxRows mxRows;
        const uint8_t *codes = nullptr;
        if (kernel.format >= 0) {
          auto format = static_cast<mx::ref::Format>(kernel.format);
          // Rows far below 1 (scale byte 0x00, subnormal elements) and
          // far above.
          for (int i = 0; i < m; ++i) {
            int shift = i % 7 == 3 ? -130 : i % 7 == 5 ? 40 : 0;
            for (int l = 0; l < k; ++l)
              w[size_t(i) * k + l] = std::ldexp(w[size_t(i) * k + l], shift);
          }
          mxRows = mx::reference::quantizeMaskedRows(w.data(), mask.data(), m,
                                                     k, format);
          // Bits above an FP6/FP4 code are not part of it.
          unsigned bits = mx::ref::getFormatInfo(format).bits;
          if (bits < 8)
            for (uint8_t &code : mxRows.codes)
              code |= uint8_t((next32() & 0xFF) << bits);
          w = mxRows.values;
          codes = mxRows.codes.data();
        }
        mx::reference::SegmentedCsr csr = mx::reference::packSegmentedCsr(
            w.data(), mask.data(), m, k, kernel.kTile, codes);
        entries += csr.pos.back();
        std::vector<float> expect = acc;
        mx::reference::denseMaskedMatmul(w.data(), mask.data(), x.data(),
                                         expect.data(), m, k, n);
        if (corrupt)
          expect[expect.size() / 2] =
              std::nextafter(expect[expect.size() / 2], INFINITY);
        for (int which = 0; which < (hasSecond(kernel) ? 2 : 1); ++which) {
          std::vector<float> got =
              run(kernel, which, csr, x, acc, mxRows.scales);
          for (size_t i = 0; i < got.size(); ++i, ++compared)
            if (bitsOf(got[i]) != bitsOf(expect[i])) {
              if (ok && !corrupt)
                std::printf("FAIL %s (lowering %d) sparsity %.2f mask %d "
                            "at (%zu, %zu): got %a (0x%08x), expected %a "
                            "(0x%08x)\n",
                            kernel.name, which, sparsity, kind, i / n, i % n,
                            got[i], bitsOf(got[i]), expect[i],
                            bitsOf(expect[i]));
              ok = false;
            }
        }
      }
    if (ok)
      std::printf("ok %s %lld values, %lld entries\n", kernel.name,
                  (long long)compared, (long long)entries);
    else
      ++failures;
  }
  int total = int(sizeof(kKernels) / sizeof(kKernels[0]));
  if (corrupt) {
    // Every kernel must have noticed the changed bit.
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
