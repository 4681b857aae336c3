//===- AttentionQuant.cpp - qnk.attention's low-precision steps -----------===//
//
// Quantization of Q and K to int8 and rounding of P and V for P·V, built the
// same way for the reference lowering (scalars in linalg.generic bodies) and
// the fused one (vectors), so that both produce the same bits.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/Attention.h"
#include "qnk/Transforms/FloatDecode.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>
#include <limits>

using namespace mlir;

/// A constant f32 of the shape of `like` (scalar or vector).
static Value constLike(OpBuilder &b, Location loc, Value like, float v) {
  FloatAttr attr = b.getF32FloatAttr(v);
  if (auto vt = dyn_cast<VectorType>(like.getType()))
    return arith::ConstantOp::create(b, loc, vt,
                                     DenseElementsAttr::get(vt, attr));
  return arith::ConstantOp::create(b, loc, attr);
}

Value qnk::buildBlockScale(OpBuilder &b, Location loc, Value amax, float qmax) {
  Value s = arith::DivFOp::create(b, loc, amax, constLike(b, loc, amax, qmax));
  Value finite = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, amax,
                                       constLike(b, loc, amax, INFINITY));
  return arith::SelectOp::create(b, loc, finite, s,
                                 constLike(b, loc, amax, NAN));
}

Value qnk::buildQuantizeI8(OpBuilder &b, Location loc, Value x, Value s) {
  Value r = arith::DivFOp::create(b, loc, x, s);
  Value q = math::RoundEvenOp::create(b, loc, r);
  q = arith::MinimumFOp::create(
      b, loc, arith::MaximumFOp::create(b, loc, q, constLike(b, loc, q, -127)),
      constLike(b, loc, q, 127));
  // fptosi of NaN is poison: select 0 first.
  Value nan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, r, r);
  q = arith::SelectOp::create(b, loc, nan, constLike(b, loc, q, 0), q);
  Type i8 = b.getI8Type();
  if (auto vt = dyn_cast<VectorType>(x.getType()))
    i8 = vt.clone(i8);
  return arith::FPToSIOp::create(b, loc, i8, q);
}

Value qnk::buildRoundForPV(OpBuilder &b, Location loc, Value x, Type pvType,
                           bool nanToZero) {
  Type f32 = b.getF32Type();
  auto vt = dyn_cast<VectorType>(x.getType());
  if (pvType.isBF16()) {
    Type bf16 = vt ? Type(vt.clone(pvType)) : pvType;
    Value h = arith::TruncFOp::create(b, loc, bf16, x);
    return arith::ExtFOp::create(b, loc, vt ? Type(vt.clone(f32)) : f32, h);
  }
  // The fp8 helpers take vectors: a scalar goes through a vector of one.
  Value vec = x;
  if (!vt)
    vec = vector::BroadcastOp::create(b, loc, VectorType::get({1}, f32), x);
  Value r = decodeFp8(b, loc, encodeFp8Saturating(b, loc, vec, pvType), f32);
  if (nanToZero) {
    Value nan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, r, r);
    r = arith::SelectOp::create(b, loc, nan, constLike(b, loc, r, 0.0f), r);
  }
  if (!vt)
    r = vector::ExtractOp::create(b, loc, r, 0);
  return r;
}
