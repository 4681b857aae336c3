//===- Tile.cpp - Cache blocking of qnk.packed_matmul ------------------------===//
//
// The classic GEMM loop order: N blocks (B block in L3), K blocks (a B panel
// of kc steps in L1), M blocks (an A block of mc x kc in L2). The nanokernel
// loops inside each block come from qnk-compose-nanokernels.
//
//===----------------------------------------------------------------------===//

#include "qnk/Target/CPUTarget.h"
#include "qnk/Transforms/IndexBuilder.h"
#include "qnk/Transforms/Passes.h"

namespace qnk {
#define GEN_PASS_DEF_QNKTILE
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk;

namespace {

struct BlockSizes {
  int64_t kc, mc, nc;
};

/// Derives cache blocks from the target: a B panel (kc x nr) takes three
/// quarters of L1, an A block (mc x kc) half of L2, a B block (kc x nc) 4 MiB
/// of the last-level cache.
BlockSizes deriveBlockSizes(CPUTargetAttr target, NanoKernelAttr kernel,
                            int64_t eltBytes) {
  int64_t l1 = target ? target.getL1dBytes() : 32 * 1024;
  int64_t l2 = target ? target.getL2Bytes() : 256 * 1024;
  int64_t stepBytes = kernel.getKr() * eltBytes; // one K step of one row
  int64_t kc = std::clamp<int64_t>(l1 * 3 / 4 / (kernel.getNr() * stepBytes),
                                   128, 384);
  int64_t mc = std::max<int64_t>(l2 / 2 / (kc * stepBytes) / kernel.getMr(),
                                 1) *
               kernel.getMr();
  int64_t nc = std::max<int64_t>((4 << 20) / (kc * stepBytes) /
                                     kernel.getNr(),
                                 1) *
               kernel.getNr();
  return {kc, mc, nc};
}

/// A subview of a packed operand [P, K, tile(, kr)] or a row-major operand.
Value view(OpBuilder &b, Location loc, Value memref, ArrayRef<Value> offsets,
           ArrayRef<Value> sizes) {
  auto ty = cast<MemRefType>(memref.getType());
  SmallVector<OpFoldResult> offs, szs;
  for (int64_t i = 0; i < ty.getRank(); ++i) {
    if (i < (int64_t)offsets.size()) {
      offs.push_back(getAsOpFoldResult(offsets[i]));
      szs.push_back(getAsOpFoldResult(sizes[i]));
    } else {
      offs.push_back(b.getIndexAttr(0));
      szs.push_back(b.getIndexAttr(ty.getDimSize(i)));
    }
  }
  SmallVector<OpFoldResult> strides(ty.getRank(), b.getIndexAttr(1));
  return memref::SubViewOp::create(b, loc, memref, offs, szs, strides);
}

void tile2D(OpBuilder &b, PackedMatmulOp op, Value a, Value bm, Value c,
            BlockSizes bs) {
  Location loc = op.getLoc();
  IndexBuilder ib{b, loc};
  NanoKernelAttr kernel = op.getKernel();
  bool aPacked = cast<MemRefType>(a.getType()).getRank() > 2;
  bool bPacked = cast<MemRefType>(bm.getType()).getRank() > 2;
  Value mr = ib.c(kernel.getMr()), nr = ib.c(kernel.getNr());
  Value m = ib.dim(c, 0), n = ib.dim(c, 1);
  Value kSteps = bPacked ? ib.dim(bm, 1) : ib.dim(bm, 0);
  Value kc = ib.c(bs.kc), mc = ib.c(bs.mc), nc = ib.c(bs.nc);

  auto emitKBlock = [&](OpBuilder &kb, Value jc, Value ncur, Value pc,
                        bool first) {
    IndexBuilder x{kb, loc};
    Value kcur = x.min(kc, x.sub(kSteps, pc));
    auto mLoop = scf::ForOp::create(kb, loc, x.c(0), m, mc);
    OpBuilder::InsertionGuard g(kb);
    kb.setInsertionPointToStart(mLoop.getBody());
    Value ic = mLoop.getInductionVar();
    Value mcur = x.min(mc, x.sub(m, ic));
    Value av = aPacked ? view(kb, loc, a, {x.div(ic, mr), pc},
                              {x.ceilDiv(mcur, mr), kcur})
                       : view(kb, loc, a, {ic, pc}, {mcur, kcur});
    Value bv = bPacked ? view(kb, loc, bm, {x.div(jc, nr), pc},
                              {x.ceilDiv(ncur, nr), kcur})
                       : view(kb, loc, bm, {pc, jc}, {kcur, ncur});
    Value cv = view(kb, loc, c, {ic, jc}, {mcur, ncur});
    PackedMatmulOp::create(kb, loc, TypeRange{}, av, bv, cv, kernel,
                           !first || op.getAccumulate());
  };

  auto nLoop = scf::ForOp::create(b, loc, ib.c(0), n, nc);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(nLoop.getBody());
  Value jc = nLoop.getInductionVar();
  Value ncur = ib.min(nc, ib.sub(n, jc));
  // The first K block overwrites C, the others accumulate into it.
  emitKBlock(b, jc, ncur, ib.c(0), /*first=*/true);
  auto kLoop = scf::ForOp::create(b, loc, kc, kSteps, kc);
  b.setInsertionPointToStart(kLoop.getBody());
  emitKBlock(b, jc, ncur, kLoop.getInductionVar(), /*first=*/false);
}

struct TilePass : qnk::impl::QNKTileBase<TilePass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<PackedMatmulOp> ops;
    getOperation()->walk([&](PackedMatmulOp op) {
      if (op.hasPureBufferSemantics())
        ops.push_back(op);
    });
    for (PackedMatmulOp op : ops) {
      NanoKernelAttr kernel = op.getKernel();
      int64_t eltBytes =
          kernel.getOperandType(&getContext()).getIntOrFloatBitWidth() / 8;
      BlockSizes bs =
          deriveBlockSizes(lookupCPUTarget(op), kernel, eltBytes);
      if (kc > 0)
        bs.kc = kc;
      if (mc > 0)
        bs.mc = llvm::divideCeil(mc, kernel.getMr()) * kernel.getMr();
      if (nc > 0)
        bs.nc = llvm::divideCeil(nc, kernel.getNr()) * kernel.getNr();
      OpBuilder b(op);
      Location loc = op.getLoc();
      if (op.isBatched()) {
        IndexBuilder ib{b, loc};
        auto loop = scf::ForOp::create(b, loc, ib.c(0),
                                       ib.dim(op.getInit(), 0), ib.c(1));
        b.setInsertionPointToStart(loop.getBody());
        Value i = loop.getInductionVar();
        tile2D(b, op, viewAtBatch(b, loc, op.getA(), i),
               viewAtBatch(b, loc, op.getB(), i),
               viewAtBatch(b, loc, op.getInit(), i), bs);
      } else {
        tile2D(b, op, op.getA(), op.getB(), op.getInit(), bs);
      }
      op.erase();
    }
  }
};
} // namespace
