//===- KTanh.h - Scalar reference for K-TanH and its derivatives -*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Independent scalar reference ("oracle") for `mx.ktanh`, `mx.ksigmoid`,
// `mx.kswish` and `mx.kgelu`. Plain C++17; depends on nothing of LLVM or
// MLIR and shares no code with the compiler: the parameter table is typed in
// here from reference/ktanh.md, the algorithm is written the way the paper
// states it (fields, float compares, `(Mi >> rt) + bt`), not with the packed
// 16-bit table and integer compares the lowerings use, so the two check
// each other.
//
// K-TanH (Kundu et al., arXiv 1909.07729), for x = (s, E, M):
//   1. NaN: a quiet NaN with the input's sign and payload (f32: bits |
//      0x00400000, bf16: bits | 0x0040).
//   2. |x| < 0.25: x itself (zeros, subnormals and -0 included).
//   3. |x| > 3.75: +-1 with the sign of x (+-Inf included).
//   4. Otherwise (both thresholds inclusive): t = (E & 3) << 3 | M[22:20],
//      (Et, rt, bt) = table[t], and the result is
//        bf16 mantissa: s | Et << 23 | ((M[22:16] >> rt) + bt) << 16
//        full mantissa: s | Et << 23 | ((M >> rt) + (bt << 16))
//      (f32; a bf16 input is its f32 widening and always uses the bf16
//      mantissa). The bracketed sums stay in [0, 2^7) and [0, 2^23): no
//      carry ever reaches the exponent.
//
// Derived activations, evaluated in f32 in exactly this order, every
// operation rounded to nearest even with no fused multiply-add (the lowerings
// emit the same sequence), then, for bf16, rounded once to bf16 (RNE):
//   sigmoid(x) = ktanh(x * 0.5) * 0.5 + 0.5
//   swish(x)   = x * sigmoid(x)
//   gelu(x)    = (x * 0.5) * (1 + ktanh((x + (x * x * x) * 0.044715)
//                                        * 0.7978845608))
// (x * x * x is (x * x) * x; 0.044715 and 0.7978845608 = sqrt(2/pi) are the
// nearest floats.) NaN gives the quiet input NaN (as above) and -Inf gives
// -0 for swish and gelu (instead of -Inf * 0); every other special value
// follows from the formulas: sigmoid(+-Inf) = 1 and 0, swish(+Inf) =
// gelu(+Inf) = +Inf, gelu(x) = x exactly and gelu(-x) = -0 once the inner
// tanh saturates. bf16 variants compute in f32 with the bf16-mantissa K-TanH.
//
//===----------------------------------------------------------------------===//

#ifndef MX_REFERENCE_KTANH_H
#define MX_REFERENCE_KTANH_H

#include <cstdint>

namespace mx {
namespace ref {

/// One entry of the K-TanH parameter table: result exponent, right shift of
/// the input mantissa, signed bias added to it.
struct KTanhParams {
  int et;
  int rt;
  int bt;
};

/// The 32-entry table of reference/ktanh.md section 1, indexed by t.
const KTanhParams &getKTanhParams(unsigned t);

/// Which input mantissa bits an f32 K-TanH reads in its table region.
enum class KTanhMantissa {
  BF16, ///< The 7 bits a bf16 would keep; the table result is a bf16 value.
  Full  ///< All 23 bits.
};

/// The four functions, on bit patterns.
enum class KActivation { Tanh, Sigmoid, Swish, Gelu };

uint32_t ktanhF32(uint32_t x, KTanhMantissa mantissa);
uint16_t ktanhBF16(uint16_t x);

/// `kind` of an f32 (bits) with `mantissa` for its inner K-TanH.
uint32_t kactivationF32(KActivation kind, uint32_t x, KTanhMantissa mantissa);
/// `kind` of a bf16 (bits): f32 evaluation, bf16-mantissa K-TanH, one RNE.
uint16_t kactivationBF16(KActivation kind, uint16_t x);

/// Float conveniences.
float ktanh(float x, KTanhMantissa mantissa = KTanhMantissa::Full);
float kactivation(KActivation kind, float x,
                  KTanhMantissa mantissa = KTanhMantissa::Full);

/// The exact (double precision) function the approximation stands for:
/// tanh, 1 / (1 + exp(-x)), x * sigmoid(x), and the tanh form of GELU.
double exactActivation(KActivation kind, double x);

} // namespace ref
} // namespace mx

#endif // MX_REFERENCE_KTANH_H
