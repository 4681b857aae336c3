//===- LowerAttention.cpp - qnk.attention as fused flash attention --------===//
//
// The reference materialises the Lq x Lk scores and reads them four times.
// Here the scores of one tile (a register block of rows by Nk keys) are the
// only ones that exist:
//
//   for each work item (b, kv head, tile of rows[, split of the key tiles]):
//     for each key tile (causal: only those some row of the tile can see):
//       for each register block of rows:
//         S = scale * Q·Kᵀ (+ mask, -inf outside the causal window)  [FMA]
//         per row: m' = max(m, max S), P = exp(S - m'),
//                  l' = l * exp(m - m') + sum P
//         O = O * exp(m - m') + P·V                                  [FMA]
//     O / l (or partials (m, l, O) per split, combined exactly after).
//
// The rows of a tile are the (query head, query) pairs of one GQA group:
// every head of the group reads the same K/V tile. K is transposed into
// [D][Nk] panels once per call when several row tiles share it, or tile by
// tile into per-thread scratch when one row tile per head reads it (decode),
// so that the pack is never a pass of its own over memory there; V is read
// in place (bf16/f16 widened as loaded) unless several row tiles would
// widen it again and again, or its rows are not whole vectors.
//
// It runs on tensors ahead of bufferization, writing into fresh buffers
// (bufferization.to_tensor restrict), like qnk-lower-softmax.
//
//===----------------------------------------------------------------------===//

#include "qnk/Target/CPUTarget.h"
#include "qnk/Transforms/Passes.h"
#include "qnk/Transforms/VectorExp.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>
#include <numeric>

namespace qnk {
#define GEN_PASS_DEF_QNKLOWERATTENTION
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t roundUp(int64_t a, int64_t b) { return ceilDiv(a, b) * b; }

/// Static decisions: shapes, register blocks, tiles and the work split.
struct Plan {
  int64_t batch, heads, kvHeads, group, lq, lk, d, dv;
  int64_t lanes;      // f32 lanes of a vector register
  int64_t mr, nv;     // register block: rows x vectors
  int64_t keysPerGrp; // nv * lanes keys: one S register block
  int64_t nk;         // keys per tile
  int64_t keyTiles;   // ceil(lk / nk)
  int64_t rowBlocks;  // register blocks of rows per row tile
  int64_t tileRows;   // mr * rowBlocks
  int64_t rows;       // group * lq rows per (batch, kv head)
  int64_t rowTiles;   // ceil(rows / tileRows)
  int64_t items;      // batch * kvHeads * rowTiles
  int64_t splits;     // key-tile splits per item
  int64_t tilesPerSplit;
  int64_t dvPad; // dv rounded up to whole vectors (V and O scratch)
  bool packOnce; // K/V packed once per call (else per tile, per thread)
  bool vDirect;  // V read in place (whole vectors; bf16/f16 widened there)
  bool causal, useFma;
  float scale;

  Plan(qnk::AttentionOp op, qnk::CPUTargetAttr target, int64_t threads) {
    auto qTy = cast<RankedTensorType>(op.getQuery().getType());
    auto kTy = cast<RankedTensorType>(op.getKey().getType());
    auto vTy = cast<RankedTensorType>(op.getValue().getType());
    batch = qTy.getDimSize(0);
    heads = qTy.getDimSize(1);
    kvHeads = kTy.getDimSize(1);
    group = heads / kvHeads;
    lq = qTy.getDimSize(2);
    lk = kTy.getDimSize(2);
    d = qTy.getDimSize(3);
    dv = vTy.getDimSize(3);
    causal = op.getCausal();
    scale = op.getScaleOrDefault();
    useFma = target.hasFeature("fma");
    lanes = target.getVectorBits() / 32;
    rows = group * lq;
    // The matmul nanokernels' block; fewer rows than it has (decode) get a
    // block of exactly those rows and wider vectors of keys.
    qnk::RegisterBlock blk =
        qnk::selectRegisterBlock(target.getVectorRegisters());
    if (rows < blk.mr)
      blk = qnk::selectShortRegisterBlock(target.getVectorRegisters(), rows);
    mr = blk.mr;
    nv = blk.nv;
    keysPerGrp = nv * lanes;
    // About 64 keys per tile amortize each row's rescale (a reduction and
    // a scalar exp) over 64 * D multiply-adds; whole 8-key transposes.
    nk = roundUp(64, std::lcm<int64_t>(keysPerGrp, 8));
    keyTiles = ceilDiv(lk, nk);
    // Up to four row blocks share each K/V tile while it is in L1/L2.
    rowBlocks = std::min<int64_t>(4, ceilDiv(rows, mr));
    auto split = [&] {
      tileRows = mr * rowBlocks;
      rowTiles = ceilDiv(rows, tileRows);
      items = batch * kvHeads * rowTiles;
    };
    split();
    if (threads > 1 && items < threads && rowBlocks > 1) {
      rowBlocks = 1;
      split();
    }
    splits = 1;
    if (threads > 1 && items < threads)
      splits = std::min(keyTiles, ceilDiv(threads, items));
    tilesPerSplit = ceilDiv(keyTiles, splits);
    splits = ceilDiv(keyTiles, tilesPerSplit);
    packOnce = rowTiles > 1;
    Type elt = qTy.getElementType();
    // V is read in place when its rows are whole vectors and it is f32, or
    // when each V tile is read by one row tile only (decode): widening it
    // as it is loaded then saves the pack's store and reload.
    vDirect = dv % lanes == 0 && (elt.isF32() || !packOnce);
    dvPad = roundUp(dv, lanes);
  }
};

/// Builds the loop nest of one qnk.attention.
struct AttentionLowering {
  OpBuilder &b;
  Location loc;
  const Plan &p;
  Value q, k, v, mask, out; // memrefs (mask may be null)
  RankedTensorType maskTy;  // null without a mask
  Type outElt;
  VectorType vf32;

