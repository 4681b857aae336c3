//===- FloatDecode.cpp - Exact widening of small float formats
//---------------===//

#include "qnk/Transforms/FloatDecode.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

bool qnk::isFp8(Type t) { return isa<Float8E4M3FNType, Float8E5M2Type>(t); }

static Value splat(OpBuilder &b, Location loc, VectorType ty, int64_t v) {
  return arith::ConstantOp::create(
      b, loc, ty,
      DenseElementsAttr::get(ty, b.getIntegerAttr(ty.getElementType(), v)));
}

Value qnk::truncateExactToBF16(OpBuilder &b, Location loc, Value vec) {
  auto ty = cast<VectorType>(vec.getType());
  auto i32 = ty.clone(b.getI32Type());
  Value bits = vector::BitCastOp::create(b, loc, i32, vec);
  Value hi = arith::ShRUIOp::create(b, loc, bits, splat(b, loc, i32, 16));
  Value h16 = arith::TruncIOp::create(b, loc, ty.clone(b.getI16Type()), hi);
  return vector::BitCastOp::create(b, loc, ty.clone(b.getBF16Type()), h16);
}

Value qnk::decodeFp8(OpBuilder &b, Location loc, Value vec, Type to) {
  auto ty = cast<VectorType>(vec.getType());
  Type fp8 = ty.getElementType();
  auto i8Ty = ty.clone(b.getI8Type());
  auto i16Ty = ty.clone(b.getI16Type());
  auto f32Ty = ty.clone(b.getF32Type());
  Value bits = vector::BitCastOp::create(b, loc, i8Ty, vec);
  Value wide = arith::ExtUIOp::create(b, loc, i16Ty, bits);
  Value f32;
  if (isa<Float8E5M2Type>(fp8)) {
    // E5M2 is exactly the upper half of an f16.
    Value h = arith::ShLIOp::create(b, loc, wide, splat(b, loc, i16Ty, 8));
    Value half = vector::BitCastOp::create(b, loc, ty.clone(b.getF16Type()), h);
    f32 = arith::ExtFOp::create(b, loc, f32Ty, half);
  } else {
    // S.EEEE.MMM -> f16 S.0EEEE.MMM0000000 = value * 2^-8.
    Value sign = arith::ShLIOp::create(
        b, loc, arith::AndIOp::create(b, loc, wide, splat(b, loc, i16Ty, 0x80)),
        splat(b, loc, i16Ty, 8));
    Value mag = arith::AndIOp::create(b, loc, wide, splat(b, loc, i16Ty, 0x7F));
    Value h = arith::OrIOp::create(
        b, loc, sign,
        arith::ShLIOp::create(b, loc, mag, splat(b, loc, i16Ty, 7)));
    Value half = vector::BitCastOp::create(b, loc, ty.clone(b.getF16Type()), h);
    Value f = arith::ExtFOp::create(b, loc, f32Ty, half);
    Value scale = arith::ConstantOp::create(
        b, loc, f32Ty,
        DenseElementsAttr::get(f32Ty, b.getF32FloatAttr(256.0f)));
    f = arith::MulFOp::create(b, loc, f, scale);
    Value isNaN = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, mag,
                                        splat(b, loc, i16Ty, 0x7F));
    Value nan = arith::ConstantOp::create(
        b, loc, f32Ty,
        DenseElementsAttr::get(f32Ty, b.getF32FloatAttr(std::nanf(""))));
    f32 = arith::SelectOp::create(b, loc, isNaN, nan, f);
  }
  if (to.isBF16())
    return truncateExactToBF16(b, loc, f32);
  return f32;
}

