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

/// qnk.attention -> linalg.generic ops that materialise the scores
/// (Q·Kᵀ, row max, sum of exp, P·V, normalise) with math.exp: the reference
/// semantics of docs/numerics.md ("Attention").
void populateLowerAttentionToReferencePatterns(
    mlir::RewritePatternSet &patterns);

} // namespace qnk

#endif
