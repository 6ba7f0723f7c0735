//===- KTanhPolicy.cpp - activations in a graph to K-TanH ops -------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//
//
// mx-ktanh: recognises tanh, sigmoid, swish and the tanh form of GELU written
// with arith/math ops on f32/bf16 tensors and replaces them by mx.ktanh,
// mx.ksigmoid, mx.kswish and mx.kgelu. Matching is structural on the
// use-def graph: commutative operands in either order, products flattened
// (GELU's 0.5, x and 1 + tanh in any association), constants as splats or
// scalars compared by value.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/Transforms/Passes.h"

#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Debug.h"

#include <cmath>

#define DEBUG_TYPE "mx-ktanh"

namespace mlir::mx {
#define GEN_PASS_DEF_MXKTANHPASS
#include "mx/Dialect/Mx/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// What the pass may rewrite.
struct Policy {
  llvm::StringSet<> ops, dtypes;
  KTanhMantissa mantissa = KTanhMantissa::full;

  bool allows(StringRef op, Value x) const {
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || !ops.contains(op))
      return false;
    Type element = type.getElementType();
    return (element.isF32() && dtypes.contains("f32")) ||
           (element.isBF16() && dtypes.contains("bf16"));
  }
  /// The attribute the new op gets (f32 only, and only if not the default).
  KTanhMantissaAttr attr(MLIRContext *ctx, Value x) const {
    if (!getElementTypeOrSelf(x.getType()).isF32() ||
        mantissa == KTanhMantissa::full)
      return {};
    return KTanhMantissaAttr::get(ctx, mantissa);
  }
  /// Whether an existing K-TanH op computes what this policy would create.
  template <typename Op> bool isOurs(Op op) const {
    if (!getElementTypeOrSelf(op.getType()).isF32())
      return true;
    return op.getEffectiveMantissa() == mantissa;
  }
};

/// The value of a float constant (scalar or splat), if `v` is one.
std::optional<double> constantValue(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto splat = dyn_cast<SplatElementsAttr>(attr))
    if (isa<FloatType>(splat.getElementType()))
      return splat.getSplatValue<APFloat>().convertToDouble();
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValueAsDouble();
  return std::nullopt;
}

bool isConstant(Value v, double expected, double relTolerance = 0) {
  std::optional<double> value = constantValue(v);
  return value && std::fabs(*value - expected) <= relTolerance * expected;
}

template <typename Op> Op defining(Value v) {
  return v ? v.getDefiningOp<Op>() : Op();
}

/// `a op b` with `op` commutative: the operand that is not `known`, if the
/// other one is.
Value otherOperand(Operation *op, function_ref<bool(Value)> known) {
  if (known(op->getOperand(0)))
    return op->getOperand(1);
  if (known(op->getOperand(1)))
    return op->getOperand(0);
  return Value();
}

/// `1 + exp(-x)` -> x.
Value matchOnePlusExpNeg(Value v) {
  auto add = defining<arith::AddFOp>(v);
  if (!add)
    return Value();
  Value e = otherOperand(add, [](Value c) { return isConstant(c, 1.0); });
  auto exp = defining<math::ExpOp>(e);
  auto neg = exp ? defining<arith::NegFOp>(exp.getOperand()) : arith::NegFOp();
  return neg ? neg.getOperand() : Value();
}

/// `1 / (1 + exp(-x))` -> x.
Value matchSigmoidExpr(Value v) {
  auto div = defining<arith::DivFOp>(v);
  if (!div || !isConstant(div.getLhs(), 1.0))
    return Value();
  return matchOnePlusExpNeg(div.getRhs());
}

/// The factors of a product tree of arith.mulf (at most `limit` leaves).
void flattenProduct(Value v, SmallVectorImpl<Value> &factors, unsigned limit) {
  auto mul = defining<arith::MulFOp>(v);
  if (!mul || factors.size() + 2 > limit) {
    factors.push_back(v);
    return;
  }
  flattenProduct(mul.getLhs(), factors, limit);
  flattenProduct(mul.getRhs(), factors, limit);
}

