//===- check_sparse.cpp - AutoSparse op lowerings vs. oracle and FD -------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Drives the kernels of gen_kernels.py (sparse_kernels.h): for every matmul
// and convolution shape, both mask modes and thresholds s in {-3200 (tau =
// 0, dense), -0.5, 0.3, 4 (98% masked)}, every op is compared BIT FOR BIT
// with the scalar oracle mx::ref (include/mx/Reference/Sparse.h). Then, per
// shape, in soft mode with weights kept away from the threshold:
//
// - central finite differences of the scalar loss L = sum c * Y (Y from the
//   compiled forward kernel, L summed in double) against the compiled
//   gradients: dL/dW = ga_grad(grad_weight(c, X), W, s, alpha = 0), dL/dX =
//   grad_input(W, c, s), dL/ds = sparse_mask_grad_threshold(W, s,
//   grad_weight(c, X)). The allowed difference is a rigorous bound computed
//   per entry: f32 rounding of the forward sums at both points (gamma_n *
//   sum |terms|, plus the rounding of w~ and tau) over the actual step, the
//   rounding of the analytic gradient, and for s the truncation error
//   h^2 / 6 * max|sigma'''| * sum |dL/dw~| (max|sigma'''| = 1/8);
// - Gradient Annealing: alpha = 0 gives STR's gradient (masked entries 0,
//   kept entries dL/dw~), alpha = 1 the dense gradient dL/dw~, bit for bit.
//
// Output: "ok <what> <values>" lines and "ALL OK"; mismatches print the
// first differences and exit 1. --corrupt (self-test) flips one bit of
// each oracle result and scales each analytic gradient by 1 + 2^-7; it
// prints "SELFTEST OK" only if every comparison reported a failure.
//
//===----------------------------------------------------------------------===//

#include "sparse_kernels.h"

#include "mx/Reference/Sparse.h"

#include "../../Inputs/check_support.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace mx::ref;

