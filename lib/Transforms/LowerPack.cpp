//===- LowerPack.cpp - qnk.pack on buffers to vector copy loops
//--------------===//
//
// Interior chunks use plain vector loads and stores; chunks that cross the
// end of the source are copied element by element with zeros past the end,
// which is what the nanokernel's zero-padded panels need.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/FloatDecode.h"
#include "qnk/Transforms/IndexBuilder.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/Dialect/UB/IR/UBOps.h"

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
/// K steps per band when panels cut across source rows.
constexpr int64_t kBand = 16;
/// K groups at least this long are copied as row segments, not transposed.
constexpr int64_t kRowSegment = 16;

class PackLowering {
public:
  PackLowering(OpBuilder &b, PackOp op)
      : b(b), loc(op.getLoc()), tile(op.getTile()), kr(op.getKr()),
        panelDim(op.getPanelDim()), zext(op.getZeroExtend()),
        biasToUnsigned(op.getBiasToUnsigned()) {}

  void lower(Value src, Value dst) {
    if (kr > 1) {
      auto ty = cast<MemRefType>(dst.getType());
      int64_t r = ty.getRank();
      dst = memref::CollapseShapeOp::create(
          b, loc, dst,
          SmallVector<ReassociationIndices>{{0}, {1}, {r - 2, r - 1}});
    }
    srcElt = cast<MemRefType>(src.getType()).getElementType();
    // Packed 4-bit rows start on a byte only if the row stride is even;
    // otherwise every element is copied on its own.
    if (srcElt.getIntOrFloatBitWidth() < 8) {
      auto [strides, offset] =
          cast<MemRefType>(src.getType()).getStridesAndOffset();
      vectorRows =
          !ShapedType::isDynamic(strides.front()) && strides.front() % 2 == 0;
    }
    dstElt = cast<MemRefType>(dst.getType()).getElementType();
    IndexBuilder ib{b, loc};
    Value panels = ib.dim(dst, 0), kSteps = ib.dim(dst, 1);
    rows = ib.dim(src, panelDim);
    kLen = ib.dim(src, 1 - panelDim);
    OpBuilder::InsertionGuard g(b);
    if (panelDim == 0 && kr >= kRowSegment) {
      // Long K groups (AMX A tiles): each panel row is a contiguous segment
      // of a source row.
      auto pLoop = scf::ForOp::create(b, loc, ib.c(0), panels, ib.c(1));
      b.setInsertionPointToStart(pLoop.getBody());
      auto kLoop = scf::ForOp::create(b, loc, ib.c(0), kSteps, ib.c(1));
      b.setInsertionPointToStart(kLoop.getBody());
      copyRowSegments(src, dst, pLoop.getInductionVar(),
                      kLoop.getInductionVar());
      return;
    }
    if (panelDim == 0) {
      // Rows of the source are panel rows: each panel streams tile rows.
      auto pLoop = scf::ForOp::create(b, loc, ib.c(0), panels, ib.c(1));
      b.setInsertionPointToStart(pLoop.getBody());
      auto kLoop = scf::ForOp::create(b, loc, ib.c(0), kSteps, ib.c(kChunk));
      b.setInsertionPointToStart(kLoop.getBody());
      copyRows(src, dst, pLoop.getInductionVar(), kLoop.getInductionVar(),
               kSteps);
      return;
    }
    // Panels cut across source rows: walk a band of kBand steps over every
    // panel so each source row is read in order while the band sits in L1/L2,
    // instead of striding down whole columns one panel at a time.
    Value band = ib.c(kBand);
    auto bLoop = scf::ForOp::create(b, loc, ib.c(0), kSteps, band);
    b.setInsertionPointToStart(bLoop.getBody());
    Value k0 = bLoop.getInductionVar();
    Value kEnd = ib.min(ib.add(k0, band), kSteps);
    auto pLoop = scf::ForOp::create(b, loc, ib.c(0), panels, ib.c(1));
    b.setInsertionPointToStart(pLoop.getBody());
    auto kLoop = scf::ForOp::create(b, loc, k0, kEnd, ib.c(1));
    b.setInsertionPointToStart(kLoop.getBody());
    copyColumns(src, dst, pLoop.getInductionVar(), kLoop.getInductionVar());
  }

private:
  Value widen(Value v) {
    auto vt = cast<VectorType>(v.getType());
    if (srcElt == dstElt && !biasToUnsigned)
      return v;
    if (isFp8(srcElt))
      return decodeFp8(b, loc, v, dstElt);
    if (isFp4(srcElt))
      return decodeFp4E2M1(b, loc, v, dstElt);
    if (srcElt.isUnsignedInteger()) // arith works on signless integers
      v = vector::BitCastOp::create(
          b, loc, vt.clone(b.getIntegerType(srcElt.getIntOrFloatBitWidth())),
          v);
    if (srcElt.getIntOrFloatBitWidth() < 8) {
      // 4-bit values become the 8-bit values they are first (the nanokernels
      // multiply bytes); the emulation turns this into shifts of whole bytes.
      auto i8 = vt.clone(b.getI8Type());
      v = zext ? arith::ExtUIOp::create(b, loc, i8, v).getResult()
               : arith::ExtSIOp::create(b, loc, i8, v).getResult();
    }
    auto to = vt.clone(dstElt);
    if (biasToUnsigned) { // x + 128 as u8 bits: flip the sign bit
      auto bits = cast<VectorType>(v.getType());
      Value flip = arith::ConstantOp::create(
          b, loc, bits,
          DenseElementsAttr::get(
              bits, b.getIntegerAttr(bits.getElementType(), 0x80)));
      v = arith::XOrIOp::create(b, loc, v, flip);
    }
    if (v.getType() == to) // u8 bits kept as they are (vpdpbusd)
      return v;
    if (isa<FloatType>(dstElt) && isa<IntegerType>(srcElt)) {
      // Integer weights for float kernels: exact in f32, and in bf16 too
      // (|v| <= 256), which is reached by truncating exact f32 bits.
      auto f32 = vt.clone(b.getF32Type());
      Value f = zext ? arith::UIToFPOp::create(b, loc, f32, v).getResult()
                     : arith::SIToFPOp::create(b, loc, f32, v).getResult();
      return dstElt.isF32() ? f : truncateExactToBF16(b, loc, f);
    }
    if (isa<FloatType>(dstElt))
      return arith::ExtFOp::create(b, loc, to, v);
    if (zext)
      return arith::ExtUIOp::create(b, loc, to, v);
    return arith::ExtSIOp::create(b, loc, to, v);
  }

