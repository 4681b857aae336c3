//===- LowerSoftmax.cpp - qnk.softmax as two vectorized row passes --------===//
//
// Softmax is memory-bound: the reference reads each row three times and
// calls libm per element. Here each row is read twice (the second time from
// cache for rows that fit) and written once:
//
//   pass 1: online max and sum, per vector lane: m' = max(m, t),
//           s' = s * exp(m - m') + exp(t - m'), with one rescale per step
//           of 4 or 8 vectors so that the rescale's exp is amortized;
//   pass 2: y = exp(t - M) * (1 / S), with M and S reduced across lanes.
//
// It runs on tensors ahead of bufferization and writes into a fresh buffer
// (bufferization.to_tensor restrict), so rows can be split across threads
// with scf.parallel, which has no tensor form.
//
//===----------------------------------------------------------------------===//

#include "qnk/Target/CPUTarget.h"
#include "qnk/Transforms/Passes.h"
#include "qnk/Transforms/Softmax.h"
#include "qnk/Transforms/VectorExp.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace qnk {
#define GEN_PASS_DEF_QNKLOWERSOFTMAX
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/// Builds the body of one row: everything that depends on the op and the
/// target but not on the row index.
struct RowLowering {
  OpBuilder &b;
  Location loc;
  int64_t lanes;
  bool useFma;
  Value x, mask, y;              // memrefs (mask may be null)
  RankedTensorType inTy, maskTy; // maskTy null without a mask
  Type outElt;
  std::optional<float> scale;
  VectorType vf32;
  /// Per-step maxes of pass 1 (f32 results only; null otherwise).
  Value scratch = {};
  /// Vectors per pass-1 step: the rescale exp is amortized over them, and
  /// their exps are independent work for the out-of-order core.
  int64_t unroll = 4;

