//===- ComposeNanokernels.cpp - Register-level nanokernels
//-------------------===//
//
// Turns a cache block (a buffer-level qnk.packed_matmul) into register blocks.
// For each B panel of nr columns and each block of mr rows, the mr x nv
// accumulator vectors are loaded (or zeroed) once, carried through the whole
// K loop as scf.for iter_args (so they live in registers), and stored once.
// Each K step loads nv B vectors, broadcasts one A element (or i16 pair) per
// row and issues one target instruction per accumulator.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/Epilogue.h"
#include "qnk/Transforms/IndexBuilder.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

namespace qnk {
#define GEN_PASS_DEF_QNKCOMPOSENANOKERNELS
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk;

namespace {

/// Collapses the two innermost dims of a packed [.., tile, kr] operand so a
/// panel row of tile*kr elements is one contiguous vector.
Value collapseKr(OpBuilder &b, Location loc, Value memref) {
  auto ty = cast<MemRefType>(memref.getType());
  int64_t r = ty.getRank();
  SmallVector<ReassociationIndices> reassoc;
  for (int64_t i = 0; i < r - 2; ++i)
    reassoc.push_back({i});
  reassoc.push_back({r - 2, r - 1});
  return memref::CollapseShapeOp::create(b, loc, memref, reassoc);
}

class NanokernelBuilder {
public:
  NanokernelBuilder(OpBuilder &b, PackedMatmulOp op)
      : b(b), loc(op.getLoc()), kernel(op.getKernel()),
        accumulate(op.getAccumulate()), aPacked(op.isAPacked()),
        bPacked(op.isBPacked()) {
    MLIRContext *ctx = op.getContext();
    vl = kernel.getVectorLength();
    nv = kernel.getNv();
    mr = kernel.getMr();
    kr = kernel.getKr();
    opTy = kernel.getOperandType(ctx);
    accTy = kernel.getAccumulatorType(ctx);
    accVecTy = VectorType::get({vl}, accTy);
    bVecTy = VectorType::get({vl * kr}, opTy);
    a = op.getA();
    bm = op.getB();
    c = op.getInit();
    // With an epilogue C holds f32; integer partial sums pass through it as
    // their bits.
    cVecTy = accVecTy.clone(cast<MemRefType>(c.getType()).getElementType());
    epilogue = op.hasEpilogue();
    last = op.getLast();
    aScale = op.getAScale();
    bScale = op.getBScale();
    bias = op.getBias();
    activation = op.getActivation();
    aGroupScale = op.getAGroupScale();
    bGroupScale = op.getBGroupScale();
    grouped = op.hasGroupScales();
    if (kr > 1) {
      a = collapseKr(b, loc, a);
      bm = collapseKr(b, loc, bm);
    }
  }

  void build() {
    IndexBuilder ib{b, loc};
    Value m = ib.dim(c, 0), n = ib.dim(c, 1);
    kSteps = bPacked ? ib.dim(bm, 1) : ib.dim(bm, 0);
    Value nr = ib.c(kernel.getNr()), mrV = ib.c(mr);
    auto panels =
        scf::ForOp::create(b, loc, ib.c(0), ib.ceilDiv(n, nr), ib.c(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(panels.getBody());
    Value jp = panels.getInductionVar();
    Value n0 = ib.mul(jp, nr);
    Value nValid = ib.min(nr, ib.sub(n, n0));
    Value full =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, nValid, nr);
    SmallVector<Value> masks;
    for (int64_t j = 0; j < nv; ++j)
      masks.push_back(vector::CreateMaskOp::create(
          b, loc, VectorType::get({vl}, b.getI1Type()),
          ValueRange{ib.sub(nValid, ib.c(j * vl))}));
    Panel p{jp, n0, full, masks, {}};
    if (kernel.getKind() == NanoKernelKind::dpbusd_s8s8)
      p.offsets = signedCorrection(jp);

    Value fullBlocks = ib.div(m, mrV);
    auto rows = scf::ForOp::create(b, loc, ib.c(0), fullBlocks, ib.c(1));
    {
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(rows.getBody());
      Value blk = rows.getInductionVar();
      emitBlock(p, mr, ib.mul(blk, mrV), blk);
    }
    if (mr == 1)
      return;
    // Leftover rows get a register block of exactly their height.
    SmallVector<int64_t> cases;
    for (int64_t r = 1; r < mr; ++r)
      cases.push_back(r);
    Value row0 = ib.mul(fullBlocks, mrV);
    auto sw = scf::IndexSwitchOp::create(b, loc, TypeRange{}, ib.rem(m, mrV),
                                         cases, cases.size());
    for (auto [i, r] : llvm::enumerate(cases)) {
      Block &blk = sw.getCaseRegions()[i].emplaceBlock();
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(&blk);
      emitBlock(p, r, row0, fullBlocks);
      scf::YieldOp::create(b, loc);
    }
    Block &def = sw.getDefaultRegion().emplaceBlock();
    OpBuilder::InsertionGuard g3(b);
    b.setInsertionPointToStart(&def);
    scf::YieldOp::create(b, loc);
  }

private:
  struct Panel {
    Value jp, n0, full;
    SmallVector<Value> masks;
    /// Per-vector values every accumulator of the panel starts from (the
    /// s8 x s8 correction), or empty.
    SmallVector<Value> offsets;
  };

  /// For s8 x s8 on vpdpbusd, A was packed as a + 128, so every product sum
  /// holds 128 * (the column sum of B) too: sums the panel's columns with
  /// vpdpbusd against u8 ones and returns -128 times them.
  SmallVector<Value> signedCorrection(Value jp) {
    IndexBuilder ib{b, loc};
    Value zero = arith::ConstantOp::create(
        b, loc, accVecTy,
        DenseElementsAttr::get(accVecTy, b.getZeroAttr(accTy)));
    Value ones = arith::ConstantOp::create(
        b, loc, bVecTy,
        DenseElementsAttr::get(bVecTy, b.getIntegerAttr(opTy, 1)));
    auto loop = scf::ForOp::create(b, loc, ib.c(0), kSteps, ib.c(1),
                                   SmallVector<Value>(nv, zero));
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> sums;
      for (int64_t j = 0; j < nv; ++j) {
        Value bvec = vector::LoadOp::create(
            b, loc, bVecTy, bm,
            ValueRange{jp, loop.getInductionVar(), ib.c(j * vl * kr)});
        sums.push_back(dotBytes(loop.getRegionIterArgs()[j], ones, bvec));
      }
      scf::YieldOp::create(b, loc, sums);
    }
    Value scale = arith::ConstantOp::create(
        b, loc, accVecTy,
        DenseElementsAttr::get(accVecTy, b.getIntegerAttr(accTy, -128)));
    SmallVector<Value> offsets;
    for (Value sum : loop.getResults())
      offsets.push_back(arith::MulIOp::create(b, loc, sum, scale));
    return offsets;
  }

