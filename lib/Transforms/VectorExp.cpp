//===- VectorExp.cpp - exp(x) in f32 without a library call ---------------===//

#include "qnk/Transforms/VectorExp.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"

#include <limits>

using namespace mlir;

namespace {
/// Builds splats of the shape of `x` (scalar or vector) for f32 and i32.
struct Lanes {
  OpBuilder &b;
  Location loc;
  Type fTy, iTy;

  Value f(float v) {
    Attribute a = b.getF32FloatAttr(v);
    if (auto vt = dyn_cast<VectorType>(fTy))
      a = DenseElementsAttr::get(vt, a);
    return arith::ConstantOp::create(b, loc, fTy, cast<TypedAttr>(a));
  }
  Value i(int32_t v) {
    Attribute a = b.getI32IntegerAttr(v);
    if (auto vt = dyn_cast<VectorType>(iTy))
      a = DenseElementsAttr::get(vt, a);
    return arith::ConstantOp::create(b, loc, iTy, cast<TypedAttr>(a));
  }
};
} // namespace

Value qnk::buildExpF32(OpBuilder &b, Location loc, Value x, bool useFma,
                       bool nonPositive) {
  Type fTy = x.getType();
  Type iTy = b.getI32Type();
  if (auto vt = dyn_cast<VectorType>(fTy))
    iTy = vt.clone(iTy);
  Lanes c{b, loc, fTy, iTy};
  auto fma = [&](Value a, Value m, Value add) -> Value {
    if (useFma)
      return math::FmaOp::create(b, loc, a, m, add);
    return arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, a, m),
                                 add);
  };
  auto cmp = [&](arith::CmpFPredicate p, Value l, Value r) -> Value {
    return arith::CmpFOp::create(b, loc, p, l, r);
  };

  // Clamp with compare+select (one vmaxps/vminps; a NaN becomes -110 and is
  // restored at the end) so that n stays a small integer: below -110 the
  // result is 0 anyway, above 88.72... it is +inf (selected below).
  Value lo = c.f(-110.0f);
  Value xc = arith::SelectOp::create(
      b, loc, cmp(arith::CmpFPredicate::OGT, x, lo), x, lo);
  if (!nonPositive) {
    Value hi = c.f(89.0f);
    xc = arith::SelectOp::create(b, loc, cmp(arith::CmpFPredicate::OLT, xc, hi),
                                 xc, hi);
  }

  // n = round-to-nearest-even(x / ln2) by adding 1.5 * 2^23: the sum lies
  // in [2^23, 2^24), where the f32 spacing is 1, so its low bits are n.
  Value magic = c.f(0x1.8p23f);
  Value k = fma(xc, c.f(0x1.715476p+0f), magic);
  Value nf = arith::SubFOp::create(b, loc, k, magic);
  Value n = arith::SubIOp::create(
      b, loc, arith::BitcastOp::create(b, loc, iTy, k), c.i(0x4B400000));
  // r = x - n*ln2 in two steps (Cody-Waite): ln2_hi has 21 significant bits,
  // so x - n*ln2_hi is a multiple of 2^-21 below 1/2, exact in f32; ln2_lo
  // (negative) carries the rest.
  Value r = fma(nf, c.f(-0x1.62e43p-1f), xc);
  r = fma(nf, c.f(0x1.05c61p-29f), r);

  // exp(r) = 1 + r + r^2 * P(r) on |r| <= ln2/2 (Cephes expf's minimax P);
  // adding 1 last keeps the small terms' rounding below half an ulp.
  Value q = c.f(1.9875691500e-4f);
  for (float coeff : {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f,
                      1.6666665459e-1f, 5.0000001201e-1f})
    q = fma(q, r, c.f(coeff));
  Value r2 = arith::MulFOp::create(b, loc, r, r);
  Value p = arith::AddFOp::create(b, loc, fma(q, r2, r), c.f(1.0f));

  // y = p * 2^n: n_hi = max(n, -125) goes into the exponent bits by an
  // integer add (p in [0.7, 1.42] keeps the result normal); the rest,
  // n_lo = n - n_hi in [-34, 0], is one multiplication by the normal 2^n_lo,
  // which rounds subnormal results exactly once.
  Value nHi = arith::MaxSIOp::create(b, loc, n, c.i(-125));
  Value nLo = arith::SubIOp::create(b, loc, n, nHi);
  Value pBits = arith::BitcastOp::create(b, loc, iTy, p);
  Value yBits = arith::AddIOp::create(
      b, loc, pBits, arith::ShLIOp::create(b, loc, nHi, c.i(23)));
  Value loBits = arith::ShLIOp::create(
      b, loc, arith::AddIOp::create(b, loc, nLo, c.i(127)), c.i(23));
  Value y = arith::MulFOp::create(
      b, loc, arith::BitcastOp::create(b, loc, fTy, yBits),
      arith::BitcastOp::create(b, loc, fTy, loBits));

  // exp(x) rounds to +inf from the next f32 above 88.72283172607422 on
  // (which also covers +inf); a NaN stays NaN.
  if (!nonPositive)
    y = arith::SelectOp::create(
        b, loc, cmp(arith::CmpFPredicate::OGT, x, c.f(88.72283172607422f)),
        c.f(std::numeric_limits<float>::infinity()), y);
  return arith::SelectOp::create(b, loc, cmp(arith::CmpFPredicate::UNO, x, x),
                                 x, y);
}
