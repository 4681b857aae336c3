//===- GroupScales.cpp - qnk.matmul group scales as f32 ------------------===//

#include "qnk/Transforms/GroupScales.h"
#include "qnk/Transforms/FloatDecode.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

using namespace mlir;

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
                                       qnk::widenScalarToF32(nb, l, args[0]));
             })
      .getResult(0);
}

std::pair<Value, Value> qnk::canonicalGroupScales(OpBuilder &b, Location loc,
                                                  MatmulOp op) {
  Value a = op.getAGroupScale(), bs = op.getBGroupScale();
  return {a ? toF32(b, loc, a, op.getTransposeA()) : Value(),
          bs ? toF32(b, loc, bs, op.getTransposeB()) : Value()};
}
