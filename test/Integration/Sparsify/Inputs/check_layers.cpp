//===- check_layers.cpp - sparsified layers vs the dense masked lowering --===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// Runs each mx.masked_matmul layer of gen_layers.py twice: as mx-opt
// lowered it directly (the dense masked reference lowering) and after
// mx-sparsify turned it into mx.sparse_matmul on constant CSR arrays, on the
// same random inputs (values 2^-6 .. 2^6, so that any change of summation
// order changes bits), and requires identical bits. `--corrupt` changes
// one bit of the reference and expects every layer to fail.
//
//===----------------------------------------------------------------------===//

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

struct MemRef2D {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};
typedef void (*LayerFn)(MemRef2D *, MemRef2D *);
struct Layer {
  const char *name;
  int m, k, n;
  LayerFn reference, sparse;
};

#include "layers.h"

int main(int argc, char **argv) {
  bool corrupt = argc > 1 && std::strcmp(argv[1], "--corrupt") == 0;
  uint64_t state = 0xD1B54A32D192ED03ull;
  auto uniform = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33) / 2147483648.0;
  };
  int failures = 0, total = 0;
  for (const Layer &layer : kLayers) {
    ++total;
    std::vector<float> x(size_t(layer.k) * layer.n);
    for (float &v : x)
      v = float((2 * uniform() - 1) * std::ldexp(1.0, int(uniform() * 13) - 6));
    std::vector<float> expect(size_t(layer.m) * layer.n, -1.0f),
        got(expect.size(), -2.0f);
    MemRef2D xv = {x.data(), x.data(), 0, {layer.k, layer.n}, {layer.n, 1}};
    MemRef2D ev = {
        expect.data(), expect.data(), 0, {layer.m, layer.n}, {layer.n, 1}};
    MemRef2D gv = {got.data(), got.data(), 0, {layer.m, layer.n}, {layer.n, 1}};
    layer.reference(&xv, &ev);
    layer.sparse(&xv, &gv);
    if (corrupt)
      expect[expect.size() / 2] =
          std::nextafter(expect[expect.size() / 2], INFINITY);
    size_t bad = 0;
    for (size_t i = 0; i < got.size(); ++i)
      bad += std::memcmp(&got[i], &expect[i], 4) != 0;
    if (bad) {
      ++failures;
      if (!corrupt)
        std::printf("FAIL %s: %zu of %zu values differ\n", layer.name, bad,
                    got.size());
    } else {
      std::printf("ok %s %zu values\n", layer.name, got.size());
    }
  }
  if (corrupt) {
    std::printf(failures == total ? "SELFTEST OK\n" : "SELFTEST FAILED\n");
    return failures == total ? 0 : 1;
  }
  if (failures)
    return 1;
  std::printf("ALL OK %d layers\n", total);
  return 0;
}
