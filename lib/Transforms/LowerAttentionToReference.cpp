//===- LowerAttentionToReference.cpp - qnk.attention as plain linalg ------===//
//
// The oracle for attention: the Lq x Lk scores are materialised and every
// step of docs/numerics.md ("Attention") is one linalg.generic, with
// math.exp and no online rescaling.
//
//===----------------------------------------------------------------------===//

#include "qnk/Dialect/QNK/IR/QNK.h"
#include "qnk/Transforms/Attention.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct LowerAttention : OpRewritePattern<qnk::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(qnk::AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto qTy = cast<RankedTensorType>(op.getQuery().getType());
    auto kTy = cast<RankedTensorType>(op.getKey().getType());
    auto vTy = cast<RankedTensorType>(op.getValue().getType());
    auto oTy = cast<RankedTensorType>(op.getResult().getType());
    int64_t b = qTy.getDimSize(0), h = qTy.getDimSize(1),
            lq = qTy.getDimSize(2), lk = kTy.getDimSize(2),
            dv = vTy.getDimSize(3);
    // Query head h reads key/value head h / group.
    int64_t group = kTy.getDimSize(1) ? h / kTy.getDimSize(1) : 1;
    Type f32 = rewriter.getF32Type();
    float scale = op.getScaleOrDefault();
    bool causal = op.getCausal();
    Value mask = op.getMask();

    auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto cst = [&](OpBuilder &bld, Location l, float v) -> Value {
      return arith::ConstantOp::create(bld, l, bld.getF32FloatAttr(v));
    };
    auto ext = [&](OpBuilder &bld, Location l, Value v) -> Value {
      return v.getType() == f32 ? v : arith::ExtFOp::create(bld, l, f32, v);
    };
    // Whether key j (dim jDim) is in query i's (dim 2) causal window,
    // j <= i + (Lk - Lq); null without `causal`.
    auto inWindow = [&](OpBuilder &bld, Location l, unsigned jDim) -> Value {
      if (!causal)
        return {};
      Value i = linalg::IndexOp::create(bld, l, 2);
      Value j = linalg::IndexOp::create(bld, l, jDim);
      Value limit = arith::AddIOp::create(
          bld, l, i, arith::ConstantIndexOp::create(bld, l, lk - lq));
      return arith::CmpIOp::create(bld, l, arith::CmpIPredicate::sle, j, limit);
    };
    auto filled = [&](ArrayRef<int64_t> shape, float v) -> Value {
      Value empty = tensor::EmptyOp::create(rewriter, loc, shape, f32);
      return linalg::FillOp::create(rewriter, loc, cst(rewriter, loc, v), empty)
          .getResult(0);
    };
    using utils::IteratorType;
    const IteratorType par = IteratorType::parallel,
                       red = IteratorType::reduction;

    // Dot products: (b, h, i, j, d).
    AffineExpr kvHead = dim(1).floorDiv(group);
    SmallVector<int64_t> scoreShape = {b, h, lq, lk};
    Value dots =
        linalg::GenericOp::create(
            rewriter, loc, filled(scoreShape, 0.0f).getType(),
            ValueRange{op.getQuery(), op.getKey()},
            ValueRange{filled(scoreShape, 0.0f)},
            SmallVector<AffineMap>{
                AffineMap::get(5, 0, {dim(0), dim(1), dim(2), dim(4)}, ctx),
                AffineMap::get(5, 0, {dim(0), kvHead, dim(3), dim(4)}, ctx),
                AffineMap::get(5, 0, {dim(0), dim(1), dim(2), dim(3)}, ctx)},
            SmallVector<IteratorType>{par, par, par, par, red},
            [&](OpBuilder &bld, Location l, ValueRange args) {
              Value p = arith::MulFOp::create(bld, l, ext(bld, l, args[0]),
                                              ext(bld, l, args[1]));
              linalg::YieldOp::create(
                  bld, l,
                  arith::AddFOp::create(bld, l, args[2], p).getResult());
            })
            .getResult(0);

    // Scores t = scale * dot + mask, -inf outside the causal window.
    AffineMap id4 = rewriter.getMultiDimIdentityMap(4);
    SmallVector<Value> ins = {dots};
    SmallVector<AffineMap> maps = {id4};
    if (mask) {
      auto maskTy = cast<RankedTensorType>(mask.getType());
      int64_t offset = 4 - maskTy.getRank();
      SmallVector<AffineExpr> exprs;
      for (int64_t d = 0; d < maskTy.getRank(); ++d)
        exprs.push_back(maskTy.getDimSize(d) == 1 && scoreShape[d + offset] != 1
                            ? getAffineConstantExpr(0, ctx)
                            : dim(d + offset));
      ins.push_back(mask);
      maps.push_back(AffineMap::get(4, 0, exprs, ctx));
    }
    maps.push_back(id4);
    Value scores =
        linalg::GenericOp::create(
            rewriter, loc, dots.getType(), ins,
            ValueRange{tensor::EmptyOp::create(rewriter, loc, scoreShape, f32)},
            maps, SmallVector<IteratorType>(4, par),
            [&](OpBuilder &bld, Location l, ValueRange args) {
              Value t =
                  arith::MulFOp::create(bld, l, args[0], cst(bld, l, scale));
              if (mask)
                t = arith::AddFOp::create(bld, l, t, ext(bld, l, args[1]));
              if (Value ok = inWindow(bld, l, 3))
                t = arith::SelectOp::create(bld, l, ok, t,
                                            cst(bld, l, kNegInf));
              linalg::YieldOp::create(bld, l, t);
            })
            .getResult(0);

    // Row statistics over (b, h, i, j): m = max t (maximumf: NaN wins),
    // l = sum exp(t - m).
    SmallVector<int64_t> rowShape = {b, h, lq};
    AffineMap row = AffineMap::get(4, 0, {dim(0), dim(1), dim(2)}, ctx);
    SmallVector<IteratorType> rowReduce = {par, par, par, red};
    Value m = linalg::GenericOp::create(
                  rewriter, loc, filled(rowShape, kNegInf).getType(),
                  ValueRange{scores}, ValueRange{filled(rowShape, kNegInf)},
                  SmallVector<AffineMap>{id4, row}, rowReduce,
                  [&](OpBuilder &bld, Location l, ValueRange args) {
                    linalg::YieldOp::create(
                        bld, l,
                        arith::MaximumFOp::create(bld, l, args[1], args[0])
                            .getResult());
                  })
                  .getResult(0);
    Value sum =
        linalg::GenericOp::create(
            rewriter, loc, m.getType(), ValueRange{scores, m},
            ValueRange{filled(rowShape, 0.0f)},
            SmallVector<AffineMap>{id4, row, row}, rowReduce,
            [&](OpBuilder &bld, Location l, ValueRange args) {
              Value e = math::ExpOp::create(
                  bld, l, arith::SubFOp::create(bld, l, args[0], args[1]));
              linalg::YieldOp::create(
                  bld, l,
                  arith::AddFOp::create(bld, l, args[2], e).getResult());
            })
            .getResult(0);

    // Unnormalised output over (b, h, i, e, j): sum of exp(t - m) * v over
    // the keys in the causal window (the others are never read, so a NaN
    // in their V does not reach the row).
    SmallVector<int64_t> outShape = {b, h, lq, dv};
    Value acc =
        linalg::GenericOp::create(
            rewriter, loc, filled(outShape, 0.0f).getType(),
            ValueRange{scores, m, op.getValue()},
            ValueRange{filled(outShape, 0.0f)},
            SmallVector<AffineMap>{
                AffineMap::get(5, 0, {dim(0), dim(1), dim(2), dim(4)}, ctx),
                AffineMap::get(5, 0, {dim(0), dim(1), dim(2)}, ctx),
                AffineMap::get(5, 0, {dim(0), kvHead, dim(4), dim(3)}, ctx),
                AffineMap::get(5, 0, {dim(0), dim(1), dim(2), dim(3)}, ctx)},
            SmallVector<IteratorType>{par, par, par, par, red},
            [&](OpBuilder &bld, Location l, ValueRange args) {
              Value e = math::ExpOp::create(
                  bld, l, arith::SubFOp::create(bld, l, args[0], args[1]));
              Value r = arith::AddFOp::create(
                  bld, l, args[3],
                  arith::MulFOp::create(bld, l, e, ext(bld, l, args[2])));
              if (Value ok = inWindow(bld, l, 4))
                r = arith::SelectOp::create(bld, l, ok, r, args[3]);
              linalg::YieldOp::create(bld, l, r);
            })
            .getResult(0);

    // o = acc / l, or 0 where every score of the row is -inf.
    Type outElt = oTy.getElementType();
    AffineMap outRow = AffineMap::get(4, 0, {dim(0), dim(1), dim(2)}, ctx);
    Value out =
        linalg::GenericOp::create(
            rewriter, loc, oTy, ValueRange{acc, m, sum},
            ValueRange{
                tensor::EmptyOp::create(rewriter, loc, outShape, outElt)},
            SmallVector<AffineMap>{id4, outRow, outRow, id4},
            SmallVector<IteratorType>(4, par),
            [&](OpBuilder &bld, Location l, ValueRange args) {
              Value q = arith::DivFOp::create(bld, l, args[0], args[2]);
              Value none =
                  arith::CmpFOp::create(bld, l, arith::CmpFPredicate::OEQ,
                                        args[1], cst(bld, l, kNegInf));
              Value r =
                  arith::SelectOp::create(bld, l, none, cst(bld, l, 0.0f), q);
              if (outElt != f32)
                r = arith::TruncFOp::create(bld, l, outElt, r);
              linalg::YieldOp::create(bld, l, r);
            })
            .getResult(0);
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void qnk::populateLowerAttentionToReferencePatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerAttention>(patterns.getContext());
}
