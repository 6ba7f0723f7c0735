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
// scalars compared by value. The same matchers run on the scalars of
// elementwise linalg.generic bodies, whose activations are split out into
// K-TanH ops on tensors.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/Transforms/Passes.h"

#include "mx/Dialect/Mx/IR/MxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
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

  /// Whether `op` may be rewritten on elements of type `element`.
  bool allowsElement(StringRef op, Type element) const {
    return ops.contains(op) && ((element.isF32() && dtypes.contains("f32")) ||
                                (element.isBF16() && dtypes.contains("bf16")));
  }
  /// Whether `op` may be rewritten on the ranked tensor `x`.
  bool allows(StringRef op, Value x) const {
    auto type = dyn_cast<RankedTensorType>(x.getType());
    return type && allowsElement(op, type.getElementType());
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
std::optional<APFloat> constantValue(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto splat = dyn_cast<SplatElementsAttr>(attr))
    if (isa<FloatType>(splat.getElementType()))
      return splat.getSplatValue<APFloat>();
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValue();
  return std::nullopt;
}

/// Whether `v` is the constant `expected`, to `relTolerance` or as rounded
/// (nearest even) to v's own type (a bf16 sqrt(2/pi) is 0.796875).
bool isConstant(Value v, double expected, double relTolerance = 0) {
  std::optional<APFloat> value = constantValue(v);
  if (!value)
    return false;
  if (std::fabs(value->convertToDouble() - expected) <= relTolerance * expected)
    return true;
  APFloat rounded(expected);
  bool losesInfo;
  rounded.convert(value->getSemantics(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
  return relTolerance > 0 && rounded.bitwiseIsEqual(*value);
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

/// `1 + tanh(w)` -> w (math.tanh, or an mx.ktanh of this policy).
Value matchOnePlusTanh(Value v, const Policy &policy) {
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
bool isGeluArgument(Value w, Value x) {
  auto mul = defining<arith::MulFOp>(w);
  if (!mul)
    return false;
  Value inner = otherOperand(
      mul, [](Value c) { return isConstant(c, std::sqrt(2.0 / M_PI), 1e-6); });
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

/// The activations the pass recognises, in the order it tries them: larger
/// patterns first, so that a GELU's tanh is not taken on its own.
enum class Activation { Gelu, Swish, Sigmoid, Tanh };
constexpr Activation kActivations[] = {Activation::Gelu, Activation::Swish,
                                       Activation::Sigmoid, Activation::Tanh};

StringRef getName(Activation kind) {
  switch (kind) {
  case Activation::Tanh:
    return "tanh";
  case Activation::Sigmoid:
    return "sigmoid";
  case Activation::Swish:
    return "swish";
  case Activation::Gelu:
    return "gelu";
  }
  llvm_unreachable("unknown activation");
}

/// The input x if `root` computes `kind`(x) with x of root's type (on
/// tensors or on the scalars of a linalg.generic body alike), else null.
Value matchActivation(Activation kind, Operation *root, const Policy &policy) {
  if (root->getNumResults() != 1)
    return Value();
  Value x;
  switch (kind) {
  case Activation::Tanh:
    if (auto tanh = dyn_cast<math::TanhOp>(root))
      x = tanh.getOperand();
    break;
  case Activation::Sigmoid:
    if (isa<arith::DivFOp>(root))
      x = matchSigmoidExpr(root->getResult(0));
    break;
  case Activation::Swish:
    // x * sigmoid(x) and x / (1 + exp(-x)).
    if (auto div = dyn_cast<arith::DivFOp>(root)) {
      Value y = matchOnePlusExpNeg(div.getRhs());
      if (y && y == div.getLhs())
        x = y;
    } else if (auto mul = dyn_cast<arith::MulFOp>(root)) {
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
    break;
  case Activation::Gelu: {
    // 0.5 * x * (1 + tanh(c * (x + k * x^3))) in any association: one
    // factor 0.5, one 1 + tanh(w), and the third is x.
    if (!isa<arith::MulFOp>(root))
      break;
    SmallVector<Value> factors;
    flattenProduct(root->getResult(0), factors, 3);
    if (factors.size() != 3)
      break;
    for (int half = 0; half < 3 && !x; ++half) {
      if (!isConstant(factors[half], 0.5))
        continue;
      for (int onePlus = 0; onePlus < 3 && !x; ++onePlus) {
        if (onePlus == half)
          continue;
        Value w = matchOnePlusTanh(factors[onePlus], policy);
        Value candidate = factors[3 - half - onePlus];
        if (w && isGeluArgument(w, candidate))
          x = candidate;
      }
    }
    break;
  }
  }
  if (!x || x.getType() != root->getResult(0).getType())
    return Value();
  return x;
}

/// The K-TanH op of `kind` on tensor x.
Value createKOp(OpBuilder &b, Location loc, Activation kind, Value x,
                const Policy &policy) {
  KTanhMantissaAttr mantissa = policy.attr(b.getContext(), x);
  switch (kind) {
  case Activation::Tanh:
    return KTanhOp::create(b, loc, x.getType(), x, mantissa);
  case Activation::Sigmoid:
    return KSigmoidOp::create(b, loc, x.getType(), x, mantissa);
  case Activation::Swish:
    return KSwishOp::create(b, loc, x.getType(), x, mantissa);
  case Activation::Gelu:
    return KGeluOp::create(b, loc, x.getType(), x, mantissa);
  }
  llvm_unreachable("unknown activation");
}

/// One activation on tensors.
struct TensorActivation : RewritePattern {
  TensorActivation(MLIRContext *ctx, const Policy &policy, Activation kind,
                   StringRef rootName)
      : RewritePattern(rootName,
                       /*benefit=*/4 - static_cast<unsigned>(kind), ctx),
        policy(policy), kind(kind) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value x = matchActivation(kind, op, policy);
    if (!x || !policy.allows(getName(kind), x))
      return failure();
    Value k = createKOp(rewriter, op->getLoc(), kind, x, policy);
    LLVM_DEBUG(llvm::dbgs() << "mx-ktanh: " << *op << " -> " << k << "\n");
    rewriter.replaceOp(op, k);
    return success();
  }
  const Policy &policy;
  Activation kind;
};

/// Activations on the scalars of an elementwise linalg.generic (all loops
/// parallel, one result with the identity map). The body's activation of a
/// value v becomes a K-TanH op on the tensor of all v, which the generic
/// then reads as a new input:
///
///   v is an input's block argument with the identity map: the op takes
///       that input directly;
///   otherwise: a new generic computes v (the part of the body v depends
///       on) into a tensor shaped like the identity result.
///
/// A generic left yielding an identity-mapped input unchanged is replaced by
/// that input. Activations of values from outside the body stay.
struct GenericActivation : OpRewritePattern<linalg::GenericOp> {
  GenericActivation(MLIRContext *ctx, const Policy &policy)
      : OpRewritePattern(ctx), policy(policy) {}

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() ||
        op.getNumParallelLoops() != op.getNumLoops())
      return rewriter.notifyMatchFailure(op, "not elementwise on tensors");
    // The identity-mapped result whose shape is the iteration space.
    OpOperand *shaped = nullptr;
    for (OpOperand &init : op.getDpsInitsMutable())
      if (op.getMatchingIndexingMap(&init).isIdentity()) {
        shaped = &init;
        break;
      }
    if (!shaped)
      return rewriter.notifyMatchFailure(op, "no identity-mapped result");

    Block *body = op.getBody();
    Operation *root = nullptr;
    Activation kind = Activation::Tanh;
    Value x;
    for (Activation k : kActivations) {
      for (Operation &candidate : body->without_terminator()) {
        Value v = matchActivation(k, &candidate, policy);
        if (v && isInBody(v, body) &&
            policy.allowsElement(getName(k), v.getType())) {
          root = &candidate;
          kind = k;
          x = v;
          break;
        }
      }
      if (root)
        break;
    }
    if (!root)
      return rewriter.notifyMatchFailure(op, "no activation in the body");

    Location loc = root->getLoc();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, op.getLoc(), shaped->get());
    Value source = getInputTensor(op, x);
    if (!source)
      source = computeIntoTensor(rewriter, op, x, sizes);
    Value k = createKOp(rewriter, loc, kind, source, policy);
    LLVM_DEBUG(llvm::dbgs()
               << "mx-ktanh: " << *root << " in a generic -> " << k << "\n");

    // The generic with k as one more (identity-mapped) input, and the new
    // tensor of x too, so that x's other uses read it rather than compute it
    // again.
    SmallVector<Value> inputs(op.getDpsInputs());
    bool computed = !getInputTensor(op, x);
    if (computed)
      inputs.push_back(source);
    inputs.push_back(k);
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    unsigned position = op.getNumDpsInputs();
    maps.insert(maps.begin() + position, computed ? 2 : 1,
                rewriter.getMultiDimIdentityMap(op.getNumLoops()));
    auto generic = linalg::GenericOp::create(
        rewriter, op.getLoc(), op.getResultTypes(), inputs, op.getDpsInits(),
        maps, op.getIteratorTypesArray());
    rewriter.inlineRegionBefore(op.getRegion(), generic.getRegion(),
                                generic.getRegion().end());
    Block *moved = generic.getBody();
    BlockArgument kArg =
        moved->insertArgument(position, x.getType(), root->getLoc());
    rewriter.replaceOp(root, kArg);
    if (computed)
      rewriter.replaceAllUsesWith(
          x, moved->insertArgument(position, x.getType(), x.getLoc()));
    // The body ops that computed the activation, and the inputs only they
    // read, go.
    for (Operation &dead : llvm::make_early_inc_range(llvm::reverse(*moved)))
      if (isOpTriviallyDead(&dead))
        rewriter.eraseOp(&dead);
    generic = dropUnusedInputs(rewriter, generic);

    rewriter.replaceOp(op, forwardedInputs(generic).value_or(
                               SmallVector<Value>(generic.getResults())));
    return success();
  }

  /// `op` without the inputs its body does not read.
  static linalg::GenericOp dropUnusedInputs(PatternRewriter &rewriter,
                                            linalg::GenericOp op) {
    Block *body = op.getBody();
    llvm::BitVector unused(body->getNumArguments());
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (OpOperand *input : op.getDpsInputOperands()) {
      if (body->getArgument(input->getOperandNumber()).use_empty()) {
        unused.set(input->getOperandNumber());
        continue;
      }
      inputs.push_back(input->get());
      maps.push_back(op.getMatchingIndexingMap(input));
    }
    if (unused.none())
      return op;
    for (OpOperand &init : op.getDpsInitsMutable())
      maps.push_back(op.getMatchingIndexingMap(&init));
    auto compact = linalg::GenericOp::create(
        rewriter, op.getLoc(), op.getResultTypes(), inputs, op.getDpsInits(),
        maps, op.getIteratorTypesArray());
    rewriter.inlineRegionBefore(op.getRegion(), compact.getRegion(),
                                compact.getRegion().end());
    compact.getBody()->eraseArguments(unused);
    rewriter.eraseOp(op);
    return compact;
  }

  /// Whether `v` is an argument of `body` or a result of one of its ops
  /// (not nested in another region).
  static bool isInBody(Value v, Block *body) {
    if (auto arg = dyn_cast<BlockArgument>(v))
      return arg.getOwner() == body;
    return v.getDefiningOp()->getBlock() == body;
  }

  /// The input tensor whose identity-mapped block argument `x` is, if any.
  static Value getInputTensor(linalg::GenericOp op, Value x) {
    auto arg = dyn_cast<BlockArgument>(x);
    if (!arg || arg.getOwner() != op.getBody() ||
        arg.getArgNumber() >= op.getNumDpsInputs())
      return Value();
    OpOperand *input = op.getDpsInputOperand(arg.getArgNumber());
    if (!op.getMatchingIndexingMap(input).isIdentity())
      return Value();
    return input->get();
  }

  /// A generic over `op`'s iteration space computing `x` (a value of `op`'s
  /// body) into a new tensor of `sizes`: the operands and body ops x
  /// depends on, cloned.
  static Value computeIntoTensor(PatternRewriter &rewriter,
                                 linalg::GenericOp op, Value x,
                                 ArrayRef<OpFoldResult> sizes) {
    Block *body = op.getBody();
    // The body ops x depends on, in block order, and the block arguments
    // they (or x itself) read.
    llvm::SetVector<Operation *> slice;
    llvm::SetVector<BlockArgument> args;
    SmallVector<Value> worklist = {x};
    while (!worklist.empty()) {
      Value v = worklist.pop_back_val();
      if (auto arg = dyn_cast<BlockArgument>(v)) {
        if (arg.getOwner() == body)
          args.insert(arg);
        continue;
      }
      Operation *def = body->findAncestorOpInBlock(*v.getDefiningOp());
      if (!def || !slice.insert(def))
        continue;
      // Values used inside nested regions count too.
      def->walk([&](Operation *nested) {
        for (Value operand : nested->getOperands())
          worklist.push_back(operand);
      });
    }
    SmallVector<Operation *> ordered(slice.begin(), slice.end());
    llvm::sort(ordered, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    SmallVector<BlockArgument> usedArgs(args.begin(), args.end());
    llvm::sort(usedArgs, [](BlockArgument a, BlockArgument b) {
      return a.getArgNumber() < b.getArgNumber();
    });

    Location loc = x.getLoc();
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (BlockArgument arg : usedArgs) {
      OpOperand &operand = op->getOpOperand(arg.getArgNumber());
      inputs.push_back(operand.get());
      maps.push_back(op.getMatchingIndexingMap(&operand));
    }
    maps.push_back(rewriter.getMultiDimIdentityMap(op.getNumLoops()));
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, x.getType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
        maps, op.getIteratorTypesArray(),
        [&](OpBuilder &b, Location l, ValueRange blockArgs) {
          IRMapping mapping;
          for (auto [arg, replacement] : llvm::zip(usedArgs, blockArgs))
            mapping.map(arg, replacement);
          for (Operation *o : ordered)
            b.clone(*o, mapping);
          linalg::YieldOp::create(b, l, mapping.lookup(x));
        });
    return generic.getResult(0);
  }

  /// The inputs a generic only forwards: each result yields the block
  /// argument of an identity-mapped input of the same type.
  static std::optional<SmallVector<Value>>
  forwardedInputs(linalg::GenericOp op) {
    Block *body = op.getBody();
    if (!llvm::hasSingleElement(*body))
      return std::nullopt;
    SmallVector<Value> forwarded;
    for (auto [yielded, result] :
         llvm::zip(body->getTerminator()->getOperands(), op.getResults())) {
      Value input = getInputTensor(op, yielded);
      if (!input || input.getType() != result.getType())
        return std::nullopt;
      forwarded.push_back(input);
    }
    return forwarded;
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
    MLIRContext *ctx = &getContext();
    patterns.add<TensorActivation>(ctx, policy, Activation::Tanh,
                                   math::TanhOp::getOperationName());
    patterns.add<TensorActivation>(ctx, policy, Activation::Sigmoid,
                                   arith::DivFOp::getOperationName());
    patterns.add<TensorActivation>(ctx, policy, Activation::Swish,
                                   arith::DivFOp::getOperationName());
    patterns.add<TensorActivation>(ctx, policy, Activation::Swish,
                                   arith::MulFOp::getOperationName());
    patterns.add<TensorActivation>(ctx, policy, Activation::Gelu,
                                   arith::MulFOp::getOperationName());
    patterns.add<GenericActivation>(ctx, policy);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
