//===- Word2VecPeer.h - a hand-written HogBatch step ------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_TOOLS_MX_BENCH_WORD2VECPEER_H
#define MX_TOOLS_MX_BENCH_WORD2VECPEER_H

#include <cstdint>

namespace mx::bench {

/// One HogBatch SGNS update written by hand for speed (see the .cpp); dim at
/// most 512, nctx and nout at most 32.
void handWrittenWord2VecStep(float *wih, float *woh, int64_t dim,
                             const int32_t *ctx, int64_t nctx,
                             const int32_t *out, const float *meta,
                             int64_t nout, float alpha);

} // namespace mx::bench

#endif // MX_TOOLS_MX_BENCH_WORD2VECPEER_H
