//===- Pack.cpp - Pack matmul operands into nanokernel panels
//----------------===//

#include "qnk/Target/CPUTarget.h"
#include "qnk/Transforms/GroupScales.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace qnk {
#define GEN_PASS_DEF_QNKPACK
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk;

namespace {

/// Packs `src` (logical rows of `rows` elements along panelDim, K along the
/// other) into panels of `tile` rows for `kernel`, widening to its operand
/// type. `batch` is the leading batch size or 0. `biasToUnsigned` stores
/// s8 values + 128 (vpdpbusd's unsigned operand).
Value packOperand(OpBuilder &b, Location loc, Value src, int64_t panelDim,
                  int64_t tile, int64_t kr, int64_t kPad, NanoKernelAttr kernel,
                  int64_t batch, bool biasToUnsigned = false) {
  auto srcTy = cast<RankedTensorType>(src.getType());
  unsigned bd = batch ? 1 : 0;
  int64_t rows = srcTy.getDimSize(bd + panelDim);
  // K padded to a multiple of kPad (a whole AMX tile row of K).
  int64_t k =
      llvm::divideCeil(srcTy.getDimSize(bd + 1 - panelDim), kPad) * kPad;
  bool zext = srcTy.getElementType().isUnsignedInteger();
  SmallVector<int64_t> shape;
  if (batch)
    shape.push_back(batch);
  shape.push_back(llvm::divideCeil(rows, tile));
  shape.push_back(llvm::divideCeil(k, kr));
  shape.push_back(tile);
  if (kr > 1)
    shape.push_back(kr);
  Type elt = kernel.getOperandType(b.getContext());
  Value dest = tensor::EmptyOp::create(b, loc, shape, elt);
  auto pack = PackOp::create(b, loc, TypeRange{dest.getType()}, src, dest,
                             panelDim, zext, biasToUnsigned);
  return pack.getResult()[0];
}

/// A few rows of float activations against a weight stored [N, K] (LLM
/// decode): the weight is read in place, at its stored width, by the
/// dot-product nanokernel; packing it would move it three times for a
/// single use. Fails (leaving `op` alone) when the dot form does not apply.
LogicalResult packAsDot(MatmulOp op, CPUTargetAttr target,
                        RewriterBase &rewriter) {
  auto aTy = cast<RankedTensorType>(op.getA().getType());
  auto cTy = cast<RankedTensorType>(op.getC().getType());
  // The epilogue runs on each output as its lanes are summed; output
  // quantization is an element-wise step after the kernel (decomposed
  // earlier in the CPU pipeline).
  if (!op.getTransposeB() || op.getTransposeA() || op.getOutScale())
    return failure();
  int64_t k = aTy.getDimSize(1);
  FailureOr<NanoKernelAttr> kernel = selectDotKernel(
      target, aTy.getElementType(), getElementTypeOrSelf(op.getB()),
      cTy.getDimSize(0), op.hasGroupScales(),
      op.hasGroupScales() ? *op.getGroupSize() : k);
  if (failed(kernel))
    return failure();
  // Whole vectors of K, also within each group.
  int64_t vl = kernel->getVectorLength() * kernel->getKr();
  if (k % vl != 0 || (op.hasGroupScales() && *op.getGroupSize() % vl != 0))
    return failure();
  Location loc = op.getLoc();
  Value init = tensor::EmptyOp::create(rewriter, loc, cTy.getShape(),
                                       cTy.getElementType());
  auto [sa, sb] = op.hasGroupScales() ? canonicalGroupScales(rewriter, loc, op)
                                      : std::pair<Value, Value>();
  auto mm = PackedMatmulOp::create(rewriter, loc, TypeRange{cTy}, op.getA(),
                                   op.getB(), init, *kernel,
                                   /*accumulate=*/false);
  mm.getAGroupScaleMutable().assign(sa ? ValueRange{sa} : ValueRange{});
  mm.getBGroupScaleMutable().assign(sb ? ValueRange{sb} : ValueRange{});
  mm.setGroupSizeAttr(op.getGroupSizeAttr());
  auto assign = [](MutableOperandRange range, Value v) {
    range.assign(v ? ValueRange{v} : ValueRange{});
  };
  assign(mm.getAScaleMutable(), op.getAScale());
  assign(mm.getBScaleMutable(), op.getBScale());
  assign(mm.getBiasMutable(), op.getBias());
  mm.setActivationAttr(op.getActivationAttr());
  rewriter.replaceOp(op, mm.getResult()[0]);
  return success();
}

template <typename QnkOp, unsigned Batch>
LogicalResult packMatmul(QnkOp op, RewriterBase &rewriter) {
  {
    if constexpr (std::is_same_v<QnkOp, MatmulOp>)
      if (op.getOutScale())
        return op.emitOpError("has a quantize(...) epilogue: run "
                              "qnk-decompose-epilogues first");
    CPUTargetAttr target = lookupCPUTarget(op);
    if (!target)
      return op.emitOpError("needs a #qnk.cpu_target: run qnk-set-target "
                            "first");
    auto aTy = cast<RankedTensorType>(op.getA().getType());
    auto bTy = cast<RankedTensorType>(op.getB().getType());
    auto cTy = cast<RankedTensorType>(op.getC().getType());
    if (!aTy.hasStaticShape() || !bTy.hasStaticShape() || !cTy.hasStaticShape())
      return op.emitOpError("dynamic shapes are not supported by the CPU "
                            "pipeline yet");
    // An empty product (M, N or K of 0) is zeros or nothing: the block loops
    // would take views of empty buffers, which upstream rejects.
    if (llvm::is_contained(aTy.getShape(), 0) ||
        llvm::is_contained(bTy.getShape(), 0)) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, cTy,
          DenseElementsAttr::get(cTy,
                                 rewriter.getZeroAttr(cTy.getElementType())));
      return success();
    }
    int64_t rows = cTy.getDimSize(Batch);
    Type aElt = aTy.getElementType(), bElt = bTy.getElementType();
    // One row block of 16-bit floats (LLM decode): B is read in place and
    // widened inside the f32 FMA nanokernel, as f32 B is. Packing B would
    // move it three times for a single use (measured: 1x4096x4096 bf16 went
    // from 27.5 to 50 GFLOP/s on Zen 5). Whole panels only: the kernel does
    // not mask 16-bit loads.
    bool decodeBInKernel = false;
    if (aElt == bElt && (bElt.isBF16() || bElt.isF16()) &&
        !op.getTransposeB()) {
      Type f32 = Float32Type::get(op.getContext());
      llvm::Expected<NanoKernelAttr> fma =
          selectNanoKernel(target, f32, f32, rows);
      if (!fma)
        llvm::consumeError(fma.takeError());
      else
        decodeBInKernel = rows <= fma->getMr() &&
                          cTy.getDimSize(Batch + 1) % fma->getNr() == 0;
    }
    Type f32 = Float32Type::get(op.getContext());
    // Group scales are applied between K groups, on accumulators in vector
    // registers.
    bool grouped = false;
    if constexpr (std::is_same_v<QnkOp, MatmulOp>) {
      grouped = op.hasGroupScales();
      if (succeeded(packAsDot(op, target, rewriter)))
        return success();
    }
    llvm::Expected<NanoKernelAttr> kernel =
        selectNanoKernel(target, decodeBInKernel ? f32 : aElt,
                         decodeBInKernel ? f32 : bElt, rows, !grouped);
    if (!kernel)
      return op.emitOpError() << llvm::toString(kernel.takeError());
    if constexpr (std::is_same_v<QnkOp, MatmulOp>)
      if (grouped && *op.getGroupSize() % kernel->getKr() != 0)
        return op.emitOpError()
               << "group_size " << *op.getGroupSize()
               << " is not a multiple of " << kernel->getKr()
               << ", the K step of the "
               << stringifyNanoKernelKind(kernel->getKind())
               << " nanokernel of target '" << target.getCpu() << "'";
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t batch = Batch ? cTy.getDimSize(0) : 0;
    int64_t m = cTy.getDimSize(Batch), n = cTy.getDimSize(Batch + 1);
    Type opTy = kernel->getOperandType(ctx);
    bool narrow = kernel->getKr() != 1;
    // A row block is reused by every B panel: packing A pays once there is
    // more than one row block. B is packed unless a single row block reads
    // it exactly once (then packing would only add traffic).
    bool multiRowBlocks = m > kernel->getMr();
    bool packA = op.getTransposeA() || aTy.getElementType() != opTy || narrow ||
                 multiRowBlocks;
    bool packB =
        !decodeBInKernel && (op.getTransposeB() || bElt != opTy || narrow ||
                             multiRowBlocks || n < kernel->getNr());
    Value a = op.getA(), b = op.getB();
    // AMX reads A in 64-byte rows of K and B in whole tiles of K.
    int64_t aKr = kernel->getAKr(), kr = kernel->getKr();
    if (packA)
      a = packOperand(rewriter, loc, a, op.getTransposeA() ? 1 : 0,
                      kernel->getMr(), aKr, aKr, *kernel, batch,
                      kernel->getKind() == NanoKernelKind::dpbusd_s8s8);
    if (packB)
      b = packOperand(rewriter, loc, b, op.getTransposeB() ? 0 : 1,
                      kernel->getNr(), kr, aKr, *kernel, batch);
    Value init = tensor::EmptyOp::create(rewriter, loc, cTy.getShape(),
                                         cTy.getElementType());
    Value sa, sb;
    if constexpr (std::is_same_v<QnkOp, MatmulOp>)
      if (grouped)
        std::tie(sa, sb) = canonicalGroupScales(rewriter, loc, op);
    auto mm = PackedMatmulOp::create(rewriter, loc, TypeRange{cTy}, a, b, init,
                                     *kernel, /*accumulate=*/false);
    if constexpr (std::is_same_v<QnkOp, MatmulOp>) {
      if (op.hasEpilogue()) {
        // Applied by the nanokernel to its accumulators (qnk-tile decides
        // on which K block).
        mm.getAScaleMutable().assign(op.getAScale() ? ValueRange{op.getAScale()}
                                                    : ValueRange{});
        mm.getBScaleMutable().assign(op.getBScale() ? ValueRange{op.getBScale()}
                                                    : ValueRange{});
        mm.getBiasMutable().assign(op.getBias() ? ValueRange{op.getBias()}
                                                : ValueRange{});
        mm.setActivationAttr(op.getActivationAttr());
      }
      if (grouped) {
        mm.getAGroupScaleMutable().assign(sa ? ValueRange{sa} : ValueRange{});
        mm.getBGroupScaleMutable().assign(sb ? ValueRange{sb} : ValueRange{});
        mm.setGroupSizeAttr(op.getGroupSizeAttr());
      }
    }
    rewriter.replaceOp(op, mm.getResult()[0]);
    return success();
  }
}

struct PackPass : qnk::impl::QNKPackBase<PackPass> {
  void runOnOperation() override {
    // A plain walk: every matmul is rewritten once, and failures (no target,
    // an unsupported pair) must stop the pass with the op's diagnostic.
    SmallVector<Operation *> matmuls;
    getOperation()->walk([&](Operation *op) {
      if (isa<MatmulOp, BatchMatmulOp>(op))
        matmuls.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    bool failed = false;
    for (Operation *op : matmuls) {
      rewriter.setInsertionPoint(op);
      LogicalResult r =
          isa<MatmulOp>(op)
              ? packMatmul<MatmulOp, 0>(cast<MatmulOp>(op), rewriter)
              : packMatmul<BatchMatmulOp, 1>(cast<BatchMatmulOp>(op), rewriter);
      failed |= mlir::failed(r);
    }
    if (failed)
      signalPassFailure();
  }
};
} // namespace
