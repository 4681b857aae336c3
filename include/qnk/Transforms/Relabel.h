//===- Relabel.h - Integer signedness relabelling --------------*- C++ -*-===//
//
// QNK's unsigned storage types (ui8, ui4) must become signless before arith
// can touch them, and back after: vector.bitcast is the one op that
// relabels an integer's signedness, so scalars go through a 1-element
// vector.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_TRANSFORMS_RELABEL_H
#define QNK_TRANSFORMS_RELABEL_H

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace qnk {

/// Scalar `v` relabelled as integer type `to` of the same width (the same
/// bits); `v` itself when it already has that type.
inline mlir::Value relabelScalar(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value v, mlir::Type to) {
  if (v.getType() == to)
    return v;
  auto one = mlir::VectorType::get({1}, v.getType());
  mlir::Value vec = mlir::vector::BroadcastOp::create(b, loc, one, v);
  vec = mlir::vector::BitCastOp::create(b, loc, one.clone(to), vec);
  return mlir::vector::ExtractOp::create(b, loc, vec, 0);
}

/// The signless integer type of `t`'s width.
inline mlir::Type signlessOf(mlir::Type t) {
  return mlir::IntegerType::get(t.getContext(), t.getIntOrFloatBitWidth());
}

} // namespace qnk

#endif
