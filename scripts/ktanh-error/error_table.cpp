//===- error_table.cpp - K-TanH and MLIR polynomial tanh errors -----------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Prints, for x in [-5, 5] (step 2^-9), the absolute error against tanh in
// double precision of the compiled benchmark kernels (KTanhKernels-host.o
// from build/tools/mx-bench): K-TanH bf16 (x rounded to bf16 first), K-TanH
// f32 mantissa(full) and mantissa(bf16), and MLIR's polynomial tanh (f32).
// Columns: x, err_ktanh_bf16, err_ktanh_f32_full, err_ktanh_f32_bf16m,
// err_poly_f32. Used by scripts/plot-ktanh-error.sh.
//
//===----------------------------------------------------------------------===//

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

struct MemRef1D {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
};

extern "C" {
void _mlir_ciface_k_tanh_f32(MemRef1D *, MemRef1D *);
void _mlir_ciface_k_tanh_f32_bf16m(MemRef1D *, MemRef1D *);
void _mlir_ciface_k_tanh_bf16(MemRef1D *, MemRef1D *);
void _mlir_ciface_poly_tanh_f32(MemRef1D *, MemRef1D *);
}

template <typename T>
std::vector<T> apply(void (*fn)(MemRef1D *, MemRef1D *), std::vector<T> in) {
  std::vector<T> out(in.size());
  MemRef1D x{in.data(), in.data(), 0, {int64_t(in.size())}, {1}};
  MemRef1D y{out.data(), out.data(), 0, {int64_t(out.size())}, {1}};
  fn(&x, &y);
  return out;
}

int main() {
  std::vector<float> xs;
  for (int i = -5 * 512; i <= 5 * 512; ++i)
    xs.push_back(std::ldexp(static_cast<float>(i), -9));
  while (xs.size() % 64)
    xs.push_back(0.0f);
  std::vector<uint16_t> hs;
  for (float x : xs) {
    uint32_t b;
    std::memcpy(&b, &x, 4);
    hs.push_back(static_cast<uint16_t>((b + 0x7FFF + ((b >> 16) & 1)) >> 16));
  }
  std::vector<float> full = apply(_mlir_ciface_k_tanh_f32, xs);
  std::vector<float> bf16m = apply(_mlir_ciface_k_tanh_f32_bf16m, xs);
  std::vector<float> poly = apply(_mlir_ciface_poly_tanh_f32, xs);
  std::vector<uint16_t> bf = apply(_mlir_ciface_k_tanh_bf16, hs);
  auto widen = [](uint16_t h) {
    uint32_t b = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &b, 4);
    return f;
  };
  std::printf("# x err_ktanh_bf16 err_ktanh_f32_full err_ktanh_f32_bf16m "
              "err_poly_f32\n");
  for (int i = 0; i <= 10 * 512; ++i) {
    double x = xs[i], xb = widen(hs[i]);
    std::printf("%.6f %.6e %.6e %.6e %.6e\n", x,
                std::fabs(widen(bf[i]) - std::tanh(xb)),
                std::fabs(full[i] - std::tanh(x)),
                std::fabs(bf16m[i] - std::tanh(x)),
                std::fabs(poly[i] - std::tanh(x)));
  }
}
