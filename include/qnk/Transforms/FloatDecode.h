//===- FloatDecode.h - Exact widening of small float formats ----*- C++ -*-===//
//
// LLVM has no fp8 types, so fp8 values are widened with integer operations
// and one f16 -> f32 conversion (exact, and native with F16C): the decode
// that both the reference lowering and the packing use.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_TRANSFORMS_FLOATDECODE_H
#define QNK_TRANSFORMS_FLOATDECODE_H

#include "mlir/IR/Builders.h"

namespace qnk {

/// True for the fp8 storage types qnk.matmul accepts (f8E4M3FN, f8E5M2).
bool isFp8(mlir::Type t);

/// Widens a vector of f8E4M3FN / f8E5M2 values exactly to a vector of
/// f32 (or bf16, by truncating exact f32 bits). E5M2 is the upper byte of
/// an f16; E4M3FN is an f16 with a 4-bit exponent scaled by 2^8, and its
/// one NaN encoding (S.1111.111) maps to NaN (it has no infinities).
mlir::Value decodeFp8(mlir::OpBuilder &b, mlir::Location loc, mlir::Value vec,
                      mlir::Type to);

/// Rounds a vector of f32 to f8E4M3FN / f8E5M2 `to`: round to nearest even,
/// magnitudes beyond the largest finite value (±448, ±57344) saturate to it
/// (±Inf included), NaN stays NaN with its sign, subnormals are exact.
mlir::Value encodeFp8Saturating(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value vec, mlir::Type to);

/// f32 -> bf16 for values known to be exactly representable (no rounding
/// and no library call on targets without native bf16 conversion).
mlir::Value truncateExactToBF16(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value vec);

} // namespace qnk

#endif
