//===- Tile.cpp - Cache blocking of qnk.packed_matmul
//------------------------===//
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
/// quarters of L1 (kc within [128, 384]; twice that for AMX), an A block
/// (mc x kc) half of L2,
/// a B block (kc x nc) the size of L2 (measured on Zen 5: 2048^3 went from
/// 208 to 222 GFLOP/s against a 4 MiB B block).
BlockSizes deriveBlockSizes(CPUTargetAttr target, NanoKernelAttr kernel,
                            int64_t eltBytes) {
  int64_t l1 = target ? target.getL1dBytes() : 32 * 1024;
  int64_t l2 = target ? target.getL2Bytes() : 256 * 1024;
  int64_t stepBytes = kernel.getKr() * eltBytes; // one K step of one row
  int64_t kc =
      std::clamp<int64_t>(l1 * 3 / 4 / (kernel.getNr() * stepBytes), 128, 384);
  // AMX blocks reload four C tiles per K block: twice the K halves that
  // (Sapphire Rapids, 2048^3: kc = 576 ran 10-22% faster than 288 in bf16
  // and int8; 1024 was no better).
  if (kernel.isAMX())
    kc *= 2;
  int64_t mc =
      std::max<int64_t>(l2 / 2 / (kc * stepBytes) / kernel.getMr(), 1) *
      kernel.getMr();
  int64_t nc = std::max<int64_t>(l2 / (kc * stepBytes) / kernel.getNr(), 1) *
               kernel.getNr();
  return {kc, mc, nc};
}

/// A subview of `memref` with the given leading offsets and sizes; trailing
/// dimensions are taken whole.
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

/// One matmul operand as the tiled loop nest sees it.
struct Operand {
  Value buffer;     ///< Packed or row-major buffer; the block buffer if fused.
  PackOp pack;      ///< The pack to fuse into the loops (erased once fused).
  Value packSource; ///< Its source (a batch view of it inside batch loops).
  MemRefType blockType; ///< Block buffer type when the pack is fused.
  int64_t panelDim = 0;
  bool zeroExtend = false;
  bool biasToUnsigned = false;
  bool fused() const { return bool(blockType); }
  bool packed() const {
    return fused() || cast<MemRefType>(buffer.getType()).getRank() > 2;
  }
};

/// A qnk.pack that fills `operand`'s buffer for `consumer` alone can move
/// into the loop nest: packing block by block keeps the packed data small
/// and hot in cache (as BLIS does) instead of materialising whole packed
/// matrices, which for large operands costs fresh pages on every call.
PackOp findFusablePack(Value operand, PackedMatmulOp consumer) {
  auto alloc = operand.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return {};
  PackOp pack;
  for (Operation *user : alloc->getUsers()) {
    if (user == consumer || isa<memref::DeallocOp>(user))
      continue;
    auto p = dyn_cast<PackOp>(user);
    if (!p || p.getDest() != operand || pack ||
        p->getBlock() != consumer->getBlock())
      return {};
    pack = p;
  }
  // Only a pack that shares the matmul's batch dimension writes the layout
  // the matmul reads: an unbatched kr-packed operand is also a valid batched
  // kr = 1 pack destination, which fusing would silently reinterpret.
  if (pack && cast<ShapedType>(pack.getSource().getType()).getRank() !=
                  2 + int64_t(consumer.isBatched()))
    return {};
  return pack;
}

/// Allocates a fused operand's block buffer and its deallocation at the
/// builder's insertion point, leaving the builder between the two: once per
/// call, or once per parallel iteration so that every thread packs into its
/// own.
void allocBlock(OpBuilder &b, Location loc, Operand &o) {
  if (!o.fused())
    return;
  o.buffer =
      memref::AllocOp::create(b, loc, o.blockType, b.getI64IntegerAttr(64));
  auto dealloc = memref::DeallocOp::create(b, loc, o.buffer);
  b.setInsertionPoint(dealloc);
}

