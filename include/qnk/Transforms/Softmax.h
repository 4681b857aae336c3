//===- Softmax.h - qnk.softmax rewrite patterns -----------------*- C++ -*-===//
//
// The softmax patterns live in their own files; the passes that own the
// matmul patterns (qnk-lower-to-reference, qnk-raise-linalg) pull them in
// through these functions.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_TRANSFORMS_SOFTMAX_H
#define QNK_TRANSFORMS_SOFTMAX_H

#include "mlir/IR/PatternMatch.h"

namespace qnk {

/// qnk.softmax -> three linalg.generic ops (max, sum of exp, divide) with
/// math.exp: the reference semantics of docs/numerics.md.
void populateLowerSoftmaxToReferencePatterns(mlir::RewritePatternSet &patterns);

/// linalg.softmax on tensors of f32/bf16/f16 -> qnk.softmax.
void populateRaiseLinalgSoftmaxPatterns(mlir::RewritePatternSet &patterns);

} // namespace qnk

#endif
