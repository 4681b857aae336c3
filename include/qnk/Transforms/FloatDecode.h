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

/// True for f4E2M1FN (OCP MX FP4).
bool isFp4(mlir::Type t);

/// Widens a vector of 4-bit E2M1 codes exactly to f32 (or bf16). The codes
/// are `f4E2M1FN`, `i4`/`ui4` holding the bit pattern, or a wider integer
/// holding it in its low nibble (the rest is ignored). S.EE.M with bias 1:
/// ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}; there is no NaN or infinity. Integer
/// operations only (no table in memory, no f32 denormal arithmetic).
mlir::Value decodeFp4E2M1(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value vec, mlir::Type to);

/// Rounds a vector of f32 to f4E2M1FN: round to nearest, ties to even;
/// magnitudes beyond 6 (±Inf included) saturate to ±6; -0 stays -0. E2M1
/// has no NaN, and the OCP MX spec leaves the conversion of NaN to the
/// implementation: QNK encodes every NaN as +0 (code 0).
mlir::Value encodeFp4E2M1Saturating(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value vec);

/// Widens a vector of f8E8M0FNU (or i8/ui8 holding the bits) exactly to f32
/// (or bf16): code e is 2^(e - 127) (code 0 is 2^-127, an f32 denormal,
/// written as bits: no arithmetic touches it), code 0xFF is NaN.
mlir::Value decodeE8M0(mlir::OpBuilder &b, mlir::Location loc, mlir::Value vec,
                       mlir::Type to);

/// The OCP MX v1.0 shared exponent of blocks with largest magnitude `amax`
/// (a vector of f32, |x| already taken) for elements whose largest power of
/// two is 2^`emaxElem` (8 for E4M3, 15 for E5M2, 2 for E2M1), as an
/// f8E8M0FNU code: X = floor(log2(amax)) - emaxElem clamped to [-127, 127],
/// stored as X + 127. amax of 0 or below 2^-126 gives code 0 (2^-127);
/// NaN or Inf gives 0xFF (NaN).
mlir::Value encodeMXSharedScale(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value amax, int64_t emaxElem);

/// Widens one scalar of f32, bf16, f16, f8E4M3FN, f8E5M2, f4E2M1FN or
/// f8E8M0FNU exactly to f32 (every such value is an f32).
mlir::Value widenScalarToF32(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value scalar);

/// f32 -> bf16 for values known to be exactly representable (no rounding
/// and no library call on targets without native bf16 conversion).
mlir::Value truncateExactToBF16(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value vec);

} // namespace qnk

#endif