/// Emits the pack of one block of `op` into `block` (offsets in source
/// rows/K, sizes in source elements) and returns the block view.
Value packBlock(OpBuilder &b, Location loc, Operand &o, Value rowOff,
                Value rowLen, Value kOff, Value kLen, Value panels,
                Value kSteps) {
  bool rowsFirst = o.panelDim == 0;
  Value src = rowsFirst
                  ? view(b, loc, o.packSource, {rowOff, kOff}, {rowLen, kLen})
                  : view(b, loc, o.packSource, {kOff, rowOff}, {kLen, rowLen});
  IndexBuilder ib{b, loc};
  Value dst = view(b, loc, o.buffer, {ib.c(0), ib.c(0)}, {panels, kSteps});
  PackOp::create(b, loc, TypeRange{}, src, dst, o.panelDim, o.zeroExtend,
                 o.biasToUnsigned);
  return dst;
}

/// Which loop runs in parallel.
enum class Split { None, N, M };

/// A loop over [0, ub) by `step`: scf.parallel when `parallel`, else
/// scf.for. Leaves the builder at the start of its body and returns the
/// induction variable.
Value openLoop(OpBuilder &b, Location loc, Value ub, Value step,
               bool parallel) {
  IndexBuilder ib{b, loc};
  if (parallel) {
    auto p = scf::ParallelOp::create(b, loc, ValueRange{ib.c(0)},
                                     ValueRange{ub}, ValueRange{step});
    b.setInsertionPointToStart(p.getBody());
    return p.getInductionVars()[0];
  }
  auto f = scf::ForOp::create(b, loc, ib.c(0), ub, step);
  b.setInsertionPointToStart(f.getBody());
  return f.getInductionVar();
}