/// Whether `v` is x^3: a product of three x or math.powf(x, 3).
bool isCube(Value v, Value x) {
  if (auto pow = defining<math::PowFOp>(v))
    return pow.getLhs() == x && isConstant(pow.getRhs(), 3.0);
  SmallVector<Value> factors;
  flattenProduct(v, factors, 3);
  return factors.size() == 3 &&
         llvm::all_of(factors, [&](Value f) { return f == x; });
}

struct Rewriter {
  const Policy &policy;

  template <typename Op>
  void replace(PatternRewriter &rewriter, Operation *root, Value x) const {
    auto op = Op::create(rewriter, root->getLoc(), x.getType(), x,
                         policy.attr(rewriter.getContext(), x));
    LLVM_DEBUG(llvm::dbgs() << "mx-ktanh: " << *root << " -> " << op << "\n");
    rewriter.replaceOp(root, op.getResult());
  }
};

struct TanhToKTanh : OpRewritePattern<math::TanhOp> {
  TanhToKTanh(MLIRContext *ctx, const Policy &policy)
      : OpRewritePattern(ctx, /*benefit=*/1), policy(policy) {}
  LogicalResult matchAndRewrite(math::TanhOp op,
                                PatternRewriter &rewriter) const override {
    if (!policy.allows("tanh", op.getOperand()))
      return failure();
    Rewriter{policy}.replace<KTanhOp>(rewriter, op, op.getOperand());
    return success();
  }
  const Policy &policy;
};

struct SigmoidToKSigmoid : OpRewritePattern<arith::DivFOp> {
  SigmoidToKSigmoid(MLIRContext *ctx, const Policy &policy)
      : OpRewritePattern(ctx, /*benefit=*/2), policy(policy) {}
  LogicalResult matchAndRewrite(arith::DivFOp op,
                                PatternRewriter &rewriter) const override {
    Value x = matchSigmoidExpr(op.getResult());
    if (!x || x.getType() != op.getType() || !policy.allows("sigmoid", x))
      return failure();
    Rewriter{policy}.replace<KSigmoidOp>(rewriter, op, x);
    return success();
  }
  const Policy &policy;
};

/// x * sigmoid(x) and x / (1 + exp(-x)).
struct SwishToKSwish : RewritePattern {
  SwishToKSwish(MLIRContext *ctx, const Policy &policy)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/3, ctx),
        policy(policy) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value x;
    if (auto div = dyn_cast<arith::DivFOp>(op)) {
      Value y = matchOnePlusExpNeg(div.getRhs());
      if (y && y == div.getLhs())
        x = y;
    } else if (auto mul = dyn_cast<arith::MulFOp>(op)) {
      auto isSigmoidOf = [&](Value s, Value of) {
        if (matchSigmoidExpr(s) == of)
          return true;
        auto k = defining<KSigmoidOp>(s);
        return k && k.getInput() == of && policy.isOurs(k);
      };
      if (isSigmoidOf(mul.getRhs(), mul.getLhs()))
        x = mul.getLhs();
      else if (isSigmoidOf(mul.getLhs(), mul.getRhs()))
        x = mul.getRhs();
    }
    if (!x || x.getType() != op->getResultTypes()[0] ||
        !policy.allows("swish", x))
      return failure();
    Rewriter{policy}.replace<KSwishOp>(rewriter, op, x);
    return success();
  }
  const Policy &policy;
};

/// 0.5 * x * (1 + tanh(c * (x + k * x^3))) in any association.
struct GeluToKGelu : OpRewritePattern<arith::MulFOp> {
  GeluToKGelu(MLIRContext *ctx, const Policy &policy)
      : OpRewritePattern(ctx, /*benefit=*/4), policy(policy) {}

