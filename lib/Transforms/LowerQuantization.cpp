//===- LowerQuantization.cpp - Quantization ops to exact linalg -----------===//
//
// Each op becomes one element-wise linalg.generic whose body is the exact
// formula of docs/numerics.md; the scale and zero-point operands are read
// through indexing maps (per tensor, per channel, per group).
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/FloatDecode.h"
#include "qnk/Transforms/Passes.h"
#include "qnk/Transforms/Relabel.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qnk {
#define GEN_PASS_DEF_QNKLOWERQUANTIZATION
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk;

namespace {

/// The map from the element loops to a scale element.
AffineMap getScaleMap(MLIRContext *ctx, unsigned rank,
                      const ScaleScheme &scheme) {
  SmallVector<AffineExpr> results;
  switch (scheme.kind) {
  case ScaleScheme::PerTensor:
    break;
  case ScaleScheme::PerAxis:
    results.push_back(getAffineDimExpr(scheme.axis, ctx));
    break;
  case ScaleScheme::PerGroup:
    for (unsigned d = 0; d < rank; ++d) {
      AffineExpr e = getAffineDimExpr(d, ctx);
      results.push_back(int64_t(d) == scheme.axis ? e.floorDiv(scheme.groupSize)
                                                  : e);
    }
    break;
  }
  return AffineMap::get(rank, 0, results, ctx);
}

/// [qmin, qmax] of an integer storage type.
std::pair<int64_t, int64_t> storageRange(Type t) {
  unsigned w = t.getIntOrFloatBitWidth();
  if (t.isUnsignedInteger())
    return {0, (int64_t(1) << w) - 1};
  return {-(int64_t(1) << (w - 1)), (int64_t(1) << (w - 1)) - 1};
}

Value constI(OpBuilder &b, Location loc, Type t, int64_t v) {
  return arith::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, v));
}
Value constF(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32Type(),
                                   b.getF32FloatAttr(v));
}

/// Clamps an i32/i64 integer to the storage range and stores it as `to`.
Value saturateToStorage(OpBuilder &b, Location loc, Value v, Type to) {
  auto [lo, hi] = storageRange(to);
  v = arith::MaxSIOp::create(b, loc, v, constI(b, loc, v.getType(), lo));
  v = arith::MinSIOp::create(b, loc, v, constI(b, loc, v.getType(), hi));
  v = arith::TruncIOp::create(b, loc, signlessOf(to), v);
  return relabelScalar(b, loc, v, to);
}

/// One element-wise generic over `input` with `extras` (scale, zero point,
/// ...) read through `extraMaps`; `body` gets the input element and the
/// extras and returns the result element.
Value buildElementwise(
    OpBuilder &b, Location loc, Value input, ValueRange extras,
    ArrayRef<AffineMap> extraMaps, RankedTensorType resultTy,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = resultTy.getRank();
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  maps.append(extraMaps.begin(), extraMaps.end());
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<Value> ins = {input};
  ins.append(extras.begin(), extras.end());
  Value init = tensor::EmptyOp::create(b, loc, resultTy.getShape(),
                                       resultTy.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, resultTy, ins, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, body(nb, l, args.drop_back()));
      });
  return generic.getResult(0);
}

template <typename Op>
SmallVector<Value> scaleOperands(Op op, SmallVectorImpl<AffineMap> &maps) {
  auto rank = cast<RankedTensorType>(op.getInput().getType()).getRank();
  AffineMap map = getScaleMap(op.getContext(), rank, op.getScaleScheme());
  SmallVector<Value> extras = {op.getScale()};
  maps.push_back(map);
  if (op.getZeroPoint()) {
    extras.push_back(op.getZeroPoint());
    maps.push_back(map);
  }
  return extras;
}