  /// vpdpbusd: acc += u8 quads of `a` times s8 quads of `bvec`, per lane.
  Value dotBytes(Value acc, Value a, Value bvec) {
    // The 256-bit form is encoded as AVX-VNNI ({vex}) where only that exists.
    StringRef intrin = vl == 16 ? "llvm.x86.avx512.vpdpbusd.512"
                                : "llvm.x86.avx512.vpdpbusd.256";
    return LLVM::CallIntrinsicOp::create(b, loc, accVecTy,
                                         b.getStringAttr(intrin),
                                         ValueRange{acc, a, bvec})
        .getResult(0);
  }

  Value cIdx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// Loads (or zeroes) the accumulators of `rows` rows starting at row0.
  SmallVector<Value> loadAccumulators(const Panel &p, int64_t rows,
                                      Value row0) {
    Value zero = arith::ConstantOp::create(
        b, loc, accVecTy,
        DenseElementsAttr::get(accVecTy, b.getZeroAttr(accTy)));
    // A group's sums start from zero: C holds the scaled sums of the groups
    // before it, added when this group is stored.
    bool fromC = accumulate && !grouped;
    SmallVector<Value> accs = fromC ? loadC(p, rows, row0, zero)
                                    : SmallVector<Value>(rows * nv, zero);
    if (!p.offsets.empty())
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < nv; ++j)
          accs[i * nv + j] = fromC ? arith::AddIOp::create(
                                         b, loc, accs[i * nv + j], p.offsets[j])
                                         .getResult()
                                   : p.offsets[j];
    return accs;
  }

  /// The accumulators' starting values from C (masked in the last panel).
  SmallVector<Value> loadC(const Panel &p, int64_t rows, Value row0,
                           Value zero) {
    IndexBuilder ib{b, loc};
    SmallVector<Type> types(rows * nv, accVecTy);
    auto ifOp = scf::IfOp::create(b, loc, types, p.full, /*else=*/true);
    for (bool masked : {false, true}) {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(masked ? ifOp.elseBlock() : ifOp.thenBlock());
      SmallVector<Value> vals;
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < nv; ++j) {
          SmallVector<Value> idx = {ib.add(row0, cIdx(i)),
                                    ib.add(p.n0, cIdx(j * vl))};
          Value cZero = toC(zero);
          Value v =
              masked
                  ? vector::MaskedLoadOp::create(b, loc, cVecTy, c, idx,
                                                 p.masks[j], cZero)
                        .getResult()
                  : vector::LoadOp::create(b, loc, cVecTy, c, idx).getResult();
          vals.push_back(fromC(v));
        }
      scf::YieldOp::create(b, loc, vals);
    }
    return SmallVector<Value>(ifOp.getResults());
  }

  /// Accumulator vectors as C holds them, and back (a bit cast when C holds
  /// f32 for an integer kernel).
  Value toC(Value v) {
    return v.getType() == cVecTy || grouped
               ? v
               : vector::BitCastOp::create(b, loc, cVecTy, v).getResult();
  }
  Value fromC(Value v) {
    return v.getType() == accVecTy
               ? v
               : vector::BitCastOp::create(b, loc, accVecTy, v).getResult();
  }

  void storeAccumulators(const Panel &p, int64_t rows, Value row0,
                         ValueRange accs) {
    if (!epilogue)
      return storeVectors(p, rows, row0, accs, /*finish=*/false);
    if (!last)
      return storeVectors(p, rows, row0, accs, /*finish=*/true);
    // Earlier K blocks store partial sums; the last applies the epilogue.
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, last, true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    storeVectors(p, rows, row0, accs, /*finish=*/true);
    b.setInsertionPointToStart(ifOp.elseBlock());
    storeVectors(p, rows, row0, accs, /*finish=*/false);
  }

  /// The epilogue operands of one register block: each row's scale and each
  /// column vector's scale and bias, loaded once (not once per accumulator).
  struct EpilogueOperands {
    SmallVector<Value> rowScales, colScales, colBias;
    /// This K group's scales, and the scaled sums of the groups before it.
    SmallVector<Value> rowGroupScales, colGroupScales, previous;
  };

  EpilogueOperands loadEpilogueOperands(const Panel &p, int64_t rows,
                                        Value row0, bool masked) {
    IndexBuilder ib{b, loc};
    VectorType f32Vec = accVecTy.clone(b.getF32Type());
    auto scalar = [&](Value buf, Value idx) -> Value {
      bool rank0 = cast<MemRefType>(buf.getType()).getRank() == 0;
      Value x = memref::LoadOp::create(b, loc, buf,
                                       rank0 ? ValueRange{} : ValueRange{idx});
      return vector::BroadcastOp::create(b, loc, f32Vec, x);
    };
    auto columns = [&](Value buf, int64_t j) -> Value {
      if (cast<MemRefType>(buf.getType()).getRank() == 0)
        return scalar(buf, Value());
      Value col = ib.add(p.n0, cIdx(j * vl));
      if (!masked)
        return vector::LoadOp::create(b, loc, f32Vec, buf, ValueRange{col});
      Value zero = arith::ConstantOp::create(
          b, loc, f32Vec, DenseElementsAttr::get(f32Vec, b.getF32FloatAttr(0)));
      return vector::MaskedLoadOp::create(b, loc, f32Vec, buf, ValueRange{col},
                                          p.masks[j], zero);
    };
    EpilogueOperands e;
    if (aScale)
      for (int64_t i = 0; i < rows; ++i)
        e.rowScales.push_back(scalar(aScale, ib.add(row0, cIdx(i))));
    for (int64_t j = 0; j < nv; ++j) {
      if (bScale)
        e.colScales.push_back(columns(bScale, j));
      if (bias)
        e.colBias.push_back(columns(bias, j));
    }
    return e;
  }

