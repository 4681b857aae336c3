//===- LowerToReference.cpp - qnk ops to their defining linalg/arith
//---------===//
//
// The oracle: states each op's semantics as directly as possible, with no
// concern for speed.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/Attention.h"
#include "qnk/Transforms/FloatDecode.h"
#include "qnk/Transforms/GroupScales.h"
#include "qnk/Transforms/Passes.h"
#include "qnk/Transforms/Relabel.h"
#include "qnk/Transforms/Softmax.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qnk {
#define GEN_PASS_DEF_QNKLOWERTOREFERENCE
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;

namespace {

/// Widens a scalar of an operand element type to the accumulator type.
/// `isUnsigned` marks unsigned operands (already relabelled signless).
Value widen(OpBuilder &b, Location loc, Value v, Type acc, bool isUnsigned) {
  if (v.getType() == acc)
    return v;
  if (qnk::isFp8(v.getType()) || qnk::isFp4(v.getType())) {
    Value vec = vector::BroadcastOp::create(
        b, loc, VectorType::get({1}, v.getType()), v);
    Value wide = qnk::isFp8(v.getType()) ? qnk::decodeFp8(b, loc, vec, acc)
                                         : qnk::decodeFp4E2M1(b, loc, vec, acc);
    return vector::ExtractOp::create(b, loc, wide, 0);
  }
  if (isa<FloatType>(acc) && isa<IntegerType>(v.getType()))
    return isUnsigned ? arith::UIToFPOp::create(b, loc, acc, v).getResult()
                      : arith::SIToFPOp::create(b, loc, acc, v).getResult();
  if (isa<FloatType>(acc))
    return arith::ExtFOp::create(b, loc, acc, v);
  if (isUnsigned)
    return arith::ExtUIOp::create(b, loc, acc, v);
  return arith::ExtSIOp::create(b, loc, acc, v);
}

/// An unsigned integer scalar as the signless one with the same bits.
Value toSignless(OpBuilder &b, Location loc, Value v) {
  Type t = v.getType();
  return t.isUnsignedInteger()
             ? qnk::relabelScalar(b, loc, v, qnk::signlessOf(t))
             : v;
}

/// The product sum of one group (exact in i32 for integer pairs).
Value multiplyAdd(OpBuilder &b, Location l, ValueRange args, Type acc,
                  bool aUnsigned, bool bUnsigned) {
  Value x = widen(b, l, toSignless(b, l, args[0]), acc, aUnsigned);
  Value y = widen(b, l, toSignless(b, l, args[1]), acc, bUnsigned);
  if (isa<FloatType>(acc))
    return arith::AddFOp::create(b, l, args.back(),
                                 arith::MulFOp::create(b, l, x, y));
  return arith::AddIOp::create(b, l, args.back(),
                               arith::MulIOp::create(b, l, x, y));
}

/// A matmul with group scales, as docs/numerics.md states it: the products
/// of each group summed exactly into P[m, n, g], then
/// acc = fma(f32(P[m, n, g]), sa[m, g] * sb[g, n], acc) in group order.
LogicalResult lowerGroupScaled(qnk::MatmulOp op, PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  auto cTy = cast<RankedTensorType>(op.getC().getType());
  Type aElt = getElementTypeOrSelf(op.getA()),
       bElt = getElementTypeOrSelf(op.getB());
  Type acc = qnk::getMatmulAccumulatorType(aElt, bElt);
  int64_t g = *op.getGroupSize();
  int64_t k = cast<RankedTensorType>(op.getA().getType())
                  .getDimSize(op.getTransposeA() ? 0 : 1);
  int64_t m = cTy.getDimSize(0), n = cTy.getDimSize(1), groups = k / g;

  // (m, n, group, k within the group); the [G] operand only gives the last
  // loop its extent.
  AffineExpr dm = getAffineDimExpr(0, ctx), dn = getAffineDimExpr(1, ctx),
             dg = getAffineDimExpr(2, ctx), dk = getAffineDimExpr(3, ctx);
  AffineExpr kk = dg * g + dk;
  auto map = [&](ArrayRef<AffineExpr> e) {
    return AffineMap::get(4, 0, e, ctx);
  };
  SmallVector<AffineMap> maps = {
      op.getTransposeA() ? map({kk, dm}) : map({dm, kk}),
      op.getTransposeB() ? map({dn, kk}) : map({kk, dn}), map({dk}),
      map({dm, dn, dg})};
  Value extent =
      tensor::EmptyOp::create(rewriter, loc, {g}, rewriter.getI8Type());
  Value zero =
      arith::ConstantOp::create(rewriter, loc, acc, rewriter.getZeroAttr(acc));
  Value sums = linalg::FillOp::create(rewriter, loc, zero,
                                      ValueRange{tensor::EmptyOp::create(
                                          rewriter, loc, {m, n, groups}, acc)})
                   .getResult(0);
  bool aUnsigned = aElt.isUnsignedInteger(),
       bUnsigned = bElt.isUnsignedInteger();
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  iters.back() = utils::IteratorType::reduction;
  sums = linalg::GenericOp::create(
             rewriter, loc, TypeRange{sums.getType()},
             ValueRange{op.getA(), op.getB(), extent}, ValueRange{sums}, maps,
             iters,
             [&](OpBuilder &b, Location l, ValueRange args) {
               linalg::YieldOp::create(b, l,
                                       multiplyAdd(b, l,
                                                   {args[0], args[1], args[3]},
                                                   acc, aUnsigned, bUnsigned));
             })
             .getResult(0);

  auto [sa, sb] = qnk::canonicalGroupScales(rewriter, loc, op);
  Type f32 = rewriter.getF32Type();
  Value out =
      linalg::FillOp::create(
          rewriter, loc,
          ValueRange{arith::ConstantOp::create(rewriter, loc, f32,
                                               rewriter.getF32FloatAttr(0))},
          ValueRange{tensor::EmptyOp::create(rewriter, loc, {m, n}, f32)})
          .getResult(0);
  auto map3 = [&](ArrayRef<AffineExpr> e) {
    return AffineMap::get(3, 0, e, ctx);
  };
  SmallVector<Value> ins = {sums};
  SmallVector<AffineMap> maps3 = {map3({dm, dn, dg})};
  if (sa) {
    ins.push_back(sa);
    maps3.push_back(map3({dm, dg}));
  }
  if (sb) {
    ins.push_back(sb);
    maps3.push_back(map3({dg, dn}));
  }
  maps3.push_back(map3({dm, dn}));
  SmallVector<utils::IteratorType> iters3(3, utils::IteratorType::parallel);
  iters3.back() = utils::IteratorType::reduction;
  Value result =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{cTy}, ins, ValueRange{out}, maps3, iters3,
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value p = args[0];
            if (!p.getType().isF32())
              p = arith::SIToFPOp::create(b, l, b.getF32Type(), p);
            Value scale = args[1];
            if (sa && sb)
              scale = arith::MulFOp::create(b, l, args[1], args[2]);
            linalg::YieldOp::create(
                b, l,
                ValueRange{math::FmaOp::create(b, l, p, scale, args.back())});
          })
          .getResult(0);
  rewriter.replaceOp(op, result);
  return success();
}

