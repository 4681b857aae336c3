//===- Epilogue.h - Matmul epilogue arithmetic -----------------*- C++ -*-===//
//
// The element-wise steps of a qnk.matmul epilogue, built once for scalars
// (the decomposed form, the reference) and for vectors (the nanokernel), so
// both compute the same formula.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_TRANSFORMS_EPILOGUE_H
#define QNK_TRANSFORMS_EPILOGUE_H

#include "qnk/Dialect/QNK/IR/QNK.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace qnk {

/// `act(v)` for an f32 scalar or vector `v`: relu as maximum(v, +0), gelu
/// with erf, gelu_tanh with the tanh approximation, silu as v / (1 +
/// exp(-v)). Transcendentals are math ops: expand them with
/// populateEpilogueMathPatterns.
mlir::Value applyActivation(mlir::OpBuilder &b, mlir::Location loc,
                            Activation act, mlir::Value v);

/// The dequantize/bias/activation epilogue of f32 sums (a scalar or a
/// vector), in the reference's order: times `rowScale` and `colScale` (both
/// or neither), plus `bias` (if any), then the activation (if any). Integer
/// sums are converted to f32 first. Every nanokernel applies it this way.
mlir::Value applyEpilogue(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value sums, mlir::Value rowScale,
                          mlir::Value colScale, mlir::Value bias,
                          std::optional<Activation> activation);

/// erf, tanh and exp as upstream MLIR's polynomial approximations (no
/// library calls), the same for scalars and vectors.
void populateEpilogueMathPatterns(mlir::RewritePatternSet &patterns);

} // namespace qnk

#endif