  /// The group scales of one register block ([rows, 1] of A's, [1, cols] of
  /// B's) and, with `accumulate`, the f32 sums already in C.
  void loadGroupOperands(EpilogueOperands &e, const Panel &p, int64_t rows,
                         Value row0, bool masked) {
    IndexBuilder ib{b, loc};
    VectorType f32Vec = accVecTy.clone(b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, loc, f32Vec, DenseElementsAttr::get(f32Vec, b.getF32FloatAttr(0)));
    if (aGroupScale)
      for (int64_t i = 0; i < rows; ++i)
        e.rowGroupScales.push_back(vector::BroadcastOp::create(
            b, loc, f32Vec,
            memref::LoadOp::create(
                b, loc, aGroupScale,
                ValueRange{ib.add(row0, cIdx(i)), cIdx(0)})));
    auto load = [&](Value buf, Value row, int64_t j) -> Value {
      SmallVector<Value> idx = {row, ib.add(p.n0, cIdx(j * vl))};
      if (masked)
        return vector::MaskedLoadOp::create(b, loc, f32Vec, buf, idx,
                                            p.masks[j], zero);
      return vector::LoadOp::create(b, loc, f32Vec, buf, idx);
    };
    if (bGroupScale)
      for (int64_t j = 0; j < nv; ++j)
        e.colGroupScales.push_back(load(bGroupScale, cIdx(0), j));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < nv; ++j)
        e.previous.push_back(accumulate ? load(c, ib.add(row0, cIdx(i)), j)
                                        : zero);
  }

  /// The group step of accumulator vector (i, j), as the reference states
  /// it: fma(f32(sum), sa * sb, previous groups).
  Value scaleGroup(Value acc, const EpilogueOperands &e, int64_t i, int64_t j) {
    Value v = acc;
    if (!accTy.isF32())
      v = arith::SIToFPOp::create(b, loc, accVecTy.clone(b.getF32Type()), v);
    Value s;
    if (!e.rowGroupScales.empty() && !e.colGroupScales.empty())
      s = arith::MulFOp::create(b, loc, e.rowGroupScales[i],
                                e.colGroupScales[j]);
    else
      s = e.rowGroupScales.empty() ? e.colGroupScales[j] : e.rowGroupScales[i];
    return vector::FMAOp::create(b, loc, v, s, e.previous[i * nv + j]);
  }

  /// The epilogue of accumulator vector (i, j), in the order the reference
  /// applies it: f32, times the row scale, times the column scale, plus the
  /// bias, then the activation.
  Value finishVector(Value acc, const EpilogueOperands &e, int64_t i,
                     int64_t j) {
    return applyEpilogue(
        b, loc, acc, e.rowScales.empty() ? Value() : e.rowScales[i],
        e.colScales.empty() ? Value() : e.colScales[j],
        e.colBias.empty() ? Value() : e.colBias[j], activation);
  }

  void storeVectors(const Panel &p, int64_t rows, Value row0, ValueRange accs,
                    bool finish) {
    IndexBuilder ib{b, loc};
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, p.full, true);
    for (bool masked : {false, true}) {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(masked ? ifOp.elseBlock() : ifOp.thenBlock());
      EpilogueOperands e;
      if (finish)
        e = loadEpilogueOperands(p, rows, row0, masked);
      if (grouped)
        loadGroupOperands(e, p, rows, row0, masked);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < nv; ++j) {
          SmallVector<Value> idx = {ib.add(row0, cIdx(i)),
                                    ib.add(p.n0, cIdx(j * vl))};
          Value v = accs[i * nv + j];
          if (grouped)
            v = scaleGroup(v, e, i, j);
          v = finish ? finishVector(v, e, i, j) : toC(v);
          if (masked)
            vector::MaskedStoreOp::create(b, loc, c, idx, p.masks[j], v);
          else
            vector::StoreOp::create(b, loc, v, c, idx);
        }
    }
  }

  /// The broadcast operand of row i at step k.
  Value broadcastA(Value k, int64_t i, Value row0, Value aPanel) {
    IndexBuilder ib{b, loc};
    if (kr == 1) {
      Value s = aPacked ? memref::LoadOp::create(b, loc, a,
                                                 ValueRange{aPanel, k, cIdx(i)})
                        : memref::LoadOp::create(
                              b, loc, a, ValueRange{ib.add(row0, cIdx(i)), k});
      return vector::BroadcastOp::create(b, loc, bVecTy, s);
    }
    // kr elements (an i16 or bf16 pair, a u8 quad) broadcast as one 32-bit
    // lane.
    auto pairTy = VectorType::get({kr}, opTy);
    Value pair = vector::LoadOp::create(b, loc, pairTy, a,
                                        ValueRange{aPanel, k, cIdx(i * kr)});
    auto i32Ty = b.getIntegerType(opTy.getIntOrFloatBitWidth() * kr);
    Value asWord =
        vector::BitCastOp::create(b, loc, VectorType::get({1}, i32Ty), pair);
    Value word = vector::ExtractOp::create(b, loc, asWord, 0);
    Value splat =
        vector::BroadcastOp::create(b, loc, VectorType::get({vl}, i32Ty), word);
    return vector::BitCastOp::create(b, loc, bVecTy, splat);
  }

  /// One target instruction: acc += bcast * bvec.
  Value multiplyAdd(Value bcast, Value bvec, Value acc) {
    switch (kernel.getKind()) {
    case NanoKernelKind::fma_f32:
    case NanoKernelKind::dot_f32: // built by DotBuilder
      return vector::FMAOp::create(b, loc, bcast, bvec, acc);
    case NanoKernelKind::pmaddwd_i16: {
      StringRef intrin =
          vl == 16 ? "llvm.x86.avx512.pmaddw.d.512" : "llvm.x86.avx2.pmadd.wd";
      Value prod = LLVM::CallIntrinsicOp::create(b, loc, accVecTy,
                                                 b.getStringAttr(intrin),
                                                 ValueRange{bcast, bvec})
                       .getResult(0);
      return arith::AddIOp::create(b, loc, acc, prod);
    }
    case NanoKernelKind::dpbusd_u8s8:
    case NanoKernelKind::dpbusd_s8s8:
    case NanoKernelKind::dot_i8: // built by DotBuilder
      return dotBytes(acc, bcast, bvec);
    case NanoKernelKind::dpbf16_f32:
      return x86vector::DotBF16Op::create(b, loc, accVecTy, acc, bcast, bvec);
    }
    llvm_unreachable("unknown nanokernel kind");
  }

  /// The K loop with accumulators as loop-carried values.
  SmallVector<Value> reductionLoop(const Panel &p, int64_t rows, Value row0,
                                   Value aPanel, ValueRange init,
                                   bool maskedB) {
    auto loop = scf::ForOp::create(b, loc, cIdx(0), kSteps, cIdx(1), init);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    IndexBuilder ib{b, loc};
    Value k = loop.getInductionVar();
    SmallVector<Value> bvecs;
    for (int64_t j = 0; j < nv; ++j) {
      if (bPacked) {
        bvecs.push_back(vector::LoadOp::create(
            b, loc, bVecTy, bm, ValueRange{p.jp, k, cIdx(j * vl * kr)}));
        continue;
      }
      SmallVector<Value> idx = {k, ib.add(p.n0, cIdx(j * vl))};
      // B in place may hold bf16/f16, widened here (exactly). Its panels are
      // then whole (qnk-pack only reads such B in place when N is a multiple
      // of nr): 16-bit masked loads would need library calls on x86.
      Type bElt = cast<MemRefType>(bm.getType()).getElementType();
      if (bElt != opTy) {
        Value raw = vector::LoadOp::create(b, loc, VectorType::get({vl}, bElt),
                                           bm, idx);
        bvecs.push_back(arith::ExtFOp::create(b, loc, bVecTy, raw));
      } else if (maskedB) {
        Value zero = arith::ConstantOp::create(
            b, loc, bVecTy,
            DenseElementsAttr::get(bVecTy, b.getZeroAttr(opTy)));
        bvecs.push_back(vector::MaskedLoadOp::create(b, loc, bVecTy, bm, idx,
                                                     p.masks[j], zero));
      } else {
        bvecs.push_back(vector::LoadOp::create(b, loc, bVecTy, bm, idx));
      }
    }
    SmallVector<Value> accs(loop.getRegionIterArgs());
    for (int64_t i = 0; i < rows; ++i) {
      Value bcast = broadcastA(k, i, row0, aPanel);
      for (int64_t j = 0; j < nv; ++j)
        accs[i * nv + j] = multiplyAdd(bcast, bvecs[j], accs[i * nv + j]);
    }
    scf::YieldOp::create(b, loc, accs);
    return SmallVector<Value>(loop.getResults());
  }

  /// Starts fetching the C block after this one (rows row0+rows.., clamped
  /// to C) so that its loads or write-allocations overlap this block's K
  /// loop instead of stalling the next block.
  void prefetchNextC(const Panel &p, int64_t rows, Value row0) {
    IndexBuilder ib{b, loc};
    Value last = ib.sub(ib.dim(c, 0), ib.c(1));
    int64_t lanesPerLine =
        std::max<int64_t>(1, 64 / (accTy.getIntOrFloatBitWidth() / 8) / vl);
    for (int64_t i = 0; i < mr; ++i) {
      Value row = ib.min(ib.add(row0, ib.c(rows + i)), last);
      for (int64_t j = 0; j < nv; j += lanesPerLine)
        memref::PrefetchOp::create(b, loc, c,
                                   ValueRange{row, ib.add(p.n0, ib.c(j * vl))},
                                   /*isWrite=*/true, /*localityHint=*/3,
                                   /*isDataCache=*/true);
    }
  }

  void emitBlock(const Panel &p, int64_t rows, Value row0, Value aPanel) {
    prefetchNextC(p, rows, row0);
    SmallVector<Value> accs = loadAccumulators(p, rows, row0);
    if (bPacked) {
      accs = reductionLoop(p, rows, row0, aPanel, accs, /*maskedB=*/false);
    } else {
      // B is read in place: only the last panel needs masked B loads.
      SmallVector<Type> types(accs.size(), accVecTy);
      auto ifOp = scf::IfOp::create(b, loc, types, p.full, true);
      for (bool masked : {false, true}) {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(masked ? ifOp.elseBlock()
                                          : ifOp.thenBlock());
        scf::YieldOp::create(
            b, loc, reductionLoop(p, rows, row0, aPanel, accs, masked));
      }
      accs = SmallVector<Value>(ifOp.getResults());
    }
    storeAccumulators(p, rows, row0, accs);
  }

  OpBuilder &b;
  Location loc;
  NanoKernelAttr kernel;
  bool accumulate, aPacked, bPacked;
  VectorType cVecTy;
  bool epilogue = false, grouped = false;
  Value last, aScale, bScale, bias, aGroupScale, bGroupScale;
  std::optional<Activation> activation;
  int64_t vl, nv, mr, kr;
  Type opTy, accTy;
  VectorType accVecTy, bVecTy;
  Value a, bm, c, kSteps;
};

