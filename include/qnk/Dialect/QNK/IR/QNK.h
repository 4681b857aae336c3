//===- QNK.h - QNK dialect --------------------------------------*- C++ -*-===//
#ifndef QNK_DIALECT_QNK_IR_QNK_H
#define QNK_DIALECT_QNK_IR_QNK_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "qnk/Dialect/QNK/IR/QNKDialect.h.inc"
#include "qnk/Dialect/QNK/IR/QNKEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "qnk/Dialect/QNK/IR/QNKAttrs.h.inc"

namespace qnk {
/// How a scale tensor maps onto the tensor it scales.
struct ScaleScheme {
  enum Kind { PerTensor, PerAxis, PerGroup } kind = PerTensor;
  int64_t axis = -1;
  int64_t groupSize = 1;
};
} // namespace qnk

#define GET_OP_CLASSES
#include "qnk/Dialect/QNK/IR/QNKOps.h.inc"

namespace qnk {
/// Accumulator type of a qnk.matmul over operands `a` and `b`, or null if the
/// pair is not supported.
mlir::Type getMatmulAccumulatorType(mlir::Type a, mlir::Type b);
/// The integer storage types of matmul operands: i8, ui8, i4, ui4 (4-bit
/// ones packed two per byte in memory).
bool isStorageInt(mlir::Type t);
/// Integer storage types and the fp8 formats: what qnk.quantize produces.
bool isQuantizedStorageType(mlir::Type t);
/// The indexing maps (A, B, C) over iterators (b?, m, n, k) that state a
/// (batched) matmul with the given operand layouts.
llvm::SmallVector<mlir::AffineMap, 3>
getMatmulIndexingMaps(mlir::MLIRContext *ctx, unsigned batchRank,
                      bool transposeA, bool transposeB);
/// Checks the epilogue clauses of a qnk.matmul (scales, bias, activation,
/// output quantization) against its shapes and result type.
mlir::LogicalResult verifyMatmulEpilogue(MatmulOp op);
/// Checks a qnk.matmul's group scales and group size against its shapes.
mlir::LogicalResult verifyMatmulGroupScales(MatmulOp op);
/// The element types a group scale may hold: f32, bf16, f16, f8E4M3FN
/// (NVFP4) and f8E8M0FNU (MX).
bool isGroupScaleType(mlir::Type t);
/// Registers the bufferization models of the destination-style qnk ops.
void registerBufferizableOpInterfaceExternalModels(
    mlir::DialectRegistry &registry);
} // namespace qnk

#endif