  /// `1 + tanh(w)` -> w.
  Value matchOnePlusTanh(Value v) const {
    auto add = defining<arith::AddFOp>(v);
    if (!add)
      return Value();
    Value t = otherOperand(add, [](Value c) { return isConstant(c, 1.0); });
    if (auto tanh = defining<math::TanhOp>(t))
      return tanh.getOperand();
    if (auto k = defining<KTanhOp>(t))
      return policy.isOurs(k) ? k.getInput() : Value();
    return Value();
  }

  /// `c * (x + k * x^3)` is the GELU argument of x.
  bool isGeluArgument(Value w, Value x) const {
    auto mul = defining<arith::MulFOp>(w);
    if (!mul)
      return false;
    Value inner = otherOperand(mul, [](Value c) {
      return isConstant(c, std::sqrt(2.0 / M_PI), 1e-6);
    });
    auto add = defining<arith::AddFOp>(inner);
    if (!add)
      return false;
    Value cubic = otherOperand(add, [&](Value v) { return v == x; });
    auto scaled = defining<arith::MulFOp>(cubic);
    if (!scaled)
      return false;
    Value cube = otherOperand(
        scaled, [](Value c) { return isConstant(c, 0.044715, 1e-6); });
    return cube && isCube(cube, x);
  }

  LogicalResult matchAndRewrite(arith::MulFOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<Value> factors;
    flattenProduct(op.getResult(), factors, 3);
    if (factors.size() != 3)
      return failure();
    // One factor 0.5, one 1 + tanh(w), and the third is x.
    for (int half = 0; half < 3; ++half) {
      if (!isConstant(factors[half], 0.5))
        continue;
      for (int onePlus = 0; onePlus < 3; ++onePlus) {
        if (onePlus == half)
          continue;
        Value w = matchOnePlusTanh(factors[onePlus]);
        Value x = factors[3 - half - onePlus];
        if (!w || !isGeluArgument(w, x) || x.getType() != op.getType() ||
            !policy.allows("gelu", x))
          continue;
        Rewriter{policy}.replace<KGeluOp>(rewriter, op, x);
        return success();
      }
    }
    return failure();
  }
  const Policy &policy;
};

struct MxKTanhPass : mx::impl::MxKTanhPassBase<MxKTanhPass> {
  using MxKTanhPassBase::MxKTanhPassBase;

  void runOnOperation() override {
    Policy policy;
    SmallVector<std::string> opNames(ops.begin(), ops.end());
    if (opNames.empty())
      opNames = {"tanh", "sigmoid", "swish", "gelu"};
    for (StringRef op : opNames) {
      if (!llvm::is_contained({"tanh", "sigmoid", "swish", "gelu"}, op)) {
        emitError(getOperation().getLoc(), "mx-ktanh: unknown op '")
            << op << "' in ops=; expected tanh, sigmoid, swish or gelu";
        return signalPassFailure();
      }
      policy.ops.insert(op);
    }
    SmallVector<std::string> dtypeNames(dtypes.begin(), dtypes.end());
    if (dtypeNames.empty())
      dtypeNames = {"f32", "bf16"};
    for (StringRef dtype : dtypeNames) {
      if (dtype != "f32" && dtype != "bf16") {
        emitError(getOperation().getLoc(), "mx-ktanh: unknown dtype '")
            << dtype << "' in dtypes=; expected f32 or bf16";
        return signalPassFailure();
      }
      policy.dtypes.insert(dtype);
    }
    std::optional<KTanhMantissa> parsed = symbolizeKTanhMantissa(mantissa);
    if (!parsed) {
      emitError(getOperation().getLoc(), "mx-ktanh: unknown mantissa '")
          << mantissa << "'; expected full or bf16";
      return signalPassFailure();
    }
    policy.mantissa = *parsed;

    RewritePatternSet patterns(&getContext());
    patterns.add<TanhToKTanh, SigmoidToKSigmoid, SwishToKSwish, GeluToKGelu>(
        &getContext(), policy);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