/// Dot-product register blocks for a few rows of A against rows of a B
/// stored [N, K] and read in place: mr x nv accumulators of vl lanes along
/// K, every B row widened to f32 in registers as it is loaded (nibbles,
/// bytes or 16-bit floats), so the weights cross memory once at their
/// stored size. With group scales each group's lane sums are scaled into
/// as many totals with one FMA; lanes are summed once per output.
class DotBuilder {
public:
  DotBuilder(OpBuilder &b, PackedMatmulOp op)
      : b(b), loc(op.getLoc()), kernel(op.getKernel()), a(op.getA()),
        bm(op.getB()), c(op.getInit()), aGroupScale(op.getAGroupScale()),
        bGroupScale(op.getBGroupScale()), aScale(op.getAScale()),
        bScale(op.getBScale()), bias(op.getBias()),
        activation(op.getActivation()) {
    vl = kernel.getVectorLength();
    f32Vec = VectorType::get({vl}, b.getF32Type());
    if (op.hasGroupScales())
      group = *op.getGroupSize();
  }

  void build() {
    IndexBuilder ib{b, loc};
    int64_t nv = kernel.getNv();
    Value n = ib.dim(c, 1);
    Value full = ib.div(n, ib.c(nv));
    {
      auto blocks = scf::ForOp::create(b, loc, ib.c(0), full, ib.c(1));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(blocks.getBody());
      emitRowBlocks(ib.mul(blocks.getInductionVar(), ib.c(nv)), nv);
    }
    if (nv == 1)
      return;
    // Leftover B rows, one at a time.
    auto rest = scf::ForOp::create(b, loc, ib.mul(full, ib.c(nv)), n, ib.c(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(rest.getBody());
    emitRowBlocks(rest.getInductionVar(), 1);
  }

private:
  /// `vl` elements of row `row` of `buf` from column k, as f32.
  Value loadWidened(Value buf, Value row, Value k) {
    Type elt = cast<MemRefType>(buf.getType()).getElementType();
    Value v = vector::LoadOp::create(b, loc, VectorType::get({vl}, elt), buf,
                                     ValueRange{row, k});
    if (elt.isF32())
      return v;
    if (isa<FloatType>(elt))
      return arith::ExtFOp::create(b, loc, f32Vec, v);
    bool isUnsigned = elt.isUnsignedInteger();
    if (isUnsigned) // arith works on signless integers
      v = vector::BitCastOp::create(
          b, loc,
          VectorType::get({vl}, b.getIntegerType(elt.getIntOrFloatBitWidth())),
          v);
    if (elt.getIntOrFloatBitWidth() < 8) {
      // Nibbles become bytes first, as the packing does: the narrow-type
      // emulation turns this into shifts of whole loaded bytes.
      auto i8 = VectorType::get({vl}, b.getI8Type());
      v = isUnsigned ? arith::ExtUIOp::create(b, loc, i8, v).getResult()
                     : arith::ExtSIOp::create(b, loc, i8, v).getResult();
    }
    return isUnsigned ? arith::UIToFPOp::create(b, loc, f32Vec, v).getResult()
                      : arith::SIToFPOp::create(b, loc, f32Vec, v).getResult();
  }

  Value zeros() {
    return arith::ConstantOp::create(
        b, loc, f32Vec, DenseElementsAttr::get(f32Vec, b.getF32FloatAttr(0)));
  }

  /// Sums over K positions [k0, k1) into `init`: rows [m0, m0 + rows) of A
  /// against B rows [n0, n0 + nb).
  SmallVector<Value> reduce(Value m0, int64_t rows, Value n0, int64_t nb,
                            Value k0, Value k1, ValueRange init) {
    auto loop = scf::ForOp::create(
        b, loc, k0, k1, arith::ConstantIndexOp::create(b, loc, vl), init);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    IndexBuilder ib{b, loc};
    Value k = loop.getInductionVar();
    SmallVector<Value> as;
    for (int64_t i = 0; i < rows; ++i)
      as.push_back(loadWidened(a, ib.add(m0, ib.c(i)), k));
    SmallVector<Value> accs(loop.getRegionIterArgs());
    for (int64_t j = 0; j < nb; ++j) {
      Value w = loadWidened(bm, ib.add(n0, ib.c(j)), k);
      for (int64_t i = 0; i < rows; ++i)
        accs[i * nb + j] =
            vector::FMAOp::create(b, loc, as[i], w, accs[i * nb + j]);
    }
    scf::YieldOp::create(b, loc, accs);
    return SmallVector<Value>(loop.getResults());
  }

  /// Every row of A against B rows [n0, n0 + nb): blocks of mr rows, then
  /// the leftover rows one at a time.
  void emitRowBlocks(Value n0, int64_t nb) {
    IndexBuilder ib{b, loc};
    int64_t mr = kernel.getMr();
    Value m = ib.dim(c, 0);
    Value fullRows = ib.mul(ib.div(m, ib.c(mr)), ib.c(mr));
    {
      auto blocks = scf::ForOp::create(b, loc, ib.c(0), fullRows, ib.c(mr));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(blocks.getBody());
      emitBlock(blocks.getInductionVar(), mr, n0, nb);
    }
    if (mr == 1)
      return;
    auto rest = scf::ForOp::create(b, loc, fullRows, m, ib.c(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(rest.getBody());
    emitBlock(rest.getInductionVar(), 1, n0, nb);
  }

  void emitBlock(Value m0, int64_t rows, Value n0, int64_t nb) {
    if (kernel.getKind() == NanoKernelKind::dot_i8)
      return emitIntBlock(m0, rows, n0, nb);
    IndexBuilder ib{b, loc};
    Value k = ib.dim(a, 1);
    SmallVector<Value> totals(rows * nb, zeros());
    if (!group) {
      totals = reduce(m0, rows, n0, nb, ib.c(0), k, totals);
    } else {
      auto groups = scf::ForOp::create(b, loc, ib.c(0), ib.div(k, ib.c(group)),
                                       ib.c(1), totals);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(groups.getBody());
      Value gi = groups.getInductionVar();
      Value k0 = ib.mul(gi, ib.c(group));
      SmallVector<Value> sums =
          reduce(m0, rows, n0, nb, k0, ib.add(k0, ib.c(group)),
                 SmallVector<Value>(rows * nb, zeros()));
      SmallVector<Value> next(groups.getRegionIterArgs());
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < nb; ++j) {
          Value s = groupScale(gi, ib.add(m0, ib.c(i)), ib.add(n0, ib.c(j)));
          Value sv = vector::BroadcastOp::create(b, loc, f32Vec, s);
          next[i * nb + j] = vector::FMAOp::create(b, loc, sums[i * nb + j], sv,
                                                   next[i * nb + j]);
        }
      scf::YieldOp::create(b, loc, next);
      b.setInsertionPointAfter(groups);
      totals = SmallVector<Value>(groups.getResults());
    }
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < nb; ++j) {
        Value sum = vector::ReductionOp::create(
            b, loc, vector::CombiningKind::ADD, totals[i * nb + j]);
        sum = finish(sum, ib.add(m0, ib.c(i)), ib.add(n0, ib.c(j)));
        memref::StoreOp::create(
            b, loc, sum, c,
            ValueRange{ib.add(m0, ib.c(i)), ib.add(n0, ib.c(j))});
      }
  }

  /// Group g's scale of output (row, col): sa * sb, or the one present.
  Value groupScale(Value g, Value row, Value col) {
    Value s;
    if (aGroupScale)
      s = memref::LoadOp::create(b, loc, aGroupScale, ValueRange{row, g});
    if (bGroupScale) {
      Value sb =
          memref::LoadOp::create(b, loc, bGroupScale, ValueRange{g, col});
      s = s ? arith::MulFOp::create(b, loc, s, sb).getResult() : sb;
    }
    return s;
  }

  //===--- dot_i8 ---------------------------------------------------------===//

  VectorType byteVec() { return VectorType::get({vl * 4}, b.getI8Type()); }
  VectorType laneVec() { return VectorType::get({vl}, b.getI32Type()); }

  Value bytesConst(int64_t v) {
    return arith::ConstantOp::create(
        b, loc, byteVec(),
        DenseElementsAttr::get(byteVec(), b.getIntegerAttr(b.getI8Type(), v)));
  }

  /// vpdpbusd: acc += u8 quads of `u` times s8 quads of `s`, per lane.
  Value dotBytes(Value acc, Value u, Value s) {
    StringRef intrin = vl == 16 ? "llvm.x86.avx512.vpdpbusd.512"
                                : "llvm.x86.avx512.vpdpbusd.256";
    return LLVM::CallIntrinsicOp::create(b, loc, laneVec(),
                                         b.getStringAttr(intrin),
                                         ValueRange{acc, u, s})
        .getResult(0);
  }

  /// 4·vl elements of row `row` of `buf` from column k as signless bytes
  /// (4-bit values extended by their signedness).
  Value loadBytes(Value buf, Value row, Value k) {
    Type elt = cast<MemRefType>(buf.getType()).getElementType();
    unsigned width = elt.getIntOrFloatBitWidth();
    Value v = vector::LoadOp::create(b, loc, VectorType::get({vl * 4}, elt),
                                     buf, ValueRange{row, k});
    if (elt.isUnsignedInteger())
      v = vector::BitCastOp::create(
          b, loc, VectorType::get({vl * 4}, b.getIntegerType(width)), v);
    if (width == 8)
      return v;
    return elt.isUnsignedInteger()
               ? arith::ExtUIOp::create(b, loc, byteVec(), v).getResult()
               : arith::ExtSIOp::create(b, loc, byteVec(), v).getResult();
  }

  /// What signed A rows need added to B to make it vpdpbusd's unsigned
  /// operand (0 when B is unsigned already or A is the unsigned operand).
  int64_t weightOffset() {
    Type a = cast<MemRefType>(this->a.getType()).getElementType();
    Type w = cast<MemRefType>(bm.getType()).getElementType();
    if (a.isUnsignedInteger() || w.isUnsignedInteger())
      return 0;
    return w.getIntOrFloatBitWidth() == 4 ? 8 : 128;
  }

  /// Exact i32 sums over K positions [k0, k1) of rows [m0, m0 + rows) of A
  /// against B rows [n0, n0 + nb), one scalar per pair.
  SmallVector<Value> reduceInt(Value m0, int64_t rows, Value n0, int64_t nb,
                               Value k0, Value k1) {
    bool unsignedA =
        cast<MemRefType>(a.getType()).getElementType().isUnsignedInteger();
    int64_t offset = weightOffset();
    Value zero = arith::ConstantOp::create(
        b, loc, laneVec(),
        DenseElementsAttr::get(laneVec(), b.getI32IntegerAttr(0)));
    // Accumulators, then (with an offset) each A row's lane sums.
    SmallVector<Value> init(rows * nb + (offset ? rows : 0), zero);
    auto loop = scf::ForOp::create(
        b, loc, k0, k1, arith::ConstantIndexOp::create(b, loc, vl * 4), init);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(loop.getBody());
      IndexBuilder ib{b, loc};
      Value k = loop.getInductionVar();
      SmallVector<Value> next(loop.getRegionIterArgs());
      SmallVector<Value> as;
      for (int64_t i = 0; i < rows; ++i)
        as.push_back(loadBytes(a, ib.add(m0, ib.c(i)), k));
      if (offset) {
        Value ones = bytesConst(1);
        for (int64_t i = 0; i < rows; ++i)
          next[rows * nb + i] = dotBytes(next[rows * nb + i], ones, as[i]);
      }
      for (int64_t j = 0; j < nb; ++j) {
        Value w = loadBytes(bm, ib.add(n0, ib.c(j)), k);
        if (offset) // +8 for i4, +128 (the sign bit flipped) for i8
          w = offset == 128
                  ? arith::XOrIOp::create(b, loc, w, bytesConst(0x80))
                        .getResult()
                  : arith::AddIOp::create(b, loc, w, bytesConst(8)).getResult();
        for (int64_t i = 0; i < rows; ++i)
          next[i * nb + j] = unsignedA ? dotBytes(next[i * nb + j], as[i], w)
                                       : dotBytes(next[i * nb + j], w, as[i]);
      }
      scf::YieldOp::create(b, loc, next);
    }
    SmallVector<Value> sums;
    for (int64_t i = 0; i < rows; ++i) {
      Value correction;
      if (offset)
        correction = arith::MulIOp::create(
            b, loc, loop.getResult(rows * nb + i),
            arith::ConstantOp::create(
                b, loc, laneVec(),
                DenseElementsAttr::get(laneVec(),
                                       b.getI32IntegerAttr(offset))));
      for (int64_t j = 0; j < nb; ++j) {
        Value v = loop.getResult(i * nb + j);
        if (correction)
          v = arith::SubIOp::create(b, loc, v, correction);
        sums.push_back(
            vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, v));
      }
    }
    return sums;
  }

