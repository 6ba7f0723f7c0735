//===- Word2VecStep.cpp - Scalar reference for the HogBatch SGNS step -----===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// See Word2VecStep.h for the update and the bounds. Derivation of the bounds
// (standard floating-point error analysis, Higham ch. 3): any order of
// summation of n products, with or without fused multiply-adds, computes
// sum p_i with an error of at most gamma(n) sum |p_i|; two such results
// differ by at most twice that. sigma is 1/4-Lipschitz; its float
// evaluation (expf within 1 ulp, one add, one divide) is within 4u of the
// real function, so two evaluations at nearby points differ by at most
// |dx| / 4 + 8u, and two at the same point not at all (the same libm expf
// is called). The products ((l - s) alpha) meta add three roundings on
// each side. A sum of products with perturbed factors g + dg moves by at
// most sum |dg| |x| before its own rounding errors. Two correctly rounded
// additions of values that differ by e differ by at most e + ulp(max).
//
//===----------------------------------------------------------------------===//

#include "mx/Reference/Word2VecStep.h"
#include "mx/Reference/BF16.h"
#include "mx/Reference/KTanh.h"
#include "mx/Reference/MxFormats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

using namespace mx::ref;

namespace {

constexpr double kUnit = 0x1p-24;
constexpr float kMaxExp = 6.0f;

double gamma(int64_t n) { return n * kUnit / (1.0 - n * kUnit); }

/// The spacing of floats (or bf16 with `mantissaBits` = 7) at magnitude x.
double ulp(double x, int mantissaBits = 23) {
  x = std::fabs(x);
  if (x < 0x1p-126)
    return std::ldexp(1.0, -126 - mantissaBits);
  int e;
  std::frexp(x, &e);
  return std::ldexp(1.0, e - 1 - mantissaBits);
}

float roundToBF16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  uint32_t rounded = bf16ToF32(
      f32ToBF16(bits, BF16Rounding::NearestEven, BF16Denormals::Preserve),
      BF16Denormals::Preserve);
  float result;
  std::memcpy(&result, &rounded, sizeof(result));
  return result;
}

/// True if sum_i a[i] b[i] (stride `bStride` in b) is computed exactly by
/// every summation order: every product exact in f32, all of them multiples
/// of one power of two q, and sum |p| <= 2^24 q.
bool isExactDot(const float *a, const float *b, int64_t n) {
  int minExponent = 1 << 20;
  double sumAbs = 0;
  for (int64_t i = 0; i < n; ++i) {
    double product = double(a[i]) * double(b[i]);
    if (product == 0)
      continue;
    if (double(float(product)) != product)
      return false;
    // The lowest set bit of the product's significand.
    int e;
    double m = std::frexp(std::fabs(product), &e);
    uint64_t significand = uint64_t(std::ldexp(m, 53));
    int low = 0;
    while (!(significand & 1)) {
      significand >>= 1;
      ++low;
    }
    minExponent = std::min(minExponent, e - 53 + low);
    sumAbs += std::fabs(product);
  }
  return sumAbs == 0 || sumAbs <= std::ldexp(1.0, 24 + minExponent);
}

} // namespace

float mx::ref::word2vecSigmoid(float x, Word2VecSigmoid kind) {
  if (x > kMaxExp)
    return 1.0f;
  if (x < -kMaxExp)
    return 0.0f;
  if (kind == Word2VecSigmoid::KTanh)
    return kactivation(KActivation::Sigmoid, x, KTanhMantissa::Full);
  return 1.0f / (1.0f + std::exp(-x));
}

