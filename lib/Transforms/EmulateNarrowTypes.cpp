//===- EmulateNarrowTypes.cpp - 4-bit buffers packed two per byte --------===//
//
// Upstream MLIR's narrow-type emulation does the work; this pass only picks
// the pieces QNK's pipelines need (memref and vector accesses, function
// boundaries, 8-bit containers) and then turns the widening of loaded nibbles
// into shifts on whole bytes.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/Passes.h"
#include "qnk/Transforms/Relabel.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/NarrowTypeEmulationConverter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qnk {
#define GEN_PASS_DEF_QNKEMULATENARROWTYPES
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;

namespace {

bool isSubByteMemRef(Type t) {
  auto mt = dyn_cast<MemRefType>(t);
  return mt && mt.getElementType().isIntOrFloat() &&
         mt.getElementType().getIntOrFloatBitWidth() < 8;
}

/// Upstream keeps signedness in the byte buffers (ui4 -> ui8) and then
/// shifts them with arith ops, which take signless integers only. Unsigned
/// 4-bit function arguments are therefore accessed as signless and what is
/// loaded or stored is relabelled (bit-identical).
LogicalResult relabelUnsignedArguments(func::FuncOp fn) {
  if (fn.isExternal())
    return success();
  OpBuilder b(fn.getContext());
  bool changed = false;
  for (BlockArgument arg : fn.getArguments()) {
    // Non-memref arguments (indices) have no MemRefType to test.
    if (!isSubByteMemRef(arg.getType()))
      continue;
    auto ty = cast<MemRefType>(arg.getType());
    if (!ty.getElementType().isUnsignedInteger())
      continue;
    Type unsignedElt = ty.getElementType();
    Type signless = b.getIntegerType(unsignedElt.getIntOrFloatBitWidth());
    arg.setType(ty.clone(signless));
    changed = true;
    for (Operation *user : llvm::make_early_inc_range(arg.getUsers())) {
      b.setInsertionPoint(user);
      Location loc = user->getLoc();
      Value relabelled;
      if (auto load = dyn_cast<memref::LoadOp>(user)) {
        Value v = memref::LoadOp::create(b, loc, arg, load.getIndices());
        relabelled = qnk::relabelScalar(b, loc, v, unsignedElt);
      } else if (auto load = dyn_cast<vector::LoadOp>(user)) {
        VectorType vt = load.getVectorType();
        Value v = vector::LoadOp::create(b, loc, vt.clone(signless), arg,
                                         load.getIndices());
        relabelled = vector::BitCastOp::create(b, loc, vt, v);
      } else if (auto store = dyn_cast<memref::StoreOp>(user)) {
        Value v = qnk::relabelScalar(b, loc, store.getValue(), signless);
        memref::StoreOp::create(b, loc, v, arg, store.getIndices());
        user->erase();
        continue;
      } else {
        return user->emitOpError("accesses an unsigned 4-bit buffer in a way "
                                 "the narrow-type emulation cannot relabel");
      }
      user->getResult(0).replaceAllUsesWith(relabelled);
      user->erase();
    }
  }
  if (changed)
    fn.setFunctionType(FunctionType::get(fn.getContext(),
                                         fn.getBody().getArgumentTypes(),
                                         fn.getFunctionType().getResults()));
  return success();
}

/// The emulation reads the strides of the original buffer through
/// memref.extract_strided_metadata, which upstream resolves for allocations
/// but not for function arguments. With static shapes the strides fold to
/// constants and the op is left unused: erase it.
struct EraseUnusedStridedMetadata
    : OpConversionPattern<memref::ExtractStridedMetadataOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(memref::ExtractStridedMetadataOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!op->use_empty())
      return rewriter.notifyMatchFailure(op, "strides are still used");
    rewriter.eraseOp(op);
    return success();
  }
};

struct EmulateNarrowTypesPass
    : qnk::impl::QNKEmulateNarrowTypesBase<EmulateNarrowTypesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    // Nothing to do (and no conversion to risk) without sub-byte buffers.
    bool any = false;
    SmallVector<Operation *> accesses;
    module.walk([&](Operation *op) {
      if (llvm::any_of(op->getOperandTypes(), isSubByteMemRef)) {
        any = true;
        accesses.push_back(op);
      }
      if (auto fn = dyn_cast<FunctionOpInterface>(op))
        any |= llvm::any_of(fn.getArgumentTypes(), isSubByteMemRef);
    });
    if (!any)
      return;

    // The emulation linearizes whole buffers: fold views of sub-byte buffers
    // into the loads that read through them (only those, so other code is
    // left as the earlier passes built it).
    RewritePatternSet folds(ctx);
    memref::populateFoldMemRefAliasOpPatterns(folds);
    if (failed(applyOpPatternsGreedily(accesses, std::move(folds))))
      return signalPassFailure();
    for (auto fn : module.getOps<func::FuncOp>())
      if (failed(relabelUnsignedArguments(fn)))
        return signalPassFailure();

    // Bytes are the container; 4-bit values stay 4-bit in registers (only
    // memory changes), so no scalar or vector type conversion is added.
    arith::NarrowTypeEmulationConverter converter(8);
    memref::populateMemRefNarrowTypeEmulationConversions(converter);

    ConversionTarget target(*ctx);
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType());
    });
    auto legal = [&](Operation *op) { return converter.isLegal(op); };
    target.addDynamicallyLegalOp<func::CallOp, func::ReturnOp>(legal);

    target.addDynamicallyLegalDialect<
        arith::ArithDialect, vector::VectorDialect, memref::MemRefDialect,
        affine::AffineDialect>(legal);

    RewritePatternSet patterns(ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    patterns.add<EraseUnusedStridedMetadata>(converter, ctx);
    memref::populateMemRefNarrowTypeEmulationPatterns(converter, patterns);
    vector::populateMemRefFlattenAndVectorNarrowTypeEmulationPatterns(converter,
                                                                      patterns);
    if (failed(applyPartialConversion(module, target, std::move(patterns)))) {
      module.emitError("cannot store the module's 4-bit buffers packed two "
                       "per byte (an access kind without narrow-type "
                       "emulation?)");
      return signalPassFailure();
    }

    // An access left on a 4-bit buffer would be read one byte per element.
    WalkResult left = module.walk([&](Operation *op) {
      if (llvm::any_of(op->getOperandTypes(), isSubByteMemRef)) {
        op->emitOpError("still accesses a 4-bit buffer after narrow-type "
                        "emulation (dynamic shape or non-unit inner stride?)");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      return signalPassFailure();

    // ext(bitcast(bytes -> nibbles)) into byte shifts and masks. Only those
    // widenings: the patterns would also fold bit casts that relabel
    // signedness, which arith cannot take.
    SmallVector<Operation *> widenings;
    module.walk([&](Operation *op) {
      if (!isa<arith::ExtSIOp, arith::ExtUIOp>(op))
        return;
      auto cast = op->getOperand(0).getDefiningOp<vector::BitCastOp>();
      if (cast &&
          cast.getSourceVectorType().getElementType().isSignlessInteger(8) &&
          cast.getResultVectorType().getElementTypeBitWidth() < 8)
        widenings.push_back(op);
    });
    RewritePatternSet rewrites(ctx);
    vector::populateVectorNarrowTypeRewritePatterns(rewrites);
    if (failed(applyOpPatternsGreedily(widenings, std::move(rewrites))))
      return signalPassFailure();
  }
};

} // namespace
