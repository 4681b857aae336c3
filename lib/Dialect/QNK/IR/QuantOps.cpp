//===- QuantOps.cpp - Verifiers of the quantization ops -------------------===//

#include "qnk/Dialect/QNK/IR/QNK.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace qnk;

bool qnk::isQuantizedStorageType(Type t) {
  return isStorageInt(t) || isa<Float8E4M3FNType, Float8E5M2Type>(t);
}

/// Storage types of qnk.quantize / qnk.dequantize: those of the matmul
/// epilogue plus fp4 (E2M1).
static bool isQuantizeStorageType(Type t) {
  return isQuantizedStorageType(t) || isa<Float4E2M1FNType>(t);
}

/// Scale element types: f32, and the exact-in-f32 formats that block-scaled
/// weights come with (f16 for llama.cpp, E8M0 for MX, E4M3 for NVFP4).
static bool isScaleElementType(Type t) {
  return t.isF32() || t.isF16() || t.isBF16() ||
         isa<Float8E8M0FNUType, Float8E4M3FNType>(t);
}

/// Checks that `scale` (and `what` names it) maps onto `input` the way
/// `axis` and `groupSize` say; fills in `scheme`.
static LogicalResult verifyScaleShape(Operation *op, RankedTensorType input,
                                      RankedTensorType scale, StringRef what,
                                      std::optional<int64_t> axis,
                                      std::optional<int64_t> groupSize,
                                      ScaleScheme &scheme) {
  int64_t rank = input.getRank();
  if (groupSize && !axis)
    return op->emitOpError("group_size needs an axis");
  if (!axis) {
    if (scale.getRank() != 0)
      return op->emitOpError() << "expects a rank-0 " << what
                               << " without an axis (one per tensor), got rank "
                               << scale.getRank();
    scheme = {ScaleScheme::PerTensor, -1, 1};
    return success();
  }
  if (*axis < 0 || *axis >= rank)
    return op->emitOpError() << "axis " << *axis << " is out of range for a "
                             << "rank-" << rank << " input";
  int64_t dim = input.getDimSize(*axis);
  if (!groupSize) {
    if (scale.getRank() != 1 ||
        (!ShapedType::isDynamic(dim) && scale.getDimSize(0) != dim))
      return op->emitOpError()
             << "expects a " << what << " of shape [" << dim
             << "] (one per channel along axis " << *axis << ")";
    scheme = {ScaleScheme::PerAxis, *axis, 1};
    return success();
  }
  if (*groupSize <= 0)
    return op->emitOpError()
           << "group_size must be positive, got " << *groupSize;
  if (!ShapedType::isDynamic(dim) && dim % *groupSize != 0)
    return op->emitOpError()
           << "group size " << *groupSize << " does not divide dimension "
           << *axis << " (size " << dim << ")";
  if (scale.getRank() != rank)
    return op->emitOpError() << "expects a rank-" << rank << " " << what
                             << " for groups along axis " << *axis;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t expected = input.getDimSize(d);
    if (d == *axis && !ShapedType::isDynamic(expected))
      expected /= *groupSize;
    if (!ShapedType::isDynamic(expected) && scale.getDimSize(d) != expected)
      return op->emitOpError()
             << what << " dimension " << d << " must be " << expected
             << " (groups of " << *groupSize << " along axis " << *axis
             << "), got " << scale.getDimSize(d);
  }
  scheme = {ScaleScheme::PerGroup, *axis, *groupSize};
  return success();
}

/// Shared by quantize (real -> storage) and dequantize (storage -> f32).
static LogicalResult verifyScaled(Operation *op, Value input, Value scale,
                                  Value zeroPoint, Value result,
                                  std::optional<int64_t> axis,
                                  std::optional<int64_t> groupSize,
                                  Type storage) {
  auto inTy = cast<RankedTensorType>(input.getType());
  auto outTy = cast<RankedTensorType>(result.getType());
  auto scaleTy = cast<RankedTensorType>(scale.getType());
  if (inTy.getShape() != outTy.getShape())
    return op->emitOpError("result shape must equal the input shape");
  if (!isScaleElementType(scaleTy.getElementType()))
    return op->emitOpError()
           << "scale must hold f32, f16, bf16, f8E8M0FNU or f8E4M3FN, got "
           << scaleTy.getElementType();
  ScaleScheme scheme;
  if (failed(verifyScaleShape(op, inTy, scaleTy, "scale", axis, groupSize,
                              scheme)))
    return failure();
  if (!zeroPoint)
    return success();
  if (!isStorageInt(storage))
    return op->emitOpError() << "has a zero point, but " << storage
                             << " is a floating-point storage type";
  auto zpTy = cast<RankedTensorType>(zeroPoint.getType());
  if (!zpTy.getElementType().isSignlessInteger(32))
    return op->emitOpError()
           << "zero point must hold i32, got " << zpTy.getElementType();
  if (zpTy.getShape() != scaleTy.getShape())
    return op->emitOpError("zero point must have the shape of the scale");
  return success();
}

