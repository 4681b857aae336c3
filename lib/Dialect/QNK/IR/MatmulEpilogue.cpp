//===- MatmulEpilogue.cpp - qnk.matmul group scales and epilogue clauses --===//

#include "qnk/Dialect/QNK/IR/QNK.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qnk;

void MatmulOp::build(OpBuilder &b, OperationState &state, Type c, Value a,
                     Value bv, bool transposeA, bool transposeB) {
  build(b, state, c, a, bv, /*a_scale=*/Value(), /*b_scale=*/Value(),
        /*bias=*/Value(), /*out_scale=*/Value(), /*out_zero_point=*/Value(),
        /*a_group_scale=*/Value(), /*b_group_scale=*/Value(), transposeA,
        transposeB, /*activation=*/ActivationAttr(),
        /*group_size=*/IntegerAttr());
}

void PackedMatmulOp::build(OpBuilder &b, OperationState &state,
                           TypeRange results, Value a, Value bv, Value init,
                           NanoKernelAttr kernel, bool accumulate) {
  build(b, state, results, a, bv, init, /*last=*/Value(), /*a_scale=*/Value(),
        /*b_scale=*/Value(), /*bias=*/Value(), /*a_group_scale=*/Value(),
        /*b_group_scale=*/Value(), kernel, accumulate,
        /*activation=*/ActivationAttr(), /*group_size=*/IntegerAttr());
}

bool MatmulOp::hasEpilogue() {
  return getAScale() || getBScale() || getBias() || getOutScale() ||
         getOutZeroPoint() || getActivation();
}

/// An f32 tensor of rank 0 or of shape [size]; `what` names it.
static LogicalResult checkVector(MatmulOp op, Value v, StringRef what,
                                 int64_t size, StringRef meaning,
                                 bool allowScalar = true) {
  auto ty = cast<RankedTensorType>(v.getType());
  if (!ty.getElementType().isF32())
    return op.emitOpError()
           << what << " must hold f32, got " << ty.getElementType();
  if (ty.getRank() == 0 && allowScalar)
    return success();
  if (ty.getRank() != 1 || ty.getDimSize(0) != size)
    return op.emitOpError()
           << what << " must be " << (allowScalar ? "rank 0 or " : "") << "["
           << size << "] (" << meaning << "), got " << ty;
  return success();
}

bool qnk::isGroupScaleType(Type t) {
  return t.isF32() || t.isBF16() || t.isF16() ||
         isa<Float8E4M3FNType, Float8E8M0FNUType>(t);
}

LogicalResult qnk::verifyMatmulGroupScales(MatmulOp op) {
  std::optional<int64_t> group = op.getGroupSize();
  if (!op.hasGroupScales()) {
    if (group)
      return op.emitOpError("group_size needs a_group_scale(...) or "
                            "b_group_scale(...)");
    return success();
  }
  if (!group)
    return op.emitOpError("group scales need group_size = G");
  auto aTy = cast<RankedTensorType>(op.getA().getType());
  auto bTy = cast<RankedTensorType>(op.getB().getType());
  unsigned aK = op.getTransposeA() ? 0 : 1, bK = op.getTransposeB() ? 1 : 0;
  int64_t k = aTy.getDimSize(aK);
  if (*group <= 0)
    return op.emitOpError() << "group_size must be positive, got " << *group;
  if (k % *group != 0)
    return op.emitOpError()
           << "group_size " << *group << " does not divide K = " << k;
  auto check = [&](Value scale, RankedTensorType operand, unsigned kDim,
                   StringRef name) -> LogicalResult {
    if (!scale)
      return success();
    auto ty = cast<RankedTensorType>(scale.getType());
    if (!isGroupScaleType(ty.getElementType()))
      return op.emitOpError()
             << "the " << name << " group scale must hold f32, bf16, f16, "
             << "f8E4M3FN or f8E8M0FNU, got " << ty.getElementType();
    SmallVector<int64_t> shape(operand.getShape());
    shape[kDim] = k / *group;
    if (ty.getShape() != ArrayRef<int64_t>(shape)) {
      InFlightDiagnostic d = op.emitOpError()
                             << "the " << name << " group scale must be [";
      llvm::interleave(shape, d, "x");
      return d << "] (" << name << "'s shape with K = " << k
               << " split into groups of " << *group << "), got " << ty;
    }
    return success();
  };
  if (failed(check(op.getAGroupScale(), aTy, aK, "A")) ||
      failed(check(op.getBGroupScale(), bTy, bK, "B")))
    return failure();
  // Group sums are scaled to reals: the result is f32 (or quantized by the
  // epilogue, which checks that).
  Type out = getElementTypeOrSelf(op.getC());
  if (!op.getOutScale() && !out.isF32())
    return op.emitOpError()
           << "with group scales the result holds f32, got " << out;
  return success();
}

LogicalResult qnk::verifyMatmulEpilogue(MatmulOp op) {
  if (!op.hasEpilogue())
    return success();
  auto cTy = cast<RankedTensorType>(op.getC().getType());
  int64_t m = cTy.getDimSize(0), n = cTy.getDimSize(1);
  if (bool(op.getAScale()) != bool(op.getBScale()))
    return op.emitOpError("dequantize needs both scales");
  if (op.getAScale() && (failed(checkVector(op, op.getAScale(), "the A scale",
                                            m, "one per row of A")) ||
                         failed(checkVector(op, op.getBScale(), "the B scale",
                                            n, "one per column of B"))))
    return failure();
  if (op.getBias() && failed(checkVector(op, op.getBias(), "the bias", n,
                                         "one per column", false)))
    return failure();
  Type acc = getMatmulAccumulatorType(getElementTypeOrSelf(op.getA()),
                                      getElementTypeOrSelf(op.getB()));
  // Integer accumulators become reals only through their scales.
  if (acc && acc.isInteger(32) && !op.getAScale() && !op.hasGroupScales())
    return op.emitOpError("an epilogue on integer accumulators needs "
                          "dequantize(...) first");
  Type out = cTy.getElementType();
  if (op.getOutZeroPoint() && !op.getOutScale())
    return op.emitOpError("zero_point needs quantize(...)");
  if (!op.getOutScale()) {
    if (!out.isF32())
      return op.emitOpError() << "with an epilogue the result holds f32 "
                                 "(or a quantize(...) type), got "
                              << out;
    return success();
  }
  if (!isQuantizedStorageType(out))
    return op.emitOpError() << "quantize(...) needs an i8, ui8, i4, ui4, "
                               "f8E4M3FN or f8E5M2 result, got "
                            << out;
  auto soTy = cast<RankedTensorType>(op.getOutScale().getType());
  if (soTy.getRank() != 0 || !soTy.getElementType().isF32())
    return op.emitOpError() << "the output scale must be a rank-0 f32 "
                               "tensor, got "
                            << soTy;
  if (auto zp = op.getOutZeroPoint()) {
    auto zpTy = cast<RankedTensorType>(zp.getType());
    if (!isStorageInt(out))
      return op.emitOpError() << "has a zero point, but " << out
                              << " is a floating-point storage type";
    if (zpTy.getRank() != 0 || !zpTy.getElementType().isSignlessInteger(32))
      return op.emitOpError() << "the output zero point must be a rank-0 "
                                 "i32 tensor, got "
                              << zpTy;
  }
  return success();
}