  // Buffers. K/V tiles are indexed by a slot (a packed tile, or 0 in the
  // per-thread scratch); O, m, l by a slot too (a unit's partials, or 0).
  Value kBuf, vBuf, oBuf, mBuf, lBuf; // kBuf/vBuf may be per thread
  Value qBuf, sBuf, alphaBuf;         // per thread

  //===--------------------------------------------------------------------===//
  // Small builders
  //===--------------------------------------------------------------------===//

  Value idx(int64_t x) { return arith::ConstantIndexOp::create(b, loc, x); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t y) { return y ? add(x, idx(y)) : x; }
  Value mul(Value x, int64_t y) {
    return y == 1 ? x : arith::MulIOp::create(b, loc, x, idx(y)).getResult();
  }
  Value div(Value x, int64_t y) {
    return y == 1 ? x : arith::DivUIOp::create(b, loc, x, idx(y)).getResult();
  }
  Value rem(Value x, int64_t y) {
    return y == 1 ? idx(0)
                  : arith::RemUIOp::create(b, loc, x, idx(y)).getResult();
  }
  Value minI(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value maxI(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value cmpI(arith::CmpIPredicate pred, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, pred, x, y);
  }
  Value f32(float x) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(x));
  }
  Value splat(float x) {
    return arith::ConstantOp::create(
        b, loc, vf32, DenseElementsAttr::get(vf32, b.getF32FloatAttr(x)));
  }
  Value splat(Value scalar) {
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({p.lanes}, scalar.getType()), scalar);
  }
  Value fma(Value x, Value y, Value acc) {
    if (p.useFma)
      return math::FmaOp::create(b, loc, x, y, acc);
    return arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, x, y),
                                 acc);
  }
  /// Every exp here is of a value minus the running max: never positive.
  Value exp(Value x) {
    return qnk::buildExpF32(b, loc, x, p.useFma, /*nonPositive=*/true);
  }
  /// The max to subtract: 0 where nothing but -inf has been seen, so that
  /// exp(-inf - 0) = 0 instead of exp(NaN).
  Value safeMax(Value m) {
    Value none = arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::OEQ, m,
        isa<VectorType>(m.getType()) ? splat(kNegInf) : f32(kNegInf));
    return arith::SelectOp::create(
        b, loc, none, isa<VectorType>(m.getType()) ? splat(0.0f) : f32(0.0f),
        m);
  }
  Value widen(Value x) {
    Type elt = getElementTypeOrSelf(x.getType());
    if (elt.isF32())
      return x;
    Type to = b.getF32Type();
    if (auto vt = dyn_cast<VectorType>(x.getType()))
      to = vt.clone(to);
    return arith::ExtFOp::create(b, loc, to, x);
  }
  Value laneMask(int64_t active) {
    auto ty = VectorType::get({p.lanes}, b.getI1Type());
    SmallVector<bool> bits(p.lanes, false);
    for (int64_t i = 0; i < active; ++i)
      bits[i] = true;
    return arith::ConstantOp::create(b, loc, ty,
                                     DenseElementsAttr::get(ty, bits));
  }
  /// `lanes` elements of `mem` at `ix`, widened; the first `active` only
  /// (the rest 0) when active < lanes.
  Value loadVec(Value mem, ValueRange ix, int64_t active) {
    Type elt = cast<MemRefType>(mem.getType()).getElementType();
    auto ty = VectorType::get({p.lanes}, elt);
    if (active >= p.lanes)
      return widen(vector::LoadOp::create(b, loc, ty, mem, ix));
    Value pass = arith::ConstantOp::create(
        b, loc, ty, DenseElementsAttr::get(ty, b.getZeroAttr(elt)));
    return widen(vector::MaskedLoadOp::create(b, loc, ty, mem, ix,
                                              laneMask(active), pass));
  }
  /// Stores f32 `x` (narrowed to the memref's type) at `ix`, the first
  /// `active` lanes only when active < lanes.
  void storeVec(Value x, Value mem, ValueRange ix, int64_t active) {
    Type elt = cast<MemRefType>(mem.getType()).getElementType();
    if (!elt.isF32())
      x = arith::TruncFOp::create(b, loc, VectorType::get({p.lanes}, elt), x);
    if (active >= p.lanes)
      vector::StoreOp::create(b, loc, x, mem, ix);
    else
      vector::MaskedStoreOp::create(b, loc, mem, ix, laneMask(active), x);
  }
  void forLoop(Value from, Value to, int64_t step,
               function_ref<void(Value)> body) {
    scf::ForOp::create(b, loc, from, to, idx(step), ValueRange{},
                       [&](OpBuilder &, Location, Value iv, ValueRange) {
                         body(iv);
                         scf::YieldOp::create(b, loc);
                       });
  }
  void forLoop(int64_t from, int64_t to, int64_t step,
               function_ref<void(Value)> body) {
    if (from < to)
      forLoop(idx(from), idx(to), step, body);
  }
  void ifThen(Value cond, function_ref<void()> then,
              function_ref<void()> otherwise = nullptr) {
    scf::IfOp::create(
        b, loc, cond,
        [&](OpBuilder &, Location) {
          then();
          scf::YieldOp::create(b, loc);
        },
        otherwise ? function_ref<void(OpBuilder &, Location)>(
                        [&](OpBuilder &, Location) {
                          otherwise();
                          scf::YieldOp::create(b, loc);
                        })
                  : function_ref<void(OpBuilder &, Location)>());
  }
  SmallVector<Value> with(ValueRange prefix, ArrayRef<Value> rest) {
    SmallVector<Value> ix(prefix);
    ix.append(rest.begin(), rest.end());
    return ix;
  }

  /// Copies `n` elements from `src` at `srcIx` + [0, n) (widened) to `dst`
  /// at `dstIx` + [0, nPad), zeros after n; or only zeros when `src` is null.
  void copyRow(Value src, ValueRange srcIx, Value dst, ValueRange dstIx,
               int64_t n, int64_t nPad) {
    auto at = [&](ValueRange prefix, int64_t c) {
      SmallVector<Value> ix(prefix);
      ix.back() = add(ix.back(), c);
      return ix;
    };
    for (int64_t c = 0; c < nPad; c += p.lanes) {
      int64_t active = std::max<int64_t>(0, std::min(p.lanes, n - c));
      Value x =
          src && active ? loadVec(src, at(srcIx, c), active) : splat(0.0f);
      storeVec(x, dst, at(dstIx, c), std::min(p.lanes, nPad - c));
    }
  }

  //===--------------------------------------------------------------------===//
  // Packing
  //===--------------------------------------------------------------------===//

  /// The 8x8 transpose of rows `r` (8 vectors of 8 f32) as the three
  /// shuffle stages of the AVX idiom (unpack, shufps, 128-bit halves): a
  /// vector.transpose of a 2-D vector is canonicalized into element
  /// extracts and inserts instead.
  SmallVector<Value> transpose8x8(ArrayRef<Value> r) {
    auto shuffle = [&](Value x, Value y, ArrayRef<int64_t> mask) -> Value {
      return vector::ShuffleOp::create(b, loc, x, y, mask);
    };
    SmallVector<Value> t, u(8), o(8);
    for (int64_t i = 0; i < 8; i += 2) {
      t.push_back(shuffle(r[i], r[i + 1], {0, 8, 1, 9, 4, 12, 5, 13}));
      t.push_back(shuffle(r[i], r[i + 1], {2, 10, 3, 11, 6, 14, 7, 15}));
    }
    // t[2i] holds columns {0, 1, 4, 5} of rows 2i', 2i'+1; t[2i+1] {2, 3,
    // 6, 7}.
    for (int64_t h = 0; h < 2; ++h) // rows 0-3, rows 4-7
      for (int64_t c = 0; c < 2; ++c) {
        Value x = t[4 * h + c], y = t[4 * h + 2 + c];
        u[4 * h + 2 * c] = shuffle(x, y, {0, 1, 8, 9, 4, 5, 12, 13});
        u[4 * h + 2 * c + 1] = shuffle(x, y, {2, 3, 10, 11, 6, 7, 14, 15});
      }
    // u[4h + k] holds columns k and k + 4 of four rows.
    for (int64_t c = 0; c < 4; ++c) {
      o[c] = shuffle(u[c], u[4 + c], {0, 1, 2, 3, 8, 9, 10, 11});
      o[c + 4] = shuffle(u[c], u[4 + c], {4, 5, 6, 7, 12, 13, 14, 15});
    }
    return o;
  }

  /// K tile `kt` of (bi, hkv) into kBuf[slot] as [D][nk] (keys past Lk: 0),
  /// by 8x8 register transposes.
  void packKTile(Value bi, Value hkv, Value kt, Value slot) {
    Type elt = cast<MemRefType>(k.getType()).getElementType();
    auto row8 = VectorType::get({8}, elt);
    int64_t d8 = p.d / 8 * 8;
    forLoop(0, p.nk / 8, 1, [&](Value jg) {
      Value jl = mul(jg, 8);
      Value j0 = add(mul(kt, p.nk), jl);
      Value full = cmpI(arith::CmpIPredicate::sle, add(j0, 8), idx(p.lk));
      ifThen(
          full,
          [&] {
            forLoop(0, d8, 8, [&](Value d0) {
              SmallVector<Value> r;
              for (int64_t u = 0; u < 8; ++u)
                r.push_back(widen(vector::LoadOp::create(
                    b, loc, row8, k, ValueRange{bi, hkv, add(j0, u), d0})));
              SmallVector<Value> cols = transpose8x8(r);
              for (int64_t u = 0; u < 8; ++u)
                vector::StoreOp::create(b, loc, cols[u], kBuf,
                                        ValueRange{slot, add(d0, u), jl});
            });
            forLoop(d8, p.d, 1, [&](Value dd) {
              for (int64_t u = 0; u < 8; ++u) {
                Value x = memref::LoadOp::create(
                    b, loc, k, ValueRange{bi, hkv, add(j0, u), dd});
                memref::StoreOp::create(b, loc, widen(x), kBuf,
                                        ValueRange{slot, dd, add(jl, u)});
              }
            });
          },
          [&] {
            // The last, partial group: key by key, zeros past Lk (read
            // at a clamped, in-bounds key).
            for (int64_t u = 0; u < 8; ++u) {
              Value j = add(j0, u);
              Value in = cmpI(arith::CmpIPredicate::slt, j, idx(p.lk));
              Value jIn = minI(j, idx(p.lk - 1));
              forLoop(0, p.d, 1, [&](Value dd) {
                Value x = widen(memref::LoadOp::create(
                    b, loc, k, ValueRange{bi, hkv, jIn, dd}));
                x = arith::SelectOp::create(b, loc, in, x, f32(0.0f));
                memref::StoreOp::create(b, loc, x, kBuf,
                                        ValueRange{slot, dd, add(jl, u)});
              });
            }
          });
    });
  }

  /// V tile `kt` of (bi, hkv) into vBuf[slot] as [nk][dvPad] f32, zeros
  /// past Lk and past Dv (P is 0 there, and 0 * 0 adds nothing).
  void packVTile(Value bi, Value hkv, Value kt, Value slot) {
    forLoop(0, p.nk, 1, [&](Value jl) {
      Value j = add(mul(kt, p.nk), jl);
      ifThen(
          cmpI(arith::CmpIPredicate::slt, j, idx(p.lk)),
          [&] {
            copyRow(v, ValueRange{bi, hkv, j, idx(0)}, vBuf,
                    ValueRange{slot, jl, idx(0)}, p.dv, p.dvPad);
          },
          [&] {
            copyRow(Value(), {}, vBuf, ValueRange{slot, jl, idx(0)}, 0,
                    p.dvPad);
          });
    });
  }

  //===--------------------------------------------------------------------===//
  // One work unit
  //===--------------------------------------------------------------------===//

  /// Where row `r` of a (batch, kv head) lives: query head and position,
  /// and the last key it sees.
  struct Row {
    Value h, i, last;
  };
  Row rowInfo(Value hkv, Value r) {
    Value hl = div(r, p.lq);
    Value i = rem(r, p.lq);
    Value h = add(mul(hkv, p.group), hl);
    // The last key row i may see: Lk - 1, or i + Lk - Lq with `causal`
    // (bottom-right aligned).
    Value last = idx(p.lk - 1);
    if (p.causal)
      last = minI(last, add(i, p.lk - p.lq));
    return {h, i, last};
  }

  /// Mask indices for (bi, h, i, j): broadcast dims pinned to 0.
  SmallVector<Value> maskIx(Value bi, Value h, Value i, Value j) {
    SmallVector<Value> all = {bi, h, i, j};
    int64_t offset = 4 - maskTy.getRank();
    SmallVector<Value> ix;
    for (int64_t dd = 0; dd < maskTy.getRank(); ++dd)
      ix.push_back(maskTy.getDimSize(dd) == 1 ? idx(0) : all[dd + offset]);
    return ix;
  }

  /// Phase 1: S = scale * Q·Kᵀ + mask of row block `rb` and key tile `kt`,
  /// -inf past each row's last key, into sBuf.
  void scores(Value bi, Value kSlot, Value kt, Value rb, ArrayRef<Row> rowsOf) {
    Value sc = splat(p.scale);
    Value iota;
    bool bounded = p.causal || p.lk % p.nk;
    if (bounded) {
      auto iTy = VectorType::get({p.lanes}, b.getI32Type());
      SmallVector<int32_t> seq(p.lanes);
      std::iota(seq.begin(), seq.end(), 0);
      iota = arith::ConstantOp::create(
          b, loc, iTy, DenseElementsAttr::get(iTy, ArrayRef<int32_t>(seq)));
    }
    for (int64_t grp = 0; grp < p.nk / p.keysPerGrp; ++grp) {
      SmallVector<Value> init(p.mr * p.nv, splat(0.0f));
      auto loop = scf::ForOp::create(
          b, loc, idx(0), idx(p.d), idx(1), init,
          [&](OpBuilder &, Location, Value dd, ValueRange acc) {
            SmallVector<Value> kv, next;
            for (int64_t vv = 0; vv < p.nv; ++vv)
              kv.push_back(vector::LoadOp::create(
                  b, loc, vf32, kBuf,
                  ValueRange{kSlot, dd,
                             idx(grp * p.keysPerGrp + vv * p.lanes)}));
            for (int64_t rr = 0; rr < p.mr; ++rr) {
              Value qs = memref::LoadOp::create(
                  b, loc, qBuf, ValueRange{add(mul(rb, p.mr), rr), dd});
              Value qb = splat(qs);
              for (int64_t vv = 0; vv < p.nv; ++vv)
                next.push_back(fma(qb, kv[vv], acc[rr * p.nv + vv]));
            }
            scf::YieldOp::create(b, loc, next);
          });
      for (int64_t rr = 0; rr < p.mr; ++rr) {
        Value lastV;
        if (bounded)
          lastV = splat(arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                                   rowsOf[rr].last)
                            .getResult());
        for (int64_t vv = 0; vv < p.nv; ++vv) {
          int64_t jl = grp * p.keysPerGrp + vv * p.lanes;
          Value j = add(mul(kt, p.nk), jl);
          Value s =
              arith::MulFOp::create(b, loc, loop.getResult(rr * p.nv + vv), sc);
          if (mask) {
            Value m;
            if (maskTy.getRank() == 0 || maskTy.getShape().back() == 1) {
              Value x = memref::LoadOp::create(
                  b, loc, mask, maskIx(bi, rowsOf[rr].h, rowsOf[rr].i, idx(0)));
              m = splat(widen(x));
            } else if (p.lk % p.nk == 0) {
              m = loadVec(mask, maskIx(bi, rowsOf[rr].h, rowsOf[rr].i, j),
                          p.lanes);
            } else {
              // Keys past Lk are not read.
              auto eltTy = VectorType::get({p.lanes}, maskTy.getElementType());
              Value act = vector::CreateMaskOp::create(
                  b, loc, VectorType::get({p.lanes}, b.getI1Type()),
                  ValueRange{arith::SubIOp::create(b, loc, idx(p.lk), j)});
              Value pass = arith::ConstantOp::create(
                  b, loc, eltTy,
                  DenseElementsAttr::get(
                      eltTy, b.getZeroAttr(maskTy.getElementType())));
              m = widen(vector::MaskedLoadOp::create(
                  b, loc, eltTy, mask,
                  maskIx(bi, rowsOf[rr].h, rowsOf[rr].i, j), act, pass));
            }
            s = arith::AddFOp::create(b, loc, s, m);
          }
          if (bounded) {
            Value jv = arith::AddIOp::create(
                b, loc,
                splat(arith::IndexCastOp::create(b, loc, b.getI32Type(), j)
                          .getResult()),
                iota);
            Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                             jv, lastV);
            s = arith::SelectOp::create(b, loc, ok, s, splat(kNegInf));
          }
          vector::StoreOp::create(b, loc, s, sBuf,
                                  ValueRange{idx(rr), idx(jl)});
        }
      }
    }
  }

  /// Phase 2, per row of the block: the online max and sum; sBuf becomes P
  /// and alphaBuf the factor O is rescaled by.
  void softmaxUpdate(Value oSlot, Value rb) {
    int64_t vecs = p.nk / p.lanes;
    for (int64_t rr = 0; rr < p.mr; ++rr) {
      Value row = add(mul(rb, p.mr), rr);
      SmallVector<Value> s;
      for (int64_t c = 0; c < vecs; ++c)
        s.push_back(vector::LoadOp::create(
            b, loc, vf32, sBuf, ValueRange{idx(rr), idx(c * p.lanes)}));
      SmallVector<Value> level(s);
      while (level.size() > 1) {
        SmallVector<Value> nextLevel;
        for (size_t i = 0; i + 1 < level.size(); i += 2)
          nextLevel.push_back(
              arith::MaximumFOp::create(b, loc, level[i], level[i + 1]));
        if (level.size() % 2)
          nextLevel.push_back(level.back());
        level = nextLevel;
      }
      Value tileMax = vector::ReductionOp::create(
          b, loc, vector::CombiningKind::MAXIMUMF, level[0]);
      Value mOld = memref::LoadOp::create(b, loc, mBuf, ValueRange{oSlot, row});
      Value mNew = arith::MaximumFOp::create(b, loc, mOld, tileMax);
      Value ms = safeMax(mNew);
      Value alpha = exp(arith::SubFOp::create(b, loc, mOld, ms));
      Value msV = splat(ms);
      SmallVector<Value> e;
      for (int64_t c = 0; c < vecs; ++c) {
        e.push_back(exp(arith::SubFOp::create(b, loc, s[c], msV)));
        vector::StoreOp::create(b, loc, e.back(), sBuf,
                                ValueRange{idx(rr), idx(c * p.lanes)});
      }
      while (e.size() > 1) {
        SmallVector<Value> nextLevel;
        for (size_t i = 0; i + 1 < e.size(); i += 2)
          nextLevel.push_back(arith::AddFOp::create(b, loc, e[i], e[i + 1]));
        if (e.size() % 2)
          nextLevel.push_back(e.back());
        e = nextLevel;
      }
      Value tileSum =
          vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, e[0]);
      Value lOld = memref::LoadOp::create(b, loc, lBuf, ValueRange{oSlot, row});
      Value lNew =
          p.useFma ? Value(math::FmaOp::create(b, loc, lOld, alpha, tileSum))
                   : Value(arith::AddFOp::create(
                         b, loc, arith::MulFOp::create(b, loc, lOld, alpha),
                         tileSum));
      memref::StoreOp::create(b, loc, mNew, mBuf, ValueRange{oSlot, row});
      memref::StoreOp::create(b, loc, lNew, lBuf, ValueRange{oSlot, row});
      memref::StoreOp::create(b, loc, alpha, alphaBuf, ValueRange{idx(rr)});
    }
  }

  /// Phase 3: O = O * alpha + P·V for row block `rb`, in register blocks of
  /// mr rows by up to nv vectors of Dv. With `guard`, key j adds nothing to
  /// a row that cannot see it (not even a NaN of V times P = 0).
  void accumulate(Value bi, Value hkv, Value vSlot, Value kt, Value oSlot,
                  Value rb, ArrayRef<Row> rowsOf, bool guard) {
    Value jEnd = minI(idx(p.nk),
                      arith::SubIOp::create(b, loc, idx(p.lk), mul(kt, p.nk)));
    int64_t dvVecs = p.dvPad / p.lanes;
    SmallVector<Value> alpha;
    for (int64_t rr = 0; rr < p.mr; ++rr)
      alpha.push_back(splat(Value(
          memref::LoadOp::create(b, loc, alphaBuf, ValueRange{idx(rr)}))));
    for (int64_t c0 = 0; c0 < dvVecs; c0 += p.nv) {
      int64_t nvec = std::min(p.nv, dvVecs - c0);
      SmallVector<Value> init;
      for (int64_t rr = 0; rr < p.mr; ++rr)
        for (int64_t vv = 0; vv < nvec; ++vv)
          init.push_back(arith::MulFOp::create(
              b, loc,
              vector::LoadOp::create(b, loc, vf32, oBuf,
                                     ValueRange{oSlot, add(mul(rb, p.mr), rr),
                                                idx((c0 + vv) * p.lanes)}),
              alpha[rr]));
      auto loop = scf::ForOp::create(
          b, loc, idx(0), jEnd, idx(1), init,
          [&](OpBuilder &, Location, Value jl, ValueRange acc) {
            SmallVector<Value> vvec, next;
            for (int64_t vv = 0; vv < nvec; ++vv) {
              Value col = idx((c0 + vv) * p.lanes);
              vvec.push_back(
                  p.vDirect
                      ? loadVec(
                            v, ValueRange{bi, hkv, add(mul(kt, p.nk), jl), col},
                            p.lanes)
                      : vector::LoadOp::create(b, loc, vf32, vBuf,
                                               ValueRange{vSlot, jl, col}));
            }
            Value j = guard ? add(mul(kt, p.nk), jl) : Value();
            for (int64_t rr = 0; rr < p.mr; ++rr) {
              Value pb = splat(Value(memref::LoadOp::create(
                  b, loc, sBuf, ValueRange{idx(rr), jl})));
              Value sees =
                  guard ? cmpI(arith::CmpIPredicate::sle, j, rowsOf[rr].last)
                        : Value();
              for (int64_t vv = 0; vv < nvec; ++vv) {
                Value a = acc[rr * nvec + vv];
                Value r = fma(pb, vvec[vv], a);
                if (guard)
                  r = arith::SelectOp::create(b, loc, sees, r, a);
                next.push_back(r);
              }
            }
            scf::YieldOp::create(b, loc, next);
          });
      for (int64_t rr = 0; rr < p.mr; ++rr)
        for (int64_t vv = 0; vv < nvec; ++vv)
          vector::StoreOp::create(b, loc, loop.getResult(rr * nvec + vv), oBuf,
                                  ValueRange{oSlot, add(mul(rb, p.mr), rr),
                                             idx((c0 + vv) * p.lanes)});
    }
  }

  /// The first and last real row of row tile `rt`, as query positions, for
  /// the causal bounds: {min i, max i} over its rows.
  std::pair<Value, Value> positionRange(Value rt) {
    Value first = mul(rt, p.tileRows);
    Value last = minI(add(first, p.tileRows), idx(p.rows));
    last = arith::SubIOp::create(b, loc, last, idx(1));
    Value wraps =
        cmpI(arith::CmpIPredicate::ne, div(first, p.lq), div(last, p.lq));
    Value lo = arith::SelectOp::create(b, loc, wraps, idx(0), rem(first, p.lq));
    Value hi =
        arith::SelectOp::create(b, loc, wraps, idx(p.lq - 1), rem(last, p.lq));
    return {lo, hi};
  }

  /// One (item, split) unit.
  void workUnit(Value unit) {
    Value item = div(unit, p.splits), split = rem(unit, p.splits);
    Value bh = div(item, p.rowTiles), rt = rem(item, p.rowTiles);
    Value bi = div(bh, p.kvHeads), hkv = rem(bh, p.kvHeads);
    Value oSlot = p.splits > 1 ? unit : idx(0);

    // Q rows of the tile, widened; padding rows (past the group's rows) 0.
    forLoop(0, p.tileRows, 1, [&](Value tr) {
      Value r = add(mul(rt, p.tileRows), tr);
      ifThen(
          cmpI(arith::CmpIPredicate::slt, r, idx(p.rows)),
          [&] {
            Row row = rowInfo(hkv, r);
            copyRow(q, ValueRange{bi, row.h, row.i, idx(0)}, qBuf,
                    ValueRange{tr, idx(0)}, p.d, p.d);
          },
          [&] { copyRow(Value(), {}, qBuf, ValueRange{tr, idx(0)}, 0, p.d); });
      memref::StoreOp::create(b, loc, f32(kNegInf), mBuf,
                              ValueRange{oSlot, tr});
      memref::StoreOp::create(b, loc, f32(0.0f), lBuf, ValueRange{oSlot, tr});
      copyRow(Value(), {}, oBuf, ValueRange{oSlot, tr, idx(0)}, 0, p.dvPad);
    });

    // Key tiles: those of this split that some row of the tile can see.
    Value tiles = idx(p.keyTiles);
    Value partialFrom; // first tile where some row sees only a part
    if (p.causal) {
      auto [lo, hi] = positionRange(rt);
      Value lastSeen = add(hi, p.lk - p.lq); // may be negative
      Value seen = arith::FloorDivSIOp::create(
          b, loc, add(lastSeen, p.nk), idx(p.nk)); // tiles up to lastSeen
      tiles = minI(tiles, maxI(seen, idx(0)));
      // Tile kt is partial for some row when kt*nk + nk - 1 > lo + Lk - Lq.
      partialFrom = arith::FloorDivSIOp::create(
          b, loc, add(lo, p.lk - p.lq + 1), idx(p.nk));
    }
    Value begin = mul(split, p.tilesPerSplit);
    Value end = minI(add(begin, p.tilesPerSplit), tiles);
    forLoop(begin, end, 1, [&](Value kt) {
      Value kSlot = idx(0), vSlot = idx(0);
      if (p.packOnce) {
        kSlot = vSlot = add(mul(bh, p.keyTiles), kt);
      } else {
        packKTile(bi, hkv, kt, kSlot);
        if (!p.vDirect)
          packVTile(bi, hkv, kt, vSlot);
      }
      forLoop(0, p.rowBlocks, 1, [&](Value rb) {
        SmallVector<Row> rowsOf;
        for (int64_t rr = 0; rr < p.mr; ++rr) {
          // Padding rows borrow the last real row's indices (in bounds).
          Value r = minI(add(add(mul(rt, p.tileRows), mul(rb, p.mr)), rr),
                         idx(p.rows - 1));
          rowsOf.push_back(rowInfo(hkv, r));
        }
        scores(bi, kSlot, kt, rb, rowsOf);
        softmaxUpdate(oSlot, rb);
        if (!p.causal) {
          accumulate(bi, hkv, vSlot, kt, oSlot, rb, rowsOf, false);
          return;
        }
        ifThen(
            cmpI(arith::CmpIPredicate::sge, kt, partialFrom),
            [&] { accumulate(bi, hkv, vSlot, kt, oSlot, rb, rowsOf, true); },
            [&] { accumulate(bi, hkv, vSlot, kt, oSlot, rb, rowsOf, false); });
      });
    });

    if (p.splits > 1)
      return; // the partials stay in oBuf/mBuf/lBuf[unit]
    forLoop(0, p.tileRows, 1, [&](Value tr) {
      Value r = add(mul(rt, p.tileRows), tr);
      ifThen(cmpI(arith::CmpIPredicate::slt, r, idx(p.rows)), [&] {
        Row row = rowInfo(hkv, r);
        Value m = memref::LoadOp::create(b, loc, mBuf, ValueRange{oSlot, tr});
        Value l = memref::LoadOp::create(b, loc, lBuf, ValueRange{oSlot, tr});
        writeRow(
            m, arith::DivFOp::create(b, loc, f32(1.0f), l),
            [&](int64_t c) -> Value {
              return vector::LoadOp::create(b, loc, vf32, oBuf,
                                            ValueRange{oSlot, tr, idx(c)});
            },
            ValueRange{bi, row.h, row.i});
      });
    });
  }

  /// out[ix][:] = vec(c) * inv, or 0 where the row's max is -inf (fully
  /// masked).
  void writeRow(Value m, Value inv, function_ref<Value(int64_t)> vec,
                ValueRange ix) {
    Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m,
                                       f32(kNegInf));
    Value invV = splat(inv), zero = splat(0.0f);
    for (int64_t c = 0; c < p.dv; c += p.lanes) {
      Value o = arith::MulFOp::create(b, loc, vec(c), invV);
      o = arith::SelectOp::create(b, loc, none, zero, o);
      storeVec(o, out, with(ix, {idx(c)}), std::min(p.lanes, p.dv - c));
    }
  }

  /// Splits: O = sum_s O_s exp(m_s - M) / sum_s l_s exp(m_s - M).
  void combine() {
    forLoop(0, p.items, 1, [&](Value item) {
      Value bh = div(item, p.rowTiles), rt = rem(item, p.rowTiles);
      Value bi = div(bh, p.kvHeads), hkv = rem(bh, p.kvHeads);
      forLoop(0, p.tileRows, 1, [&](Value tr) {
        Value r = add(mul(rt, p.tileRows), tr);
        ifThen(cmpI(arith::CmpIPredicate::slt, r, idx(p.rows)), [&] {
          Row row = rowInfo(hkv, r);
          SmallVector<Value> slots, ms;
          Value mAll = f32(kNegInf);
          for (int64_t s = 0; s < p.splits; ++s) {
            slots.push_back(add(mul(item, p.splits), s));
            ms.push_back(
                memref::LoadOp::create(b, loc, mBuf, ValueRange{slots[s], tr}));
            mAll = arith::MaximumFOp::create(b, loc, mAll, ms[s]);
          }
          Value mSafe = safeMax(mAll);
          SmallVector<Value> w;
          Value l = f32(0.0f);
          for (int64_t s = 0; s < p.splits; ++s) {
            w.push_back(exp(arith::SubFOp::create(b, loc, ms[s], mSafe)));
            Value ls =
                memref::LoadOp::create(b, loc, lBuf, ValueRange{slots[s], tr});
            l = fma(ls, w[s], l);
          }
          writeRow(
              mAll, arith::DivFOp::create(b, loc, f32(1.0f), l),
              [&](int64_t c) -> Value {
                Value acc = splat(0.0f);
                for (int64_t s = 0; s < p.splits; ++s)
                  acc = fma(
                      vector::LoadOp::create(b, loc, vf32, oBuf,
                                             ValueRange{slots[s], tr, idx(c)}),
                      splat(w[s]), acc);
                return acc;
              },
              ValueRange{bi, row.h, row.i});
        });
      });
    });
  }
};

