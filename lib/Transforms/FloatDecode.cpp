//===- FloatDecode.cpp - Exact widening of small float formats
//---------------===//

#include "qnk/Transforms/FloatDecode.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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
