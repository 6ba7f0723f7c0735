//===- check_conv.cpp - mx-bf16 convolutions vs the documented order ------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Runs the two convolutions of gen_conv.py after mx-bf16 (im2col patches
// times the filter as one bf16 mx.matmul; NCHW: one per image) and compares
// every output bit for bit with a scalar computation of what that means:
// inputs and filter rounded to bf16 (RNE, computed here), then per output
// the accumulator plus the products in mx.matmul's documented order over
// the im2col K index (pairs, the odd element first; an odd K's last
// element alone; one f32 rounding per addition). Also checks the FP64
// bound (K + 1) 2^-24 (sum |x w| + |c|) on the same rounded operands.
// Prints "ok <conv> <outputs>" and "ALL OK"; --corrupt flips one expected
// bit per convolution and must report both.
//
//===----------------------------------------------------------------------===//

#include "../../Inputs/check_support.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "conv.h"

extern "C" {
void _mlir_ciface_conv_nhwc(Desc<4> *x, Desc<4> *y);
void _mlir_ciface_conv_nchw(Desc<4> *x, Desc<4> *w, Desc<4> *y);
}

namespace {

/// f32 -> bf16 -> f32, round to nearest even (finite inputs).
float roundBF16(float v) {
  uint32_t b = bitsOf(v);
  b = (b + 0x7FFF + ((b >> 16) & 1)) & 0xFFFF0000u;
  return floatOf(b);
}

Desc<4> describe(std::vector<float> &data, const int *shape) {
  Desc<4> d{data.data(), data.data(), 0, {}, {}};
  int64_t stride = 1;
  for (int i = 3; i >= 0; --i) {
    d.sizes[i] = shape[i];
    d.strides[i] = stride;
    stride *= shape[i];
  }
  return d;
}

/// acc + sum a[q] b[q] over q < k in mx.matmul's documented order.
float orderedDot(float acc, const std::vector<float> &a,
                 const std::vector<float> &b) {
  volatile float sum = acc;
  size_t k = a.size();
  for (size_t p = 0; p + 1 < k; p += 2) {
    sum = sum + a[p + 1] * b[p + 1];
    sum = sum + a[p] * b[p];
  }
  if (k % 2)
    sum = sum + a[k - 1] * b[k - 1];
  return sum;
}

struct Checker {
  const char *name;
  bool corrupt;
  long outputs = 0, bad = 0;

  void check(float got, float acc, const std::vector<float> &a,
             const std::vector<float> &b) {
    float want = orderedDot(acc, a, b);
    if (corrupt && outputs == 7)
      want = floatOf(bitsOf(want) ^ 1);
    double exact = acc, magnitude = 0;
    for (size_t q = 0; q < a.size(); ++q) {
      exact += double(a[q]) * b[q];
      magnitude += std::fabs(double(a[q]) * b[q]);
    }
    double bound =
        (a.size() + 1) * std::ldexp(1.0, -24) * (magnitude + std::fabs(acc));
    if (bitsOf(got) != bitsOf(want) || std::fabs(got - exact) > bound) {
      if (++bad <= 5)
        std::printf("%s: output %ld: got %a want %a exact %a\n", name, outputs,
                    got, want, exact);
    }
    ++outputs;
  }

  bool report() const {
    if (bad) {
      std::printf("%s: %ld of %ld outputs wrong\n", name, bad, outputs);
      return false;
    }
    std::printf("ok %s %ld\n", name, outputs);
    return true;
  }
};

} // namespace

int main(int argc, char **argv) {
  bool corrupt = argc > 1 && std::strcmp(argv[1], "--corrupt") == 0;
  SplitMix64 rng{0x5EED};
  auto uniform = [&](float lo, float hi) {
    return lo + (hi - lo) * float(rng.next() >> 40) / float(1 << 24);
  };
  auto count = [](const int *shape) {
    return size_t(shape[0]) * shape[1] * shape[2] * shape[3];
  };
  int good = 0;

  {
    // NHWC, constant filter [KH][KW][C][F], stride 1, C = conv.
    const int *in = kNhwcIn, *fl = kNhwcFilter, *out = kNhwcOut;
    std::vector<float> x(count(in)), y(count(out), std::nanf(""));
    for (float &v : x)
      v = uniform(-2, 2);
    Desc<4> xd = describe(x, in), yd = describe(y, out);
    _mlir_ciface_conv_nhwc(&xd, &yd);
    int kh = fl[0], kw = fl[1], c = fl[2], f = fl[3];
    Checker checker{"conv_nhwc", corrupt};
    for (int img = 0; img < out[0]; ++img)
      for (int oy = 0; oy < out[1]; ++oy)
        for (int ox = 0; ox < out[2]; ++ox)
          for (int o = 0; o < f; ++o) {
            std::vector<float> a, b; // K order (ky, kx, ch)
            for (int ky = 0; ky < kh; ++ky)
              for (int kx = 0; kx < kw; ++kx)
                for (int ch = 0; ch < c; ++ch) {
                  a.push_back(roundBF16(
                      x[((size_t(img) * in[1] + oy + ky) * in[2] + ox + kx) *
                            in[3] +
                        ch]));
                  b.push_back(roundBF16(floatOf(
                      kNhwcFilterBits[((ky * kw + kx) * c + ch) * f + o])));
                }
            size_t at = ((size_t(img) * out[1] + oy) * out[2] + ox) * f + o;
            checker.check(y[at], 0.0f, a, b);
          }
    good += checker.report();
  }
  {
    // NCHW, filter [F][C][KH][KW] at run time, stride 2, dilation (1, 2),
    // accumulating into C.
    const int *in = kNchwIn, *fl = kNchwFilter, *out = kNchwOut;
    std::vector<float> x(count(in)), w(count(fl)), y(count(out));
    for (float &v : x)
      v = uniform(-2, 2);
    for (float &v : w)
      v = uniform(-2, 2);
    for (float &v : y)
      v = uniform(-8, 8);
    std::vector<float> acc = y;
    Desc<4> xd = describe(x, in), wd = describe(w, fl), yd = describe(y, out);
    _mlir_ciface_conv_nchw(&xd, &wd, &yd);
    int f = fl[0], c = fl[1], kh = fl[2], kw = fl[3];
    const int sh = 2, sw = 2, dh = 1, dw = 2;
    Checker checker{"conv_nchw", corrupt};
    for (int img = 0; img < out[0]; ++img)
      for (int o = 0; o < f; ++o)
        for (int oy = 0; oy < out[2]; ++oy)
          for (int ox = 0; ox < out[3]; ++ox) {
            std::vector<float> a, b; // K order (ch, ky, kx)
            for (int ch = 0; ch < c; ++ch)
              for (int ky = 0; ky < kh; ++ky)
                for (int kx = 0; kx < kw; ++kx) {
                  a.push_back(
                      roundBF16(w[((size_t(o) * c + ch) * kh + ky) * kw + kx]));
                  int iy = oy * sh + ky * dh, ix = ox * sw + kx * dw;
                  b.push_back(roundBF16(
                      x[((size_t(img) * c + ch) * in[2] + iy) * in[3] + ix]));
                }
            size_t at = ((size_t(img) * f + o) * out[2] + oy) * out[3] + ox;
            checker.check(y[at], acc[at], a, b);
          }
    good += checker.report();
  }
  if (corrupt) {
    std::printf(good == 0 ? "SELFTEST OK\n" : "SELFTEST FAILED\n");
    return good == 0 ? 0 : 1;
  }
  if (good != 2)
    return 1;
  std::printf("ALL OK\n");
  return 0;
}
