//===- LowerPack.cpp - qnk.pack on buffers to vector copy loops --------------===//
//
// Interior chunks use plain vector loads and stores; chunks that cross the
// end of the source use masked transfers whose padding is zero, which is
// what the nanokernel's zero-padded panels need.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/IndexBuilder.h"
#include "qnk/Transforms/Passes.h"

namespace qnk {
#define GEN_PASS_DEF_QNKLOWERPACK
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk;

namespace {

/// K steps packed per iteration when panels are rows of the source: one
/// read of tile rows x kChunk*kr elements, transposed in registers.
constexpr int64_t kChunk = 8;

class PackLowering {
public:
  PackLowering(OpBuilder &b, PackOp op)
      : b(b), loc(op.getLoc()), tile(op.getTile()), kr(op.getKr()),
        panelDim(op.getPanelDim()), zext(op.getZeroExtend()) {}

  void lower(Value src, Value dst) {
    if (kr > 1) {
      auto ty = cast<MemRefType>(dst.getType());
      int64_t r = ty.getRank();
      dst = memref::CollapseShapeOp::create(
          b, loc, dst,
          SmallVector<ReassociationIndices>{{0}, {1}, {r - 2, r - 1}});
    }
    srcElt = cast<MemRefType>(src.getType()).getElementType();
    dstElt = cast<MemRefType>(dst.getType()).getElementType();
    IndexBuilder ib{b, loc};
    Value panels = ib.dim(dst, 0), kSteps = ib.dim(dst, 1);
    rows = ib.dim(src, panelDim);
    kLen = ib.dim(src, 1 - panelDim);
    auto pLoop = scf::ForOp::create(b, loc, ib.c(0), panels, ib.c(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(pLoop.getBody());
    Value p = pLoop.getInductionVar();
    int64_t step = panelDim == 1 ? 1 : kChunk;
    auto kLoop = scf::ForOp::create(b, loc, ib.c(0), kSteps, ib.c(step));
    b.setInsertionPointToStart(kLoop.getBody());
    Value kk = kLoop.getInductionVar();
    if (panelDim == 1)
      copyColumns(src, dst, p, kk);
    else
      copyRows(src, dst, p, kk, kSteps);
  }

private:
  Value widen(Value v) {
    auto vt = cast<VectorType>(v.getType());
    auto to = vt.clone(dstElt);
    if (srcElt == dstElt)
      return v;
    if (isa<FloatType>(dstElt))
      return arith::ExtFOp::create(b, loc, to, v);
    if (zext)
      return arith::ExtUIOp::create(b, loc, to, v);
    return arith::ExtSIOp::create(b, loc, to, v);
  }

  /// Reads `shape` elements at `idx`, masked (zero-padded) unless `inBounds`.
  Value read(Value src, ValueRange idx, ArrayRef<int64_t> shape,
             Value inBounds) {
    auto vt = VectorType::get(shape, srcElt);
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{vt}, inBounds, true);
    for (bool masked : {false, true}) {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(masked ? ifOp.elseBlock() : ifOp.thenBlock());
      Value pad = arith::ConstantOp::create(b, loc, srcElt,
                                            b.getZeroAttr(srcElt));
      SmallVector<bool> ib(shape.size(), !masked);
      Value v = vector::TransferReadOp::create(
          b, loc, vt, src, idx, pad, ArrayRef<bool>(ib));
      scf::YieldOp::create(b, loc, v);
    }
    return ifOp.getResult(0);
  }

  Value cmpLE(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, x, y);
  }

  /// Source [K, R]: one panel row (tile elements of kr source rows) per step.
  void copyColumns(Value src, Value dst, Value p, Value kk) {
    IndexBuilder ib{b, loc};
    Value r0 = ib.mul(p, ib.c(tile)), k0 = ib.mul(kk, ib.c(kr));
    Value inBounds = arith::AndIOp::create(
        b, loc, cmpLE(ib.add(r0, ib.c(tile)), rows),
        cmpLE(ib.add(k0, ib.c(kr)), kLen));
    Value v = widen(read(src, {k0, r0}, {kr, tile}, inBounds));
    if (kr > 1)
      v = vector::TransposeOp::create(b, loc, v, ArrayRef<int64_t>{1, 0});
    v = vector::ShapeCastOp::create(
        b, loc, VectorType::get({tile * kr}, dstElt), v);
    vector::StoreOp::create(b, loc, v, dst, ValueRange{p, kk, ib.c(0)});
  }

  /// Source [R, K]: kChunk panel rows per step, transposed in registers.
  void copyRows(Value src, Value dst, Value p, Value kk, Value kSteps) {
    IndexBuilder ib{b, loc};
    Value r0 = ib.mul(p, ib.c(tile)), k0 = ib.mul(kk, ib.c(kr));
    Value inBounds = arith::AndIOp::create(
        b, loc, cmpLE(ib.add(r0, ib.c(tile)), rows),
        cmpLE(ib.add(k0, ib.c(kChunk * kr)), kLen));
    Value v = widen(read(src, {r0, k0}, {tile, kChunk * kr}, inBounds));
    v = vector::ShapeCastOp::create(
        b, loc, VectorType::get({tile, kChunk, kr}, dstElt), v);
    v = vector::TransposeOp::create(b, loc, v, ArrayRef<int64_t>{1, 0, 2});
    auto outTy = VectorType::get({kChunk, tile * kr}, dstElt);
    v = vector::ShapeCastOp::create(b, loc, outTy, v);
    // The last chunk may run past the packed K extent.
    Value fits = cmpLE(ib.add(kk, ib.c(kChunk)), kSteps);
    SmallVector<bool> inb = {false, true};
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, fits, true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    for (int64_t c = 0; c < kChunk; ++c)
      vector::StoreOp::create(b, loc, vector::ExtractOp::create(b, loc, v, c),
                              dst, ValueRange{p, ib.add(kk, ib.c(c)), ib.c(0)});
    b.setInsertionPointToStart(ifOp.elseBlock());
    vector::TransferWriteOp::create(b, loc, v, dst,
                                    ValueRange{p, kk, ib.c(0)},
                                    ArrayRef<bool>(inb));
  }

  OpBuilder &b;
  Location loc;
  int64_t tile, kr, panelDim;
  bool zext;
  Type srcElt, dstElt;
  Value rows, kLen;
};

struct LowerPackPass : qnk::impl::QNKLowerPackBase<LowerPackPass> {
  void runOnOperation() override {
    SmallVector<PackOp> ops;
    getOperation()->walk([&](PackOp op) { ops.push_back(op); });
    for (PackOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitOpError("must be bufferized before it is lowered");
        return signalPassFailure();
      }
      OpBuilder b(op);
      Location loc = op.getLoc();
      auto srcTy = cast<MemRefType>(op.getSource().getType());
      if (srcTy.getRank() == 3) {
        IndexBuilder ib{b, loc};
        auto loop = scf::ForOp::create(b, loc, ib.c(0), ib.dim(op.getSource(), 0),
                                       ib.c(1));
        b.setInsertionPointToStart(loop.getBody());
        Value i = loop.getInductionVar();
        PackLowering(b, op).lower(viewAtBatch(b, loc, op.getSource(), i),
                                  viewAtBatch(b, loc, op.getDest(), i));
      } else {
        PackLowering(b, op).lower(op.getSource(), op.getDest());
      }
      op.erase();
    }
  }
};
} // namespace
