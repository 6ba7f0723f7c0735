//===- CastPeer.cpp - plain C++ f32 <-> bf16 loops (benchmark peer) ------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The peer of BM_Cast: what a C++ programmer would write for mx.cast's
// default policy (rne, denormals preserved, quiet NaN with sign and
// truncated payload) and for the widening, as plain loops. CMake compiles
// this file alone with -O3 -march=native, so clang vectorizes the loops for
// the build host; the benchmark reports the compiled kernels' speed relative
// to these loops (`x_cpp`).
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstring>

namespace mx::bench {

void castF32ToBF16Loop(const float *__restrict in, uint16_t *__restrict out,
                       long n) {
  for (long i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &in[i], sizeof(bits));
    uint32_t rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
    bool isNaN = (bits & 0x7FFFFFFFu) > 0x7F800000u;
    out[i] =
        static_cast<uint16_t>(isNaN ? (bits >> 16) | 0x40u : rounded >> 16);
  }
}

void castBF16ToF32Loop(const uint16_t *__restrict in, float *__restrict out,
                       long n) {
  for (long i = 0; i < n; ++i) {
    uint32_t bits = static_cast<uint32_t>(in[i]) << 16;
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u)
      bits |= 0x00400000u;
    std::memcpy(&out[i], &bits, sizeof(bits));
  }
}

} // namespace mx::bench