namespace {

/// The MX element format of an MX precision.
Format mxFormat(Word2VecPrecision precision) {
  switch (precision) {
  case Word2VecPrecision::MXFP8:
    return Format::E4M3;
  case Word2VecPrecision::MXFP6:
    return Format::E2M3;
  case Word2VecPrecision::MXFP4:
    return Format::E2M1;
  default:
    return Format::Int8;
  }
}

constexpr int64_t kMxBlock = 32;

/// `x` (rows x cols, row-major) as a GEMM operand under `precision`: as is
/// (FP32), rounded to bf16 (BF16), or quantized to MX in blocks of 32 along
/// `axis` (0: down a column, 1: along a row) from index 0, zero-padded to a
/// whole block, FLOOR scales, and dequantized.
std::vector<float> gemmOperand(const float *x, int64_t rows, int64_t cols,
                               int axis, Word2VecPrecision precision) {
  std::vector<float> result(x, x + rows * cols);
  if (precision == Word2VecPrecision::BF16) {
    for (float &v : result)
      v = roundToBF16(v);
    return result;
  }
  if (precision == Word2VecPrecision::FP32)
    return result;
  Format format = mxFormat(precision);
  int64_t lines = axis == 1 ? rows : cols;
  int64_t length = axis == 1 ? cols : rows;
  int64_t padded = (length + kMxBlock - 1) / kMxBlock * kMxBlock;
  std::vector<float> line(padded), dequantized(padded);
  std::vector<uint8_t> codes(kMxBlock);
  for (int64_t l = 0; l < lines; ++l) {
    auto at = [&](int64_t k) -> float & {
      return axis == 1 ? result[l * cols + k] : result[k * cols + l];
    };
    std::fill(line.begin(), line.end(), 0.0f);
    for (int64_t k = 0; k < length; ++k)
      line[k] = at(k);
    for (int64_t block = 0; block < padded; block += kMxBlock) {
      uint8_t scale = quantizeBlock(&line[block], kMxBlock, format,
                                    ScaleRule::Floor, false, codes.data());
      dequantizeBlock(codes.data(), kMxBlock, format, scale,
                      &dequantized[block]);
    }
    for (int64_t k = 0; k < length; ++k)
      at(k) = dequantized[k];
  }
  return result;
}

} // namespace