void tile2D(OpBuilder &b, PackedMatmulOp op, Operand a, Operand bo, Value c,
            BlockSizes bs, Split split) {
  Location loc = op.getLoc();
  IndexBuilder ib{b, loc};
  NanoKernelAttr kernel = op.getKernel();
  Value mr = ib.c(kernel.getMr()), nr = ib.c(kernel.getNr());
  Value kr = ib.c(kernel.getKr());
  // A packs K in groups of `ratio` B steps (AMX: a 64-byte tile row).
  Value ratio = ib.c(kernel.getAKr() / kernel.getKr());
  Value m = ib.dim(c, 0), n = ib.dim(c, 1);
  // K in B steps (padded to whole A groups), and in source elements for
  // fused packs.
  Value kSteps, kElems;
  if (bo.fused()) {
    kElems = ib.dim(bo.packSource, 1 - bo.panelDim);
    kSteps = ib.mul(ib.ceilDiv(kElems, ib.mul(kr, ratio)), ratio);
  } else {
    kSteps = bo.packed() ? ib.dim(bo.buffer, 1) : ib.dim(bo.buffer, 0);
    kElems = ib.mul(kSteps, kr);
  }
  Value kc = ib.c(bs.kc), mc = ib.c(bs.mc), nc = ib.c(bs.nc);

  auto emitKBlock = [&](Value jc, Value ncur, Value pc, bool first) {
    OpBuilder::InsertionGuard g(b);
    Value kcur = ib.min(kc, ib.sub(kSteps, pc));
    Value kOff = ib.mul(pc, kr);
    Value kLen = ib.min(ib.mul(kcur, kr), ib.sub(kElems, kOff));
    Value nPanels = ib.ceilDiv(ncur, nr);
    Value bv;
    if (bo.fused())
      bv = packBlock(b, loc, bo, jc, ncur, kOff, kLen, nPanels, kcur);
    else if (bo.packed())
      bv = view(b, loc, bo.buffer, {ib.div(jc, nr), pc}, {nPanels, kcur});
    else
      bv = view(b, loc, bo.buffer, {pc, jc}, {kcur, ncur});
    Value ic = openLoop(b, loc, m, mc, split == Split::M);
    Operand aBlock = a;
    if (split == Split::M)
      allocBlock(b, loc, aBlock);
    Value mcur = ib.min(mc, ib.sub(m, ic));
    Value mPanels = ib.ceilDiv(mcur, mr);
    Value av;
    Value aSteps = ib.div(kcur, ratio);
    if (aBlock.fused())
      av = packBlock(b, loc, aBlock, ic, mcur, kOff, kLen, mPanels, aSteps);
    else if (aBlock.packed())
      av = view(b, loc, aBlock.buffer, {ib.div(ic, mr), ib.div(pc, ratio)},
                {mPanels, aSteps});
    else
      av = view(b, loc, aBlock.buffer, {ic, pc}, {mcur, kcur});
    Value cv = view(b, loc, c, {ic, jc}, {mcur, ncur});
    // Epilogue operands: the scales and bias of this block's rows and
    // columns; it runs on the last K block, while the sums are in registers.
    Value last, aScale, bScale, bias;
    if (op.hasEpilogue()) {
      auto slice = [&](Value v, Value off, Value len) -> Value {
        if (!v || cast<MemRefType>(v.getType()).getRank() == 0)
          return v;
        return view(b, loc, v, {off}, {len});
      };
      aScale = slice(op.getAScale(), ic, mcur);
      bScale = slice(op.getBScale(), jc, ncur);
      bias = slice(op.getBias(), jc, ncur);
      last = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge,
                                   ib.add(pc, kcur), kSteps);
    }
    // Group scales: every K block is one group (see the block sizes), whose
    // scales are one column of A's and one row of B's.
    Value aGroupScale, bGroupScale;
    if (op.hasGroupScales()) {
      Value g = ib.div(pc, kc);
      if (Value sa = op.getAGroupScale())
        aGroupScale = view(b, loc, sa, {ic, g}, {mcur, ib.c(1)});
      if (Value sb = op.getBGroupScale())
        bGroupScale = view(b, loc, sb, {g, jc}, {ib.c(1), ncur});
    }
    PackedMatmulOp::create(b, loc, TypeRange{}, av, bv, cv, last, aScale,
                           bScale, bias, aGroupScale, bGroupScale, kernel,
                           !first || op.getAccumulate(), op.getActivationAttr(),
                           op.getGroupSizeAttr());
  };

  OpBuilder::InsertionGuard g(b);
  // Block buffers: per parallel iteration when the loop that uses them is
  // split across threads, otherwise once.
  if (split != Split::N) {
    allocBlock(b, loc, bo);
    if (split != Split::M)
      allocBlock(b, loc, a);
  }
  Value jc = openLoop(b, loc, n, nc, split == Split::N);
  if (split == Split::N) {
    allocBlock(b, loc, bo);
    allocBlock(b, loc, a);
  }
  Value ncur = ib.min(nc, ib.sub(n, jc));
  // The first K block overwrites C, the others accumulate into it.
  emitKBlock(jc, ncur, ib.c(0), /*first=*/true);
  auto kLoop = scf::ForOp::create(b, loc, kc, kSteps, kc);
  b.setInsertionPointToStart(kLoop.getBody());
  emitKBlock(jc, ncur, kLoop.getInductionVar(), /*first=*/false);
}

/// Turns a fusable pack into a block-buffer type of `panels` x `kSteps`
/// panels; the whole-matrix pack, its buffer's deallocations and (once the
/// consumer is gone) the buffer itself are removed.
void fuse(PackedMatmulOp op, Operand &o, int64_t panels, int64_t kSteps,
          int64_t tile, int64_t group) {
  NanoKernelAttr kernel = op.getKernel();
  SmallVector<int64_t> shape = {panels, kSteps, tile};
  if (group > 1)
    shape.push_back(group);
  o.blockType = MemRefType::get(shape, kernel.getOperandType(op.getContext()));
  o.packSource = o.pack.getSource();
  o.panelDim = o.pack.getPanelDim();
  o.zeroExtend = o.pack.getZeroExtend();
  o.biasToUnsigned = o.pack.getBiasToUnsigned();
  Value whole = o.buffer;
  o.pack.erase();
  o.pack = {};
  for (Operation *user : llvm::make_early_inc_range(whole.getUsers()))
    if (isa<memref::DeallocOp>(user))
      user->erase();
}

