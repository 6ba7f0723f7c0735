//===- check_network.cpp - mx-bf16 result vs the FP32 network -----------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Runs the same two-layer network compiled as FP32 (net_f32) and after
// mx-bf16 (net_bf16) on random data, and checks every output against a bound
// derived from the BF16 unit roundoff u = 2^-8 (inputs and weights rounded
// once each, f32 accumulation in both):
//   layer 1: e1 = (2u + u^2 + 2 K1 2^-24) sum |x| |w1|    (relu: 1-Lipschitz)
//   layer 2: e2 = sum |w2| (e1 + (2u + u^2) (|h| + e1)) + 2 K2 2^-24 sum |w2| (|h| + e1)
// It also requires the two results to differ somewhere (the pass did run).
//
//===----------------------------------------------------------------------===//

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

struct MemRef2D {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};
extern "C" void _mlir_ciface_net_f32(MemRef2D *, MemRef2D *, MemRef2D *,
                                     MemRef2D *);
extern "C" void _mlir_ciface_net_bf16(MemRef2D *, MemRef2D *, MemRef2D *,
                                      MemRef2D *);

constexpr int B = 8, I = 64, H = 32, O = 16;

static MemRef2D view(float *data, int rows, int cols) {
  return {data, data, 0, {rows, cols}, {cols, 1}};
}

int main() {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto uniform = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return double(state >> 11) / double(1ull << 53) * 2.0 - 1.0;
  };
  const double u = std::ldexp(1.0, -8), f32u = std::ldexp(1.0, -24);
  double worst = 0;
  int failures = 0, differing = 0;
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<float> x(B * I), w1(I * H), w2(H * O), y32(B * O), y16(B * O);
    for (float &v : x)
      v = float(uniform() * 4);
    for (float &v : w1)
      v = float(uniform() / 4);
    for (float &v : w2)
      v = float(uniform() / 4);
    MemRef2D mx = view(x.data(), B, I), m1 = view(w1.data(), I, H),
             m2 = view(w2.data(), H, O);
    MemRef2D m32 = view(y32.data(), B, O), m16 = view(y16.data(), B, O);
    _mlir_ciface_net_f32(&mx, &m1, &m2, &m32);
    _mlir_ciface_net_bf16(&mx, &m1, &m2, &m16);
    for (int b = 0; b < B; ++b) {
      std::vector<double> h(H), e1(H);
      for (int j = 0; j < H; ++j) {
        double sum = 0, magnitude = 0;
        for (int k = 0; k < I; ++k) {
          sum += double(x[b * I + k]) * w1[k * H + j];
          magnitude += std::fabs(double(x[b * I + k]) * w1[k * H + j]);
        }
        h[j] = sum > 0 ? sum : 0;
        e1[j] = (2 * u + u * u + 2 * I * f32u) * magnitude;
      }
      for (int o = 0; o < O; ++o) {
        double bound = 0, accumulation = 0;
        for (int j = 0; j < H; ++j) {
          double w = std::fabs(double(w2[j * O + o]));
          bound += w * (e1[j] + (2 * u + u * u) * (h[j] + e1[j]));
          accumulation += w * (h[j] + e1[j]);
        }
        bound += 2 * H * f32u * accumulation;
        double diff = std::fabs(double(y16[b * O + o]) - y32[b * O + o]);
        if (diff != 0)
          ++differing;
        if (bound > 0 && diff / bound > worst)
          worst = diff / bound;
        if (diff > bound && failures++ < 10)
          std::printf("OUT OF BOUND trial %d [%d,%d]: bf16 %g f32 %g diff %g "
                      "bound %g\n",
                      trial, b, o, y16[b * O + o], y32[b * O + o], diff,
                      bound);
      }
    }
  }
  std::printf("worst diff/bound %.3f, %d outputs differ\n", worst, differing);
  if (failures || differing == 0) {
    std::printf("FAILED\n");
    return 1;
  }
  std::printf("ALL OK\n");
  return 0;
}