  int64_t rank() const { return inTy.getRank(); }
  int64_t rowLength() const { return inTy.getShape().back(); }
  bool maskIsRow() const {
    return maskTy && maskTy.getShape().back() == rowLength();
  }

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value splat(float v) {
    return arith::ConstantOp::create(
        b, loc, vf32, DenseElementsAttr::get(vf32, b.getF32FloatAttr(v)));
  }
  Value splat(Value scalar) {
    return vector::BroadcastOp::create(b, loc, vf32, scalar);
  }
  /// Every exp here is of t - max(t) (or NaN): never positive.
  Value exp(Value v) {
    return qnk::buildExpF32(b, loc, v, useFma, /*nonPositive=*/true);
  }
  /// max as vmaxps computes it (one instruction; a NaN may be dropped here,
  /// but it has already made the running sum NaN, which is what decides).
  Value vmax(Value l, Value r) {
    Value gt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, l, r);
    return arith::SelectOp::create(b, loc, gt, l, r);
  }
  /// The max to subtract: 0 where the max is -inf (nothing seen but -inf),
  /// so exp(-inf - 0) = 0 instead of exp(NaN).
  Value safeMax(Value m, Value negInf, Value zero) {
    Value none =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m, negInf);
    return arith::SelectOp::create(b, loc, none, zero, m);
  }
  Value laneMask(int64_t active) {
    auto ty = VectorType::get({lanes}, b.getI1Type());
    SmallVector<bool> bits(lanes, false);
    for (int64_t i = 0; i < active; ++i)
      bits[i] = true;
    return arith::ConstantOp::create(b, loc, ty,
                                     DenseElementsAttr::get(ty, bits));
  }
  Value widen(Value v) {
    if (cast<VectorType>(v.getType()).getElementType().isF32())
      return v;
    return arith::ExtFOp::create(b, loc, vf32, v);
  }
  /// `lanes` elements of `mem` at `indices`, under `active` when given.
  Value load(Value mem, ValueRange indices, Value active) {
    Type elt = cast<MemRefType>(mem.getType()).getElementType();
    auto ty = VectorType::get({lanes}, elt);
    if (!active)
      return widen(vector::LoadOp::create(b, loc, ty, mem, indices));
    Value pass = arith::ConstantOp::create(
        b, loc, ty, DenseElementsAttr::get(ty, b.getZeroAttr(elt)));
    return widen(
        vector::MaskedLoadOp::create(b, loc, ty, mem, indices, active, pass));
  }

  /// Indices of element `j` of the row whose leading indices are `lead`.
  SmallVector<Value> at(ArrayRef<Value> lead, Value j) {
    SmallVector<Value> v(lead);
    v.push_back(j);
    return v;
  }
  SmallVector<Value> maskAt(ArrayRef<Value> lead, Value j) {
    SmallVector<Value> v;
    for (auto [d, i] : llvm::enumerate(lead))
      v.push_back(maskTy.getDimSize(d) == 1 ? idx(0) : i);
    v.push_back(maskIsRow() ? j : idx(0));
    return v;
  }

  /// t = scale * x + mask for the vector at `j`; lanes outside `active` are
  /// -inf so that they add nothing to the max or the sum.
  Value logits(ArrayRef<Value> lead, Value rowMask, Value j, Value active) {
    Value t = load(x, at(lead, j), active);
    if (scale)
      t = arith::MulFOp::create(b, loc, t, splat(*scale));
    if (mask)
      t = arith::AddFOp::create(
          b, loc, t, rowMask ? rowMask : load(mask, maskAt(lead, j), active));
    if (active)
      t = arith::SelectOp::create(b, loc, active, t, splat(kNegInf));
    return t;
  }

  struct Step {
    Value m, s;            // the running max and sum after the step
    Value ms;              // the max the step's exps are relative to
    SmallVector<Value> es; // exp(t - ms) of each vector
  };
  /// One pass-1 step over the vectors `ts`.
  Step update(Value m, Value s, ArrayRef<Value> ts) {
    SmallVector<Value> level(ts);
    while (level.size() > 1) {
      SmallVector<Value> next;
      for (size_t i = 0; i + 1 < level.size(); i += 2)
        next.push_back(vmax(level[i], level[i + 1]));
      if (level.size() % 2)
        next.push_back(level.back());
      level = next;
    }
    Value mNew = vmax(m, level[0]);
    Value ms = safeMax(mNew, splat(kNegInf), splat(0.0f));
    Value alpha = exp(arith::SubFOp::create(b, loc, m, ms));
    SmallVector<Value> es;
    for (Value t : ts)
      es.push_back(exp(arith::SubFOp::create(b, loc, t, ms)));
    Step result{mNew, Value(), ms, es};
    while (es.size() > 1) {
      SmallVector<Value> next;
      for (size_t i = 0; i + 1 < es.size(); i += 2)
        next.push_back(arith::AddFOp::create(b, loc, es[i], es[i + 1]));
      if (es.size() % 2)
        next.push_back(es.back());
      es = next;
    }
    result.s =
        useFma ? Value(math::FmaOp::create(b, loc, s, alpha, es[0]))
               : Value(arith::AddFOp::create(
                     b, loc, arith::MulFOp::create(b, loc, s, alpha), es[0]));
    return result;
  }

  /// Pass-1 steps of a row: `unroll` vectors each, then single vectors,
  /// then the masked tail.
  int64_t numSteps() const {
    int64_t n = rowLength(), step = unroll * lanes;
    int64_t nMain = n / step * step, nVec = n / lanes * lanes;
    return nMain / step + (nVec - nMain) / lanes + (n > nVec ? 1 : 0);
  }
  void store(Value v, ArrayRef<Value> lead, Value j, Value act) {
    if (act)
      vector::MaskedStoreOp::create(b, loc, y, at(lead, j), act, v);
    else
      vector::StoreOp::create(b, loc, v, y, at(lead, j));
  }

  /// The whole row with leading indices `lead`.
  void buildRow(ArrayRef<Value> lead) {
    int64_t n = rowLength();
    int64_t step = unroll * lanes;
    int64_t nMain = n / step * step, nVec = n / lanes * lanes;
    int64_t tail = n - nVec;
    Value rowMask;
    if (mask && !maskIsRow()) {
      Value mv = memref::LoadOp::create(b, loc, mask, maskAt(lead, idx(0)));
      if (!mv.getType().isF32())
        mv = arith::ExtFOp::create(b, loc, b.getF32Type(), mv);
      rowMask = splat(mv);
    }

    // Pass 1. With a scratch buffer (f32 results), each step also stores
    // its exps into the result and its max into scratch[step], so that
    // pass 2 rescales them instead of recomputing every exp.
    Value m = splat(kNegInf), s = splat(0.0f);
    auto keep = [&](const Step &st, ArrayRef<Value> js, Value stepIdx,
                    Value act) {
      if (!scratch)
        return;
      for (auto [e, j] : llvm::zip_equal(st.es, js))
        store(e, lead, j, act);
      vector::StoreOp::create(
          b, loc, st.ms, scratch,
          ValueRange{arith::MulIOp::create(b, loc, stepIdx, idx(lanes))});
    };
    auto vecIndices = [&](Value j, int64_t vecs) {
      SmallVector<Value> js;
      for (int64_t u = 0; u < vecs; ++u)
        js.push_back(u ? arith::AddIOp::create(b, loc, j, idx(u * lanes)) : j);
      return js;
    };
    // The step index of the vector at j in a loop from `from` by `by`,
    // after `before` steps.
    auto stepOf = [&](Value j, int64_t from, int64_t by, int64_t before) {
      Value k = arith::DivUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, j, idx(from)), idx(by));
      return arith::AddIOp::create(b, loc, k, idx(before)).getResult();
    };
    auto loop = [&](int64_t from, int64_t to, int64_t by, int64_t vecs,
                    int64_t before) {
      if (from >= to)
        return;
      auto forOp = scf::ForOp::create(
          b, loc, idx(from), idx(to), idx(by), ValueRange{m, s},
          [&](OpBuilder &, Location, Value j, ValueRange acc) {
            SmallVector<Value> js = vecIndices(j, vecs), ts;
            for (Value ju : js)
              ts.push_back(logits(lead, rowMask, ju, Value()));
            Step st = update(acc[0], acc[1], ts);
            keep(st, js, stepOf(j, from, by, before), Value());
            scf::YieldOp::create(b, loc, ValueRange{st.m, st.s});
          });
      m = forOp.getResult(0);
      s = forOp.getResult(1);
    };
    int64_t mainSteps = nMain / step, vecSteps = (nVec - nMain) / lanes;
    loop(0, nMain, step, unroll, 0);
    loop(nMain, nVec, lanes, 1, mainSteps);
    Value active = tail ? laneMask(tail) : Value();
    if (tail) {
      Step st = update(m, s, {logits(lead, rowMask, idx(nVec), active)});
      keep(st, {idx(nVec)}, idx(mainSteps + vecSteps), active);
      m = st.m;
      s = st.s;
    }

    // Across lanes: M, then S with each lane's sum rescaled to M.
    auto scalar = [&](float v) -> Value {
      return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
    };
    Value mAll =
        vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXIMUMF, m);
    Value ms = safeMax(mAll, scalar(kNegInf), scalar(0.0f));
    Value scaled = arith::MulFOp::create(
        b, loc, s, exp(arith::SubFOp::create(b, loc, m, splat(ms))));
    Value sAll =
        vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, scaled);
    // A fully masked row has S = 0 and every exp 0: divide by S + 1 = 1 to
    // get zeros (and keep a NaN S NaN).
    Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, mAll,
                                       scalar(kNegInf));
    sAll = arith::SelectOp::create(
        b, loc, none, arith::AddFOp::create(b, loc, sAll, scalar(1.0f)), sAll);

    // Pass 2.
    // One reciprocal per row: a vdivps per vector costs more than the rest
    // of pass 2's arithmetic, for one extra rounding (docs/numerics.md).
    Value msV = splat(ms),
          sV = splat(arith::DivFOp::create(b, loc, scalar(1.0f), sAll));
    auto outVecTy = VectorType::get({lanes}, outElt);
    if (scratch) {
      // y = e * (exp(ms_step - M) / S): one exp per step.
      auto rescale = [&](ArrayRef<Value> js, Value stepIdx, Value act) {
        Value msStep = vector::LoadOp::create(
            b, loc, vf32, scratch,
            ValueRange{arith::MulIOp::create(b, loc, stepIdx, idx(lanes))});
        Value f = arith::MulFOp::create(
            b, loc, exp(arith::SubFOp::create(b, loc, msStep, msV)), sV);
        for (Value j : js)
          store(arith::MulFOp::create(b, loc, load(y, at(lead, j), act), f),
                lead, j, act);
      };
      auto loop2 = [&](int64_t from, int64_t to, int64_t by, int64_t vecs,
                       int64_t before) {
        if (from < to)
          scf::ForOp::create(b, loc, idx(from), idx(to), idx(by), ValueRange{},
                             [&](OpBuilder &, Location, Value j, ValueRange) {
                               rescale(vecIndices(j, vecs),
                                       stepOf(j, from, by, before), Value());
                               scf::YieldOp::create(b, loc);
                             });
      };
      loop2(0, nMain, step, unroll, 0);
      loop2(nMain, nVec, lanes, 1, mainSteps);
      if (tail)
        rescale({idx(nVec)}, idx(mainSteps + vecSteps), active);
      return;
    }
    // Narrower results: recompute each exp from x rather than round the
    // stored ones twice.
    auto normalize = [&](Value j, Value act) {
      Value t = logits(lead, rowMask, j, act);
      Value v = arith::MulFOp::create(
          b, loc, exp(arith::SubFOp::create(b, loc, t, msV)), sV);
      if (!outElt.isF32())
        v = arith::TruncFOp::create(b, loc, outVecTy, v);
      store(v, lead, j, act);
    };
    if (nVec > 0)
      scf::ForOp::create(b, loc, idx(0), idx(nVec), idx(lanes), ValueRange{},
                         [&](OpBuilder &, Location, Value j, ValueRange) {
                           normalize(j, Value());
                           scf::YieldOp::create(b, loc);
                         });
    if (tail)
      normalize(idx(nVec), active);
  }
};

