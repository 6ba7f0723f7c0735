//===- check_network.cpp - mx-quantize'd network vs its FP32 original -----===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Runs the FP32 network of gen_network.py (conv 3x3 -> relu -> matmul with a
// constant weight) compiled as is (net_f32) and after mx-quantize (net_mx:
// MXFP8 E4M3 activations, MXFP4 E2M1 weights, blocks of 32; the conv
// through im2col, K = 72 padded to 96; the constant weight quantized at
// compile time, K = 16 padded to 32), and checks, per output element:
//
// 1. tight: each MX layer equals the FP64 product of the operands as
//    mx::ref quantizes them (the relu output of the MX network for layer 2)
//    to within its f32 accumulation error, (B + K/B + 1) u sum |a b|
//    (u = 2^-24, floating-point pair order of mx.matmul);
// 2. the stated bound against the FP32 network, propagated through both
//    layers from the rounding rules:
//      |Q(v) - v| <= d(v) = X * max(1/2 ulp_elem(v / X), v / X - maxNormal)
//    (X = the block's FLOOR scale; INT8: X * max(1/128, v / X - 127/64)),
//    layer 1:  |r_mx - r| <= E1 = sum_k (dx |w| + |x| dw + dx dw)
//                           + g_mx sum (|x| + dx)(|w| + dw) + g_32 sum |x w|
//    layer 2:  |y_mx - y| <= sum_j (d(r_mx) + E1) |Q(w2)| + |r| dw2
//                           + g_mx sum (|r_mx| + d) |Q(w2)| + g_32 sum |r w2|
//    with g_mx = 1.01 (B + K/B + 1) u and g_32 = 1.01 (K + 1) u (relu is
//    1-Lipschitz). Every d(v) is also checked against the actual error.
//
// Prints the worst |diff| / bound of each check and the relative error of
// the MX network; --corrupt moves one output to 1.5 times its stated bound
// away from the FP32 value and expects the check to catch it.
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/MxFormats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "net_w2.h"

using mx::ref::Format;

template <int Rank> struct MemRef {
  void *allocated, *aligned;
  int64_t offset, sizes[Rank], strides[Rank];
};
using NetFn = void (*)(MemRef<4> *, MemRef<4> *, MemRef<4> *, MemRef<2> *);
extern "C" void _mlir_ciface_net_f32(MemRef<4> *, MemRef<4> *, MemRef<4> *,
                                     MemRef<2> *);
extern "C" void _mlir_ciface_net_mx(MemRef<4> *, MemRef<4> *, MemRef<4> *,
                                    MemRef<2> *);