/// Splits the loop with enough blocks for `threads` threads: N blocks when
/// N has a panel per thread (each thread packs its own B and A blocks), else
/// M blocks (B blocks are packed once and shared). Block sizes shrink so
/// that every thread gets work.
Split chooseSplit(int64_t threads, int64_t m, int64_t n, NanoKernelAttr k,
                  BlockSizes &bs) {
  if (threads <= 1 || ShapedType::isDynamic(m) || ShapedType::isDynamic(n))
    return Split::None;
  auto roundUp = [](int64_t x, int64_t to) -> int64_t {
    return llvm::divideCeil(x, to) * to;
  };
  if (n >= threads * k.getNr()) {
    bs.nc = std::min(bs.nc, roundUp(llvm::divideCeil(n, threads), k.getNr()));
    return Split::N;
  }
  if (m >= 2 * k.getMr()) {
    bs.mc = std::min(bs.mc, roundUp(llvm::divideCeil(m, threads), k.getMr()));
    return Split::M;
  }
  return Split::None;
}

/// The dot-product form reads B in place and keeps every K group's totals
/// in registers: it needs no cache blocks, only N split across threads.
void tileDot(OpBuilder &b, PackedMatmulOp op, int64_t threads) {
  Location loc = op.getLoc();
  IndexBuilder ib{b, loc};
  NanoKernelAttr kernel = op.getKernel();
  Value c = op.getInit(), bm = op.getB();
  Value n = ib.dim(c, 1);
  int64_t nStatic = cast<MemRefType>(c.getType()).getDimSize(1);
  int64_t nc = ShapedType::isDynamic(nStatic) ? kernel.getNv() : nStatic;
  if (threads > 1 && !ShapedType::isDynamic(nStatic))
    nc = llvm::divideCeil(llvm::divideCeil(nStatic, threads), kernel.getNv()) *
         kernel.getNv();
  nc = std::max<int64_t>(nc, 1);
  OpBuilder::InsertionGuard g(b);
  Value jc = openLoop(b, loc, n, ib.c(nc), threads > 1);
  Value ncur = ib.min(ib.c(nc), ib.sub(n, jc));
  Value bv = view(b, loc, bm, {jc}, {ncur});
  Value cv = view(b, loc, c, {ib.c(0), jc}, {ib.dim(c, 0), ncur});
  Value sb = op.getBGroupScale();
  if (sb)
    sb = view(b, loc, sb, {ib.c(0), jc}, {ib.dim(sb, 0), ncur});
  // Per-column epilogue operands follow the block's columns.
  auto columns = [&](Value v) -> Value {
    if (!v || cast<MemRefType>(v.getType()).getRank() == 0)
      return v;
    return view(b, loc, v, {jc}, {ncur});
  };
  PackedMatmulOp::create(b, loc, TypeRange{}, op.getA(), bv, cv, Value(),
                         op.getAScale(), columns(op.getBScale()),
                         columns(op.getBias()), op.getAGroupScale(), sb, kernel,
                         op.getAccumulate(), op.getActivationAttr(),
                         op.getGroupSizeAttr());
}