  void emitIntBlock(Value m0, int64_t rows, Value n0, int64_t nb) {
    IndexBuilder ib{b, loc};
    Value k = ib.dim(a, 1);
    SmallVector<Value> out;
    if (!group) {
      out = reduceInt(m0, rows, n0, nb, ib.c(0), k);
    } else {
      // Each group's exact sum, scaled as the reference does:
      // acc = fma(f32(P), sa * sb, acc).
      Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
      auto groups =
          scf::ForOp::create(b, loc, ib.c(0), ib.div(k, ib.c(group)), ib.c(1),
                             SmallVector<Value>(rows * nb, zero));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(groups.getBody());
      Value gi = groups.getInductionVar();
      Value k0 = ib.mul(gi, ib.c(group));
      SmallVector<Value> sums =
          reduceInt(m0, rows, n0, nb, k0, ib.add(k0, ib.c(group)));
      SmallVector<Value> next(groups.getRegionIterArgs());
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < nb; ++j) {
          Value s = groupScale(gi, ib.add(m0, ib.c(i)), ib.add(n0, ib.c(j)));
          Value p =
              arith::SIToFPOp::create(b, loc, b.getF32Type(), sums[i * nb + j]);
          next[i * nb + j] =
              math::FmaOp::create(b, loc, p, s, next[i * nb + j]);
        }
      scf::YieldOp::create(b, loc, next);
      b.setInsertionPointAfter(groups);
      out = SmallVector<Value>(groups.getResults());
    }
    bool real = group || aScale || bias || activation;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < nb; ++j) {
        Value v = out[i * nb + j];
        Value row = ib.add(m0, ib.c(i)), col = ib.add(n0, ib.c(j));
        if (real)
          v = finish(v, row, col);
        memref::StoreOp::create(b, loc, v, c, ValueRange{row, col});
      }
  }

  /// The epilogue of one output (f32 or integer sums).
  Value finish(Value v, Value row, Value col) {
    auto load = [&](Value buf, Value idx) -> Value {
      if (!buf)
        return Value();
      bool rank0 = cast<MemRefType>(buf.getType()).getRank() == 0;
      return memref::LoadOp::create(b, loc, buf,
                                    rank0 ? ValueRange{} : ValueRange{idx});
    };
    return applyEpilogue(b, loc, v, load(aScale, row), load(bScale, col),
                         load(bias, col), activation);
  }

  OpBuilder &b;
  Location loc;
  NanoKernelAttr kernel;
  Value a, bm, c, aGroupScale, bGroupScale, aScale, bScale, bias;
  std::optional<Activation> activation;
  int64_t vl, group = 0;
  VectorType f32Vec;
};

