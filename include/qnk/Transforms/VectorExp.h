//===- VectorExp.h - exp(x) in f32 without a library call -------*- C++ -*-===//
//
// Softmax (and later attention) evaluate exp once or more per element; a libm
// call per lane would dominate. This is QNK's own exp: range reduction
// x = n*ln2 + r, a polynomial for exp(r), and 2^n applied to the exponent
// bits, with overflow, underflow (subnormals included), -inf and NaN handled
// as docs/numerics.md states.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_TRANSFORMS_VECTOREXP_H
#define QNK_TRANSFORMS_VECTOREXP_H

#include "mlir/IR/Builders.h"

namespace qnk {

/// exp(x) for an f32 scalar or a vector of f32, lane by lane with the same
/// IEEE operations either way. `useFma` fuses the multiply-adds (targets with
/// FMA); without it each is a multiply and an add. `nonPositive` promises
/// x <= 0 or NaN (softmax subtracts the max first), which drops the overflow
/// handling; the result is the same for such x.
mlir::Value buildExpF32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        bool useFma, bool nonPositive = false);

} // namespace qnk

#endif
