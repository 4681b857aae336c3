//===- MatmulEpilogue.cpp - qnk.matmul epilogue clauses -------------------===//

#include "qnk/Dialect/QNK/IR/QNK.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qnk;

void MatmulOp::build(OpBuilder &b, OperationState &state, Type c, Value a,
                     Value bv, bool transposeA, bool transposeB) {
  build(b, state, c, a, bv, /*a_scale=*/Value(), /*b_scale=*/Value(),
        /*bias=*/Value(), /*out_scale=*/Value(), /*out_zero_point=*/Value(),
        transposeA, transposeB, /*activation=*/ActivationAttr());
}

void PackedMatmulOp::build(OpBuilder &b, OperationState &state,
                           TypeRange results, Value a, Value bv, Value init,
                           NanoKernelAttr kernel, bool accumulate) {
  build(b, state, results, a, bv, init, /*last=*/Value(), /*a_scale=*/Value(),
        /*b_scale=*/Value(), /*bias=*/Value(), kernel, accumulate,
        /*activation=*/ActivationAttr());
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
  if (acc && acc.isInteger(32) && !op.getAScale())
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
