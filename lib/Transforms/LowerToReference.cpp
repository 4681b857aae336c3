//===- LowerToReference.cpp - qnk ops to their defining linalg/arith
//---------===//
//
// The oracle: states each op's semantics as directly as possible, with no
// concern for speed.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/FloatDecode.h"
#include "qnk/Transforms/Passes.h"
#include "qnk/Transforms/Relabel.h"
#include "qnk/Transforms/Softmax.h"

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
  if (qnk::isFp8(v.getType())) {
    Value vec = vector::BroadcastOp::create(
        b, loc, VectorType::get({1}, v.getType()), v);
    return vector::ExtractOp::create(b, loc, qnk::decodeFp8(b, loc, vec, acc),
                                     0);
  }
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

template <typename QnkOp, unsigned Batch>
struct LowerMatmul : OpRewritePattern<QnkOp> {
  using OpRewritePattern<QnkOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(QnkOp op,
                                PatternRewriter &rewriter) const override {
    if constexpr (std::is_same_v<QnkOp, qnk::MatmulOp>)
      if (op.hasEpilogue())
        return rewriter.notifyMatchFailure(op, "epilogues are decomposed "
                                               "first");
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
          Value x = widen(nb, l, toSignless(nb, l, args[0]), acc, aUnsigned);
          Value y = widen(nb, l, toSignless(nb, l, args[1]), acc, bUnsigned);
          Value r;
          if (isa<FloatType>(acc))
            r = arith::AddFOp::create(nb, l, args[2],
                                      arith::MulFOp::create(nb, l, x, y));
          else
            r = arith::AddIOp::create(nb, l, args[2],
                                      arith::MulIOp::create(nb, l, x, y));
          linalg::YieldOp::create(nb, l, r);
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
