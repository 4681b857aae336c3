//===- DecomposeEpilogues.cpp - qnk.matmul epilogues as element-wise ops --===//
//
// The epilogue clauses of qnk.matmul (scales, bias, activation, output
// quantization) become a plain qnk.matmul followed by one element-wise
// linalg.generic (and qnk.quantize), with the transcendental functions
// expanded into upstream MLIR's polynomial approximations, so that the
// reference and the fast pipeline compute the same epilogue and no libm call
// is left.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace qnk {
#define GEN_PASS_DEF_QNKDECOMPOSEEPILOGUES
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk;

namespace {

Value constF(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32Type(),
                                   b.getF32FloatAttr(float(v)));
}

/// The activation of `v` (f32), as docs/numerics.md states it.
Value activate(OpBuilder &b, Location loc, Activation act, Value v) {
  switch (act) {
  case Activation::relu: // maximum(v, +0): NaN stays NaN, relu(-0) = +0
    return arith::MaximumFOp::create(b, loc, v, constF(b, loc, 0));
  case Activation::gelu: { // 0.5 v (1 + erf(v / sqrt 2))
    Value e = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, v, constF(b, loc, M_SQRT1_2)));
    Value h = arith::MulFOp::create(b, loc, v, constF(b, loc, 0.5));
    return arith::MulFOp::create(
        b, loc, h, arith::AddFOp::create(b, loc, e, constF(b, loc, 1)));
  }
  case Activation::gelu_tanh: { // 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715
                                // v^3)))
    Value v3 =
        arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, v, v), v);
    Value inner = arith::AddFOp::create(
        b, loc, v, arith::MulFOp::create(b, loc, v3, constF(b, loc, 0.044715)));
    Value t = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, inner,
                              constF(b, loc, std::sqrt(2.0 / M_PI))));
    Value h = arith::MulFOp::create(b, loc, v, constF(b, loc, 0.5));
    return arith::MulFOp::create(
        b, loc, h, arith::AddFOp::create(b, loc, t, constF(b, loc, 1)));
  }
  case Activation::silu: { // v / (1 + exp(-v))
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
    return arith::DivFOp::create(
        b, loc, v, arith::AddFOp::create(b, loc, e, constF(b, loc, 1)));
  }
  }
  llvm_unreachable("unknown activation");
}

struct DecomposeEpilogue : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasEpilogue())
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto cTy = cast<RankedTensorType>(op.getC().getType());
    Type acc = getMatmulAccumulatorType(getElementTypeOrSelf(op.getA()),
                                        getElementTypeOrSelf(op.getB()));
    auto accTy = RankedTensorType::get(cTy.getShape(), acc);
    Value sum = MatmulOp::create(rewriter, loc, accTy, op.getA(), op.getB(),
                                 op.getTransposeA(), op.getTransposeB());

    // Operands of the element-wise step and how (m, n) indexes them.
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx);
    auto map = [&](Value v, AffineExpr e) {
      auto ty = cast<RankedTensorType>(v.getType());
      return ty.getRank() == 0 ? AffineMap::get(2, 0, {}, ctx)
                               : AffineMap::get(2, 0, e);
    };
    SmallVector<Value> ins = {sum};
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(2)};
    if (op.getAScale()) {
      ins.append({op.getAScale(), op.getBScale()});
      maps.append({map(op.getAScale(), m), map(op.getBScale(), n)});
    }
    if (op.getBias()) {
      ins.push_back(op.getBias());
      maps.push_back(map(op.getBias(), n));
    }
    maps.push_back(rewriter.getMultiDimIdentityMap(2));
    auto realTy = RankedTensorType::get(cTy.getShape(), rewriter.getF32Type());
    Value init = tensor::EmptyOp::create(rewriter, loc, realTy.getShape(),
                                         rewriter.getF32Type());
    bool scaled = bool(op.getAScale()), biased = bool(op.getBias());
    std::optional<Activation> act = op.getActivation();
    SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
    Value real = linalg::GenericOp::create(
                     rewriter, loc, realTy, ins, ValueRange{init}, maps, iters,
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       Value v = args[0];
                       if (!v.getType().isF32())
                         v = arith::SIToFPOp::create(b, l, b.getF32Type(), v);
                       unsigned next = 1;
                       if (scaled) {
                         v = arith::MulFOp::create(b, l, v, args[next++]);
                         v = arith::MulFOp::create(b, l, v, args[next++]);
                       }
                       if (biased)
                         v = arith::AddFOp::create(b, l, v, args[next++]);
                       if (act)
                         v = activate(b, l, *act, v);
                       linalg::YieldOp::create(b, l, v);
                     })
                     .getResult(0);
    if (op.getOutScale())
      real = QuantizeOp::create(rewriter, loc, cTy, real, op.getOutScale(),
                                op.getOutZeroPoint(), IntegerAttr(),
                                IntegerAttr());
    rewriter.replaceOp(op, real);
    return success();
  }
};

struct DecomposeEpiloguesPass
    : qnk::impl::QNKDecomposeEpiloguesBase<DecomposeEpiloguesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeEpilogue>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // erf, tanh and exp as polynomials: the same code in both pipelines and
    // no library call in the objects qnk-compile makes.
    RewritePatternSet approx(&getContext());
    populateMathPolynomialApproximationPatterns(approx, [](StringRef name) {
      return name == "math.erf" || name == "math.tanh" || name == "math.exp";
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(approx))))
      signalPassFailure();
  }
};

} // namespace