void mx::ref::word2vecStep(const Word2VecStepOptions &options, float *wih,
                           float *woh, const int64_t *ctx, int64_t nctx,
                           const int64_t *out, const float *meta, int64_t nout,
                           float alpha, double *wihBound, double *wohBound) {
  const int64_t dim = options.dim;
  const Word2VecPrecision precision = options.precision;
  const bool fp32 = precision == Word2VecPrecision::FP32;
  const bool bf16 = precision == Word2VecPrecision::BF16;
  const bool mx = !fp32 && !bf16;
  const bool bounds = wihBound && wohBound;
  // Terms of a sum of n products: MX adds one rounding per block.
  auto terms = [&](int64_t n) {
    return mx ? n + (n + kMxBlock - 1) / kMxBlock : n;
  };

  // 1. Gather.
  std::vector<float> inM(nctx * dim), outM(nout * dim);
  for (int64_t b = 0; b < nctx; ++b)
    for (int64_t d = 0; d < dim; ++d)
      inM[b * dim + d] = wih[ctx[b] * dim + d];
  for (int64_t o = 0; o < nout; ++o)
    for (int64_t d = 0; d < dim; ++d)
      outM[o * dim + d] = woh[out[o] * dim + d];

  // 2-3. Scores (operands blocked along d) and the sigmoid step.
  std::vector<float> outM1, inM1;
  if (!fp32) {
    outM1 = gemmOperand(outM.data(), nout, dim, 1, precision);
    inM1 = gemmOperand(inM.data(), nctx, dim, 1, precision);
  }
  const float *a1 = fp32 ? outM.data() : outM1.data();
  const float *b1 = fp32 ? inM.data() : inM1.data();
  std::vector<float> g(nout * nctx);
  std::vector<double> gBound(bounds ? nout * nctx : 0);
  for (int64_t o = 0; o < nout; ++o) {
    for (int64_t b = 0; b < nctx; ++b) {
      const float *x = &a1[o * dim];
      const float *y = &b1[b * dim];
      float corr = 0.0f;
      for (int64_t d = 0; d < dim; ++d)
        corr += x[d] * y[d];
      const float label = o == 0 ? 1.0f : 0.0f;
      const float s = word2vecSigmoid(corr, options.sigmoid);
      const float value = ((label - s) * alpha) * meta[o];
      g[o * nctx + b] = value;
      if (!bounds)
        continue;
      double sumAbs = 0;
      for (int64_t d = 0; d < dim; ++d)
        sumAbs += std::fabs(double(x[d]) * double(y[d]));
      double dCorr =
          isExactDot(x, y, dim) ? 0.0 : 2 * gamma(terms(dim)) * sumAbs;
      double dSigma;
      if (dCorr == 0) {
        // The same function of the same float: K-TanH is bit-exact by
        // definition, expf is the same libm function on both sides.
        dSigma = 0;
      } else if (options.sigmoid == Word2VecSigmoid::KTanh) {
        dSigma = dCorr / 2 + 0x1p-8;
      } else {
        dSigma = dCorr / 4 + 8 * kUnit;
        if (std::fabs(std::fabs(corr) - kMaxExp) <= dCorr)
          dSigma += 1.0 - 1.0 / (1.0 + std::exp(-double(kMaxExp)));
      }
      // The same operations on the same sigma give the same g.
      double dG = dSigma == 0 ? 0.0
                              : (dSigma * alpha * std::fabs(meta[o]) +
                                 6 * kUnit * std::fabs(value)) *
                                    (1 + 8 * kUnit);
      // Rounding g for the next products may go either way once g differs:
      // one bf16 ulp; MX block scales may change too, so no bound at all.
      if (bf16 && dG > 0)
        dG += ulp(std::fabs(value) + dG, 7);
      if (mx && dG > 0)
        dG = INFINITY;
      gBound[o * nctx + b] = dG;
    }
  }

  // 4-5. Gradients, from the gathered (pre-update) rows:
  //   outMd = g * inM (blocked along b), inMd = g^T * outM (blocked along o).
  std::vector<float> g2, inM2, g3, outM3;
  if (!fp32) {
    g2 = gemmOperand(g.data(), nout, nctx, 1, precision);
    inM2 = gemmOperand(inM.data(), nctx, dim, 0, precision);
    g3 = gemmOperand(g.data(), nout, nctx, 0, precision);
    outM3 = gemmOperand(outM.data(), nout, dim, 0, precision);
  }
  const float *a2 = fp32 ? g.data() : g2.data();
  const float *b2 = fp32 ? inM.data() : inM2.data();
  const float *a3 = fp32 ? g.data() : g3.data();
  const float *b3 = fp32 ? outM.data() : outM3.data();
  // Both products have the shape out (rows x dim) = A B with
  // A(r, t) = a[r * aRow + t * aDepth] (a view of g, nout x nctx) and
  // B(t, d) = x[t * dim + d]; sums run over t in increasing order.
  struct Product {
    const float *a;
    int64_t aRow, aDepth;
    const float *x;
    int64_t rows, depth;
  };
  const Product outMdProduct{a2, nctx, 1, b2, nout, nctx};
  const Product inMdProduct{a3, 1, nctx, b3, nctx, nout};
  auto multiply = [&](const Product &p, std::vector<float> &out) {
    for (int64_t r = 0; r < p.rows; ++r)
      for (int64_t d = 0; d < dim; ++d) {
        float sum = 0.0f;
        for (int64_t t = 0; t < p.depth; ++t)
          sum += p.a[r * p.aRow + t * p.aDepth] * p.x[t * dim + d];
        out[r * dim + d] = sum;
      }
  };
  std::vector<float> outMd(nout * dim, 0.0f), inMd(nctx * dim, 0.0f);
  multiply(outMdProduct, outMd);
  multiply(inMdProduct, inMd);

  // Their bounds: sum_k dg |x| + 2 gamma(n) sum_k (|g| + dg) |x|.
  std::vector<double> outMdBound(bounds ? nout * dim : 0),
      inMdBound(bounds ? nctx * dim : 0);
  if (bounds) {
    auto accumulate = [&](double gValue, double dg, float x,
                          double &perturbation, double &magnitude) {
      if (x == 0)
        return; // exactly 0 on both sides, whatever g is
      perturbation += dg == 0 ? 0.0 : dg * std::fabs(x);
      magnitude += (std::fabs(gValue) + dg) * std::fabs(x);
    };
    // g's bound has the layout of g: the same index as the A operand.
    auto bound = [&](const Product &p, std::vector<double> &out) {
      for (int64_t r = 0; r < p.rows; ++r)
        for (int64_t d = 0; d < dim; ++d) {
          double perturbation = 0, magnitude = 0;
          for (int64_t t = 0; t < p.depth; ++t) {
            int64_t at = r * p.aRow + t * p.aDepth;
            accumulate(p.a[at], gBound[at], p.x[t * dim + d], perturbation,
                       magnitude);
          }
          out[r * dim + d] =
              perturbation + 2 * gamma(terms(p.depth)) * magnitude;
        }
    };
    bound(outMdProduct, outMdBound);
    bound(inMdProduct, inMdBound);
  }

  // 6. Scatter-add, in order, so repeated rows get every update.
  auto update = [&](float *table, double *tableBound, int64_t row,
                    const float *grad, const double *gradBound) {
    for (int64_t d = 0; d < dim; ++d) {
      float &w = table[row * dim + d];
      w += grad[d];
      if (!bounds)
        continue;
      double &bound = tableBound[row * dim + d];
      double spread = bound + gradBound[d];
      bound = spread == 0 ? 0.0 : spread + ulp(std::fabs(w) + spread);
    }
  };
  for (int64_t b = 0; b < nctx; ++b)
    update(wih, wihBound, ctx[b], &inMd[b * dim],
           bounds ? &inMdBound[b * dim] : nullptr);
  for (int64_t o = 0; o < nout; ++o)
    update(woh, wohBound, out[o], &outMd[o * dim],
           bounds ? &outMdBound[o * dim] : nullptr);
}
