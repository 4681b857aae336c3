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

#include "qnk/Target/CPUTarget.h"
#include "qnk/Transforms/Epilogue.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qnk {
#define GEN_PASS_DEF_QNKDECOMPOSEEPILOGUES
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk;

namespace {

/// True if the nanokernel selected for `op` will apply its
/// dequantize/bias/activation clauses: vector kernels on their accumulator
/// registers, AMX kernels on the way from their L1 scratch block to C.
bool fusesInKernel(MatmulOp op) {
  CPUTargetAttr target = lookupCPUTarget(op);
  if (!target)
    return false;
  auto cTy = cast<RankedTensorType>(op.getC().getType());
  llvm::Expected<NanoKernelAttr> kernel = selectNanoKernel(
      target, getElementTypeOrSelf(op.getA()), getElementTypeOrSelf(op.getB()),
      cTy.getDimSize(0), /*allowAMX=*/!op.hasGroupScales());
  if (!kernel) {
    llvm::consumeError(kernel.takeError());
    return false;
  }
  return true;
}

struct DecomposeEpilogue : OpRewritePattern<MatmulOp> {
  DecomposeEpilogue(MLIRContext *ctx, bool keepFusable)
      : OpRewritePattern(ctx), keepFusable(keepFusable) {}
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasEpilogue())
      return failure();
    Location loc = op.getLoc();
    auto cTy = cast<RankedTensorType>(op.getC().getType());
    if (keepFusable && fusesInKernel(op)) {
      if (!op.getOutScale())
        return failure(); // all of it is applied in registers
      // The kernel produces f32; quantization is element-wise after it.
      auto realTy =
          RankedTensorType::get(cTy.getShape(), rewriter.getF32Type());
      auto fused = MatmulOp::create(
          rewriter, loc, realTy, op.getA(), op.getB(), op.getAScale(),
          op.getBScale(), op.getBias(), Value(), Value(), op.getAGroupScale(),
          op.getBGroupScale(), op.getTransposeAAttr(), op.getTransposeBAttr(),
          op.getActivationAttr(), op.getGroupSizeAttr());
      rewriter.replaceOpWithNewOp<QuantizeOp>(
          op, cTy, fused.getResult(), op.getOutScale(), op.getOutZeroPoint(),
          IntegerAttr(), IntegerAttr());
      return success();
    }
    MLIRContext *ctx = op.getContext();
    // Group scales belong to the reduction: they stay on the matmul, whose
    // sums are then f32.
    Type acc = op.hasGroupScales()
                   ? rewriter.getF32Type()
                   : getMatmulAccumulatorType(getElementTypeOrSelf(op.getA()),
                                              getElementTypeOrSelf(op.getB()));
    auto accTy = RankedTensorType::get(cTy.getShape(), acc);
    Value sum = MatmulOp::create(rewriter, loc, accTy, op.getA(), op.getB(),
                                 Value(), Value(), Value(), Value(), Value(),
                                 op.getAGroupScale(), op.getBGroupScale(),
                                 op.getTransposeAAttr(), op.getTransposeBAttr(),
                                 ActivationAttr(), op.getGroupSizeAttr());

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
                         v = applyActivation(b, l, *act, v);
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

private:
  bool keepFusable;
};

struct DecomposeEpiloguesPass
    : qnk::impl::QNKDecomposeEpiloguesBase<DecomposeEpiloguesPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeEpilogue>(&getContext(), keepFusable);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // erf, tanh and exp as polynomials: the same code in both pipelines and
    // no library call in the objects qnk-compile makes.
    RewritePatternSet approx(&getContext());
    populateEpilogueMathPatterns(approx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(approx))))
      signalPassFailure();
  }
};

} // namespace
