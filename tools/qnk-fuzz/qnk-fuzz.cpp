//===- qnk-fuzz.cpp - libFuzzer target over QNK's parser and pipelines ----===//
//
// Parses each input as MLIR with every dialect qnk-opt knows, and runs what
// parses and verifies through QNK's pipelines (the fast CPU pipeline for an
// AVX2 and an AVX-512/AMX target and once with target, block sizes and
// threads picked by a hash of the input, the reference pipeline, the LLVM
// lowering) and each QNK pass alone. Diagnostics are swallowed: an error is
// a fine answer to odd IR, a crash, an assert or undefined behaviour is not.
// Nothing is executed.
//
//===----------------------------------------------------------------------===//

#include "qnk/InitAll.h"
#include "qnk/Pipelines/Pipelines.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/xxhash.h"

#include <array>
#include <cstdint>
#include <functional>
#include <string>

using namespace mlir;

namespace {
// Pipelines are linear in the IR but not in static sizes everywhere
// (constant folding, vector unrolling): beyond these an input is skipped
// after parsing and verification, which still run on everything.
constexpr int64_t kMaxShapedElements = int64_t(1) << 20;
constexpr int64_t kMaxVectorElements = 4096;
constexpr int64_t kMaxOps = 400;

/// False if `type` (or a type nested in it) is a shape too large to compile
/// quickly.
bool isSmallType(Type type) {
  bool small = true;
  type.walk([&](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    if (!shaped || !shaped.hasRank())
      return;
    int64_t limit =
        isa<VectorType>(t) ? kMaxVectorElements : kMaxShapedElements;
    int64_t n = 1;
    for (int64_t d : shaped.getShape()) {
      if (ShapedType::isDynamic(d))
        continue;
      if (d > limit || (d > 0 && n > limit / d)) {
        small = false;
        return;
      }
      n *= d;
    }
  });
  return small;
}

bool isSmallModule(ModuleOp module) {
  int64_t ops = 0;
  bool small = true;
  module->walk([&](Operation *op) {
    if (++ops > kMaxOps) {
      small = false;
      return WalkResult::interrupt();
    }
    auto check = [&](Type t) { small &= isSmallType(t); };
    for (Type t : op->getOperandTypes())
      check(t);
    for (Type t : op->getResultTypes())
      check(t);
    for (Region &r : op->getRegions())
      for (Block &b : r)
        for (BlockArgument arg : b.getArguments())
          check(arg.getType());
    // Function signatures, dense constants, type attributes.
    op->getAttrDictionary().walk([&](Type t) { check(t); });
    return small ? WalkResult::advance() : WalkResult::interrupt();
  });
  return small;
}

/// Runs the passes `build` adds on a copy of `module`; the outcome is
/// ignored (failures come with diagnostics, which the handler drops).
void runOnCopy(ModuleOp module,
               const std::function<void(OpPassManager &)> &build) {
  OwningOpRef<ModuleOp> copy = module.clone();
  PassManager pm(module.getContext(), ModuleOp::getOperationName(),
                 OpPassManager::Nesting::Implicit);
  build(pm);
  (void)pm.run(*copy);
}

const DialectRegistry &getRegistry() {
  static const DialectRegistry *registry = [] {
    auto *r = new DialectRegistry;
    qnk::registerAllDialects(*r);
    return r;
  }();
  return *registry;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh single-threaded context per input: nothing carries over between
  // inputs (so each crash reproduces alone) and no thread pool is started.
  MLIRContext ctx(getRegistry(), MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler drop(&ctx, [](Diagnostic &) { return success(); });

  // Copied so the parser sees a NUL-terminated buffer like a file's.
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
  if (!module || !isSmallModule(*module))
    return 0;

  for (const char *target : {"x86-64-v3", "sapphirerapids"}) {
    runOnCopy(*module, [&](OpPassManager &pm) {
      qnk::CPUPipelineOptions opts;
      opts.target = target;
      qnk::buildCPUPipeline(pm, opts);
    });
  }
  // Once more with the options a user may set, chosen by a hash of the
  // input so that each input reproduces alone.
  runOnCopy(*module, [&](OpPassManager &pm) {
    uint64_t h = llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(data, size));
    auto pick = [&](auto choices) {
      auto c = choices[h % choices.size()];
      h /= choices.size();
      return c;
    };
    qnk::CPUPipelineOptions opts;
    opts.target = pick(std::array<const char *, 5>{
        "x86-64", "haswell", "znver4", "cascadelake", "alderlake"});
    opts.kc = pick(std::array<int64_t, 5>{0, 1, 2, 3, 64});
    opts.mc = pick(std::array<int64_t, 4>{0, 1, 5, 33});
    opts.nc = pick(std::array<int64_t, 4>{0, 1, 7, 24});
    opts.threads = pick(std::array<int64_t, 3>{1, 2, 3});
    qnk::buildCPUPipeline(pm, opts);
  });
  runOnCopy(*module, [](OpPassManager &pm) {
    qnk::CPUPipelineOptions opts;
    opts.target = "x86-64-v3";
    qnk::buildReferencePipeline(pm, opts);
  });
  runOnCopy(*module, [](OpPassManager &pm) {
    qnk::buildLowerToLLVMPipeline(pm, /*threads=*/1);
  });
  // Each QNK pass alone, on the input's own (possibly fuzzed) qnk.target and
  // packed ops, as the lit tests drive them.
  runOnCopy(*module,
            [](OpPassManager &pm) { pm.addPass(qnk::createQNKRaiseLinalg()); });
  runOnCopy(*module, [](OpPassManager &pm) {
    pm.addPass(qnk::createQNKLowerToReference());
  });
  runOnCopy(*module,
            [](OpPassManager &pm) { pm.addPass(qnk::createQNKPack()); });
  runOnCopy(*module, [](OpPassManager &pm) {
    qnk::QNKTileOptions opts;
    opts.threads = 2;
    pm.addPass(qnk::createQNKTile(opts));
  });
  runOnCopy(*module, [](OpPassManager &pm) {
    pm.addPass(qnk::createQNKComposeNanokernels());
  });
  runOnCopy(*module,
            [](OpPassManager &pm) { pm.addPass(qnk::createQNKLowerPack()); });
  runOnCopy(*module, [](OpPassManager &pm) {
    pm.addPass(qnk::createQNKInlineAllocaScopes());
  });
  runOnCopy(*module, [](OpPassManager &pm) {
    pm.addPass(qnk::createQNKAnnotateLLVMTarget());
  });
  return 0;
}