LogicalResult lowerSoftmax(qnk::SoftmaxOp op, int64_t threads,
                           RewriterBase &rewriter) {
  qnk::CPUTargetAttr target = qnk::lookupCPUTarget(op);
  if (!target)
    return op.emitOpError("needs a #qnk.cpu_target: run qnk-set-target first");
  Location loc = op.getLoc();
  auto inTy = cast<RankedTensorType>(op.getInput().getType());
  auto outTy = cast<RankedTensorType>(op.getResult().getType());
  rewriter.setInsertionPoint(op);
  if (inTy.getNumElements() == 0) {
    rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, outTy.getShape(),
                                                 outTy.getElementType());
    return success();
  }
  auto bufferOf = [&](Value t) -> Value {
    auto ty = cast<RankedTensorType>(t.getType());
    return bufferization::ToBufferOp::create(
        rewriter, loc, MemRefType::get(ty.getShape(), ty.getElementType()), t,
        /*read_only=*/true);
  };
  Value x = bufferOf(op.getInput());
  Value mask = op.getMask() ? bufferOf(op.getMask()) : Value();
  auto outBufTy = MemRefType::get(outTy.getShape(), outTy.getElementType());
  // 64-byte aligned rows of whole vectors load and store without splits.
  Value y = memref::AllocOp::create(rewriter, loc, outBufTy,
                                    rewriter.getI64IntegerAttr(64));

  RowLowering row{
      rewriter,
      loc,
      target.getVectorBits() / 32,
      target.hasFeature("fma"),
      x,
      mask,
      y,
      inTy,
      mask ? cast<RankedTensorType>(op.getMask().getType())
           : RankedTensorType(),
      outTy.getElementType(),
      std::nullopt,
      VectorType::get({target.getVectorBits() / 32}, rewriter.getF32Type())};
  if (std::optional<APFloat> s = op.getScale())
    row.scale = s->convertToFloat();
  // Eight vectors (and their exps) in flight fit 32 registers, four fit 16;
  // eight measured ~8% faster than four on Zen 5 with rows in cache.
  row.unroll = target.getVectorRegisters() >= 32 ? 8 : 4;

  ArrayRef<int64_t> lead = inTy.getShape().drop_back();
  int64_t rows = 1;
  for (int64_t d : lead)
    rows *= d;
  auto body = [&](OpBuilder &, Location, Value r) {
    SmallVector<Value> leadIdx;
    if (lead.size() == 1)
      leadIdx.push_back(r);
    else if (lead.size() > 1)
      llvm::append_range(leadIdx, affine::AffineDelinearizeIndexOp::create(
                                      rewriter, loc, r, lead)
                                      .getResults());
    row.buildRow(leadIdx);
  };
  // f32 results hold pass 1's exps; a scratch buffer (one vector per step,
  // allocated once per thread) holds the max each step used.
  bool keepExps = outTy.getElementType().isF32();
  auto rowLoop = [&](Value from, Value to) {
    if (keepExps)
      row.scratch = memref::AllocOp::create(
          rewriter, loc,
          MemRefType::get({row.numSteps() * row.lanes}, rewriter.getF32Type()),
          rewriter.getI64IntegerAttr(64));
    scf::ForOp::create(rewriter, loc, from, to,
                       arith::ConstantIndexOp::create(rewriter, loc, 1),
                       ValueRange{},
                       [&](OpBuilder &nb, Location l, Value r, ValueRange) {
                         body(nb, l, r);
                         scf::YieldOp::create(rewriter, l);
                       });
  };
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  };
  // Rows are independent: with threads, each parallel iteration takes a
  // contiguous block of them (and its own scratch).
  int64_t blocks = std::min<int64_t>(threads, rows);
  if (blocks > 1) {
    int64_t perBlock = (rows + blocks - 1) / blocks;
    scf::ParallelOp::create(
        rewriter, loc, ValueRange{cst(0)}, ValueRange{cst(blocks)},
        ValueRange{cst(1)}, [&](OpBuilder &, Location, ValueRange ivs) {
          Value from =
              arith::MulIOp::create(rewriter, loc, ivs[0], cst(perBlock));
          Value to = arith::MinUIOp::create(
              rewriter, loc,
              arith::AddIOp::create(rewriter, loc, from, cst(perBlock)),
              cst(rows));
          rowLoop(from, to);
        });
  } else {
    rowLoop(cst(0), cst(rows));
  }
  rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
      op, outTy, y, /*restrict=*/true, /*writable=*/true);
  return success();
}

