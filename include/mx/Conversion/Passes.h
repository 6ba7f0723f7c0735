//===- Passes.h - mx conversion passes --------------------------*- C++ -*-===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_PASSES_H
#define MX_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace amx {
class AMXDialect;
} // namespace amx
namespace arith {
class ArithDialect;
} // namespace arith
namespace bufferization {
class BufferizationDialect;
} // namespace bufferization
namespace func {
class FuncDialect;
} // namespace func
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace LLVM {
class LLVMDialect;
} // namespace LLVM
namespace math {
class MathDialect;
} // namespace math
namespace memref {
class MemRefDialect;
} // namespace memref
namespace mx {
class MxDialect;
} // namespace mx
namespace scf {
class SCFDialect;
} // namespace scf
namespace tensor {
class TensorDialect;
} // namespace tensor
namespace vector {
class VectorDialect;
} // namespace vector
namespace x86vector {
class X86VectorDialect;
} // namespace x86vector
} // namespace mlir

namespace mlir::mx {

#define GEN_PASS_DECL
#include "mx/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mx/Conversion/Passes.h.inc"

} // namespace mlir::mx

#endif // MX_CONVERSION_PASSES_H
