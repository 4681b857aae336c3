//===- IndexBuilder.h - Terse index arithmetic for loop nests ---*- C++ -*-===//
#ifndef QNK_TRANSFORMS_INDEXBUILDER_H
#define QNK_TRANSFORMS_INDEXBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace qnk {

/// Index arithmetic that folds constants as it builds, so static problems
/// keep static subview shapes.
struct IndexBuilder {
  mlir::OpBuilder &b;
  mlir::Location loc;

  mlir::Value c(int64_t v) {
    return mlir::arith::ConstantIndexOp::create(b, loc, v);
  }
  mlir::Value add(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::AddIOp>(loc, x, y);
  }
  mlir::Value sub(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::SubIOp>(loc, x, y);
  }
  mlir::Value mul(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::MulIOp>(loc, x, y);
  }
  mlir::Value div(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::DivUIOp>(loc, x, y);
  }
  mlir::Value rem(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::RemUIOp>(loc, x, y);
  }
  mlir::Value ceilDiv(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::CeilDivUIOp>(loc, x, y);
  }
  mlir::Value min(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::MinUIOp>(loc, x, y);
  }
  mlir::Value dim(mlir::Value memref, int64_t i) {
    auto ty = mlir::cast<mlir::MemRefType>(memref.getType());
    if (!ty.isDynamicDim(i))
      return c(ty.getDimSize(i));
    return mlir::memref::DimOp::create(b, loc, memref, i);
  }
};

/// A rank-reduced view of `memref` at index `idx` of its leading (batch)
/// dimension.
inline mlir::Value viewAtBatch(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value memref, mlir::Value idx) {
  auto ty = mlir::cast<mlir::MemRefType>(memref.getType());
  llvm::SmallVector<mlir::OpFoldResult> offsets(ty.getRank(),
                                                b.getIndexAttr(0));
  llvm::SmallVector<mlir::OpFoldResult> sizes,
      strides(ty.getRank(), b.getIndexAttr(1));
  offsets[0] = idx;
  sizes.push_back(b.getIndexAttr(1));
  for (int64_t d : ty.getShape().drop_front())
    sizes.push_back(b.getIndexAttr(d));
  llvm::SmallVector<int64_t> shape(ty.getShape().drop_front());
  auto resTy = mlir::memref::SubViewOp::inferRankReducedResultType(
      shape, ty, offsets, sizes, strides);
  return mlir::memref::SubViewOp::create(b, loc,
                                         mlir::cast<mlir::MemRefType>(resTy),
                                         memref, offsets, sizes, strides);
}

} // namespace qnk

#endif
