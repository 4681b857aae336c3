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
