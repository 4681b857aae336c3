//===- Attention.h - qnk.attention rewrite patterns -------------*- C++ -*-===//
//
// The attention patterns live in their own files; qnk-lower-to-reference
// pulls in the reference one through this function.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_TRANSFORMS_ATTENTION_H
#define QNK_TRANSFORMS_ATTENTION_H

#include "mlir/IR/PatternMatch.h"

namespace qnk {

// The low-precision steps of qnk.attention (docs/numerics.md, "Attention"),
// shared by both lowerings so that they quantize bit for bit alike. Each
// takes f32 scalars or vectors of f32 and builds the same IEEE operations
// either way.

/// The scale of a block whose largest magnitude is `amax` (>= 0 or NaN) for
/// symmetric quantization to [-qmax, qmax]: amax / qmax, or NaN when amax is
/// not finite (so that the block's results are NaN).
mlir::Value buildBlockScale(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value amax, float qmax);

/// x / s rounded to nearest even, clamped to [-127, 127], as i8 (or a vector
/// of i8); 0 where x / s is NaN (s = 0: an all-zero block).
mlir::Value buildQuantizeI8(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value x, mlir::Value s);

/// The f32 value of x rounded to `pvType` (qnk.attention's pv_type): bf16
/// rounds to nearest even; f8E4M3FN rounds to nearest even and saturates
/// to ±448, NaN staying NaN, except that `nanToZero` gives 0 for NaN (a
/// channel of V whose scale is 0).
mlir::Value buildRoundForPV(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value x, mlir::Type pvType,
                            bool nanToZero = false);

/// The largest finite value of the E4M3 P·V format: P (in [0, 1]) is
/// multiplied by it, V divided by its channel's largest magnitude over it.
inline constexpr float kE4M3Max = 448.0f;

/// qnk.attention -> linalg.generic ops that materialise the scores
/// (Q·Kᵀ, row max, sum of exp, P·V, normalise) with math.exp: the reference
/// semantics of docs/numerics.md ("Attention").
void populateLowerAttentionToReferencePatterns(
    mlir::RewritePatternSet &patterns);

} // namespace qnk

#endif