static ScaleScheme schemeOf(std::optional<int64_t> axis,
                            std::optional<int64_t> groupSize) {
  if (!axis)
    return {ScaleScheme::PerTensor, -1, 1};
  if (!groupSize)
    return {ScaleScheme::PerAxis, *axis, 1};
  return {ScaleScheme::PerGroup, *axis, *groupSize};
}

ScaleScheme QuantizeOp::getScaleScheme() {
  return schemeOf(getAxis(), getGroupSize());
}
ScaleScheme DequantizeOp::getScaleScheme() {
  return schemeOf(getAxis(), getGroupSize());
}

LogicalResult QuantizeOp::verify() {
  Type in = getElementTypeOrSelf(getInput());
  Type out = getElementTypeOrSelf(getResult());
  if (!in.isF32() && !in.isBF16() && !in.isF16())
    return emitOpError() << "quantizes f32, bf16 or f16, got " << in;
  if (!isQuantizeStorageType(out))
    return emitOpError() << "quantizes to i8, ui8, i4, ui4, f8E4M3FN, "
                            "f8E5M2 or f4E2M1FN, got "
                         << out;
  return verifyScaled(*this, getInput(), getScale(), getZeroPoint(),
                      getResult(), getAxis(), getGroupSize(), out);
}

LogicalResult DequantizeOp::verify() {
  Type in = getElementTypeOrSelf(getInput());
  Type out = getElementTypeOrSelf(getResult());
  if (!isQuantizeStorageType(in))
    return emitOpError() << "dequantizes i8, ui8, i4, ui4, f8E4M3FN, "
                            "f8E5M2 or f4E2M1FN, got "
                         << in;
  if (!out.isF32())
    return emitOpError() << "dequantizes to f32, got " << out;
  return verifyScaled(*this, getInput(), getScale(), getZeroPoint(),
                      getResult(), getAxis(), getGroupSize(), in);
}

LogicalResult RequantizeOp::verify() {
  auto inTy = cast<RankedTensorType>(getInput().getType());
  auto outTy = cast<RankedTensorType>(getResult().getType());
  if (!inTy.getElementType().isSignlessInteger(32))
    return emitOpError() << "requantizes i32 accumulators, got "
                         << inTy.getElementType();
  if (!isStorageInt(outTy.getElementType()))
    return emitOpError() << "requantizes to i8, ui8, i4 or ui4, got "
                         << outTy.getElementType();
  if (inTy.getShape() != outTy.getShape())
    return emitOpError("result shape must equal the input shape");
  for (auto [value, what] : {std::pair{getMultiplier(), "multiplier"},
                             std::pair{getShift(), "shift"}}) {
    auto ty = cast<RankedTensorType>(value.getType());
    if (!ty.getElementType().isSignlessInteger(32))
      return emitOpError() << what << " must hold i32, got "
                           << ty.getElementType();
    ScaleScheme scheme;
    if (failed(verifyScaleShape(*this, inTy, ty, what, getAxis(), std::nullopt,
                                scheme)))
      return failure();
  }
  auto zpTy = cast<RankedTensorType>(getZeroPoint().getType());
  if (zpTy.getRank() != 0 || !zpTy.getElementType().isSignlessInteger(32))
    return emitOpError() << "zero point must be a rank-0 i32 tensor, got "
                         << zpTy;
  return success();
}

/// The shape of per-block values of `input` with blocks of `block` along
/// its last axis.
static SmallVector<int64_t> blockShape(RankedTensorType input, int64_t block) {
  SmallVector<int64_t> shape(input.getShape());
  if (!ShapedType::isDynamic(shape.back()))
    shape.back() /= block;
  return shape;
}