template <typename QnkOp, unsigned Batch>
struct LowerMatmul : OpRewritePattern<QnkOp> {
  using OpRewritePattern<QnkOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(QnkOp op,
                                PatternRewriter &rewriter) const override {
    if constexpr (std::is_same_v<QnkOp, qnk::MatmulOp>) {
      if (op.hasEpilogue())
        return rewriter.notifyMatchFailure(op, "epilogues are decomposed "
                                               "first");
      if (op.hasGroupScales())
        return lowerGroupScaled(op, rewriter);
    }
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto cTy = cast<RankedTensorType>(op.getC().getType());
    Type acc = cTy.getElementType();
    bool aUnsigned = getElementTypeOrSelf(op.getA()).isUnsignedInteger();
    bool bUnsigned = getElementTypeOrSelf(op.getB()).isUnsignedInteger();
    Value a = op.getA(), b = op.getB();

    Value zero = arith::ConstantOp::create(rewriter, loc, acc,
                                           rewriter.getZeroAttr(acc));
    Value empty = tensor::EmptyOp::create(rewriter, loc, cTy.getShape(), acc);
    Value init =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);

    unsigned nd = Batch + 3;
    SmallVector<AffineMap, 3> maps = qnk::getMatmulIndexingMaps(
        ctx, Batch, op.getTransposeA(), op.getTransposeB());
    SmallVector<utils::IteratorType> iters(nd, utils::IteratorType::parallel);
    iters.back() = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, cTy, ValueRange{a, b}, ValueRange{init}, maps, iters,
        [&](OpBuilder &nb, Location l, ValueRange args) {
          linalg::YieldOp::create(
              nb, l, multiplyAdd(nb, l, args, acc, aUnsigned, bUnsigned));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct LowerToReferencePass
    : qnk::impl::QNKLowerToReferenceBase<LowerToReferencePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns
        .add<LowerMatmul<qnk::MatmulOp, 0>, LowerMatmul<qnk::BatchMatmulOp, 1>>(
            &getContext());
    qnk::populateLowerSoftmaxToReferencePatterns(patterns);
    qnk::populateLowerAttentionToReferencePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult left = getOperation()->walk([](qnk::MatmulOp op) {
      op.emitOpError("has an epilogue: run qnk-decompose-epilogues first");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
