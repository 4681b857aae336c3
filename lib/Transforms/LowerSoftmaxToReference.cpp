//===- LowerSoftmaxToReference.cpp - qnk.softmax as plain linalg ----------===//
//
// The oracle for softmax: three passes over the input, each one
// linalg.generic, stating docs/numerics.md directly (no online rescaling, no
// polynomial exp).
//
//===----------------------------------------------------------------------===//

#include "qnk/Dialect/QNK/IR/QNK.h"
#include "qnk/Transforms/Softmax.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;

namespace {

struct LowerSoftmax : OpRewritePattern<qnk::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(qnk::SoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto inTy = cast<RankedTensorType>(op.getInput().getType());
    auto outTy = cast<RankedTensorType>(op.getResult().getType());
    unsigned rank = inTy.getRank();
    unsigned axis = op.getAxis();
    Type f32 = rewriter.getF32Type();
    Value mask = op.getMask();
    std::optional<APFloat> scale = op.getScale();

    // Maps over the input's iteration space: the input itself, the row
    // statistics (axis dropped) and the mask (broadcast dims pinned to 0).
    AffineMap full = rewriter.getMultiDimIdentityMap(rank);
    AffineMap row = full.dropResult(axis);
    SmallVector<Value> ins = {op.getInput()};
    SmallVector<AffineMap> inMaps = {full};
    if (mask) {
      auto maskTy = cast<RankedTensorType>(mask.getType());
      SmallVector<AffineExpr> exprs;
      for (unsigned d = 0; d < rank; ++d)
        exprs.push_back(maskTy.getDimSize(d) == 1 && inTy.getDimSize(d) != 1
                            ? getAffineConstantExpr(0, ctx)
                            : getAffineDimExpr(d, ctx));
      ins.push_back(mask);
      inMaps.push_back(AffineMap::get(rank, 0, exprs, ctx));
    }
    // t = scale * x + mask in f32, from the block arguments of ins.
    auto logit = [&](OpBuilder &b, Location l, ValueRange args) -> Value {
      Value t = args[0];
      if (t.getType() != f32)
        t = arith::ExtFOp::create(b, l, f32, t);
      if (scale)
        t = arith::MulFOp::create(
            b, l, t,
            arith::ConstantOp::create(
                b, l, b.getF32FloatAttr(scale->convertToFloat())));
      if (mask) {
        Value m = args[1];
        if (m.getType() != f32)
          m = arith::ExtFOp::create(b, l, f32, m);
        t = arith::AddFOp::create(b, l, t, m);
      }
      return t;
    };
    auto constant = [&](float v) -> Value {
      return arith::ConstantOp::create(rewriter, loc,
                                       rewriter.getF32FloatAttr(v));
    };
    SmallVector<int64_t> rowShape(inTy.getShape());
    rowShape.erase(rowShape.begin() + axis);
    auto filled = [&](float v) -> Value {
      Value empty = tensor::EmptyOp::create(rewriter, loc, rowShape, f32);
      return linalg::FillOp::create(rewriter, loc, constant(v), empty)
          .getResult(0);
    };
    SmallVector<utils::IteratorType> reduce(rank,
                                            utils::IteratorType::parallel);
    reduce[axis] = utils::IteratorType::reduction;
    SmallVector<utils::IteratorType> parallel(rank,
                                              utils::IteratorType::parallel);
    const float negInf = -std::numeric_limits<float>::infinity();
    unsigned n = ins.size();

    // Pass 1: m = max t (maximumf: a NaN makes m NaN).
    SmallVector<AffineMap> maps = inMaps;
    maps.push_back(row);
    Value m =
        linalg::GenericOp::create(
            rewriter, loc, filled(negInf).getType(), ins,
            ValueRange{filled(negInf)}, maps, reduce,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value t = logit(b, l, args);
              linalg::YieldOp::create(
                  b, l,
                  arith::MaximumFOp::create(b, l, args[n], t).getResult());
            })
            .getResult(0);

    // Pass 2: s = sum exp(t - m).
    SmallVector<Value> ins2 = ins;
    ins2.push_back(m);
    maps = inMaps;
    maps.append({row, row});
    Value s =
        linalg::GenericOp::create(
            rewriter, loc, m.getType(), ins2, ValueRange{filled(0.0f)}, maps,
            reduce,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value t = logit(b, l, args);
              Value e = math::ExpOp::create(
                  b, l, arith::SubFOp::create(b, l, t, args[n]));
              linalg::YieldOp::create(
                  b, l,
                  arith::AddFOp::create(b, l, args[n + 1], e).getResult());
            })
            .getResult(0);

    // Pass 3: y = exp(t - m) / s, or 0 where the whole row is -inf.
    SmallVector<Value> ins3 = ins2;
    ins3.push_back(s);
    maps = inMaps;
    maps.append({row, row, full});
    Value init = tensor::EmptyOp::create(rewriter, loc, outTy.getShape(),
                                         outTy.getElementType());
    Type outElt = outTy.getElementType();
    Value y =
        linalg::GenericOp::create(
            rewriter, loc, outTy, ins3, ValueRange{init}, maps, parallel,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value t = logit(b, l, args);
              Value mv = args[n], sv = args[n + 1];
              Value e =
                  math::ExpOp::create(b, l, arith::SubFOp::create(b, l, t, mv));
              Value q = arith::DivFOp::create(b, l, e, sv);
              Value masked = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OEQ, mv,
                  arith::ConstantOp::create(b, l, b.getF32FloatAttr(negInf)));
              Value r = arith::SelectOp::create(
                  b, l, masked,
                  arith::ConstantOp::create(b, l, b.getF32FloatAttr(0)), q);
              if (outElt != f32)
                r = arith::TruncFOp::create(b, l, outElt, r);
              linalg::YieldOp::create(b, l, r);
            })
            .getResult(0);
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void qnk::populateLowerSoftmaxToReferencePatterns(RewritePatternSet &patterns) {
  patterns.add<LowerSoftmax>(patterns.getContext());
}
