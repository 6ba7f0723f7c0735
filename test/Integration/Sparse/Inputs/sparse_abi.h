//===- sparse_abi.h - memref descriptors of the sparse test kernels -------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSE_ABI_H
#define SPARSE_ABI_H

#include <cstdint>

template <int R> struct MemRef {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[R];
  int64_t strides[R];
};
using MemRef2D = MemRef<2>;
using MemRef4D = MemRef<4>;
struct MemRef0D {
  float *allocated;
  float *aligned;
  int64_t offset;
};

/// The kernels generated for one shape (gen_kernels.py), rank 2 or 4.
template <typename D> struct KernelSet {
  void (*fwdSoft)(D *, D *, float, D *);
  void (*fwdHard)(D *, D *, float, D *);
  void (*ginSoft)(D *, D *, float, D *);
  void (*ginHard)(D *, D *, float, D *);
  void (*gw)(D *, D *, D *);
  void (*maskSoft)(D *, float, D *);
  void (*maskHard)(D *, float, D *);
  void (*ga)(D *, D *, float, float, D *);
  float (*gth)(D *, float, D *);
  void (*maskSoftT)(D *, MemRef0D *, D *);
  void (*gthT)(D *, MemRef0D *, D *, MemRef0D *);
};

struct MatmulKernels {
  int64_t m, k, n;
  KernelSet<MemRef2D> fns;
};

struct ConvKernels {
  int64_t dims[13]; // n c h w f kh kw, strides, padding, dilations
  KernelSet<MemRef4D> fns;
};

#endif // SPARSE_ABI_H