/// AMX register blocks: mr/16 x nv accumulator tiles of 16 x 16 (2 x 2 for
/// the 32 x 32 block), two A and two B tiles, all eight tile registers. The
/// accumulators are loaded (or zeroed) once, carried through the K loop and
/// stored once; LLVM configures the tiles once, at function entry, because
/// every shape is a constant. Tiles reach C only through memory, so blocks
/// that stick out of C, C of another element type (f32 holding an integer
/// kernel's partial sums) and epilogues go through a block-sized scratch
/// buffer that stays in L1: the epilogue runs on its vectors on the way to
/// C, with no extra pass over C.
class AmxBuilder {
public:
  AmxBuilder(OpBuilder &b, PackedMatmulOp op)
      : b(b), loc(op.getLoc()), kernel(op.getKernel()),
        accumulate(op.getAccumulate()), last(op.getLast()),
        aScale(op.getAScale()), bScale(op.getBScale()), bias(op.getBias()),
        activation(op.getActivation()) {
    MLIRContext *ctx = op.getContext();
    opTy = kernel.getOperandType(ctx);
    accTy = kernel.getAccumulatorType(ctx);
    rowTiles = kernel.getMr() / 16;
    colTiles = kernel.getNv();
    kr = kernel.getKr();
    ratio = kernel.getAKr() / kr;
    a = op.getA();
    bm = collapseKr(b, loc, op.getB());
    c = op.getInit();
    accTile = amx::TileType::get({16, 16}, accTy);
    aTile = amx::TileType::get({16, kernel.getAKr()}, opTy);
    bTile = amx::TileType::get({16, 16 * kr}, opTy);
    vecTy = VectorType::get({16}, accTy);
    cVecTy =
        VectorType::get({16}, cast<MemRefType>(c.getType()).getElementType());
    epilogue = op.hasEpilogue();
    // Tiles load and store C directly only when it holds the accumulators
    // as they are.
    direct = !epilogue && cVecTy == vecTy;
  }

