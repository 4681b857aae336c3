//===- SoftmaxOp.cpp - qnk.softmax verifier -------------------------------===//
//
// Kept apart from QNKDialect.cpp so the softmax layer (op, lowerings) can grow
// without touching the matmul verifiers.
//
//===----------------------------------------------------------------------===//

#include "qnk/Dialect/QNK/IR/QNK.h"

using namespace mlir;
using namespace qnk;

/// The float types softmax reads and writes; computation is always in f32.
static bool isSoftmaxFloat(Type t) {
  return t.isF32() || t.isBF16() || t.isF16();
}

LogicalResult SoftmaxOp::verify() {
  auto inTy = cast<RankedTensorType>(getInput().getType());
  auto outTy = cast<RankedTensorType>(getResult().getType());
  Type inElt = inTy.getElementType(), outElt = outTy.getElementType();
  if (!isSoftmaxFloat(inElt))
    return emitOpError("input element type must be f32, bf16 or f16, got ")
           << inElt;
  if (!outElt.isF32() && outElt != inElt)
    return emitOpError("result element type must be f32 or the input's (")
           << inElt << "), got " << outElt;
  // The lowerings size loops and vectors from static shapes.
  if (!inTy.hasStaticShape())
    return emitOpError("expects a statically shaped input, got ") << inTy;
  if (inTy.getShape() != outTy.getShape())
    return emitOpError("result shape must equal the input's: ")
           << inTy << " vs " << outTy;
  int64_t rank = inTy.getRank();
  int64_t axis = getAxis();
  if (rank == 0)
    return emitOpError("expects an input of rank >= 1");
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " is out of range for rank " << rank
                                << " (expected 0 <= axis < " << rank << ")";
  if (Value mask = getMask()) {
    auto maskTy = cast<RankedTensorType>(mask.getType());
    if (!isSoftmaxFloat(maskTy.getElementType()))
      return emitOpError("mask element type must be f32, bf16 or f16, got ")
             << maskTy.getElementType();
    if (maskTy.getRank() != rank)
      return emitOpError("mask must have the input's rank (")
             << rank << "), got " << maskTy;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t m = maskTy.getDimSize(d);
      if (m != 1 && m != inTy.getDimSize(d))
        return emitOpError("mask ")
               << maskTy << " is not broadcastable to the input " << inTy
               << ": dimension " << d << " is " << m << " (expected 1 or "
               << inTy.getDimSize(d) << ")";
    }
  }
  if (std::optional<APFloat> scale = getScale())
    if (!scale->isFinite())
      return emitOpError("scale must be finite");
  return success();
}