namespace {

template <int Rank>
MemRef<Rank> ref(float *data, const int64_t (&shape)[Rank]) {
  MemRef<Rank> m{data, data, 0, {}, {}};
  int64_t stride = 1;
  for (int d = Rank - 1; d >= 0; --d) {
    m.sizes[d] = shape[d];
    m.strides[d] = stride;
    stride *= shape[d];
  }
  return m;
}

constexpr double kU = 1.0 / (1 << 24);
constexpr int kBlock = 32;

/// A row-major matrix of doubles.
struct Matrix {
  int rows, cols;
  std::vector<double> v;
  Matrix(int r, int c) : rows(r), cols(c), v(size_t(r) * c, 0.0) {}
  double &at(int r, int c) { return v[size_t(r) * cols + c]; }
  double at(int r, int c) const { return v[size_t(r) * cols + c]; }
};

/// The per-element quantization bound d(v) of the file comment.
double quantBound(double v, float amax, Format f) {
  const mx::ref::FormatInfo &info = mx::ref::getFormatInfo(f);
  uint32_t bits;
  std::memcpy(&bits, &amax, 4);
  int se = int((bits >> 23) & 0xFF) - 127 - info.emax;
  se = std::max(-127, std::min(127, se));
  double x = std::ldexp(1.0, se);
  double y = std::fabs(v) / x;
  if (f == Format::Int8)
    return std::max(1.0 / 128, y - 127.0 / 64) * x;
  if (y > info.maxNormal)
    return (y - info.maxNormal) * x;
  if (y == 0)
    return 0;
  int e;
  std::frexp(y, &e);
  e = std::max(e - 1, info.emin);
  return std::ldexp(0.5, e - int(info.mantissaBits)) * x;
}

/// `m` quantized with blocks along `axis` (dequantized values) and the
/// per-element bounds d(v); checks |Q(v) - v| <= d(v).
struct Quantized {
  Matrix q, bound;
  bool ok = true;
};
Quantized quantize(const Matrix &m, int axis, Format f) {
  std::vector<float> in(m.v.begin(), m.v.end());
  std::vector<int64_t> shape = {m.rows, m.cols};
  std::vector<uint8_t> elements(mx::ref::tensorElementBytes(shape, axis, f));
  std::vector<uint8_t> scales(mx::ref::tensorScaleBytes(shape, axis, kBlock));
  mx::ref::quantizeTensor(in.data(), shape, axis, kBlock, f,
                          mx::ref::ScaleRule::Floor, false, elements.data(),
                          scales.data());
  std::vector<float> out(in.size());
  mx::ref::dequantizeTensor(elements.data(), scales.data(), shape, axis, kBlock,
                            f, out.data());
  Quantized result{Matrix(m.rows, m.cols), Matrix(m.rows, m.cols)};
  for (int r = 0; r < m.rows; ++r)
    for (int c = 0; c < m.cols; ++c) {
      int r0 = axis == 0 ? r / kBlock * kBlock : r;
      int c0 = axis == 1 ? c / kBlock * kBlock : c;
      float amax = 0;
      for (int i = 0; i < kBlock; ++i)
        amax = std::max(amax,
                        std::fabs(in[size_t(axis == 0 ? r0 + i : r) * m.cols +
                                     (axis == 1 ? c0 + i : c)]));
      result.q.at(r, c) = out[size_t(r) * m.cols + c];
      result.bound.at(r, c) = quantBound(m.at(r, c), amax, f);
      if (std::fabs(result.q.at(r, c) - m.at(r, c)) > result.bound.at(r, c))
        result.ok = false;
    }
  return result;
}

struct Worst {
  const char *name;
  double ratio = 0;
  long failures = 0;
  void check(double diff, double bound) {
    ratio = std::max(ratio, diff / bound);
    if (!(diff <= bound))
      ++failures;
  }
  void print() const {
    std::printf("%s: worst |diff|/bound %.3g, %ld over\n", name, ratio,
                failures);
  }
};

} // namespace