LogicalResult MXQuantizeOp::verify() {
  auto inTy = cast<RankedTensorType>(getInput().getType());
  auto outTy = cast<RankedTensorType>(getResult().getType());
  auto scaleTy = cast<RankedTensorType>(getScale().getType());
  Type in = inTy.getElementType(), out = outTy.getElementType(),
       scale = scaleTy.getElementType();
  if (!in.isF32() && !in.isBF16() && !in.isF16())
    return emitOpError() << "quantizes f32, bf16 or f16, got " << in;
  if (inTy.getRank() == 0)
    return emitOpError("needs an input of rank 1 or more (blocks run along "
                       "the last axis)");
  int64_t block = getBlockSize();
  if (block <= 0)
    return emitOpError() << "block_size must be positive, got " << block;
  int64_t last = inTy.getShape().back();
  if (ShapedType::isDynamic(last) || last % block != 0)
    return emitOpError() << "block size " << block
                         << " does not divide the last dimension (size "
                         << (ShapedType::isDynamic(last) ? std::string("?")
                                                         : std::to_string(last))
                         << ")";
  if (outTy.getShape() != inTy.getShape())
    return emitOpError("result shape must equal the input shape");
  if (scaleTy.getShape() != ArrayRef<int64_t>(blockShape(inTy, block)))
    return emitOpError() << "scale shape must be the input's with the last "
                            "dimension divided by "
                         << block << ", got " << scaleTy;
  if (isa<Float8E8M0FNUType>(scale)) {
    if (!isa<Float8E4M3FNType, Float8E5M2Type, Float4E2M1FNType>(out))
      return emitOpError() << "MX (f8E8M0FNU scales) quantizes to f8E4M3FN, "
                              "f8E5M2 or f4E2M1FN, got "
                           << out;
    if (getTensorScale())
      return emitOpError("MX (f8E8M0FNU scales) takes no tensor scale");
    return success();
  }
  if (isa<Float8E4M3FNType>(scale)) {
    if (!isa<Float4E2M1FNType>(out))
      return emitOpError() << "NVFP4 (f8E4M3FN scales) quantizes to "
                              "f4E2M1FN, got "
                           << out;
    auto tsTy = getTensorScale()
                    ? cast<RankedTensorType>(getTensorScale().getType())
                    : RankedTensorType();
    if (!tsTy || tsTy.getRank() != 0 || !tsTy.getElementType().isF32())
      return emitOpError("NVFP4 (f8E4M3FN scales) needs a rank-0 f32 tensor "
                         "scale");
    return success();
  }
  return emitOpError() << "scales must be f8E8M0FNU (MX) or f8E4M3FN "
                          "(NVFP4), got "
                       << scale;
}

int64_t UnpackGGMLOp::getBlockBytes() {
  return getFormat() == GGMLFormat::q4_0 ? 2 + 16 : 2 + 32;
}

LogicalResult UnpackGGMLOp::verify() {
  auto rawTy = cast<RankedTensorType>(getRaw().getType());
  auto valTy = cast<RankedTensorType>(getValues().getType());
  auto scaleTy = cast<RankedTensorType>(getScales().getType());
  if (!rawTy.getElementType().isInteger(8))
    return emitOpError() << "reads raw bytes (i8 or ui8), got "
                         << rawTy.getElementType();
  if (rawTy.getRank() == 0 || !rawTy.hasStaticShape())
    return emitOpError("needs a static raw tensor of rank 1 or more");
  int64_t bytes = getBlockBytes(), rowBytes = rawTy.getShape().back();
  if (rowBytes % bytes != 0)
    return emitOpError() << "rows of " << stringifyGGMLFormat(getFormat())
                         << " are whole blocks of " << bytes
                         << " bytes, got a last dimension of " << rowBytes;
  Type want = getFormat() == GGMLFormat::q4_0
                  ? IntegerType::get(getContext(), 4)
                  : IntegerType::get(getContext(), 8);
  SmallVector<int64_t> shape(rawTy.getShape());
  shape.back() = rowBytes / bytes * 32;
  if (valTy != RankedTensorType::get(shape, want))
    return emitOpError() << "values must be "
                         << RankedTensorType::get(shape, want) << ", got "
                         << valTy;
  shape.back() /= 32;
  auto f16 = Float16Type::get(getContext());
  if (scaleTy != RankedTensorType::get(shape, f16))
    return emitOpError() << "scales must be "
                         << RankedTensorType::get(shape, f16) << ", got "
                         << scaleTy;
  return success();
}
