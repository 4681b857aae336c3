//===- CopyRepeatedResults.cpp - one tensor per function result -----------===//
//
// Upstream's buffer-results-to-out-params (LLVM 22) crashes on a function
// that returns one value twice (found by qnk-fuzz on `return %c, %c`). Each
// repeated result becomes a copy, so every result owns its buffer.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace qnk {
#define GEN_PASS_DEF_QNKCOPYREPEATEDRESULTS
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;

namespace {
struct CopyRepeatedResultsPass
    : qnk::impl::QNKCopyRepeatedResultsBase<CopyRepeatedResultsPass> {
  void runOnOperation() override {
    getOperation()->walk([](func::ReturnOp ret) {
      OpBuilder b(ret);
      Location loc = ret.getLoc();
      llvm::SmallPtrSet<Value, 4> seen;
      for (OpOperand &result : ret->getOpOperands()) {
        Value v = result.get();
        auto ty = dyn_cast<RankedTensorType>(v.getType());
        if (seen.insert(v).second || !ty)
          continue;
        Value empty = tensor::EmptyOp::create(
            b, loc, tensor::getMixedSizes(b, loc, v), ty.getElementType());
        result.set(linalg::CopyOp::create(b, loc, v, empty).getResult(0));
      }
    });
  }
};
} // namespace