struct TilePass : qnk::impl::QNKTileBase<TilePass> {
  using Base::Base;
  void runOnOperation() override {
    // The options come from textual pipelines; block sizes are rounded up
    // to whole register blocks and multiplied by threads in int64_t.
    constexpr int64_t maxBlock = int64_t(1) << 32;
    if (threads < 1 || threads > 4096 || kc < 0 || mc < 0 || nc < 0 ||
        kc > maxBlock || mc > maxBlock || nc > maxBlock) {
      mlir::emitError(getOperation()->getLoc())
          << "qnk-tile needs threads in [1, 4096] and kc, mc, nc in [0, "
             "2^32] (0: derived), got threads = "
          << int64_t(threads) << ", kc = " << int64_t(kc)
          << ", mc = " << int64_t(mc) << ", nc = " << int64_t(nc);
      return signalPassFailure();
    }
    SmallVector<PackedMatmulOp> ops;
    getOperation()->walk([&](PackedMatmulOp op) {
      if (op.hasPureBufferSemantics())
        ops.push_back(op);
    });
    for (PackedMatmulOp op : ops) {
      NanoKernelAttr kernel = op.getKernel();
      if (kernel.isDot()) {
        OpBuilder b(op);
        tileDot(b, op, threads);
        op.erase();
        continue;
      }
      int64_t eltBytes =
          kernel.getOperandType(&getContext()).getIntOrFloatBitWidth() / 8;
      BlockSizes bs = deriveBlockSizes(lookupCPUTarget(op), kernel, eltBytes);
      if (kc > 0)
        bs.kc = kc;
      // K blocks hold whole A groups (AMX tile rows of K).
      int64_t group = kernel.getAKr() / kernel.getKr();
      bs.kc = std::max<int64_t>(bs.kc / group, 1) * group;
      // With group scales a K block is exactly one scale group, so that the
      // nanokernel scales its sums once, as it stores them.
      if (op.hasGroupScales())
        bs.kc = *op.getGroupSize() / kernel.getKr();
      if (mc > 0)
        bs.mc = llvm::divideCeil(mc, kernel.getMr()) * kernel.getMr();
      if (nc > 0)
        bs.nc = llvm::divideCeil(nc, kernel.getNr()) * kernel.getNr();
      OpBuilder b(op);
      Location loc = op.getLoc();
      Operand a{op.getA(), findFusablePack(op.getA(), op)};
      Operand bo{op.getB(), findFusablePack(op.getB(), op)};
      Value whole[2] = {a.buffer, bo.buffer};
      unsigned bd = op.isBatched();
      auto cTy = cast<MemRefType>(op.getInit().getType());
      Split split = chooseSplit(threads, cTy.getDimSize(bd),
                                cTy.getDimSize(bd + 1), kernel, bs);
      auto packedDims = [&](Value buf) {
        auto t = cast<MemRefType>(buf.getType());
        return std::make_pair(t.getDimSize(bd), t.getDimSize(bd + 1));
      };
      // Block buffers never exceed the problem.
      int64_t ratio = kernel.getAKr() / kernel.getKr();
      if (a.pack) {
        auto [panels, ks] = packedDims(a.buffer);
        fuse(op, a, std::min(panels, bs.mc / kernel.getMr()),
             std::min(ks, bs.kc / ratio), kernel.getMr(), kernel.getAKr());
      }
      if (bo.pack) {
        auto [panels, ks] = packedDims(bo.buffer);
        fuse(op, bo, std::min(panels, bs.nc / kernel.getNr()),
             std::min(ks, bs.kc), kernel.getNr(), kernel.getKr());
      }
      if (bd) {
        IndexBuilder ib{b, loc};
        auto loop = scf::ForOp::create(b, loc, ib.c(0), ib.dim(op.getInit(), 0),
                                       ib.c(1));
        b.setInsertionPointToStart(loop.getBody());
        Value i = loop.getInductionVar();
        for (Operand *o : {&a, &bo}) {
          if (o->fused())
            o->packSource = viewAtBatch(b, loc, o->packSource, i);
          else
            o->buffer = viewAtBatch(b, loc, o->buffer, i);
        }
        tile2D(b, op, a, bo, viewAtBatch(b, loc, op.getInit(), i), bs, split);
      } else {
        tile2D(b, op, a, bo, op.getInit(), bs, split);
      }
      op.erase();
      for (Value w : whole)
        if (auto alloc = w.getDefiningOp<memref::AllocOp>())
          if (alloc->use_empty())
            alloc.erase();
    }
  }
};
} // namespace
