//===- LegalizeBF16.cpp - bf16 conversions without library calls ----------===//

#include "qnk/Target/CPUTarget.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qnk {
#define GEN_PASS_DEF_QNKLEGALIZEBF16
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;

namespace {
struct LegalizeBF16Pass : qnk::impl::QNKLegalizeBF16Base<LegalizeBF16Pass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    qnk::CPUTargetAttr target = qnk::lookupCPUTarget(module);
    // Native conversions (vcvtneps2bf16) need no help.
    if (target && target.hasFeature("avx512bf16"))
      return;
    RewritePatternSet patterns(&getContext());
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