/// f32 math.exp anywhere (a frontend's, or the reference lowering's for
/// softmax along an outer axis) gets QNK's exp rather than a libm call.
struct LowerExp : OpRewritePattern<math::ExpOp> {
  LowerExp(MLIRContext *ctx, bool useFma)
      : OpRewritePattern(ctx), useFma(useFma) {}
  LogicalResult matchAndRewrite(math::ExpOp op,
                                PatternRewriter &rewriter) const override {
    if (!getElementTypeOrSelf(op.getType()).isF32() ||
        isa<TensorType>(op.getType()))
      return rewriter.notifyMatchFailure(op, "not an f32 scalar or vector");
    rewriter.replaceOp(
        op, qnk::buildExpF32(rewriter, op.getLoc(), op.getOperand(), useFma));
    return success();
  }
  bool useFma;
};

struct LowerSoftmaxPass : qnk::impl::QNKLowerSoftmaxBase<LowerSoftmaxPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<qnk::SoftmaxOp> inner, outer;
    getOperation()->walk([&](qnk::SoftmaxOp op) {
      (int64_t(op.getAxis()) + 1 == op.getInput().getType().getRank() ? inner
                                                                      : outer)
          .push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (qnk::SoftmaxOp op : inner)
      if (failed(lowerSoftmax(op, threads, rewriter)))
        return signalPassFailure();
    if (!outer.empty()) {
      RewritePatternSet patterns(&getContext());
      qnk::populateLowerSoftmaxToReferencePatterns(patterns);
      SmallVector<Operation *> ops(outer.begin(), outer.end());
      if (failed(applyOpPatternsGreedily(ops, std::move(patterns))))
        return signalPassFailure();
    }
    qnk::CPUTargetAttr target = qnk::lookupCPUTarget(getOperation());
    bool useFma = target && target.hasFeature("fma");
    RewritePatternSet expPatterns(&getContext());
    expPatterns.add<LowerExp>(&getContext(), useFma);
    if (failed(applyPatternsGreedily(getOperation(), std::move(expPatterns))))
      signalPassFailure();
  }
};

} // namespace