Value qnk::encodeFp8Saturating(OpBuilder &b, Location loc, Value vec, Type to) {
  auto ty = cast<VectorType>(vec.getType());
  auto i32Ty = ty.clone(b.getI32Type());
  auto f32Ty = ty.clone(b.getF32Type());
  bool e4m3 = isa<Float8E4M3FNType>(to);
  // Mantissa bits, exponent bias, largest finite code and the NaN code.
  int64_t man = e4m3 ? 3 : 2, bias = e4m3 ? 7 : 15;
  int64_t maxCode = e4m3 ? 0x7E : 0x7B, nanCode = e4m3 ? 0x7F : 0x7E;
  auto c = [&](int64_t v) { return splat(b, loc, i32Ty, v); };
  Value bits = vector::BitCastOp::create(b, loc, i32Ty, vec);
  Value sign = arith::AndIOp::create(b, loc, bits, c(INT32_MIN));
  Value mag = arith::AndIOp::create(b, loc, bits, c(INT32_MAX));
  // Normal results: round the f32 mantissa to `man` bits, ties to even (a
  // carry moves into the exponent), then rebias the exponent.
  int64_t drop = 23 - man;
  Value lsb = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, mag, c(drop)), c(1));
  Value rounded = arith::AddIOp::create(
      b, loc, mag,
      arith::AddIOp::create(b, loc, c((int64_t(1) << (drop - 1)) - 1), lsb));
  Value normal = arith::SubIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, rounded, c(drop)),
      c((127 - bias) << man));
  // Subnormal results are multiples of 2^(1 - bias - man): count them.
  Value absF = vector::BitCastOp::create(b, loc, f32Ty, mag);
  Value scaled = arith::MulFOp::create(
      b, loc, absF,
      arith::ConstantOp::create(
          b, loc, f32Ty,
          DenseElementsAttr::get(
              f32Ty, b.getF32FloatAttr(std::ldexp(1.0f, bias - 1 + man)))));
  Value sub = arith::FPToSIOp::create(
      b, loc, i32Ty, math::RoundEvenOp::create(b, loc, scaled));
  // f32 bits of the smallest normal of the target format.
  Value isSub = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, mag,
                                      c((127 - bias + 1) << 23));
  Value code = arith::SelectOp::create(b, loc, isSub, sub, normal);
  code = arith::MinSIOp::create(b, loc, code, c(maxCode)); // saturate
  Value isNaN = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, mag,
                                      c(0x7F800000));
  code = arith::SelectOp::create(b, loc, isNaN, c(nanCode), code);
  code = arith::OrIOp::create(b, loc, code,
                              arith::ShRUIOp::create(b, loc, sign, c(24)));
  Value byte = arith::TruncIOp::create(b, loc, ty.clone(b.getI8Type()), code);
  return vector::BitCastOp::create(b, loc, ty.clone(to), byte);
}

bool qnk::isFp4(Type t) { return isa<Float4E2M1FNType>(t); }

/// The integer bits of `vec` (whose elements are `width`-bit integers or
/// floats), zero-extended to i32.
static Value bitsAsI32(OpBuilder &b, Location loc, Value vec) {
  auto ty = cast<VectorType>(vec.getType());
  unsigned width = ty.getElementTypeBitWidth();
  auto intTy = ty.clone(b.getIntegerType(width));
  Value bits = vec;
  if (ty.getElementType() != intTy.getElementType())
    bits = vector::BitCastOp::create(b, loc, intTy, vec);
  auto i32Ty = ty.clone(b.getI32Type());
  if (width < 32)
    bits = arith::ExtUIOp::create(b, loc, i32Ty, bits);
  return bits;
}

/// f32 bits -> f32 (or exactly to bf16).
static Value bitsToFloat(OpBuilder &b, Location loc, Value bits, Type to) {
  auto ty = cast<VectorType>(bits.getType());
  Value f32 = vector::BitCastOp::create(b, loc, ty.clone(b.getF32Type()), bits);
  if (to.isBF16())
    return qnk::truncateExactToBF16(b, loc, f32);
  return f32;
}

Value qnk::decodeFp4E2M1(OpBuilder &b, Location loc, Value vec, Type to) {
  auto i32Ty = cast<VectorType>(vec.getType()).clone(b.getI32Type());
  auto c = [&](int64_t v) { return splat(b, loc, i32Ty, v); };
  Value code = bitsAsI32(b, loc, vec);
  Value mag = arith::AndIOp::create(b, loc, code, c(7));
  // Normal codes (mag >= 2): S.EE.M is 2^(E-1)·(1.M), so the f32 exponent
  // field is E + 126 and the top mantissa bit M: (mag + 252) << 22.
  Value normal = arith::ShLIOp::create(
      b, loc, arith::AddIOp::create(b, loc, mag, c(252)), c(22));
  // The subnormal codes are 0 and 0.5 (f32 bits 0x3F000000): mag is 0 or 1,
  // so -mag is 0 or all ones.
  Value sub = arith::AndIOp::create(
      b, loc, arith::SubIOp::create(b, loc, c(0), mag), c(0x3F000000));
  Value isSub =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, mag, c(2));
  Value bits = arith::SelectOp::create(b, loc, isSub, sub, normal);
  Value sign = arith::ShLIOp::create(
      b, loc, arith::AndIOp::create(b, loc, code, c(8)), c(28));
  return bitsToFloat(b, loc, arith::OrIOp::create(b, loc, bits, sign), to);
}

