//===- BufferizableOpInterfaceImpl.cpp - Bufferize qnk DPS ops
//---------------===//
//
// qnk.pack and qnk.packed_matmul are destination-style: they bufferize in
// place into their destination buffer, like linalg ops.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "qnk/Dialect/QNK/IR/QNK.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace {

/// Replaces every tensor operand by its buffer and re-creates the op with no
/// results; the destination buffer becomes the op's replacement value.
LogicalResult bufferizeDpsOp(RewriterBase &rewriter, Operation *op,
                             const BufferizationOptions &options,
                             BufferizationState &state) {
  SmallVector<Value> operands;
  for (Value v : op->getOperands()) {
    if (!isa<TensorType>(v.getType())) {
      operands.push_back(v);
      continue;
    }
    FailureOr<Value> buf = getBuffer(rewriter, v, options, state);
    if (failed(buf))
      return failure();
    operands.push_back(*buf);
  }
  auto dps = cast<DestinationStyleOpInterface>(op);
  Value destBuf =
      operands[dps.getDpsInitsMutable().begin()->getOperandNumber()];
  rewriter.setInsertionPoint(op);
  OperationState st(op->getLoc(), op->getName(), operands, TypeRange{},
                    op->getAttrs());
  rewriter.create(st);
  replaceOpWithBufferizedValues(rewriter, op, destBuf);
  return success();
}

struct PackOpInterface
    : DstBufferizableOpInterfaceExternalModel<PackOpInterface, qnk::PackOp> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    // The destination is fully overwritten, padding included.
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    return bufferizeDpsOp(rewriter, op, options, state);
  }
};

struct PackedMatmulOpInterface
    : DstBufferizableOpInterfaceExternalModel<PackedMatmulOpInterface,
                                              qnk::PackedMatmulOp> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    auto mm = cast<qnk::PackedMatmulOp>(op);
    return !mm.isDpsInit(&operand) || mm.getAccumulate();
  }
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    return bufferizeDpsOp(rewriter, op, options, state);
  }
};

} // namespace

void qnk::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, qnk::QNKDialect *) {
    qnk::PackOp::attachInterface<PackOpInterface>(*ctx);
    qnk::PackedMatmulOp::attachInterface<PackedMatmulOpInterface>(*ctx);
  });
}