int main(int argc, char **argv) {
  bool corrupt = argc > 1 && std::strcmp(argv[1], "--corrupt") == 0;
  // Inputs: magnitudes over four binades, both signs.
  uint64_t state = 0x853C49E6748FEA9Bull;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return double(state >> 11) / double(1ull << 53);
  };
  std::vector<float> x(10 * 10 * 8), f(3 * 3 * 8 * 16);
  for (float &v : x)
    v = float((next() - 0.5) * std::ldexp(1.0, int(next() * 4)));
  for (float &v : f)
    v = float((next() - 0.5) * 0.5);
  std::vector<float> rF32(64 * 16), yF32(64 * 10), rMx(64 * 16), yMx(64 * 10);
  auto run = [&](NetFn fn, std::vector<float> &r, std::vector<float> &y) {
    MemRef<4> mx = ref<4>(x.data(), {1, 10, 10, 8});
    MemRef<4> mf = ref<4>(f.data(), {3, 3, 8, 16});
    MemRef<4> mr = ref<4>(r.data(), {1, 8, 8, 16});
    MemRef<2> my = ref<2>(y.data(), {64, 10});
    fn(&mx, &mf, &mr, &my);
  };
  run(_mlir_ciface_net_f32, rF32, yF32);
  run(_mlir_ciface_net_mx, rMx, yMx);

  // Layer 1 as a matrix product: patches [64, 72 -> 96] x filter [96, 16].
  const int k1 = 72, k1p = 96, k2 = 16, k2p = 32;
  Matrix patches(64, k1p), filter(k1p, 16);
  for (int oy = 0; oy < 8; ++oy)
    for (int ox = 0; ox < 8; ++ox)
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 3; ++kx)
          for (int c = 0; c < 8; ++c)
            patches.at(oy * 8 + ox, (ky * 3 + kx) * 8 + c) =
                x[((oy + ky) * 10 + ox + kx) * 8 + c];
  for (int k = 0; k < k1; ++k)
    for (int j = 0; j < 16; ++j)
      filter.at(k, j) = f[k * 16 + j];
  Quantized px = quantize(patches, 1, Format::E4M3);
  Quantized pw = quantize(filter, 0, Format::E2M1);
  double gMx1 = 1.01 * (kBlock + k1p / kBlock + 1) * kU;
  double g32 = 1.01 * (k1 + 1) * kU;
  Worst tight1{"layer 1 vs oracle"}, stated1{"layer 1 vs FP32"};
  Matrix e1(64, 16);
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 16; ++j) {
      double oracle = 0, oracleMag = 0, exact = 0, exactMag = 0, e = 0,
             inflated = 0;
      for (int k = 0; k < k1p; ++k) {
        double a = patches.at(i, k), w = filter.at(k, j);
        double da = px.bound.at(i, k), dw = pw.bound.at(k, j);
        oracle += px.q.at(i, k) * pw.q.at(k, j);
        oracleMag += std::fabs(px.q.at(i, k) * pw.q.at(k, j));
        exact += a * w;
        exactMag += std::fabs(a * w);
        e += da * std::fabs(w) + std::fabs(a) * dw + da * dw;
        inflated += (std::fabs(a) + da) * (std::fabs(w) + dw);
      }
      e1.at(i, j) = e + gMx1 * inflated + g32 * exactMag;
      double got = rMx[i * 16 + j];
      tight1.check(std::fabs(got - std::max(oracle, 0.0)), gMx1 * oracleMag);
      stated1.check(std::fabs(got - rF32[i * 16 + j]), e1.at(i, j));
    }

  // Layer 2: r [64, 16 -> 32] x w2 [32, 10].
  Matrix r(64, k2p), w2(k2p, 10);
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < k2; ++j)
      r.at(i, j) = rMx[i * 16 + j];
  for (int k = 0; k < k2; ++k)
    for (int j = 0; j < 10; ++j)
      w2.at(k, j) = kW2[k][j];
  Quantized qr = quantize(r, 1, Format::E4M3);
  Quantized qw = quantize(w2, 0, Format::E2M1);
  double gMx2 = 1.01 * (kBlock + k2p / kBlock + 1) * kU;
  double g32b = 1.01 * (k2 + 1) * kU;
  Worst tight2{"layer 2 vs oracle"}, stated2{"layer 2 vs FP32"};
  double worstRel = 0, largest = 0;
  for (float v : yF32)
    largest = std::max(largest, double(std::fabs(v)));
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 10; ++j) {
      double oracle = 0, oracleMag = 0, bound = 0, inflated = 0, mag32 = 0;
      for (int k = 0; k < k2p; ++k) {
        double q = qr.q.at(i, k), w = qw.q.at(k, j);
        oracle += q * w;
        oracleMag += std::fabs(q * w);
        if (k < k2) {
          double rf = rF32[i * 16 + k];
          bound += (qr.bound.at(i, k) + e1.at(i, k)) * std::fabs(w) +
                   std::fabs(rf) * qw.bound.at(k, j);
          inflated +=
              (std::fabs(r.at(i, k)) + qr.bound.at(i, k)) * std::fabs(w);
          mag32 += std::fabs(rf * w2.at(k, j));
        }
      }
      bound += gMx2 * inflated + g32b * mag32;
      double got = yMx[i * 10 + j];
      // --corrupt: one output just outside its stated bound.
      if (corrupt && i == 0 && j == 5)
        got = yF32[5] + 1.5 * bound;
      tight2.check(std::fabs(got - oracle), gMx2 * oracleMag);
      stated2.check(std::fabs(got - yF32[i * 10 + j]), bound);
      worstRel = std::max(worstRel, std::fabs(got - yF32[i * 10 + j]));
    }
  bool quantOk = px.ok && pw.ok && qr.ok && qw.ok;
  std::printf("quantization bounds d(v) hold: %s\n", quantOk ? "yes" : "NO");
  for (const Worst *w : {&tight1, &stated1, &tight2, &stated2})
    w->print();
  std::printf("max |y_mx - y_f32| / max |y_f32| = %.3g\n", worstRel / largest);
  bool ok = quantOk && !tight1.failures && !stated1.failures &&
            !tight2.failures && !stated2.failures;
  if (corrupt) {
    std::printf(stated2.failures ? "SELFTEST OK\n" : "SELFTEST FAILED\n");
    return stated2.failures ? 0 : 1;
  }
  std::printf(ok ? "ALL OK\n" : "FAILED\n");
  return ok ? 0 : 1;
}
