//===- ImportQuantTypes.cpp - !quant.uniform to QNK's form ----------------===//
//
// Upstream MLIR states quantized tensors as `!quant.uniform` element types
// and converts with quant.qcast / quant.dcast. QNK keeps the storage tensor
// (i8, ui8, i4, ui4) and states the scale and zero point as operands of
// qnk.quantize / qnk.dequantize, so this pass rewrites function signatures
// to storage types and the casts to those ops with constant scales: per
// tensor, per axis, or sub-channel (blocks along one dimension).
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"

namespace qnk {
#define GEN_PASS_DEF_QNKIMPORTQUANTTYPES
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk;

namespace {

/// The QNK storage type of a quantized type (signless for signed storage).
Type storageOf(quant::QuantizedType q) {
  auto width = q.getStorageTypeIntegralWidth();
  return IntegerType::get(q.getContext(), width,
                          q.isSigned() ? IntegerType::Signless
                                       : IntegerType::Unsigned);
}

/// A tensor type with quantized elements as its storage tensor type.
Type convert(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  if (!tensor)
    return t;
  auto q = dyn_cast<quant::QuantizedType>(tensor.getElementType());
  return q ? tensor.clone(storageOf(q)) : t;
}

/// Scale and zero-point constants and the scheme attributes for `q` over a
/// tensor of `shape`, or failure with a diagnostic at `loc`.
struct Scales {
  Value scale, zeroPoint;
  IntegerAttr axis, groupSize;
};

FailureOr<Scales> materialize(OpBuilder &b, Location loc,
                              quant::QuantizedType q, ArrayRef<int64_t> shape) {
  int64_t lo = quant::QuantizedType::getDefaultMinimumForInteger(
      q.isSigned(), q.getStorageTypeIntegralWidth());
  int64_t hi = quant::QuantizedType::getDefaultMaximumForInteger(
      q.isSigned(), q.getStorageTypeIntegralWidth());
  if (q.getStorageTypeMin() != lo || q.getStorageTypeMax() != hi)
    return emitError(loc) << "quantized type " << q
                          << " narrows its storage range; QNK saturates to "
                             "the whole range of the storage type";
  if (!q.getExpressedType().isF32())
    return emitError(loc) << "quantized type " << q << " expresses "
                          << q.getExpressedType() << "; QNK's scales are f32";
  unsigned width = q.getStorageTypeIntegralWidth();
  if (width != 8 && width != 4)
    return emitError(loc) << "quantized type " << q << " has " << width
                          << "-bit storage; QNK stores 8 or 4 bits";
  Scales s;
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto constants = [&](ArrayRef<int64_t> sshape, ArrayRef<float> scales,
                       ArrayRef<int32_t> zps) {
    auto st = RankedTensorType::get(sshape, f32);
    auto zt = RankedTensorType::get(sshape, i32);
    s.scale = arith::ConstantOp::create(b, loc, st,
                                        DenseElementsAttr::get(st, scales));
    s.zeroPoint =
        arith::ConstantOp::create(b, loc, zt, DenseElementsAttr::get(zt, zps));
  };
  if (auto u = dyn_cast<quant::UniformQuantizedType>(q)) {
    constants({}, {float(u.getScale())}, {int32_t(u.getZeroPoint())});
    return s;
  }
  if (auto a = dyn_cast<quant::UniformQuantizedPerAxisType>(q)) {
    SmallVector<float> scales(a.getScales().begin(), a.getScales().end());
    SmallVector<int32_t> zps(a.getZeroPoints().begin(),
                             a.getZeroPoints().end());
    constants({int64_t(scales.size())}, scales, zps);
    s.axis = b.getI64IntegerAttr(a.getQuantizedDimension());
    return s;
  }
  if (auto c = dyn_cast<quant::UniformQuantizedSubChannelType>(q)) {
    // One blocked dimension: QNK's groups along an axis.
    int64_t axis = -1, block = 1;
    for (auto [dim, size] : c.getBlockSizeInfo())
      if (size > 1) {
        if (axis >= 0)
          return emitError(loc) << "quantized type " << q
                                << " blocks more than one dimension; QNK "
                                   "groups along one axis";
        axis = dim, block = size;
      }
    SmallVector<float> scales;
    for (APFloat v : c.getScales().getValues<APFloat>())
      scales.push_back(v.convertToFloat());
    SmallVector<int32_t> zps;
    for (APInt v : c.getZeroPoints().getValues<APInt>())
      zps.push_back(int32_t(v.getSExtValue()));
    auto sshape = c.getScales().getType().getShape();
    constants(sshape, scales, zps);
    if (axis >= 0) {
      s.axis = b.getI64IntegerAttr(axis);
      s.groupSize = b.getI64IntegerAttr(block);
    } else if (llvm::all_of(sshape, [](int64_t d) { return d == 1; })) {
      // One block covering everything: one scale per tensor.
      constants({}, {scales.front()}, {zps.front()});
    } else {
      return emitError(loc)
             << "quantized type " << q << " has no blocked dimension";
    }
    return s;
  }
  return emitError(loc) << "unsupported quantized type " << q;
}

struct ImportQuantTypesPass
    : qnk::impl::QNKImportQuantTypesBase<ImportQuantTypesPass> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>())
      if (failed(importFunction(fn)))
        return signalPassFailure();
  }

  LogicalResult importFunction(func::FuncOp fn) {
    OpBuilder b(fn.getContext());
    // The quantized type each storage value stands for.
    DenseMap<Value, quant::QuantizedType> quantOf;
    auto quantType = [](Type t) {
      auto tensor = dyn_cast<RankedTensorType>(t);
      return tensor ? dyn_cast<quant::QuantizedType>(tensor.getElementType())
                    : quant::QuantizedType();
    };
    if (!fn.isExternal())
      for (BlockArgument arg : fn.getArguments()) {
        if (auto q = quantType(arg.getType()))
          quantOf[arg] = q;
        arg.setType(convert(arg.getType()));
      }
    SmallVector<Operation *> casts;
    fn.walk([&](Operation *op) {
      if (isa<quant::DequantizeCastOp, quant::QuantizeCastOp,
              quant::StorageCastOp>(op))
        casts.push_back(op);
    });
    for (Operation *op : casts) {
      b.setInsertionPoint(op);
      Location loc = op->getLoc();
      Value in = op->getOperand(0);
      Type resultType = op->getResult(0).getType();
      Type out = convert(resultType);
      quant::QuantizedType q = isa<quant::QuantizeCastOp>(op)
                                   ? quantType(resultType)
                                   : quantOf.lookup(in);
      if (!q)
        q = quantType(in.getType());
      if (!q)
        q = quantType(resultType); // scast from storage to quantized
      if (!q)
        return op->emitOpError("expects a quantized tensor on one side");
      Value repl;
      if (isa<quant::StorageCastOp>(op)) {
        repl = in; // storage and quantized tensors are the same bits
      } else {
        auto shape = cast<RankedTensorType>(resultType).getShape();
        FailureOr<Scales> s = materialize(b, loc, q, shape);
        if (failed(s))
          return failure();
        if (isa<quant::DequantizeCastOp>(op))
          repl = DequantizeOp::create(b, loc, out, in, s->scale, s->zeroPoint,
                                      s->axis, s->groupSize);
        else
          repl = QuantizeOp::create(b, loc, out, in, s->scale, s->zeroPoint,
                                    s->axis, s->groupSize);
      }
      if (convert(repl.getType()) != repl.getType() || quantType(resultType))
        quantOf[repl] = q;
      op->getResult(0).replaceAllUsesWith(repl);
      op->erase();
    }
    // Anything left holding a quantized type has no QNK meaning.
    WalkResult left = fn.walk([&](Operation *op) {
      for (Type t : llvm::concat<const Type>(op->getOperandTypes(),
                                             op->getResultTypes()))
        if (convert(t) != t) {
          op->emitOpError("uses a !quant type QNK cannot import here");
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      return failure();
    SmallVector<Type> inputs, results;
    for (Type t : fn.getArgumentTypes())
      inputs.push_back(convert(t));
    for (Type t : fn.getResultTypes())
      results.push_back(convert(t));
    fn.setType(FunctionType::get(fn.getContext(), inputs, results));
    return success();
  }
};

} // namespace