Value qnk::encodeFp4E2M1Saturating(OpBuilder &b, Location loc, Value vec) {
  auto ty = cast<VectorType>(vec.getType());
  auto i32Ty = ty.clone(b.getI32Type());
  auto f32Ty = ty.clone(b.getF32Type());
  auto c = [&](int64_t v) { return splat(b, loc, i32Ty, v); };
  Value bits = vector::BitCastOp::create(b, loc, i32Ty, vec);
  Value mag = arith::AndIOp::create(b, loc, bits, c(INT32_MAX));
  // Normal results (|x| >= 1): round the f32 mantissa to 1 bit, ties to
  // even (a carry moves into the exponent), then rebias (127 -> 1).
  Value lsb = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, mag, c(22)), c(1));
  Value rounded = arith::AddIOp::create(
      b, loc, mag, arith::AddIOp::create(b, loc, c((1 << 21) - 1), lsb));
  Value normal = arith::SubIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, rounded, c(22)), c(126 << 1));
  // Below 1 the results are multiples of 0.5: code = roundeven(2|x|)
  // (2 is the code of 1.0).
  Value absF = vector::BitCastOp::create(b, loc, f32Ty, mag);
  Value twice = arith::MulFOp::create(
      b, loc, absF,
      arith::ConstantOp::create(
          b, loc, f32Ty, DenseElementsAttr::get(f32Ty, b.getF32FloatAttr(2))));
  Value sub = arith::FPToSIOp::create(b, loc, i32Ty,
                                      math::RoundEvenOp::create(b, loc, twice));
  Value isSub = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, mag,
                                      c(0x3F800000));
  Value code = arith::SelectOp::create(b, loc, isSub, sub, normal);
  code = arith::MinSIOp::create(b, loc, code, c(7)); // saturate to 6
  code = arith::OrIOp::create(
      b, loc, code,
      arith::ShRUIOp::create(
          b, loc, arith::AndIOp::create(b, loc, bits, c(INT32_MIN)), c(28)));
  // NaN (either sign) -> +0.
  Value isNaN = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, mag,
                                      c(0x7F800000));
  code = arith::SelectOp::create(b, loc, isNaN, c(0), code);
  Value nibble = arith::TruncIOp::create(b, loc, ty.clone(b.getI4Type()), code);
  return vector::BitCastOp::create(
      b, loc, ty.clone(Float4E2M1FNType::get(b.getContext())), nibble);
}

Value qnk::decodeE8M0(OpBuilder &b, Location loc, Value vec, Type to) {
  auto i32Ty = cast<VectorType>(vec.getType()).clone(b.getI32Type());
  auto c = [&](int64_t v) { return splat(b, loc, i32Ty, v); };
  Value code = arith::AndIOp::create(b, loc, bitsAsI32(b, loc, vec), c(0xFF));
  // 2^(e-127) is the f32 with exponent field e, except 2^-127 (e = 0),
  // the denormal 0x00400000, and NaN (e = 0xFF).
  Value bits = arith::ShLIOp::create(b, loc, code, c(23));
  Value isZeroCode =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, code, c(0));
  bits = arith::SelectOp::create(b, loc, isZeroCode, c(0x00400000), bits);
  Value isNaN =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, code, c(0xFF));
  bits = arith::SelectOp::create(b, loc, isNaN, c(0x7FC00000), bits);
  return bitsToFloat(b, loc, bits, to);
}

Value qnk::encodeMXSharedScale(OpBuilder &b, Location loc, Value amax,
                               int64_t emaxElem) {
  auto ty = cast<VectorType>(amax.getType());
  auto i32Ty = ty.clone(b.getI32Type());
  auto c = [&](int64_t v) { return splat(b, loc, i32Ty, v); };
  Value bits = vector::BitCastOp::create(b, loc, i32Ty, amax);
  // floor(log2(amax)) + 127 is the exponent field for normal amax; X + 127
  // is that minus emaxElem, clamped below at 0 (which also covers 0 and
  // denormal amax, whose X is below -127 anyway).
  Value field = arith::ShRUIOp::create(
      b, loc, arith::AndIOp::create(b, loc, bits, c(INT32_MAX)), c(23));
  Value code = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, field, c(emaxElem)), c(0));
  Value notFinite =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, field, c(0xFF));
  code = arith::SelectOp::create(b, loc, notFinite, c(0xFF), code);
  Value byte = arith::TruncIOp::create(b, loc, ty.clone(b.getI8Type()), code);
  return vector::BitCastOp::create(
      b, loc, ty.clone(Float8E8M0FNUType::get(b.getContext())), byte);
}

Value qnk::widenScalarToF32(OpBuilder &b, Location loc, Value scalar) {
  Type t = scalar.getType();
  Type f32 = b.getF32Type();
  if (t.isF32())
    return scalar;
  if (t.isBF16() || t.isF16())
    return arith::ExtFOp::create(b, loc, f32, scalar);
  Value vec =
      vector::BroadcastOp::create(b, loc, VectorType::get({1}, t), scalar);
  Value wide = isFp8(t)   ? decodeFp8(b, loc, vec, f32)
               : isFp4(t) ? decodeFp4E2M1(b, loc, vec, f32)
                          : decodeE8M0(b, loc, vec, f32);
  return vector::ExtractOp::create(b, loc, wide, 0);
}
