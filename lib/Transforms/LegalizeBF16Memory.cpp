//===- LegalizeBF16Memory.cpp - bf16 loads and stores as i16 --------------===//
//
// Without AVX512-BF16, LLVM's x86 backend keeps a scalar bf16 as an f32 in
// a register: a bf16 element that is stored on its own (a scalarized masked
// tail, say) is rounded back with compiler-rt's `__truncsfbf2`, which the
// JIT and QNK's objects lack. Memory never needs to know the values are
// floats, so this pass moves bf16 through memory as i16 bits.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

namespace qnk {
#define GEN_PASS_DEF_QNKLEGALIZEBF16MEMORY
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;

namespace {

/// The i16 type with the shape of `type` if it holds bf16, else null.
Type asBits(Type type) {
  if (type.isBF16())
    return IntegerType::get(type.getContext(), 16);
  if (auto vec = dyn_cast<VectorType>(type);
      vec && vec.getElementType().isBF16())
    return vec.clone(IntegerType::get(type.getContext(), 16));
  return nullptr;
}

Value bitcast(OpBuilder &b, Location loc, Value v, Type to) {
  return LLVM::BitcastOp::create(b, loc, to, v);
}

/// A load whose result is bf16: load the bits, then reinterpret them. Pass-
/// through operands (all operands from `firstPassThru` on) become bits too.
void rewriteLoad(Operation *op, unsigned firstPassThru) {
  Type floatType = op->getResult(0).getType();
  Type bits = asBits(floatType);
  if (!bits)
    return;
  OpBuilder b(op);
  for (unsigned i = firstPassThru, e = op->getNumOperands(); i < e; ++i)
    op->setOperand(i, bitcast(b, op->getLoc(), op->getOperand(i), bits));
  op->getResult(0).setType(bits);
  b.setInsertionPointAfter(op);
  Value asFloat = bitcast(b, op->getLoc(), op->getResult(0), floatType);
  op->getResult(0).replaceAllUsesExcept(asFloat, asFloat.getDefiningOp());
}

/// A store of a bf16 value (operand 0): store its bits.
void rewriteStore(Operation *op) {
  Value value = op->getOperand(0);
  if (Type bits = asBits(value.getType())) {
    OpBuilder b(op);
    op->setOperand(0, bitcast(b, op->getLoc(), value, bits));
  }
}

struct LegalizeBF16MemoryPass
    : qnk::impl::QNKLegalizeBF16MemoryBase<LegalizeBF16MemoryPass> {
  void runOnOperation() override {
    getOperation()->walk([](Operation *op) {
      if (isa<LLVM::LoadOp>(op))
        rewriteLoad(op, /*firstPassThru=*/op->getNumOperands());
      else if (isa<LLVM::MaskedLoadOp, LLVM::masked_gather>(op))
        rewriteLoad(op, /*firstPassThru=*/2);
      else if (isa<LLVM::StoreOp, LLVM::MaskedStoreOp, LLVM::masked_scatter>(
                   op))
        rewriteStore(op);
    });
  }
};
} // namespace