  Value cmpLT(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value cmpLE(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, x, y);
  }

  /// Edge chunks are copied element by element: they are a thin rim of the
  /// matrix, and scalar copies avoid masked vector loads of 16-bit floats,
  /// which x86 legalizes through library calls.
  void copyEdge(Value src, Value dst, Value p, Value kStart, Value kCount,
                bool srcIsKMajor) {
    IndexBuilder ib{b, loc};
    auto kLoop = scf::ForOp::create(b, loc, ib.c(0), kCount, ib.c(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value kk = ib.add(kStart, kLoop.getInductionVar());
    auto rLoop = scf::ForOp::create(b, loc, ib.c(0), ib.c(tile), ib.c(1));
    b.setInsertionPointToStart(rLoop.getBody());
    Value r = rLoop.getInductionVar();
    Value row = ib.add(ib.mul(p, ib.c(tile)), r);
    auto vLoop = scf::ForOp::create(b, loc, ib.c(0), ib.c(kr), ib.c(1));
    b.setInsertionPointToStart(vLoop.getBody());
    Value v = vLoop.getInductionVar();
    Value k = ib.add(ib.mul(kk, ib.c(kr)), v);
    Value inside =
        arith::AndIOp::create(b, loc, cmpLT(row, rows), cmpLT(k, kLen));
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{dstElt}, inside, true);
    {
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value x = memref::LoadOp::create(
          b, loc, src, srcIsKMajor ? ValueRange{k, row} : ValueRange{row, k});
      Value w = widen(
          vector::BroadcastOp::create(b, loc, VectorType::get({1}, srcElt), x));
      scf::YieldOp::create(b, loc,
                           ValueRange{vector::ExtractOp::create(b, loc, w, 0)});
      b.setInsertionPointToStart(ifOp.elseBlock());
      Value zero =
          arith::ConstantOp::create(b, loc, dstElt, b.getZeroAttr(dstElt));
      scf::YieldOp::create(b, loc, zero);
    }
    Value col = ib.add(ib.mul(r, ib.c(kr)), v);
    memref::StoreOp::create(b, loc, ifOp.getResult(0), dst,
                            ValueRange{p, kk, col});
  }

  /// Copies `kSteps` panel rows starting at step kk of panel p: with
  /// `interior` (given r0, k0, the first source row and K element) when the
  /// whole chunk lies inside the source, element by element otherwise.
  void copyChunk(Value src, Value dst, Value p, Value kk, int64_t kSteps,
                 Value edgeSteps, bool srcIsKMajor,
                 llvm::function_ref<void(Value, Value)> interior) {
    IndexBuilder ib{b, loc};
    Value r0 = ib.mul(p, ib.c(tile)), k0 = ib.mul(kk, ib.c(kr));
    Value inBounds =
        arith::AndIOp::create(b, loc, cmpLE(ib.add(r0, ib.c(tile)), rows),
                              cmpLE(ib.add(k0, ib.c(kSteps * kr)), kLen));
    if (!vectorRows)
      inBounds = arith::ConstantIntOp::create(b, loc, 0, 1);
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, inBounds, true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    interior(r0, k0);
    b.setInsertionPointToStart(ifOp.elseBlock());
    copyEdge(src, dst, p, kk, edgeSteps, srcIsKMajor);
  }

  /// An in-bounds read (whose padding is never used), widened to the
  /// destination type.
  Value readWidened(Value src, ArrayRef<int64_t> shape, ValueRange idx) {
    if (srcElt.getIntOrFloatBitWidth() >= 8)
      return widen(readInBounds(src, shape, idx));
    // Packed 4-bit sources: one 1-D load per row (which the narrow-type
    // emulation turns into byte loads), each widened on its own.
    auto rowTy = VectorType::get({shape.back()}, srcElt);
    if (shape.size() == 1)
      return widen(vector::LoadOp::create(b, loc, rowTy, src, idx));
    IndexBuilder ib{b, loc};
    Value v = ub::PoisonOp::create(b, loc, VectorType::get(shape, dstElt));
    for (int64_t r = 0; r < shape[0]; ++r) {
      Value row = vector::LoadOp::create(
          b, loc, rowTy, src, ValueRange{ib.add(idx[0], ib.c(r)), idx[1]});
      v = vector::InsertOp::create(b, loc, widen(row), v, r);
    }
    return v;
  }

  Value readInBounds(Value src, ArrayRef<int64_t> shape, ValueRange idx) {
    Value pad = ub::PoisonOp::create(b, loc, srcElt);
    SmallVector<bool> inb(shape.size(), true);
    return vector::TransferReadOp::create(b, loc,
                                          VectorType::get(shape, srcElt), src,
                                          idx, pad, ArrayRef<bool>(inb));
  }

  /// Source [K, R]: one panel row (tile elements of kr source rows) per step.
  void copyColumns(Value src, Value dst, Value p, Value kk) {
    IndexBuilder ib{b, loc};
    copyChunk(
        src, dst, p, kk, 1, ib.c(1), /*srcIsKMajor=*/true,
        [&](Value r0, Value k0) {
          Value v = readWidened(src, {kr, tile}, {k0, r0});
          if (kr > 1)
            v = vector::TransposeOp::create(b, loc, v, ArrayRef<int64_t>{1, 0});
          v = vector::ShapeCastOp::create(
              b, loc, VectorType::get({tile * kr}, dstElt), v);
          vector::StoreOp::create(b, loc, v, dst, ValueRange{p, kk, ib.c(0)});
        });
  }

  /// Source [R, K] with K groups of kr >= kRowSegment: tile row segments.
  void copyRowSegments(Value src, Value dst, Value p, Value kk) {
    IndexBuilder ib{b, loc};
    copyChunk(src, dst, p, kk, 1, ib.c(1), /*srcIsKMajor=*/false,
              [&](Value r0, Value k0) {
                auto rLoop =
                    scf::ForOp::create(b, loc, ib.c(0), ib.c(tile), ib.c(1));
                b.setInsertionPointToStart(rLoop.getBody());
                Value r = rLoop.getInductionVar();
                Value v = readWidened(src, {kr}, {ib.add(r0, r), k0});
                vector::StoreOp::create(b, loc, v, dst,
                                        ValueRange{p, kk, ib.mul(r, ib.c(kr))});
              });
  }

  /// Source [R, K]: kChunk panel rows per step, transposed in registers.
  void copyRows(Value src, Value dst, Value p, Value kk, Value kSteps) {
    IndexBuilder ib{b, loc};
    copyChunk(src, dst, p, kk, kChunk, ib.min(ib.c(kChunk), ib.sub(kSteps, kk)),
              /*srcIsKMajor=*/false, [&](Value r0, Value k0) {
                Value v = readWidened(src, {tile, kChunk * kr}, {r0, k0});
                v = vector::ShapeCastOp::create(
                    b, loc, VectorType::get({tile, kChunk, kr}, dstElt), v);
                v = vector::TransposeOp::create(b, loc, v,
                                                ArrayRef<int64_t>{1, 0, 2});
                v = vector::ShapeCastOp::create(
                    b, loc, VectorType::get({kChunk, tile * kr}, dstElt), v);
                for (int64_t c = 0; c < kChunk; ++c)
                  vector::StoreOp::create(
                      b, loc, vector::ExtractOp::create(b, loc, v, c), dst,
                      ValueRange{p, ib.add(kk, ib.c(c)), ib.c(0)});
              });
  }

  OpBuilder &b;
  Location loc;
  int64_t tile, kr, panelDim;
  bool zext, biasToUnsigned;
  bool vectorRows = true;
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
        auto loop = scf::ForOp::create(b, loc, ib.c(0),
                                       ib.dim(op.getSource(), 0), ib.c(1));
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