  void build() {
    // The scratch block is per cache block (and so per thread): a heap
    // buffer, since stack allocations inside loops would pile up.
    IndexBuilder ib{b, loc};
    int64_t mr = kernel.getMr(), nr = kernel.getNr();
    scratch = memref::AllocOp::create(b, loc, MemRefType::get({mr, nr}, accTy),
                                      b.getI64IntegerAttr(64));
    auto dealloc = memref::DeallocOp::create(b, loc, scratch);
    b.setInsertionPoint(dealloc);
    Value m = ib.dim(c, 0), n = ib.dim(c, 1), kSteps = ib.dim(a, 1);
    Value mrV = ib.c(mr), nrV = ib.c(nr);
    auto panels =
        scf::ForOp::create(b, loc, ib.c(0), ib.ceilDiv(n, nrV), ib.c(1));
    b.setInsertionPointToStart(panels.getBody());
    Value jp = panels.getInductionVar();
    Value n0 = ib.mul(jp, nrV);
    Value nValid = ib.min(nrV, ib.sub(n, n0));
    auto blocks =
        scf::ForOp::create(b, loc, ib.c(0), ib.ceilDiv(m, mrV), ib.c(1));
    b.setInsertionPointToStart(blocks.getBody());
    Value blk = blocks.getInductionVar();
    Value m0 = ib.mul(blk, mrV);
    Value mValid = ib.min(mrV, ib.sub(m, m0));
    Value full = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, mValid, mrV),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, nValid, nrV));
    if (!direct)
      full = arith::ConstantIntOp::create(b, loc, 0, 1);
    Block block{m0, n0, mValid, nValid};

    SmallVector<Value> accs = initAccumulators(full, block);
    auto kLoop = scf::ForOp::create(b, loc, ib.c(0), kSteps, ib.c(1), accs);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(kLoop.getBody());
      Value k = kLoop.getInductionVar();
      SmallVector<Value> aTiles, bTiles;
      for (int64_t i = 0; i < rowTiles; ++i)
        aTiles.push_back(amx::TileLoadOp::create(
            b, loc, aTile, a, ValueRange{blk, k, ib.c(16 * i), ib.c(0)}));
      for (int64_t j = 0; j < colTiles; ++j)
        bTiles.push_back(amx::TileLoadOp::create(
            b, loc, bTile, bm,
            ValueRange{jp, ib.mul(k, ib.c(ratio)), ib.c(16 * j * kr)}));
      SmallVector<Value> next(kLoop.getRegionIterArgs());
      for (int64_t i = 0; i < rowTiles; ++i)
        for (int64_t j = 0; j < colTiles; ++j) {
          Value &acc = next[i * colTiles + j];
          if (kernel.getKind() == NanoKernelKind::amx_bf16)
            acc = amx::TileMulFOp::create(b, loc, accTile, aTiles[i], bTiles[j],
                                          acc);
          else
            acc = amx::TileMulIOp::create(
                b, loc, accTile, aTiles[i], bTiles[j], acc,
                kernel.getKind() == NanoKernelKind::amx_u8s8, false);
        }
      scf::YieldOp::create(b, loc, next);
    }
    storeAccumulators(full, block, kLoop.getResults());
  }

