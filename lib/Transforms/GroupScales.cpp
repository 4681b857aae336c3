//===- GroupScales.cpp - qnk.matmul group scales as f32 ------------------===//

#include "qnk/Transforms/GroupScales.h"
#include "qnk/Transforms/FloatDecode.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

Value qnk::groupScaleToF32(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType(), f32 = b.getF32Type();
  if (t.isF32())
    return x;
  if (isa<Float8E8M0FNUType>(t)) {
    // 2^(e - 127): the exponent field of an f32, except e = 0 (2^-127, an
    // f32 subnormal) and e = 255 (NaN).
    Value e = arith::ExtUIOp::create(
        b, loc, b.getI32Type(),
        arith::BitcastOp::create(b, loc, b.getI8Type(), x));
    Value bits = arith::ShLIOp::create(
        b, loc, e, arith::ConstantIntOp::create(b, loc, b.getI32Type(), 23));
    auto eq = [&](int64_t v) {
      return arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::eq, e,
          arith::ConstantIntOp::create(b, loc, b.getI32Type(), v));
    };
    auto bitsOf = [&](int64_t v) -> Value {
      return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
    };
    bits = arith::SelectOp::create(b, loc, eq(0), bitsOf(0x00400000), bits);
    bits = arith::SelectOp::create(b, loc, eq(255), bitsOf(0x7fc00000), bits);
    return arith::BitcastOp::create(b, loc, f32, bits);
  }
  if (isFp8(t)) {
    Value vec = vector::BroadcastOp::create(b, loc, VectorType::get({1}, t), x);
    return vector::ExtractOp::create(b, loc, decodeFp8(b, loc, vec, f32), 0);
  }
  return arith::ExtFOp::create(b, loc, f32, x);
}

/// `scale` as an f32 tensor, transposed when `transpose`.
static Value toF32(OpBuilder &b, Location loc, Value scale, bool transpose) {
  auto ty = cast<RankedTensorType>(scale.getType());
  if (ty.getElementType().isF32() && !transpose)
    return scale;
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> shape(ty.getShape());
  if (transpose)
    std::swap(shape[0], shape[1]);
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap in =
      transpose ? AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, ctx)
                : id;
  SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{scale},
             ValueRange{init}, ArrayRef<AffineMap>{in, id}, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l,
                                       qnk::groupScaleToF32(nb, l, args[0]));
             })
      .getResult(0);
}

std::pair<Value, Value> qnk::canonicalGroupScales(OpBuilder &b, Location loc,
                                                  MatmulOp op) {
  Value a = op.getAGroupScale(), bs = op.getBGroupScale();
  return {a ? toF32(b, loc, a, op.getTransposeA()) : Value(),
          bs ? toF32(b, loc, bs, op.getTransposeB()) : Value()};
}
