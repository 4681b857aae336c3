//===- SetTarget.cpp - Resolve the target and attach it
//----------------------===//

#include "qnk/Target/CPUTarget.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace qnk {
#define GEN_PASS_DEF_QNKSETTARGET
#define GEN_PASS_DEF_QNKANNOTATELLVMTARGET
#define GEN_PASS_DEF_QNKINLINEALLOCASCOPES
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;

namespace {
struct SetTargetPass : qnk::impl::QNKSetTargetBase<SetTargetPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::vector<std::string> overrides(features.begin(), features.end());
    llvm::Expected<qnk::CPUTargetAttr> t =
        qnk::resolveCPUTarget(&getContext(), target, overrides);
    if (!t) {
      module.emitError() << llvm::toString(t.takeError());
      return signalPassFailure();
    }
    module->setAttr(qnk::kTargetAttrName, *t);
  }
};

struct InlineAllocaScopesPass
    : qnk::impl::QNKInlineAllocaScopesBase<InlineAllocaScopesPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation()->walk([&](memref::AllocaScopeOp op) {
      bool stack = op->walk([](memref::AllocaOp) {
                       return WalkResult::interrupt();
                     }).wasInterrupted();
      if (!stack && op.getNumResults() == 0)
        scopes.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocaScopeOp op : scopes) {
      Block *body = &op.getBodyRegion().front();
      rewriter.eraseOp(body->getTerminator());
      rewriter.inlineBlockBefore(body, op);
      rewriter.eraseOp(op);
    }
  }
};

struct AnnotateLLVMTargetPass
    : qnk::impl::QNKAnnotateLLVMTargetBase<AnnotateLLVMTargetPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    qnk::CPUTargetAttr t = qnk::lookupCPUTarget(module);
    if (!t)
      return;
    MLIRContext *ctx = &getContext();
    SmallVector<StringRef> list;
    t.getFeatures().split(list, ',', -1, false);
    std::vector<std::string> enabled;
    for (StringRef f : list)
      enabled.push_back(f.drop_front().str()); // drop the '+'
    std::vector<std::string> feats = qnk::codegenFeatures(t.getCpu(), enabled);
    auto featAttr = LLVM::TargetFeaturesAttr::get(
        ctx, SmallVector<StringRef>(feats.begin(), feats.end()));
    module.walk([&](LLVM::LLVMFuncOp fn) {
      fn.setTargetCpuAttr(StringAttr::get(ctx, t.getCpu()));
      fn.setTargetFeaturesAttr(featAttr);
    });
    // The module is pure LLVM dialect now: tools without QNK must read it.
    module->removeAttr(qnk::kTargetAttrName);
  }
};
} // namespace
