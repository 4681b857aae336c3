//===- AttentionOp.cpp - qnk.attention verifier ---------------------------===//
//
// Kept apart from QNKDialect.cpp, like the softmax verifier, so the attention
// layer (op, lowerings) grows in its own files.
//
//===----------------------------------------------------------------------===//

#include "qnk/Dialect/QNK/IR/QNK.h"

#include <cmath>

using namespace mlir;
using namespace qnk;

/// The float types attention reads and writes; computation is always in f32.
static bool isAttentionFloat(Type t) {
  return t.isF32() || t.isBF16() || t.isF16();
}

float AttentionOp::getScaleOrDefault() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToFloat();
  int64_t d = getQuery().getType().getShape().back();
  return d > 0 ? float(1.0 / std::sqrt(double(d))) : 1.0f;
}

std::pair<int64_t, int64_t> AttentionOp::getQKBlocksOrDefault() {
  if (std::optional<ArrayRef<int64_t>> blocks = getQkBlocks())
    if (blocks->size() == 2)
      return {(*blocks)[0], (*blocks)[1]};
  return {64, 64};
}

/// The largest head dimension of int8 Q·Kᵀ: every partial sum of products
/// of values in [-127, 127] stays below 2^24, so the i32 dot products are
/// exact also where a target without VNNI sums them in f32.
static constexpr int64_t kMaxInt8HeadDim = 1024;

LogicalResult AttentionOp::verify() {
  auto qTy = cast<RankedTensorType>(getQuery().getType());
  auto kTy = cast<RankedTensorType>(getKey().getType());
  auto vTy = cast<RankedTensorType>(getValue().getType());
  auto oTy = cast<RankedTensorType>(getResult().getType());
  // The lowerings size loops and tiles from static shapes.
  for (auto [name, ty] : {std::pair<StringRef, RankedTensorType>{"query", qTy},
                          {"key", kTy},
                          {"value", vTy},
                          {"result", oTy}}) {
    if (ty.getRank() != 4)
      return emitOpError() << name << " must have rank 4 ([B, H, L, D]), got "
                           << ty;
    if (!ty.hasStaticShape())
      return emitOpError() << name << " must have a static shape, got " << ty;
  }
  Type elt = qTy.getElementType();
  if (!isAttentionFloat(elt))
    return emitOpError("query element type must be f32, bf16 or f16, got ")
           << elt;
  if (kTy.getElementType() != elt || vTy.getElementType() != elt)
    return emitOpError("query, key and value must share one element type, got ")
           << elt << ", " << kTy.getElementType() << " and "
           << vTy.getElementType();
  Type outElt = oTy.getElementType();
  if (!outElt.isF32() && outElt != elt)
    return emitOpError("result element type must be f32 or the inputs' (")
           << elt << "), got " << outElt;

  ArrayRef<int64_t> q = qTy.getShape(), k = kTy.getShape(), v = vTy.getShape(),
                    o = oTy.getShape();
  if (k[0] != q[0] || v[0] != q[0])
    return emitOpError("batch sizes differ: query ")
           << q[0] << ", key " << k[0] << ", value " << v[0];
  if (v[1] != k[1])
    return emitOpError("key and value head counts differ: ")
           << k[1] << " vs " << v[1];
  if (k[1] == 0 ? q[1] != 0 : q[1] % k[1] != 0)
    return emitOpError("query head count ")
           << q[1] << " is not a multiple of the key/value head count " << k[1];
  if (k[3] != q[3])
    return emitOpError("query and key head dimensions differ: ")
           << q[3] << " vs " << k[3];
  if (v[2] != k[2])
    return emitOpError("key and value sequence lengths differ: ")
           << k[2] << " vs " << v[2];
  SmallVector<int64_t> expected = {q[0], q[1], q[2], v[3]};
  if (o != ArrayRef<int64_t>(expected))
    return emitOpError("result shape must be [B, H, Lq, Dv] = [")
           << expected[0] << ", " << expected[1] << ", " << expected[2] << ", "
           << expected[3] << "], got " << oTy;

  if (Value mask = getMask()) {
    auto maskTy = cast<RankedTensorType>(mask.getType());
    if (!isAttentionFloat(maskTy.getElementType()))
      return emitOpError("mask element type must be f32, bf16 or f16, got ")
             << maskTy.getElementType();
    if (maskTy.getRank() > 4 || !maskTy.hasStaticShape())
      return emitOpError("mask must be statically shaped with rank <= 4, got ")
             << maskTy;
    SmallVector<int64_t> scores = {q[0], q[1], q[2], k[2]};
    int64_t offset = 4 - maskTy.getRank();
    for (int64_t d = 0; d < maskTy.getRank(); ++d) {
      int64_t m = maskTy.getDimSize(d), s = scores[d + offset];
      if (m != 1 && m != s)
        return emitOpError("mask ")
               << maskTy
               << " does not broadcast to the scores [B, H, Lq, Lk] = ["
               << scores[0] << ", " << scores[1] << ", " << scores[2] << ", "
               << scores[3] << "]: its dimension " << d << " is " << m
               << " (expected 1 or " << s << ")";
    }
  }
  if (std::optional<APFloat> scale = getScale())
    if (!scale->isFinite())
      return emitOpError("scale must be finite");

  if (std::optional<Type> qk = getQkType()) {
    if (!qk->isSignlessInteger(8))
      return emitOpError("qk_type must be i8, got ") << *qk;
    if (q[3] > kMaxInt8HeadDim)
      return emitOpError("qk_type = i8 needs a head dimension of at most ")
             << kMaxInt8HeadDim << ", got " << q[3];
  }
  if (std::optional<ArrayRef<int64_t>> blocks = getQkBlocks()) {
    if (!getQkType())
      return emitOpError("qk_blocks needs qk_type = i8");
    if (blocks->size() != 2 || (*blocks)[0] < 1 || (*blocks)[1] < 1)
      return emitOpError("qk_blocks must be two positive token counts "
                         "[query block, key block], got ")
             << getQkBlocksAttr();
  }
  if (std::optional<Type> pv = getPvType())
    if (!pv->isBF16() && !isa<Float8E4M3FNType>(*pv))
      return emitOpError("pv_type must be bf16 or f8E4M3FN, got ") << *pv;
  return success();
}
