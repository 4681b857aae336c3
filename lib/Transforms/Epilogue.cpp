//===- Epilogue.cpp - Matmul epilogue arithmetic --------------------------===//

#include "qnk/Transforms/Epilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;

/// A constant of `like`'s type (a splat for vectors).
static Value constLike(OpBuilder &b, Location loc, Value like, double v) {
  Type ty = like.getType();
  FloatAttr attr = b.getF32FloatAttr(float(v));
  if (auto vec = dyn_cast<VectorType>(ty))
    return arith::ConstantOp::create(b, loc, vec,
                                     DenseElementsAttr::get(vec, attr));
  return arith::ConstantOp::create(b, loc, ty, attr);
}

Value qnk::applyActivation(OpBuilder &b, Location loc, Activation act,
                           Value v) {
  auto c = [&](double x) { return constLike(b, loc, v, x); };
  switch (act) {
  case Activation::relu: // NaN stays NaN; relu(-0) = +0
    return arith::MaximumFOp::create(b, loc, v, c(0));
  case Activation::gelu: { // 0.5 v (1 + erf(v / sqrt 2))
    Value e = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, v, c(M_SQRT1_2)));
    Value h = arith::MulFOp::create(b, loc, v, c(0.5));
    return arith::MulFOp::create(b, loc, h,
                                 arith::AddFOp::create(b, loc, e, c(1)));
  }
  case Activation::gelu_tanh: { // 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715
                                // v^3)))
    Value v3 =
        arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, v, v), v);
    Value inner = arith::AddFOp::create(
        b, loc, v, arith::MulFOp::create(b, loc, v3, c(0.044715)));
    Value t = math::TanhOp::create(
        b, loc, arith::MulFOp::create(b, loc, inner, c(std::sqrt(2.0 / M_PI))));
    Value h = arith::MulFOp::create(b, loc, v, c(0.5));
    return arith::MulFOp::create(b, loc, h,
                                 arith::AddFOp::create(b, loc, t, c(1)));
  }
  case Activation::silu: { // v / (1 + exp(-v))
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
    return arith::DivFOp::create(b, loc, v,
                                 arith::AddFOp::create(b, loc, e, c(1)));
  }
  }
  llvm_unreachable("unknown activation");
}

Value qnk::applyEpilogue(OpBuilder &b, Location loc, Value sums, Value rowScale,
                         Value colScale, Value bias,
                         std::optional<Activation> activation) {
  Value v = sums;
  if (!getElementTypeOrSelf(v).isF32()) {
    Type f32 = b.getF32Type();
    if (auto vec = dyn_cast<VectorType>(v.getType()))
      f32 = vec.clone(f32);
    v = arith::SIToFPOp::create(b, loc, f32, v);
  }
  if (rowScale) {
    v = arith::MulFOp::create(b, loc, v, rowScale);
    v = arith::MulFOp::create(b, loc, v, colScale);
  }
  if (bias)
    v = arith::AddFOp::create(b, loc, v, bias);
  if (activation)
    v = applyActivation(b, loc, *activation, v);
  return v;
}

void qnk::populateEpilogueMathPatterns(RewritePatternSet &patterns) {
  populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
    return name == "math.erf" || name == "math.tanh" || name == "math.exp";
  });
}
