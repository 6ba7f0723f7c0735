//===- PolicyOps.h - ops= option of the precision policies ------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// The linalg ops that mx-quantize and mx-bf16 rewrite by default, the
// `ops=` option that overrides them, and the operand types both accept.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_TRANSFORMS_POLICYOPS_H
#define MX_DIALECT_MX_TRANSFORMS_POLICYOPS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/StringSet.h"

#include <string>

namespace mlir::mx {

/// The ops a policy rewrites when `ops` is not given.
constexpr StringLiteral kPolicyDefaultOps[] = {
    "linalg.matmul", "linalg.batch_matmul", "linalg.conv_2d_nhwc_hwcf",
    "linalg.conv_2d_nchw_fchw"};

/// The op names of the `ops` option (a list of strings), or the defaults
/// when it is empty.
template <typename OpsOption>
llvm::StringSet<> policyOps(const OpsOption &ops) {
  llvm::StringSet<> allowed;
  if (ops.empty())
    for (StringRef name : kPolicyDefaultOps)
      allowed.insert(name);
  for (const std::string &name : ops)
    allowed.insert(name);
  return allowed;
}

/// Whether `value` is a statically shaped f32 tensor.
inline bool isStaticF32Tensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() && type.getElementType().isF32();
}

} // namespace mlir::mx

#endif // MX_DIALECT_MX_TRANSFORMS_POLICYOPS_H
