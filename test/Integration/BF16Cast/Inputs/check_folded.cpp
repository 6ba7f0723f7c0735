//===- check_folded.cpp - folded mx.cast constants vs. the kernels --------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// For every policy of gen_folded.py, compares the constant that the
// compiler folded (folded_<tag>) with what the lowered kernel computes from
// the same inputs at run time (runtime_<tag>), bit for bit, on every input:
// f32 -> bf16 on every upper half with the low halves of NARROW_LOWS, and
// bf16 -> f32 on all 65,536 patterns.
//
// Output: "ok <tag> <values>" per policy, then "ALL OK"; on a mismatch the
// first differences and exit status 1. --corrupt flips one bit of every
// folded result and prints "SELFTEST OK" only if every policy reports it.
//
//===----------------------------------------------------------------------===//

#include "../../Inputs/check_support.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

extern "C" {
#define POLICY(tag)                                                            \
  void _mlir_ciface_folded_##tag(void *);                                      \
  void _mlir_ciface_runtime_##tag(void *, void *);
POLICY(rne)
POLICY(rne_ftz)
POLICY(rtz)
POLICY(rtz_ftz)
POLICY(ext)
POLICY(ext_ftz)
#undef POLICY
}

namespace {

// Must match gen_folded.py.
constexpr uint32_t kNarrowLows[] = {0x0000, 0x0001, 0x7FFF,
                                    0x8000, 0x8001, 0xFFFF};

struct Policy {
  const char *tag;
  bool narrowing;
  void (*folded)(void *);
  void (*runtime)(void *, void *);
};

#define POLICY(tag, narrowing)                                                 \
  { #tag, narrowing, &_mlir_ciface_folded_##tag, &_mlir_ciface_runtime_##tag }
const Policy kPolicies[] = {POLICY(rne, true),  POLICY(rne_ftz, true),
                            POLICY(rtz, true),  POLICY(rtz_ftz, true),
                            POLICY(ext, false), POLICY(ext_ftz, false)};
#undef POLICY

template <typename T> Desc<1> describe(std::vector<T> &v) {
  return {v.data(), v.data(), 0, {static_cast<int64_t>(v.size())}, {1}};
}

/// Runs one policy; returns the number of mismatches.
template <typename In, typename Out>
size_t check(const Policy &p, std::vector<In> input, bool corrupt) {
  std::vector<Out> folded(input.size()), runtime(input.size());
  Desc<1> in = describe(input), out = describe(runtime),
          constant = describe(folded);
  p.runtime(&in, &out);
  p.folded(&constant);
  if (corrupt)
    folded[input.size() / 3] ^= 1;
  size_t bad = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    if (folded[i] == runtime[i])
      continue;
    if (++bad <= 5)
      std::printf("%s: input 0x%08x: folded 0x%08x, run time 0x%08x\n", p.tag,
                  static_cast<uint32_t>(input[i]),
                  static_cast<uint32_t>(folded[i]),
                  static_cast<uint32_t>(runtime[i]));
  }
  if (!bad)
    std::printf("ok %s %zu\n", p.tag, input.size());
  return bad;
}

} // namespace

int main(int argc, char **argv) {
  bool corrupt = argc > 1 && std::strcmp(argv[1], "--corrupt") == 0;
  std::vector<uint32_t> narrow;
  for (uint32_t hi = 0; hi < (1u << 16); ++hi)
    for (uint32_t lo : kNarrowLows)
      narrow.push_back(hi << 16 | lo);
  std::vector<uint16_t> widen;
  for (uint32_t b = 0; b < (1u << 16); ++b)
    widen.push_back(static_cast<uint16_t>(b));

  int failed = 0;
  for (const Policy &p : kPolicies) {
    size_t bad = p.narrowing ? check<uint32_t, uint16_t>(p, narrow, corrupt)
                             : check<uint16_t, uint32_t>(p, widen, corrupt);
    failed += bad != 0;
  }
  if (corrupt) {
    bool all = failed == static_cast<int>(std::size(kPolicies));
    std::printf(all ? "SELFTEST OK\n" : "SELFTEST FAILED\n");
    return all ? 0 : 1;
  }
  if (failed)
    return 1;
  std::printf("ALL OK\n");
  return 0;
}
