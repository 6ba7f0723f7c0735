//===- Word2VecStepABI.h - C interface of the compiled step -----*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The memref descriptors (docs/abi.md) and the entry point type of the
// word2vec step that mx-compile builds (include/mx/Models/Word2Vec.h), for
// the C++ code that calls it: the trainer, mx-compile --run and the tests.
// Plain C++: no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef MX_RUNTIME_WORD2VECSTEPABI_H
#define MX_RUNTIME_WORD2VECSTEPABI_H

#include <cstdint>

namespace mx::rt::w2v {

/// MLIR's memref descriptors, ranks 1 and 2.
struct MemRef1D {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t size;
  int64_t stride;
};
struct MemRef2D {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
};

/// `_mlir_ciface_word2vec_step` (the ctx and out descriptors hold i32 or
/// i64 indices, as the step was compiled).
using StepFunction = void (*)(MemRef2D *wih, MemRef2D *woh, MemRef1D *ctx,
                              int32_t nctx, MemRef1D *out, MemRef1D *meta,
                              int32_t nout, float alpha);

} // namespace mx::rt::w2v

#endif // MX_RUNTIME_WORD2VECSTEPABI_H