namespace {

bool gCorrupt = false;
int gChecks = 0, gFailures = 0;

struct Rng : SplitMix64 {
  using SplitMix64::SplitMix64;
  /// Uniform in [-1, 1).
  float uniform() { return float(next() >> 40) / float(1 << 23) - 1.0f; }
};

using Vec = std::vector<float>;

template <int R> MemRef<R> desc(Vec &v, const int64_t (&sizes)[R]) {
  MemRef<R> d;
  d.allocated = d.aligned = v.data();
  d.offset = 0;
  int64_t stride = 1;
  for (int i = R - 1; i >= 0; --i) {
    d.sizes[i] = sizes[i];
    d.strides[i] = stride;
    stride *= sizes[i];
  }
  return d;
}

MemRef0D desc0(float &f) { return {&f, &f, 0}; }

/// Compares `got` with the oracle's `want` bit for bit (one bit of the
/// oracle flipped under --corrupt).
void compareBits(const std::string &what, Vec want, const Vec &got) {
  ++gChecks;
  if (gCorrupt) {
    uint32_t b = bitsOf(want[0]) ^ 1;
    std::memcpy(&want[0], &b, 4);
  }
  int bad = 0;
  for (size_t i = 0; i < want.size(); ++i)
    if (bitsOf(want[i]) != bitsOf(got[i]) && bad++ < 4)
      std::printf("MISMATCH %s [%zu]: want %a got %a\n", what.c_str(), i,
                  want[i], got[i]);
  if (bad) {
    ++gFailures;
    std::printf("FAIL %s: %d of %zu differ\n", what.c_str(), bad, want.size());
  } else {
    std::printf("ok %s %zu\n", what.c_str(), want.size());
  }
}

/// One problem (a matmul or a convolution) seen through its kernels and its
/// oracle, with flat row-major buffers: weights W, input X, output Y.
struct Problem {
  std::string name;
  size_t nw, nx, ny;
  int64_t reduceFwd, reduceGin, reduceGw; // terms per sum of each kernel
  // Compiled.
  std::function<void(Vec &, Vec &, float, Vec &, bool)> fwd; // W X s Y
  std::function<void(Vec &, Vec &, float, Vec &, bool)> gin; // W dY s dX
  std::function<void(Vec &, Vec &, Vec &)> gw;               // dY X G
  std::function<void(Vec &, float, Vec &, bool)> mask;       // W s out
  std::function<void(Vec &, float, Vec &)> maskT;            // W s out
  std::function<void(Vec &, Vec &, float, float, Vec &)> ga; // G W s a out
  std::function<float(Vec &, float, Vec &)> gth;             // W s G
  std::function<float(Vec &, float, Vec &)> gthT;            // W s G
  // Oracle.
  std::function<void(const Vec &, const Vec &, float, Vec &, MaskMode)> rfwd;
  std::function<void(const Vec &, const Vec &, float, Vec &, MaskMode)> rgin;
  std::function<void(const Vec &, const Vec &, Vec &)> rgw;
};

/// Binds the kernels that read only weight-shaped operands (mask, Gradient
/// Annealing, threshold gradient), alike for matmul and convolution weights
/// `ws`.
template <typename Ref, int R>
void bindWeightKernels(Problem &p, const KernelSet<Ref> &f,
                       const int64_t (&ws)[R]) {
  p.mask = [=](Vec &w, float s, Vec &o, bool hard) {
    auto a = desc(w, ws), c = desc(o, ws);
    (hard ? f.maskHard : f.maskSoft)(&a, s, &c);
  };
  p.maskT = [=](Vec &w, float s, Vec &o) {
    auto a = desc(w, ws), c = desc(o, ws);
    MemRef0D sd = desc0(s);
    f.maskSoftT(&a, &sd, &c);
  };
  p.ga = [=](Vec &g, Vec &w, float s, float alpha, Vec &o) {
    auto a = desc(g, ws), b = desc(w, ws), c = desc(o, ws);
    f.ga(&a, &b, s, alpha, &c);
  };
  p.gth = [=](Vec &w, float s, Vec &g) {
    auto a = desc(w, ws), b = desc(g, ws);
    return f.gth(&a, s, &b);
  };
  p.gthT = [=](Vec &w, float s, Vec &g) {
    auto a = desc(w, ws), b = desc(g, ws);
    float out = 0;
    MemRef0D sd = desc0(s), od = desc0(out);
    f.gthT(&a, &sd, &b, &od);
    return out;
  };
}

Problem makeMatmul(const MatmulKernels &k) {
  Problem p;
  int64_t m = k.m, kk = k.k, n = k.n;
  p.name = "mm_" + std::to_string(m) + "x" + std::to_string(kk) + "x" +
           std::to_string(n);
  p.nw = m * kk, p.nx = kk * n, p.ny = m * n;
  p.reduceFwd = kk, p.reduceGin = m, p.reduceGw = n;
  const KernelSet<MemRef2D> f = k.fns;
  int64_t ws[2] = {m, kk}, xs[2] = {kk, n}, ys[2] = {m, n};
  p.fwd = [=](Vec &w, Vec &x, float s, Vec &y, bool hard) {
    auto a = desc(w, ws), b = desc(x, xs), c = desc(y, ys);
    (hard ? f.fwdHard : f.fwdSoft)(&a, &b, s, &c);
  };
  p.gin = [=](Vec &w, Vec &dy, float s, Vec &dx, bool hard) {
    auto a = desc(w, ws), b = desc(dy, ys), c = desc(dx, xs);
    (hard ? f.ginHard : f.ginSoft)(&a, &b, s, &c);
  };
  p.gw = [=](Vec &dy, Vec &x, Vec &g) {
    auto a = desc(dy, ys), b = desc(x, xs), c = desc(g, ws);
    f.gw(&a, &b, &c);
  };
  bindWeightKernels(p, f, ws);
  p.rfwd = [=](const Vec &w, const Vec &x, float s, Vec &y, MaskMode md) {
    maskedMatmul(w.data(), x.data(), m, kk, n, s, md, y.data());
  };
  p.rgin = [=](const Vec &w, const Vec &dy, float s, Vec &dx, MaskMode md) {
    maskedMatmulGradInput(w.data(), dy.data(), m, kk, n, s, md, dx.data());
  };
  p.rgw = [=](const Vec &dy, const Vec &x, Vec &g) {
    maskedMatmulGradWeight(dy.data(), x.data(), m, kk, n, g.data());
  };
  return p;
}

Problem makeConv(const ConvKernels &k) {
  Problem p;
  const int64_t *d = k.dims;
  Conv2DShape sh{d[0], d[1], d[2], d[3], d[4], d[5], d[6]};
  sh.strideH = d[7], sh.strideW = d[8], sh.padH = d[9], sh.padW = d[10];
  sh.dilationH = d[11], sh.dilationW = d[12];
  int64_t oh = sh.outH(), ow = sh.outW();
  p.name = "conv_" + std::to_string(sh.n) + "x" + std::to_string(sh.c) + "x" +
           std::to_string(sh.h) + "x" + std::to_string(sh.w) + "_" +
           std::to_string(sh.f) + "x" + std::to_string(sh.kh) + "x" +
           std::to_string(sh.kw) + "_s" + std::to_string(sh.strideH) +
           std::to_string(sh.strideW) + "p" + std::to_string(sh.padH) +
           std::to_string(sh.padW) + "d" + std::to_string(sh.dilationH) +
           std::to_string(sh.dilationW);
  p.nw = sh.f * sh.c * sh.kh * sh.kw, p.nx = sh.n * sh.c * sh.h * sh.w;
  p.ny = sh.n * sh.f * oh * ow;
  p.reduceFwd = sh.c * sh.kh * sh.kw, p.reduceGin = sh.f * sh.kh * sh.kw;
  p.reduceGw = sh.n * oh * ow;
  const KernelSet<MemRef4D> f = k.fns;
  int64_t ws[4] = {sh.f, sh.c, sh.kh, sh.kw}, xs[4] = {sh.n, sh.c, sh.h, sh.w},
          ys[4] = {sh.n, sh.f, oh, ow};
  p.fwd = [=](Vec &w, Vec &x, float s, Vec &y, bool hard) {
    auto a = desc(x, xs), b = desc(w, ws), c = desc(y, ys);
    (hard ? f.fwdHard : f.fwdSoft)(&a, &b, s, &c);
  };
  p.gin = [=](Vec &w, Vec &dy, float s, Vec &dx, bool hard) {
    auto a = desc(dy, ys), b = desc(w, ws), c = desc(dx, xs);
    (hard ? f.ginHard : f.ginSoft)(&a, &b, s, &c);
  };
  p.gw = [=](Vec &dy, Vec &x, Vec &g) {
    auto a = desc(x, xs), b = desc(dy, ys), c = desc(g, ws);
    f.gw(&a, &b, &c);
  };
  bindWeightKernels(p, f, ws);
  p.rfwd = [=](const Vec &w, const Vec &x, float s, Vec &y, MaskMode md) {
    maskedConv2D(x.data(), w.data(), sh, s, md, y.data());
  };
  p.rgin = [=](const Vec &w, const Vec &dy, float s, Vec &dx, MaskMode md) {
    maskedConv2DGradInput(dy.data(), w.data(), sh, s, md, dx.data());
  };
  p.rgw = [=](const Vec &dy, const Vec &x, Vec &g) {
    maskedConv2DGradWeight(x.data(), dy.data(), sh, g.data());
  };
  return p;
}

Vec randomVec(Rng &rng, size_t n) {
  Vec v(n);
  for (float &x : v)
    x = rng.uniform();
  return v;
}

/// Every op against the oracle, bit for bit.
void checkBits(Problem &p, Rng &rng) {
  for (float s : {-3200.0f, -0.5f, 0.3f, 4.0f}) {
    Vec w = randomVec(rng, p.nw), x = randomVec(rng, p.nx),
        dy = randomVec(rng, p.ny), g = randomVec(rng, p.nw);
    w[0] = 0.0f; // an exact zero is masked even at tau = 0
    std::string tag = p.name + " s=" + std::to_string(int(s * 10));
    for (bool hard : {false, true}) {
      MaskMode md = hard ? MaskMode::Hard : MaskMode::Soft;
      std::string mt = hard ? " hard" : " soft";
      Vec y(p.ny), ry(p.ny), dx(p.nx), rdx(p.nx), wt(p.nw), rwt(p.nw);
      p.fwd(w, x, s, y, hard);
      p.rfwd(w, x, s, ry, md);
      compareBits("fwd" + mt + " " + tag, ry, y);
      p.gin(w, dy, s, dx, hard);
      p.rgin(w, dy, s, rdx, md);
      compareBits("grad_input" + mt + " " + tag, rdx, dx);
      p.mask(w, s, wt, hard);
      sparseMask(w.data(), p.nw, s, md, rwt.data());
      compareBits("sparse_mask" + mt + " " + tag, rwt, wt);
    }
    Vec wt(p.nw), rwt(p.nw);
    p.maskT(w, s, wt);
    sparseMask(w.data(), p.nw, s, MaskMode::Soft, rwt.data());
    compareBits("sparse_mask tensor<f32> " + tag, rwt, wt);
    Vec gw(p.nw), rgw(p.nw);
    p.gw(dy, x, gw);
    p.rgw(dy, x, rgw);
    compareBits("grad_weight " + tag, rgw, gw);
    for (float alpha : {0.0f, 0.3f, 1.0f}) {
      Vec o(p.nw), ro(p.nw);
      p.ga(g, w, s, alpha, o);
      gaGrad(g.data(), w.data(), p.nw, s, alpha, ro.data());
      compareBits("ga_grad a=" + std::to_string(alpha).substr(0, 3) + " " + tag,
                  ro, o);
    }
    float r = sparseMaskGradThreshold(w.data(), g.data(), p.nw, s);
    compareBits("grad_threshold " + tag, Vec{r}, Vec{p.gth(w, s, g)});
    compareBits("grad_threshold tensor<f32> " + tag, Vec{r},
                Vec{p.gthT(w, s, g)});
  }
}

/// Gradient Annealing limits, checked without the oracle.
void checkAnnealing(Problem &p, Rng &rng) {
  float s = -0.5f;
  float tau = 1.0f / (1.0f + std::exp(0.5f));
  Vec w = randomVec(rng, p.nw), g = randomVec(rng, p.nw);
  Vec a0(p.nw), a1(p.nw);
  p.ga(g, w, s, 0.0f, a0);
  p.ga(g, w, s, 1.0f, a1);
  if (gCorrupt)
    a1[0] = -a1[0];
  int bad = 0;
  size_t masked = 0;
  for (size_t i = 0; i < p.nw; ++i) {
    bool kept = std::fabs(w[i]) > tau;
    masked += !kept;
    // alpha = 0: STR (kept entries pass, masked entries are zero).
    if (kept ? bitsOf(a0[i]) != bitsOf(g[i]) : a0[i] != 0.0f)
      ++bad;
    // alpha = 1: the dense gradient.
    if (bitsOf(a1[i]) != bitsOf(g[i]))
      ++bad;
  }
  ++gChecks;
  if (bad) {
    ++gFailures;
    std::printf("FAIL ga limits %s: %d\n", p.name.c_str(), bad);
  } else {
    std::printf("ok ga alpha=0 is STR, alpha=1 is dense %s %zu masked of %zu\n",
                p.name.c_str(), masked, p.nw);
  }
}

constexpr double kU = 1.0 / (1 << 24); // unit roundoff of f32

double gamma(int64_t n) { return n * kU / (1 - n * kU); }

/// Central differences of L = sum c * Y against the compiled gradients.
void checkFiniteDifferences(Problem &p, Rng &rng) {
  const float s = -0.5f, h = 0.1f, margin = 0.12f;
  const float tau = sparseThreshold(s);
  Vec w = randomVec(rng, p.nw), x = randomVec(rng, p.nx),
      c = randomVec(rng, p.ny);
  // Weights away from the kink |w| = tau (the loss is piecewise linear in
  // w, and tau moves by < margin over s +- h).
  for (float &v : w)
    while (std::fabs(std::fabs(v) - tau) < margin)
      v = rng.uniform();

  auto forward = [&](Vec &wv, Vec &xv, float sv) {
    Vec y(p.ny);
    p.fwd(wv, xv, sv, y, false);
    return y;
  };

  // Analytic gradients from the compiled ops.
  Vec gwt(p.nw), dw(p.nw), dx(p.nx);
  p.gw(c, x, gwt);
  p.ga(gwt, w, s, 0.0f, dw);
  p.gin(w, c, s, dx, false);
  float ds = p.gth(w, s, gwt);

  // Rounding bounds, via the oracle on magnitudes (hard mode at s = -3200
  // keeps every non-zero weight as is).
  Vec absX(p.nx), absC(p.ny), absWt(p.nw), errWt(p.nw), keptOnes(p.nw);
  for (size_t i = 0; i < p.nx; ++i)
    absX[i] = std::fabs(x[i]);
  for (size_t i = 0; i < p.ny; ++i)
    absC[i] = std::fabs(c[i]);
  for (size_t i = 0; i < p.nw; ++i) {
    bool kept = std::fabs(w[i]) > tau;
    absWt[i] = kept ? std::fabs(w[i]) - tau : 0.0f;
    // w~ rounding (one subtract) and tau's (exp, add, divide: 4 ulp).
    errWt[i] = kept ? float(kU * absWt[i] + 4 * kU * tau) : 0.0f;
    keptOnes[i] = kept ? 1.0f : 0.0f;
  }
  Vec termsY(p.ny), errY(p.ny), keptX(p.ny);
  p.rfwd(absWt, absX, -3200.0f, termsY, MaskMode::Hard);
  p.rfwd(errWt, absX, -3200.0f, errY, MaskMode::Hard);
  p.rfwd(keptOnes, absX, -3200.0f, keptX, MaskMode::Hard);
  // L(+) - L(-) = sum c (Y+ - Y-) in double; outputs the step does not
  // reach are bit-identical on both sides and cancel exactly, so only the
  // rounding of the outputs that changed counts (1.01: the bound at w +- h).
  double truncS = 0;
  for (size_t i = 0; i < p.ny; ++i)
    truncS += absC[i] * keptX[i];
  auto lossDifference = [&](const Vec &yp, const Vec &ym, double &err) {
    double diff = 0;
    err = 0;
    for (size_t i = 0; i < p.ny; ++i) {
      if (bitsOf(yp[i]) == bitsOf(ym[i]))
        continue;
      diff += double(c[i]) * (double(yp[i]) - double(ym[i]));
      err += 2 * 1.01 * absC[i] *
             (gamma(p.reduceFwd + 2) * termsY[i] + 1.01 * errY[i]);
    }
    return diff;
  };
  Vec termsGw(p.nw), termsGin(p.nx), errGin(p.nx);
  p.rgw(absC, absX, termsGw);
  p.rgin(absWt, absC, -3200.0f, termsGin, MaskMode::Hard);
  p.rgin(errWt, absC, -3200.0f, errGin, MaskMode::Hard);

  if (gCorrupt) {
    float f = 1.0f + 1.0f / 128;
    for (float &v : dw)
      v *= f;
    for (float &v : dx)
      v *= f;
    ds *= f;
  }

  double worst = 0;
  int bad = 0, count = 0;
  auto check = [&](const char *what, size_t i, double fd, double g,
                   double bound) {
    ++count;
    double diff = std::fabs(fd - g);
    worst = std::max(worst, diff / bound);
    if (diff > bound && bad++ < 4)
      std::printf("FD MISMATCH %s %s[%zu]: fd %.9g analytic %.9g bound %.3g\n",
                  p.name.c_str(), what, i, fd, g, bound);
  };

  // W: kept and masked entries (masked: both sides masked, so 0).
  for (int t = 0; t < 12; ++t) {
    size_t i = rng.next() % p.nw;
    Vec wp = w, wm = w;
    wp[i] = w[i] + h;
    wm[i] = w[i] - h;
    double step = double(wp[i]) - double(wm[i]), err;
    double fd =
        lossDifference(forward(wp, x, s), forward(wm, x, s), err) / step;
    double bound =
        err / step + gamma(p.reduceGw + 1) * termsGw[i] * 1.01 + 1e-30;
    check("W", i, fd, dw[i], bound);
  }
  // X.
  for (int t = 0; t < 8; ++t) {
    size_t i = rng.next() % p.nx;
    Vec xp = x, xm = x;
    xp[i] = x[i] + h;
    xm[i] = x[i] - h;
    double step = double(xp[i]) - double(xm[i]), err;
    double fd =
        lossDifference(forward(w, xp, s), forward(w, xm, s), err) / step;
    double bound = err / step + gamma(p.reduceGin + 1) * termsGin[i] +
                   1.01 * errGin[i] + 1e-30;
    check("X", i, fd, dx[i], bound);
  }
  // s: smooth (tau(s) moves less than the margin).
  {
    float sp = s + h, sm = s - h;
    double step = double(sp) - double(sm), err;
    double fd =
        lossDifference(forward(w, x, sp), forward(w, x, sm), err) / step;
    double slope = double(tau) * (1 - tau);
    double sumG = 0, errG = 0;
    for (size_t i = 0; i < p.nw; ++i)
      if (keptOnes[i] != 0) {
        sumG += std::fabs(gwt[i]);
        errG += gamma(p.reduceGw + 1) * termsGw[i];
      }
    double bound = err / step +
                   slope * (gamma(int64_t(p.nw) + 1) * sumG + errG) * 1.01 +
                   10 * kU * std::fabs(ds) +
                   (step / 2) * (step / 2) / 6 * 0.125 * truncS + 1e-30;
    check("s", 0, fd, ds, bound);
  }
  ++gChecks;
  if (bad) {
    ++gFailures;
    std::printf("FAIL finite differences %s: %d of %d\n", p.name.c_str(), bad,
                count);
  } else {
    std::printf("ok finite differences %s %d (max |fd - g| / bound %.3f)\n",
                p.name.c_str(), count, worst);
  }
}

} // namespace

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--corrupt")
      gCorrupt = true;
  // tau(-3200) is exactly 0 (STR's initial value keeps every non-zero
  // weight unchanged).
  if (sparseThreshold(-3200.0f) != 0.0f) {
    std::printf("FAIL sigmoid(-3200) = %a\n", sparseThreshold(-3200.0f));
    return 1;
  }
  Rng rng(7);
  std::vector<Problem> problems;
  for (const MatmulKernels &k : kMatmuls)
    problems.push_back(makeMatmul(k));
  for (const ConvKernels &k : kConvs)
    problems.push_back(makeConv(k));
  for (Problem &p : problems) {
    checkBits(p, rng);
    checkAnnealing(p, rng);
    checkFiniteDifferences(p, rng);
  }
  if (gCorrupt) {
    if (gFailures == gChecks) {
      std::printf("SELFTEST OK %d\n", gChecks);
      return 0;
    }
    std::printf("SELFTEST FAILED: %d of %d checks noticed\n", gFailures,
                gChecks);
    return 1;
  }
  if (gFailures) {
    std::printf("%d of %d checks FAILED\n", gFailures, gChecks);
    return 1;
  }
  std::printf("ALL OK %d\n", gChecks);
  return 0;
}
