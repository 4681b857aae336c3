//===- RaiseLinalgSoftmax.cpp - linalg.softmax to qnk.softmax -------------===//
//
// Frontends (torch-mlir's aten._softmax) produce linalg.softmax; raising it
// gives it qnk.softmax's fast lowering and its stated numerics (which agree
// with linalg.softmax's except that a row of all -inf gives zeros, not NaN).
//
//===----------------------------------------------------------------------===//

#include "qnk/Dialect/QNK/IR/QNK.h"
#include "qnk/Transforms/Softmax.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;

namespace {

struct RaiseSoftmax : OpRewritePattern<linalg::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::SoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    auto inTy = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto outTy = dyn_cast<RankedTensorType>(op.getOutput().getType());
    if (!inTy || !outTy || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "expects tensors");
    Type in = inTy.getElementType(), out = outTy.getElementType();
    if (!(in.isF32() || in.isBF16() || in.isF16()) ||
        !(out == in || out.isF32()) || !inTy.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "unsupported types");
    // linalg.softmax only writes its output operand, so its contents do not
    // matter.
    rewriter.replaceOpWithNewOp<qnk::SoftmaxOp>(
        op, outTy, op.getInput(), /*mask=*/Value(), op.getDimension(),
        /*scale=*/FloatAttr());
    return success();
  }
};

} // namespace

void qnk::populateRaiseLinalgSoftmaxPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseSoftmax>(patterns.getContext());
}
