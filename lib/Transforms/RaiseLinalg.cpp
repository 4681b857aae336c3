//===- RaiseLinalg.cpp - linalg matmuls to qnk ops
//---------------------------===//
//
// Frontends (torch-mlir, StableHLO) hand QNK linalg.matmul with a zero-filled
// accumulator, sometimes with transposed operands expressed as indexing maps.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/Passes.h"
#include "qnk/Transforms/Softmax.h"

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qnk {
#define GEN_PASS_DEF_QNKRAISELINALG
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;

namespace {

/// True if `v` is known to be all zeros (a zero fill or a zero splat).
bool isZeroTensor(Value v) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat()) ||
           matchPattern(fill.getInputs()[0], m_Zero());
  return matchPattern(v, m_AnyZeroFloat()) || matchPattern(v, m_Zero());
}

/// Classifies the operand maps of a (batch) matmul into transpose flags;
/// failure for any other maps.
LogicalResult classifyMaps(ArrayRef<AffineMap> maps, unsigned batch,
                           bool &transA, bool &transB) {
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      if (ArrayRef<AffineMap>(qnk::getMatmulIndexingMaps(
              maps[0].getContext(), batch, ta, tb)) == maps) {
        transA = ta;
        transB = tb;
        return success();
      }
  return failure();
}

template <typename LinalgOp, typename QnkOp, unsigned Batch>
struct RaiseMatmul : OpRewritePattern<LinalgOp> {
  using OpRewritePattern<LinalgOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getInputs().size() != 2)
      return rewriter.notifyMatchFailure(op, "expects tensors");
    // Only the default signed cast matches QNK's i8 semantics.
    if (op.getCast() != linalg::TypeFn::cast_signed)
      return rewriter.notifyMatchFailure(op, "unsigned cast");
    Value a = op.getInputs()[0], b = op.getInputs()[1];
    Value init = op.getOutputs()[0];
    auto cTy = cast<RankedTensorType>(init.getType());
    Type aElt = getElementTypeOrSelf(a), bElt = getElementTypeOrSelf(b);
    Type acc = qnk::getMatmulAccumulatorType(aElt, bElt);
    if (!acc || acc != cTy.getElementType())
      return rewriter.notifyMatchFailure(op, "unsupported types");
    bool transA = false, transB = false;
    if (failed(classifyMaps(op.getIndexingMapsArray(), Batch, transA, transB)))
      return rewriter.notifyMatchFailure(op, "not a plain matmul");
    Value res = QnkOp::create(rewriter, op.getLoc(), cTy, a, b, transA, transB);
    if (!isZeroTensor(init))
      res = linalg::AddOp::create(rewriter, op.getLoc(), ValueRange{res, init},
                                  ValueRange{init})
                .getResult(0);
    rewriter.replaceOp(op, res);
    return success();
  }
};

struct RaiseLinalgPass : qnk::impl::QNKRaiseLinalgBase<RaiseLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseMatmul<linalg::MatmulOp, qnk::MatmulOp, 0>,
                 RaiseMatmul<linalg::BatchMatmulOp, qnk::BatchMatmulOp, 1>>(
        &getContext());
    qnk::populateRaiseLinalgSoftmaxPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