Value alloc(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  return memref::AllocOp::create(b, loc, MemRefType::get(shape, b.getF32Type()),
                                 b.getI64IntegerAttr(64));
}

/// `body(from)` for units from, from + blocks, ... below `units`: on
/// `blocks` parallel iterations (scf.parallel) when blocks > 1, each with
/// what `setup` allocates; cyclic, so that causal's longer and shorter row
/// tiles mix on every thread.
void parallelUnits(OpBuilder &b, Location loc, int64_t units, int64_t blocks,
                   function_ref<void()> setup, function_ref<void(Value)> body) {
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto run = [&](Value first) {
    setup();
    scf::ForOp::create(b, loc, first, cst(units), cst(blocks), ValueRange{},
                       [&](OpBuilder &, Location, Value u, ValueRange) {
                         body(u);
                         scf::YieldOp::create(b, loc);
                       });
  };
  if (blocks <= 1) {
    run(cst(0));
    return;
  }
  scf::ParallelOp::create(
      b, loc, ValueRange{cst(0)}, ValueRange{cst(blocks)}, ValueRange{cst(1)},
      [&](OpBuilder &, Location, ValueRange ivs) { run(ivs[0]); });
}

LogicalResult lowerAttention(qnk::AttentionOp op, int64_t threads,
                             RewriterBase &rewriter) {
  qnk::CPUTargetAttr target = qnk::lookupCPUTarget(op);
  if (!target)
    return op.emitOpError("needs a #qnk.cpu_target: run qnk-set-target first");
  Location loc = op.getLoc();
  auto outTy = cast<RankedTensorType>(op.getResult().getType());
  rewriter.setInsertionPoint(op);
  if (outTy.getNumElements() == 0) {
    rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, outTy.getShape(),
                                                 outTy.getElementType());
    return success();
  }
  if (cast<RankedTensorType>(op.getKey().getType()).getDimSize(2) == 0) {
    // No keys: every row is fully masked.
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, outTy,
        DenseElementsAttr::get(outTy,
                               rewriter.getZeroAttr(outTy.getElementType())));
    return success();
  }
  Plan p(op, target, threads);

  auto bufferOf = [&](Value t) -> Value {
    auto ty = cast<RankedTensorType>(t.getType());
    return bufferization::ToBufferOp::create(
        rewriter, loc, MemRefType::get(ty.getShape(), ty.getElementType()), t,
        /*read_only=*/true);
  };
  AttentionLowering l{rewriter,
                      loc,
                      p,
                      bufferOf(op.getQuery()),
                      bufferOf(op.getKey()),
                      bufferOf(op.getValue()),
                      op.getMask() ? bufferOf(op.getMask()) : Value(),
                      Value(),
                      op.getMask()
                          ? cast<RankedTensorType>(op.getMask().getType())
                          : RankedTensorType(),
                      outTy.getElementType(),
                      VectorType::get({p.lanes}, rewriter.getF32Type())};
  l.out = memref::AllocOp::create(
      rewriter, loc, MemRefType::get(outTy.getShape(), outTy.getElementType()),
      rewriter.getI64IntegerAttr(64));

  int64_t kvTiles = p.batch * p.kvHeads * p.keyTiles;
  if (p.packOnce) {
    // K and V packed once, tile by tile, on every thread.
    l.kBuf = alloc(rewriter, loc, {kvTiles, p.d, p.nk});
    if (!p.vDirect)
      l.vBuf = alloc(rewriter, loc, {kvTiles, p.nk, p.dvPad});
    parallelUnits(
        rewriter, loc, kvTiles, std::min(threads, kvTiles), [] {},
        [&](Value t) {
          Value bh = l.div(t, p.keyTiles), kt = l.rem(t, p.keyTiles);
          Value bi = l.div(bh, p.kvHeads), hkv = l.rem(bh, p.kvHeads);
          l.packKTile(bi, hkv, kt, t);
          if (!p.vDirect)
            l.packVTile(bi, hkv, kt, t);
        });
  }
  int64_t units = p.items * p.splits;
  if (p.splits > 1) {
    l.oBuf = alloc(rewriter, loc, {units, p.tileRows, p.dvPad});
    l.mBuf = alloc(rewriter, loc, {units, p.tileRows});
    l.lBuf = alloc(rewriter, loc, {units, p.tileRows});
  }
  parallelUnits(
      rewriter, loc, units, std::min(threads, units),
      [&] {
        // Per-thread scratch.
        l.qBuf = alloc(rewriter, loc, {p.tileRows, p.d});
        l.sBuf = alloc(rewriter, loc, {p.mr, p.nk});
        l.alphaBuf = alloc(rewriter, loc, {p.mr});
        if (p.splits == 1) {
          l.oBuf = alloc(rewriter, loc, {1, p.tileRows, p.dvPad});
          l.mBuf = alloc(rewriter, loc, {1, p.tileRows});
          l.lBuf = alloc(rewriter, loc, {1, p.tileRows});
        }
        if (!p.packOnce) {
          l.kBuf = alloc(rewriter, loc, {1, p.d, p.nk});
          if (!p.vDirect)
            l.vBuf = alloc(rewriter, loc, {1, p.nk, p.dvPad});
        }
      },
      [&](Value unit) { l.workUnit(unit); });
  if (p.splits > 1)
    l.combine();
  rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
      op, outTy, l.out, /*restrict=*/true, /*writable=*/true);
  return success();
}

struct LowerAttentionPass
    : qnk::impl::QNKLowerAttentionBase<LowerAttentionPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<qnk::AttentionOp> ops;
    getOperation()->walk([&](qnk::AttentionOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (qnk::AttentionOp op : ops)
      if (failed(lowerAttention(op, threads, rewriter)))
        return signalPassFailure();
  }
};

} // namespace