struct LowerQuantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto resultTy = cast<RankedTensorType>(op.getResult().getType());
    Type storage = resultTy.getElementType();
    bool hasZeroPoint = bool(op.getZeroPoint());
    SmallVector<AffineMap> maps;
    SmallVector<Value> extras = scaleOperands(op, maps);
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getInput(), extras, maps, resultTy,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x = args[0];
          if (!x.getType().isF32())
            x = arith::ExtFOp::create(b, loc, b.getF32Type(), x);
          Value q = arith::DivFOp::create(b, loc, x, args[1]);
          if (isFp8(storage)) {
            Value vec = vector::BroadcastOp::create(
                b, loc, VectorType::get({1}, b.getF32Type()), q);
            return vector::ExtractOp::create(
                b, loc, encodeFp8Saturating(b, loc, vec, storage), 0);
          }
          // Round, then clamp to a range every storage type lies in (so
          // the conversion is exact and the zero point cannot overflow);
          // NaN becomes 0, i.e. the zero point.
          Value r = math::RoundEvenOp::create(b, loc, q);
          Value isNaN =
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, q, q);
          r = arith::SelectOp::create(b, loc, isNaN, constF(b, loc, 0), r);
          r = arith::MaximumFOp::create(b, loc, r, constF(b, loc, -65536));
          r = arith::MinimumFOp::create(b, loc, r, constF(b, loc, 65536));
          Value i = arith::FPToSIOp::create(b, loc, b.getI32Type(), r);
          if (hasZeroPoint)
            i = arith::AddIOp::create(b, loc, i, args[2]);
          return saturateToStorage(b, loc, i, storage);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerDequantize : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto resultTy = cast<RankedTensorType>(op.getResult().getType());
    Type storage = getElementTypeOrSelf(op.getInput());
    bool hasZeroPoint = bool(op.getZeroPoint());
    SmallVector<AffineMap> maps;
    SmallVector<Value> extras = scaleOperands(op, maps);
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getInput(), extras, maps, resultTy,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x;
          if (isFp8(storage)) {
            Value vec = vector::BroadcastOp::create(
                b, loc, VectorType::get({1}, storage), args[0]);
            x = vector::ExtractOp::create(
                b, loc, decodeFp8(b, loc, vec, b.getF32Type()), 0);
          } else {
            Value q = relabelScalar(b, loc, args[0], signlessOf(storage));
            Value i = storage.isUnsignedInteger()
                          ? arith::ExtUIOp::create(b, loc, b.getI32Type(), q)
                                .getResult()
                          : arith::ExtSIOp::create(b, loc, b.getI32Type(), q)
                                .getResult();
            if (hasZeroPoint)
              i = arith::SubIOp::create(b, loc, i, args[2]);
            x = arith::SIToFPOp::create(b, loc, b.getF32Type(), i);
          }
          return arith::MulFOp::create(b, loc, x, args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerRequantize : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto resultTy = cast<RankedTensorType>(op.getResult().getType());
    Type storage = resultTy.getElementType();
    MLIRContext *ctx = op.getContext();
    unsigned rank = resultTy.getRank();
    AffineMap map =
        op.getAxis()
            ? AffineMap::get(rank, 0, getAffineDimExpr(*op.getAxis(), ctx))
            : AffineMap::get(rank, 0, {}, ctx);
    SmallVector<AffineMap> maps = {map, map, AffineMap::get(rank, 0, {}, ctx)};
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getInput(),
        {op.getMultiplier(), op.getShift(), op.getZeroPoint()}, maps, resultTy,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Type i64 = b.getI64Type();
          auto c = [&](int64_t v) { return constI(b, loc, i64, v); };
          Value acc = arith::ExtSIOp::create(b, loc, i64, args[0]);
          Value mul = arith::ExtSIOp::create(b, loc, i64, args[1]);
          Value prod = arith::MulIOp::create(b, loc, acc, mul); // exact
          // Total right shift 31 + shift, kept within [0, 62].
          Value t = arith::AddIOp::create(
              b, loc, arith::ExtSIOp::create(b, loc, i64, args[2]), c(31));
          t = arith::MaxSIOp::create(b, loc, t, c(0));
          t = arith::MinSIOp::create(b, loc, t, c(62));
          // floor(prod / 2^t), then round half to even on the remainder.
          Value q = arith::ShRSIOp::create(b, loc, prod, t);
          Value rem = arith::SubIOp::create(
              b, loc, prod, arith::ShLIOp::create(b, loc, q, t));
          Value half = arith::ShRSIOp::create(
              b, loc, arith::ShLIOp::create(b, loc, c(1), t), c(1));
          Value above = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                              rem, half);
          Value tie = arith::AndIOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem,
                                    half),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                    arith::AndIOp::create(b, loc, q, c(1)),
                                    c(0)));
          Value up = arith::AndIOp::create(
              b, loc, arith::OrIOp::create(b, loc, above, tie),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, t,
                                    c(0)));
          q = arith::AddIOp::create(b, loc, q,
                                    arith::ExtUIOp::create(b, loc, i64, up));
          q = arith::AddIOp::create(
              b, loc, q, arith::ExtSIOp::create(b, loc, i64, args[3]));
          return saturateToStorage(b, loc, q, storage);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerQuantizationPass
    : qnk::impl::QNKLowerQuantizationBase<LowerQuantizationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerQuantize, LowerDequantize, LowerRequantize>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
