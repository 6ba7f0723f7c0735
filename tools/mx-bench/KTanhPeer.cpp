//===- KTanhPeer.cpp - peers of the K-TanH benchmarks ---------------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// tanh, sigmoid, swish and GELU (tanh form) over buffers with two peers:
//   glibc:  tanhf in a plain loop (scalar libm);
//   sleef:  SLEEF's AVX-512 Sleef_tanhf16_u35avx512f, 16 lanes at a time
//           (without AVX-512 at build time it falls back to glibc).
// bf16 buffers are widened exactly, computed in f32 and rounded back to
// nearest even. Compiled for the build host (-O3 -march=native). GELU is
// evaluated as mx.kgelu is, 0.5 (x + |x| tanh(|u|)) with
// |u| = |x| (c0 + c1 x^2), so that both do the same arithmetic around the
// tanh.
//
//===----------------------------------------------------------------------===//

#include "KTanhPeer.h"

#include <cmath>
#include <cstring>

#if defined(__AVX512F__)
#include <immintrin.h>
#include <sleef.h>
#define MX_HAVE_SLEEF 1
#endif

namespace mx::bench {

namespace {

float widen(uint16_t h) {
  uint32_t b = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

uint16_t narrow(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  if ((b & 0x7FFFFFFF) > 0x7F800000)
    return static_cast<uint16_t>((b >> 16) | 0x40);
  return static_cast<uint16_t>((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
}

constexpr float kC0 = 0.7978845608f;             // sqrt(2 / pi)
constexpr float kC1 = 0.7978845608f * 0.044715f; // sqrt(2 / pi) 0.044715

float scalar(Function fn, float x) {
  switch (fn) {
  case Function::Tanh:
    return tanhf(x);
  case Function::Sigmoid:
    return 0.5f * tanhf(0.5f * x) + 0.5f;
  case Function::Swish:
    return x * (0.5f * tanhf(0.5f * x) + 0.5f);
  case Function::Gelu: {
    float a = std::fabs(x);
    return 0.5f * std::fmaf(a, tanhf(a * std::fmaf(a * a, kC1, kC0)), x);
  }
  }
  return x;
}

#ifdef MX_HAVE_SLEEF
__m512 vector(Function fn, __m512 x) {
  const __m512 half = _mm512_set1_ps(0.5f);
  switch (fn) {
  case Function::Tanh:
    return Sleef_tanhf16_u35avx512f(x);
  case Function::Sigmoid:
    return _mm512_fmadd_ps(
        Sleef_tanhf16_u35avx512f(_mm512_mul_ps(x, half)), half, half);
  case Function::Swish:
    return _mm512_mul_ps(
        x, _mm512_fmadd_ps(Sleef_tanhf16_u35avx512f(_mm512_mul_ps(x, half)),
                           half, half));
  case Function::Gelu: {
    __m512 a = _mm512_abs_ps(x);
    __m512 p = _mm512_fmadd_ps(_mm512_mul_ps(a, a), _mm512_set1_ps(kC1),
                               _mm512_set1_ps(kC0));
    __m512 t = Sleef_tanhf16_u35avx512f(_mm512_mul_ps(a, p));
    return _mm512_mul_ps(_mm512_fmadd_ps(a, t, x), half);
  }
  }
  return x;
}

/// bf16 <-> f32 on 16 lanes, the same rounding as narrow().
__m512 widen16(const uint16_t *p) {
  __m512i h = _mm512_cvtepu16_epi32(
      _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
}

void narrow16(uint16_t *p, __m512 v) {
  __m512i b = _mm512_castps_si512(v);
  __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(1));
  __m512i rounded = _mm512_srli_epi32(
      _mm512_add_epi32(b, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7FFF))),
      16);
  __mmask16 nan = _mm512_cmpgt_epu32_mask(
      _mm512_and_si512(b, _mm512_set1_epi32(0x7FFFFFFF)),
      _mm512_set1_epi32(0x7F800000));
  __m512i quiet =
      _mm512_or_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(0x40));
  rounded = _mm512_mask_mov_epi32(rounded, nan, quiet);
  _mm256_storeu_si256(reinterpret_cast<__m256i *>(p),
                      _mm512_cvtepi32_epi16(rounded));
}
#endif

} // namespace

bool haveSleef() {
#ifdef MX_HAVE_SLEEF
  return true;
#else
  return false;
#endif
}

void glibcF32(Function fn, const float *x, float *y, size_t n) {
  for (size_t i = 0; i < n; ++i)
    y[i] = scalar(fn, x[i]);
}

void glibcBF16(Function fn, const uint16_t *x, uint16_t *y, size_t n) {
  for (size_t i = 0; i < n; ++i)
    y[i] = narrow(scalar(fn, widen(x[i])));
}

void sleefF32(Function fn, const float *x, float *y, size_t n) {
#ifdef MX_HAVE_SLEEF
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, vector(fn, _mm512_loadu_ps(x + i)));
  glibcF32(fn, x + i, y + i, n - i);
#else
  glibcF32(fn, x, y, n);
#endif
}

void sleefBF16(Function fn, const uint16_t *x, uint16_t *y, size_t n) {
#ifdef MX_HAVE_SLEEF
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    narrow16(y + i, vector(fn, widen16(x + i)));
  glibcBF16(fn, x + i, y + i, n - i);
#else
  glibcBF16(fn, x, y, n);
#endif
}

} // namespace mx::bench