private:
  /// The block of C one register block covers: its corner and how much of
  /// it lies inside C.
  struct Block {
    Value m0, n0, mValid, nValid;
  };

  SmallVector<Value> initAccumulators(Value full, const Block &blk) {
    if (!accumulate) {
      Value z = amx::TileZeroOp::create(b, loc, accTile);
      SmallVector<Value> zs;
      for (int64_t t = 0; t < rowTiles * colTiles; ++t)
        zs.push_back(t ? amx::TileZeroOp::create(b, loc, accTile) : z);
      return zs;
    }
    SmallVector<Type> types(rowTiles * colTiles, accTile);
    auto ifOp = scf::IfOp::create(b, loc, types, full, true);
    for (bool viaScratch : {false, true}) {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(viaScratch ? ifOp.elseBlock()
                                            : ifOp.thenBlock());
      if (viaScratch)
        copyToScratch(blk);
      IndexBuilder ib{b, loc};
      SmallVector<Value> tiles;
      for (int64_t i = 0; i < rowTiles; ++i)
        for (int64_t j = 0; j < colTiles; ++j)
          tiles.push_back(viaScratch
                              ? amx::TileLoadOp::create(
                                    b, loc, accTile, scratch,
                                    ValueRange{ib.c(16 * i), ib.c(16 * j)})
                              : amx::TileLoadOp::create(
                                    b, loc, accTile, c,
                                    ValueRange{ib.add(blk.m0, ib.c(16 * i)),
                                               ib.add(blk.n0, ib.c(16 * j))}));
      scf::YieldOp::create(b, loc, tiles);
    }
    return SmallVector<Value>(ifOp.getResults());
  }

  void storeAccumulators(Value full, const Block &blk, ValueRange accs) {
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, full, true);
    for (bool viaScratch : {false, true}) {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(viaScratch ? ifOp.elseBlock()
                                            : ifOp.thenBlock());
      IndexBuilder ib{b, loc};
      for (int64_t i = 0; i < rowTiles; ++i)
        for (int64_t j = 0; j < colTiles; ++j) {
          Value tile = accs[i * colTiles + j];
          if (viaScratch)
            amx::TileStoreOp::create(
                b, loc, scratch, ValueRange{ib.c(16 * i), ib.c(16 * j)}, tile);
          else
            amx::TileStoreOp::create(b, loc, c,
                                     ValueRange{ib.add(blk.m0, ib.c(16 * i)),
                                                ib.add(blk.n0, ib.c(16 * j))},
                                     tile);
        }
      if (!viaScratch)
        continue;
      if (!epilogue) {
        copyFromScratch(blk, /*finish=*/false);
      } else if (!last) {
        copyFromScratch(blk, /*finish=*/true);
      } else {
        // Earlier K blocks store partial sums; the last applies the
        // epilogue.
        auto lastIf = scf::IfOp::create(b, loc, TypeRange{}, last, true);
        b.setInsertionPointToStart(lastIf.thenBlock());
        copyFromScratch(blk, /*finish=*/true);
        b.setInsertionPointToStart(lastIf.elseBlock());
        copyFromScratch(blk, /*finish=*/false);
      }
    }
  }

  /// Loops over the block's rows (all mr of them, or the valid ones),
  /// calls `perRow(row)` (if any) at the start of each and then
  /// calls `body(row, j, mask)` for each 16-column vector j, masked to the
  /// valid columns (no columns on rows past C).
  void forEachRowVector(const Block &blk, bool allRows,
                        function_ref<void(Value)> perRow,
                        function_ref<void(Value, int64_t, Value)> body) {
    IndexBuilder ib{b, loc};
    auto rows = scf::ForOp::create(
        b, loc, ib.c(0), allRows ? ib.c(kernel.getMr()) : blk.mValid, ib.c(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(rows.getBody());
    Value r = rows.getInductionVar();
    if (perRow)
      perRow(r);
    Value rowValid =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, r, blk.mValid);
    for (int64_t j = 0; j < colTiles; ++j) {
      Value cols = arith::SelectOp::create(
          b, loc, rowValid, ib.sub(blk.nValid, ib.c(16 * j)), ib.c(0));
      Value mask = vector::CreateMaskOp::create(
          b, loc, VectorType::get({16}, b.getI1Type()), ValueRange{cols});
      body(r, j, mask);
    }
  }

  /// C's valid corner into the scratch block, as accumulators (bit casts
  /// from an f32 C that holds integer sums), zeros elsewhere.
  void copyToScratch(const Block &blk) {
    Value zero = arith::ConstantOp::create(
        b, loc, cVecTy,
        DenseElementsAttr::get(cVecTy, b.getZeroAttr(cVecTy.getElementType())));
    forEachRowVector(
        blk, /*allRows=*/true, nullptr, [&](Value r, int64_t j, Value mask) {
          IndexBuilder ib{b, loc};
          // Rows past C are masked off entirely and read nothing.
          Value row = ib.add(blk.m0, ib.min(r, ib.sub(blk.mValid, ib.c(1))));
          Value v = vector::MaskedLoadOp::create(
              b, loc, cVecTy, c, ValueRange{row, ib.add(blk.n0, ib.c(16 * j))},
              mask, zero);
          if (cVecTy != vecTy)
            v = vector::BitCastOp::create(b, loc, vecTy, v);
          vector::StoreOp::create(b, loc, v, scratch,
                                  ValueRange{r, ib.c(16 * j)});
        });
  }

  /// The scratch block's valid corner into C: with `finish`, through the
  /// epilogue; otherwise as the accumulators are (bit cast to C's type).
  void copyFromScratch(const Block &blk, bool finish) {
    VectorType f32Vec = vecTy.clone(b.getF32Type());
    auto broadcast = [&](Value buf, Value idx) -> Value {
      bool rank0 = cast<MemRefType>(buf.getType()).getRank() == 0;
      Value x = memref::LoadOp::create(b, loc, buf,
                                       rank0 ? ValueRange{} : ValueRange{idx});
      return vector::BroadcastOp::create(b, loc, f32Vec, x);
    };
    // Loaded once per row: the row's scale and a per-tensor B scale.
    Value rowScale, tensorScale;
    auto perRow = [&](Value r) {
      if (!finish || !aScale)
        return;
      IndexBuilder ib{b, loc};
      rowScale = broadcast(aScale, ib.add(blk.m0, r));
      if (cast<MemRefType>(bScale.getType()).getRank() == 0)
        tensorScale = broadcast(bScale, Value());
    };
    forEachRowVector(
        blk, /*allRows=*/false, perRow, [&](Value r, int64_t j, Value mask) {
          IndexBuilder ib{b, loc};
          Value row = ib.add(blk.m0, r), col = ib.add(blk.n0, ib.c(16 * j));
          Value v = vector::LoadOp::create(b, loc, vecTy, scratch,
                                           ValueRange{r, ib.c(16 * j)});
          if (finish) {
            auto columns = [&](Value buf) -> Value {
              if (!buf)
                return Value();
              if (cast<MemRefType>(buf.getType()).getRank() == 0)
                return broadcast(buf, Value());
              Value zero = arith::ConstantOp::create(
                  b, loc, f32Vec,
                  DenseElementsAttr::get(f32Vec, b.getF32FloatAttr(0)));
              return vector::MaskedLoadOp::create(b, loc, f32Vec, buf,
                                                  ValueRange{col}, mask, zero);
            };
            Value colScale = tensorScale ? tensorScale : columns(bScale);
            v = applyEpilogue(b, loc, v, rowScale, colScale, columns(bias),
                              activation);
          } else if (cVecTy != vecTy) {
            v = vector::BitCastOp::create(b, loc, cVecTy, v);
          }
          vector::MaskedStoreOp::create(b, loc, c, ValueRange{row, col}, mask,
                                        v);
        });
  }

  OpBuilder &b;
  Location loc;
  NanoKernelAttr kernel;
  bool accumulate, epilogue, direct;
  Value last, aScale, bScale, bias;
  std::optional<Activation> activation;
  Type opTy, accTy;
  int64_t rowTiles, colTiles, kr, ratio;
  Value a, bm, c, scratch;
  amx::TileType accTile, aTile, bTile;
  VectorType vecTy, cVecTy;
};

struct ComposeNanokernelsPass
    : qnk::impl::QNKComposeNanokernelsBase<ComposeNanokernelsPass> {
  void runOnOperation() override {
    SmallVector<PackedMatmulOp> ops;
    getOperation()->walk([&](PackedMatmulOp op) { ops.push_back(op); });
    for (PackedMatmulOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitOpError("must be bufferized before composing nanokernels");
        return signalPassFailure();
      }
      if (op.isBatched()) {
        op.emitOpError("must be tiled (qnk-tile) before composing "
                       "nanokernels");
        return signalPassFailure();
      }
      if (op.getKernel().isDot()) {
        OpBuilder b(op);
        DotBuilder(b, op).build();
        op.erase();
        continue;
      }
      // Group scales apply once per op: its K must be one group.
      if (op.hasGroupScales()) {
        auto bTy = cast<MemRefType>(op.getB().getType());
        int64_t steps = bTy.getDimSize(op.isBPacked() ? 1 : 0);
        if (!ShapedType::isDynamic(steps) &&
            steps * op.getKernel().getKr() != *op.getGroupSize()) {
          op.emitOpError("with group scales must span exactly one group of K "
                         "(run qnk-tile)");
          return signalPassFailure();
        }
      }
      OpBuilder b(op);
      if (op.getKernel().isAMX()) {
        if (!op.isAPacked() || !op.isBPacked()) {
          op.emitOpError("AMX nanokernels need packed A and B");
          return signalPassFailure();
        }
        AmxBuilder(b, op).build();
      } else {
        NanokernelBuilder(b, op).build();
      }
      op.erase();
    }
    // Epilogue activations: polynomials, like the reference's.
    RewritePatternSet math(&getContext());
    populateEpilogueMathPatterns(math);
    if (failed(applyPatternsGreedily(getOperation(), std::move(math))))
      signalPassFailure();
  }
};
} // namespace
