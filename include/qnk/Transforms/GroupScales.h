//===- GroupScales.h - qnk.matmul group scales as f32 ---------*- C++ -*-===//
//
// Group scales arrive in the layout and type users store them in; the
// reference lowering and the nanokernels both read them as f32 in one
// canonical layout, made by the same code so that both see the same values.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_TRANSFORMS_GROUPSCALES_H
#define QNK_TRANSFORMS_GROUPSCALES_H

#include "qnk/Dialect/QNK/IR/QNK.h"

namespace qnk {

/// The group scales of `op` as f32 tensors, A's as [M, K/G] and B's as
/// [K/G, N] whatever the operands' layouts; null where `op` has none.
std::pair<mlir::Value, mlir::Value>
canonicalGroupScales(mlir::OpBuilder &b, mlir::Location loc, MatmulOp op);

} // namespace qnk

#endif
