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
// The products run on one of three instructions, chosen from the types and
// the target: f32 FMAs on widened operands; `vdpbf16ps` on bf16 pairs (bf16
// Q·Kᵀ, and P·V with pv_type where V is packed); `vpdpbusd` on byte quads
// (qk_type = i8). For the pair and quad kernels K is packed as 32-bit words
// of 2 or 4 elements along D ([W][Nk] words, the same 8x8 transposes), and
// V as words of bf16 pairs of consecutive keys ([Nk/2][Dv]). int8 Q·Kᵀ
// first takes K's mean and the block scales of Q and K in passes of their
// own (they span tiles), then packs K once as u8 (k + 128, the unsigned
// operand; the row sums of Q undo the offset).
//
// It runs on tensors ahead of bufferization, writing into fresh buffers
// (bufferization.to_tensor restrict), like qnk-lower-softmax.
//
//===----------------------------------------------------------------------===//

#include "qnk/Target/CPUTarget.h"
#include "qnk/Transforms/Attention.h"
#include "qnk/Transforms/Intrinsics.h"
#include "qnk/Transforms/Passes.h"
#include "qnk/Transforms/VectorExp.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
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

/// The instruction a product runs on: f32 FMAs on widened operands,
/// vdpbf16ps on bf16 pairs, vpdpbusd on u8 x s8 quads.
enum class Kernel { Fma, DotBF16, DotI8 };

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
  int64_t dvPad;  // dv rounded up to whole vectors (V and O scratch)
  bool packKOnce; // K packed once per call (else per tile, per thread)
  bool packVOnce; // V packed once per call (else per tile, or in place)
  bool vDirect;   // V read in place (whole vectors; bf16/f16 widened there)
  bool causal, useFma;
  float scale;
  // Low precision (docs/numerics.md): int8 Q·Kᵀ with block scales, P and V
  // rounded to pvType.
  bool int8;
  int64_t bq, bk;  // tokens per Q / K scale block
  int64_t qBlocks; // ceil(lq / bq)
  int64_t kBlocks; // ceil(lk / bk)
  Type pvType;     // null (f32), bf16 or f8E4M3FN
  Kernel qk, pv;   // the instructions of Q·Kᵀ and P·V
  int64_t kPer;    // K (and Q) elements per 32-bit word: 1, 2 or 4
  int64_t kWords;  // words per key: ceil(d / kPer)

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

    int8 = op.hasInt8QK();
    std::tie(bq, bk) = op.getQKBlocksOrDefault();
    qBlocks = ceilDiv(lq, bq);
    kBlocks = ceilDiv(lk, bk);
    pvType = op.getPVTypeOrNull();
    Type elt = qTy.getElementType();
    // vdpbf16ps where the target has AVX512-BF16 but no AMX: on Sapphire
    // Rapids (AMX) the vdpbf16ps kernels ran at 0.6-0.8x the FMA kernels
    // (docs/performance.md); such targets need AMX tiles instead.
    bool dotBF16 = lanes == 16 && target.hasFeature("avx512bf16") &&
                   !target.hasFeature("amx-bf16");
    bool vnni = lanes == 16 ? target.hasFeature("avx512vnni") &&
                                  target.hasFeature("avx512bw")
                            : target.hasFeature("avxvnni") ||
                                  (target.hasFeature("avx512vnni") &&
                                   target.hasFeature("avx512vl"));
    // Without VNNI the int8 values are packed as f32 and summed with FMAs,
    // which is exact (the verifier bounds D so that every partial sum stays
    // below 2^24).
    if (int8)
      qk = vnni ? Kernel::DotI8 : Kernel::Fma;
    else
      qk = elt.isBF16() && dotBF16 ? Kernel::DotBF16 : Kernel::Fma;
    kPer = qk == Kernel::DotI8 ? 4 : qk == Kernel::DotBF16 ? 2 : 1;
    kWords = ceilDiv(d, kPer);
    bool shared = rowTiles > 1; // several row tiles read each K/V tile
    // int8 K is quantized after a pass over all its keys (the mean), so it
    // is packed once, like K shared by row tiles.
    packKOnce = shared || int8;
    // vdpbf16ps needs V as pairs of keys: packed once, where row tiles
    // share it; decode (memory-bound) reads V in place with FMAs instead.
    pv = pvType && dotBF16 && shared ? Kernel::DotBF16 : Kernel::Fma;
    // V is read in place when its rows are whole vectors and it is f32, or
    // when each V tile is read by one row tile only (decode): widening it
    // as it is loaded then saves the pack's store and reload.
    vDirect = pv == Kernel::Fma && dv % lanes == 0 && (elt.isF32() || !shared);
    packVOnce = shared && !vDirect;
    dvPad = roundUp(dv, lanes);
  }

  bool fp8PV() const { return pvType && !pvType.isBF16(); }
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
  ModuleOp module; // for intrinsic declarations

  // Buffers. K/V tiles are indexed by a slot (a packed tile, or 0 in the
  // per-thread scratch); O, m, l by a slot too (a unit's partials, or 0).
  // K: f32 [slot][D][nk] (FMA) or i32 words [slot][kWords][nk]; V: f32
  // [slot][nk][dvPad] or (vdpbf16ps) words of key pairs [slot][nk/2][dvPad].
  Value kBuf, vBuf, oBuf, mBuf, lBuf; // kBuf/vBuf may be per thread
  // Per thread: Q rows (f32 [tileRows][D], or i32 words [tileRows][kWords]),
  // scores, rescale factors, and P as words of bf16 pairs [mr][nk/2].
  Value qBuf, sBuf, alphaBuf, pBuf;
  // int8 Q·Kᵀ: K's mean [B*Hkv][kWords*kPer], the block scales of K
  // [B*Hkv][kBlocks] and Q [B*H][qBlocks], each packed key's scale
  // [slot][nk]; per thread, each Q row's scale times `scale` and its offset
  // correction -128 * sum(q) (i32).
  Value kMean, kBlockScale, qBlockScale, kScale, rowScale, rowCorr;
  // fp8 P·V: each channel's scale of V [B*Hkv][dvPad].
  Value vScale;

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
  /// A constant vector of `n` booleans, the first `active` true.
  Value laneMask(int64_t active, int64_t n = 0) {
    n = n ? n : p.lanes;
    auto ty = VectorType::get({n}, b.getI1Type());
    SmallVector<bool> bits(n, false);
    for (int64_t i = 0; i < std::min(active, n); ++i)
      bits[i] = true;
    return arith::ConstantOp::create(b, loc, ty,
                                     DenseElementsAttr::get(ty, bits));
  }
  /// `n` (default: lanes) elements of `mem` at `ix` as stored; the first
  /// `active` only (the rest 0) when active < n.
  Value loadRaw(Value mem, ValueRange ix, int64_t active, int64_t n = 0) {
    n = n ? n : p.lanes;
    Type elt = cast<MemRefType>(mem.getType()).getElementType();
    auto ty = VectorType::get({n}, elt);
    if (active >= n)
      return vector::LoadOp::create(b, loc, ty, mem, ix);
    Value pass = arith::ConstantOp::create(
        b, loc, ty, DenseElementsAttr::get(ty, b.getZeroAttr(elt)));
    return vector::MaskedLoadOp::create(b, loc, ty, mem, ix,
                                        laneMask(active, n), pass);
  }
  /// The same, widened to f32.
  Value loadVec(Value mem, ValueRange ix, int64_t active, int64_t n = 0) {
    return widen(loadRaw(mem, ix, active, n));
  }
  /// Stores `x` at `ix` (f32 narrowed to the memref's float type), the
  /// first `active` lanes only when active < its length.
  void storeVec(Value x, Value mem, ValueRange ix, int64_t active) {
    auto xTy = cast<VectorType>(x.getType());
    Type elt = cast<MemRefType>(mem.getType()).getElementType();
    if (elt != xTy.getElementType())
      x = arith::TruncFOp::create(b, loc, xTy.clone(elt), x);
    int64_t n = xTy.getNumElements();
    if (active >= n)
      vector::StoreOp::create(b, loc, x, mem, ix);
    else
      vector::MaskedStoreOp::create(b, loc, mem, ix, laneMask(active, n), x);
  }
  /// The 32-bit words of a vector of 16- or 8-bit elements.
  Value asWords(Value x) {
    auto ty = cast<VectorType>(x.getType());
    int64_t bits = ty.getNumElements() * ty.getElementTypeBitWidth();
    return vector::BitCastOp::create(
        b, loc, VectorType::get({bits / 32}, b.getI32Type()), x);
  }
  /// Words as a vector of `elt` (bf16 pairs, i8 quads).
  Value fromWords(Value words, Type elt) {
    auto ty = cast<VectorType>(words.getType());
    return vector::BitCastOp::create(
        b, loc,
        VectorType::get(
            {ty.getNumElements() * 32 / int64_t(elt.getIntOrFloatBitWidth())},
            elt),
        words);
  }
  /// One word of `mem` at `ix`, in every lane.
  Value splatWord(Value mem, ValueRange ix) {
    return splat(Value(memref::LoadOp::create(b, loc, mem, ix)));
  }
  /// x rounded for P·V (pv_type), as f32.
  Value roundPV(Value x, bool nanToZero = false) {
    return qnk::buildRoundForPV(b, loc, x, p.pvType, nanToZero);
  }
  /// `body(c0, active)` for chunks of `n` elements of a row of `len`: a
  /// loop over the whole chunks, then the last, partial one.
  void forChunks(int64_t len, int64_t n,
                 function_ref<void(Value, int64_t)> body) {
    forLoop(0, len / n * n, n, [&](Value c0) { body(c0, n); });
    if (len % n)
      body(idx(len / n * n), len % n);
  }
  /// The same, with a value carried through the chunks.
  Value foldChunks(int64_t len, int64_t n, Value init,
                   function_ref<Value(Value, int64_t, Value)> body) {
    Value acc = init;
    if (len / n) {
      auto loop = scf::ForOp::create(
          b, loc, idx(0), idx(len / n * n), idx(n), ValueRange{acc},
          [&](OpBuilder &, Location, Value c0, ValueRange args) {
            scf::YieldOp::create(b, loc, body(c0, n, args[0]));
          });
      acc = loop.getResult(0);
    }
    if (len % n)
      acc = body(idx(len / n * n), len % n, acc);
    return acc;
  }
  /// init folded with body(j, acc) for j in [from, to).
  Value foldRange(Value from, Value to, Value init,
                  function_ref<Value(Value, Value)> body) {
    return scf::ForOp::create(
               b, loc, from, to, idx(1), ValueRange{init},
               [&](OpBuilder &, Location, Value j, ValueRange args) {
                 scf::YieldOp::create(b, loc, body(j, args[0]));
               })
        .getResult(0);
  }
  Value maxAbs(Value acc, Value x) {
    return arith::MaximumFOp::create(b, loc, acc,
                                     math::AbsFOp::create(b, loc, x));
  }
  Value vectorMax(Value x) {
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXIMUMF,
                                       x);
  }
  /// vpdpbusd: acc += u8 quads of `u` times s8 quads of `s`, per i32 lane.
  Value dotBytes(Value acc, Value u, Value s) {
    StringRef intrin = p.lanes == 16 ? "llvm.x86.avx512.vpdpbusd.512"
                                     : "llvm.x86.avx512.vpdpbusd.256";
    return qnk::callIntrinsic(b, loc, module, intrin, acc.getType(),
                              ValueRange{acc, u, s});
  }
  /// acc += bcast * kv on `kernel` (words reinterpreted as its pairs or
  /// quads).
  Value product(Kernel kernel, Value bcast, Value kv, Value acc) {
    switch (kernel) {
    case Kernel::Fma:
      return fma(bcast, kv, acc);
    case Kernel::DotBF16:
      return x86vector::DotBF16Op::create(b, loc, vf32, acc,
                                          fromWords(bcast, b.getBF16Type()),
                                          fromWords(kv, b.getBF16Type()));
    case Kernel::DotI8:
      // K holds the unsigned quads (k + 128), Q the signed ones.
      return dotBytes(acc, fromWords(kv, b.getI8Type()),
                      fromWords(bcast, b.getI8Type()));
    }
    llvm_unreachable("unknown kernel");
  }
  Value bhIndex(Value bi, Value h, int64_t perBatch) {
    return add(mul(bi, perBatch), h);
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

  /// Copies `n` elements from `src` at `srcIx` + [0, n) (widened, then
  /// through `transform(x, c)` for the chunk at column c) to `dst` at
  /// `dstIx` + [0, nPad), zeros after n; or only zeros when `src` is null.
  void copyRow(Value src, ValueRange srcIx, Value dst, ValueRange dstIx,
               int64_t n, int64_t nPad,
               function_ref<Value(Value, int64_t)> transform = nullptr) {
    for (int64_t c = 0; c < nPad; c += p.lanes) {
      int64_t active = std::max<int64_t>(0, std::min(p.lanes, n - c));
      Value x = splat(0.0f);
      if (src && active) {
        x = loadVec(src, at(srcIx, c), active);
        if (transform)
          x = transform(x, c);
      }
      storeVec(x, dst, at(dstIx, c), std::min(p.lanes, nPad - c));
    }
  }
  /// `prefix` with its last index advanced by c.
  SmallVector<Value> at(ValueRange prefix, int64_t c) {
    SmallVector<Value> ix(prefix);
    ix.back() = add(ix.back(), c);
    return ix;
  }
  SmallVector<Value> at(ValueRange prefix, Value c) {
    SmallVector<Value> ix(prefix);
    ix.back() = add(ix.back(), c);
    return ix;
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

  /// Words [w0, w0 + n) of key j of (bi, hkv) as the packed K holds them:
  /// f32 (FMA: the value, or with int8 the quantized value), or i32 words of
  /// bf16 pairs or of u8 quads (the int8 value + 128). Only the first
  /// `active` elements are read; the rest are 0 (quantized: 0).
  Value keyWords(Value bi, Value hkv, Value j, Value w0, int64_t n,
                 int64_t active) {
    int64_t elems = n * p.kPer;
    Value d0 = mul(w0, p.kPer);
    Value raw = loadRaw(k, ValueRange{bi, hkv, j, d0}, active, elems);
    if (!p.int8)
      return p.qk == Kernel::Fma ? widen(raw) : asWords(raw);
    Value bh = bhIndex(bi, hkv, p.kvHeads);
    Value x = arith::SubFOp::create(
        b, loc, widen(raw), loadRaw(kMean, ValueRange{bh, d0}, elems, elems));
    Value sk = memref::LoadOp::create(b, loc, kBlockScale,
                                      ValueRange{bh, div(j, p.bk)});
    Value qv = qnk::buildQuantizeI8(
        b, loc, x,
        vector::BroadcastOp::create(b, loc, cast<VectorType>(x.getType()), sk));
    if (p.qk == Kernel::Fma)
      return arith::SIToFPOp::create(b, loc, x.getType(), qv);
    // k + 128 as u8: flipping the sign bit.
    auto byteTy = cast<VectorType>(qv.getType());
    Value bias = arith::ConstantOp::create(
        b, loc, byteTy,
        DenseElementsAttr::get(byteTy, b.getIntegerAttr(b.getI8Type(), -128)));
    return asWords(arith::XOrIOp::create(b, loc, qv, bias));
  }

  /// Stores word (or f32) `x` of key `jl` at kBuf[slot][w][jl].
  void storeKeyWord(Value x, Value slot, Value w, Value jl) {
    memref::StoreOp::create(b, loc, x, kBuf, ValueRange{slot, w, jl});
  }

  /// K tile `kt` of (bi, hkv) into kBuf[slot] as [kWords][nk] (keys past
  /// Lk: 0), by 8x8 transposes of 32-bit words; with int8 also each key's
  /// scale into kScale[slot].
  void packKTile(Value bi, Value hkv, Value kt, Value slot) {
    int64_t per = p.kPer;
    int64_t w8 = p.d / (8 * per) * 8; // words in whole groups of 8 in D
    int64_t wFull = p.d / per;        // words wholly inside D
    // The words from w on of key j (one at a time) into kBuf, or zeros
    // where `in` is false.
    auto wordsOfKey = [&](Value j, Value jl, int64_t from, Value in) {
      auto one = [&](Value w, int64_t active) {
        Value x = vector::ExtractOp::create(
            b, loc, keyWords(bi, hkv, j, w, 1, active), 0);
        if (in)
          x = arith::SelectOp::create(
              b, loc, in, x,
              arith::ConstantOp::create(b, loc, b.getZeroAttr(x.getType())));
        storeKeyWord(x, slot, w, jl);
      };
      forLoop(from, wFull, 1, [&](Value w) { one(w, per); });
      if (wFull < p.kWords)
        one(idx(wFull), p.d - wFull * per);
    };
    forLoop(0, p.nk / 8, 1, [&](Value jg) {
      Value jl = mul(jg, 8);
      Value j0 = add(mul(kt, p.nk), jl);
      Value full = cmpI(arith::CmpIPredicate::sle, add(j0, 8), idx(p.lk));
      ifThen(
          full,
          [&] {
            forLoop(0, w8, 8, [&](Value w0) {
              SmallVector<Value> r;
              for (int64_t u = 0; u < 8; ++u)
                r.push_back(keyWords(bi, hkv, add(j0, u), w0, 8, 8 * per));
              SmallVector<Value> cols = transpose8x8(r);
              for (int64_t u = 0; u < 8; ++u)
                vector::StoreOp::create(b, loc, cols[u], kBuf,
                                        ValueRange{slot, add(w0, u), jl});
            });
            for (int64_t u = 0; u < 8; ++u)
              if (w8 < p.kWords)
                wordsOfKey(add(j0, u), add(jl, u), w8, Value());
          },
          [&] {
            // The last, partial group: key by key, zeros past Lk (read at a
            // clamped, in-bounds key).
            for (int64_t u = 0; u < 8; ++u) {
              Value j = add(j0, u);
              Value in = cmpI(arith::CmpIPredicate::slt, j, idx(p.lk));
              wordsOfKey(minI(j, idx(p.lk - 1)), add(jl, u), 0, in);
            }
          });
    });
    if (!p.int8)
      return;
    Value bh = bhIndex(bi, hkv, p.kvHeads);
    forLoop(0, p.nk, 1, [&](Value jl) {
      Value j = add(mul(kt, p.nk), jl);
      Value in = cmpI(arith::CmpIPredicate::slt, j, idx(p.lk));
      Value sk = memref::LoadOp::create(
          b, loc, kBlockScale,
          ValueRange{bh, div(minI(j, idx(p.lk - 1)), p.bk)});
      memref::StoreOp::create(b, loc,
                              arith::SelectOp::create(b, loc, in, sk, f32(0)),
                              kScale, ValueRange{slot, jl});
    });
  }

  /// V tile `kt` of (bi, hkv) into vBuf[slot]: f32 [nk][dvPad] (rounded for
  /// pv_type), or for vdpbf16ps bf16 pairs of keys (2jp, 2jp + 1) as words
  /// [nk/2][dvPad]; zeros past Lk and past Dv (P is 0 there, and 0 * 0
  /// adds nothing).
  void packVTile(Value bi, Value hkv, Value kt, Value slot) {
    Value bh = bhIndex(bi, hkv, p.kvHeads);
    if (p.pv == Kernel::Fma) {
      forLoop(0, p.nk, 1, [&](Value jl) {
        Value j = add(mul(kt, p.nk), jl);
        ifThen(
            cmpI(arith::CmpIPredicate::slt, j, idx(p.lk)),
            [&] {
              copyRow(v, ValueRange{bi, hkv, j, idx(0)}, vBuf,
                      ValueRange{slot, jl, idx(0)}, p.dv, p.dvPad,
                      [&](Value x, int64_t c) { return roundV(x, bh, c); });
            },
            [&] {
              copyRow(Value(), {}, vBuf, ValueRange{slot, jl, idx(0)}, 0,
                      p.dvPad);
            });
      });
      return;
    }
    auto bf16Ty = VectorType::get({p.lanes}, b.getBF16Type());
    forLoop(0, p.nk / 2, 1, [&](Value jp) {
      SmallVector<Value> in, jIn;
      for (int64_t e = 0; e < 2; ++e) {
        Value j = add(add(mul(kt, p.nk), mul(jp, 2)), e);
        in.push_back(cmpI(arith::CmpIPredicate::slt, j, idx(p.lk)));
        jIn.push_back(minI(j, idx(p.lk - 1)));
      }
      for (int64_t c = 0; c < p.dvPad; c += p.lanes) {
        int64_t active = std::min(p.lanes, p.dv - c);
        SmallVector<Value> half;
        for (int64_t e = 0; e < 2; ++e) {
          Value x = roundV(
              loadVec(v, ValueRange{bi, hkv, jIn[e], idx(c)}, active), bh, c);
          x = arith::SelectOp::create(b, loc, in[e], x, splat(0.0f));
          // Exact: x is a bf16 (or E4M3) value already.
          half.push_back(arith::TruncFOp::create(b, loc, bf16Ty, x));
        }
        Value pairs = vector::InterleaveOp::create(b, loc, half[0], half[1]);
        vector::StoreOp::create(b, loc, asWords(pairs), vBuf,
                                ValueRange{slot, jp, idx(c)});
      }
    });
  }

  /// V values x at columns [c, c + lanes) of (batch, kv head) bh, rounded
  /// for pv_type (f8E4M3FN: divided by the channel's scale first).
  Value roundV(Value x, Value bh, Value c) {
    if (!p.pvType)
      return x;
    if (p.fp8PV())
      x = arith::DivFOp::create(
          b, loc, x,
          vector::LoadOp::create(b, loc, vf32, vScale, ValueRange{bh, c}));
    return roundPV(x, /*nanToZero=*/true);
  }
  Value roundV(Value x, Value bh, int64_t c) { return roundV(x, bh, idx(c)); }

  //===--------------------------------------------------------------------===//
  // Passes ahead of the tiles (int8 Q·Kᵀ, fp8 P·V)
  //===--------------------------------------------------------------------===//

  /// K's mean over the keys (the sum in key order, over Lk) and the scale of
  /// each block of bk keys of K minus it, for (batch, kv head) bh.
  void keyStatistics(Value bh) {
    Value bi = div(bh, p.kvHeads), hkv = rem(bh, p.kvHeads);
    // Whole vectors over the mean's row (past D the loads give 0, and so
    // the mean and K minus it are 0 there).
    int64_t meanPad = meanLength();
    forLoop(0, meanPad, p.lanes, [&](Value c0) {
      Value sum =
          foldRange(idx(0), idx(p.lk), splat(0.0f), [&](Value j, Value acc) {
            return arith::AddFOp::create(b, loc, acc,
                                         loadKChunk(bi, hkv, j, c0));
          });
      Value mean = arith::DivFOp::create(b, loc, sum, splat(float(p.lk)));
      vector::StoreOp::create(b, loc, mean, kMean, ValueRange{bh, c0});
    });
    forLoop(0, p.kBlocks, 1, [&](Value blk) {
      Value from = mul(blk, p.bk);
      Value to = minI(add(from, p.bk), idx(p.lk));
      Value amax = foldRange(from, to, splat(0.0f), [&](Value j, Value acc) {
        return foldChunks(meanPad, p.lanes, acc,
                          [&](Value c0, int64_t, Value a) {
                            Value x = arith::SubFOp::create(
                                b, loc, loadKChunk(bi, hkv, j, c0),
                                vector::LoadOp::create(b, loc, vf32, kMean,
                                                       ValueRange{bh, c0}));
                            return maxAbs(a, x);
                          });
      });
      memref::StoreOp::create(
          b, loc, qnk::buildBlockScale(b, loc, vectorMax(amax), 127.0f),
          kBlockScale, ValueRange{bh, blk});
    });
  }

  /// The row length of kMean: the packed words' elements, in whole vectors.
  int64_t meanLength() const { return roundUp(p.kWords * p.kPer, p.lanes); }

  /// `lanes` elements of key j from channel c0, widened; 0 past D.
  Value loadKChunk(Value bi, Value hkv, Value j, Value c0) {
    return loadInRow(k, ValueRange{bi, hkv, j}, c0, p.d);
  }

  /// `lanes` elements of a row of length `len` of `mem` at c0 (a multiple of
  /// lanes), widened, 0 past len: a whole load or, for the last chunk, a
  /// masked one.
  Value loadInRow(Value mem, ValueRange rowIx, Value c0, int64_t len) {
    SmallVector<Value> ix(rowIx);
    ix.push_back(c0);
    if (len % p.lanes == 0)
      return loadVec(mem, ix, p.lanes);
    Value active = arith::SubIOp::create(b, loc, idx(len), c0);
    Value m = vector::CreateMaskOp::create(
        b, loc, VectorType::get({p.lanes}, b.getI1Type()), ValueRange{active});
    Type elt = cast<MemRefType>(mem.getType()).getElementType();
    auto ty = VectorType::get({p.lanes}, elt);
    Value pass = arith::ConstantOp::create(
        b, loc, ty, DenseElementsAttr::get(ty, b.getZeroAttr(elt)));
    return widen(vector::MaskedLoadOp::create(b, loc, ty, mem, ix, m, pass));
  }

  /// The scale of block `blk` of bq queries of (batch, head) bh.
  void queryStatistics(Value bh, Value blk) {
    Value bi = div(bh, p.heads), h = rem(bh, p.heads);
    Value from = mul(blk, p.bq);
    Value to = minI(add(from, p.bq), idx(p.lq));
    Value amax = foldRange(from, to, splat(0.0f), [&](Value i, Value acc) {
      return foldChunks(p.d, p.lanes, acc, [&](Value c0, int64_t, Value a) {
        return maxAbs(a, loadInRow(q, ValueRange{bi, h, i}, c0, p.d));
      });
    });
    memref::StoreOp::create(
        b, loc, qnk::buildBlockScale(b, loc, vectorMax(amax), 127.0f),
        qBlockScale, ValueRange{bh, blk});
  }

  /// fp8 P·V: the scale of each channel of V of (batch, kv head) bh, its
  /// largest magnitude over the keys / 448 (0 past Dv).
  void valueStatistics(Value bh) {
    Value bi = div(bh, p.kvHeads), hkv = rem(bh, p.kvHeads);
    forChunks(p.dvPad, p.lanes, [&](Value c0, int64_t) {
      Value amax =
          foldRange(idx(0), idx(p.lk), splat(0.0f), [&](Value j, Value acc) {
            return maxAbs(acc, loadInRow(v, ValueRange{bi, hkv, j}, c0, p.dv));
          });
      vector::StoreOp::create(b, loc,
                              qnk::buildBlockScale(b, loc, amax, qnk::kE4M3Max),
                              vScale, ValueRange{bh, c0});
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
  /// -inf past each row's last key, into sBuf. With int8, the i32 sums
  /// (offset-corrected) become (f32(dot) * sk) * (sq * scale).
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
    bool words = p.qk != Kernel::Fma;
    VectorType kTy = words ? VectorType::get({p.lanes}, b.getI32Type()) : vf32;
    int64_t steps = words ? p.kWords : p.d;
    for (int64_t grp = 0; grp < p.nk / p.keysPerGrp; ++grp) {
      SmallVector<Value> init;
      for (int64_t rr = 0; rr < p.mr; ++rr) {
        // vpdpbusd's sums hold 128 * sum(q) too: start from minus that.
        Value start =
            p.qk == Kernel::DotI8
                ? splatWord(rowCorr, ValueRange{add(mul(rb, p.mr), rr)})
                : splat(0.0f);
        init.append(p.nv, start);
      }
      auto loop = scf::ForOp::create(
          b, loc, idx(0), idx(steps), idx(1), init,
          [&](OpBuilder &, Location, Value w, ValueRange acc) {
            SmallVector<Value> kv, next;
            for (int64_t vv = 0; vv < p.nv; ++vv)
              kv.push_back(vector::LoadOp::create(
                  b, loc, kTy, kBuf,
                  ValueRange{kSlot, w,
                             idx(grp * p.keysPerGrp + vv * p.lanes)}));
            for (int64_t rr = 0; rr < p.mr; ++rr) {
              // One Q element, or one word of a pair or quad, in every lane.
              Value qb = splatWord(qBuf, ValueRange{add(mul(rb, p.mr), rr), w});
              for (int64_t vv = 0; vv < p.nv; ++vv)
                next.push_back(product(p.qk, qb, kv[vv], acc[rr * p.nv + vv]));
            }
            scf::YieldOp::create(b, loc, next);
          });
      SmallVector<Value> kScaleV;
      if (p.int8)
        for (int64_t vv = 0; vv < p.nv; ++vv)
          kScaleV.push_back(vector::LoadOp::create(
              b, loc, vf32, kScale,
              ValueRange{kSlot, idx(grp * p.keysPerGrp + vv * p.lanes)}));
      for (int64_t rr = 0; rr < p.mr; ++rr) {
        Value lastV;
        if (bounded)
          lastV = splat(arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                                   rowsOf[rr].last)
                            .getResult());
        for (int64_t vv = 0; vv < p.nv; ++vv) {
          int64_t jl = grp * p.keysPerGrp + vv * p.lanes;
          Value j = add(mul(kt, p.nk), jl);
          Value s = loop.getResult(rr * p.nv + vv);
          if (p.qk == Kernel::DotI8)
            s = arith::SIToFPOp::create(b, loc, vf32, s);
          if (p.int8)
            s = arith::MulFOp::create(
                b, loc, arith::MulFOp::create(b, loc, s, kScaleV[vv]),
                splatWord(rowScale, ValueRange{add(mul(rb, p.mr), rr)}));
          else
            s = arith::MulFOp::create(b, loc, s, sc);
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

  /// Phase 2, per row of the block: the online max and sum; sBuf (or, for
  /// P·V on vdpbf16ps, pBuf) becomes P, rounded for pv_type, and alphaBuf
  /// the factor O is rescaled by. The sum is of the unrounded P.
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
        storeP(e.back(), rr, c);
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

  /// Stores vector c of row rr of P: f32 into sBuf (rounded for pv_type),
  /// or bf16 pairs into pBuf.
  void storeP(Value e, int64_t rr, int64_t c) {
    Value pv = e;
    if (p.fp8PV())
      pv = roundPV(arith::MulFOp::create(b, loc, e, splat(qnk::kE4M3Max)));
    if (p.pv == Kernel::DotBF16) {
      // Rounds to bf16 (exactly, for E4M3 values).
      Value h = arith::TruncFOp::create(
          b, loc, VectorType::get({p.lanes}, b.getBF16Type()), pv);
      vector::StoreOp::create(b, loc, asWords(h), pBuf,
                              ValueRange{idx(rr), idx(c * p.lanes / 2)});
      return;
    }
    if (p.pvType && !p.fp8PV())
      pv = roundPV(e);
    vector::StoreOp::create(b, loc, pv, sBuf,
                            ValueRange{idx(rr), idx(c * p.lanes)});
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
      scf::ForOp loop =
          p.pv == Kernel::DotBF16
              ? pairLoop(vSlot, kt, c0, nvec, jEnd, init, rowsOf, guard)
              : keyLoop(bi, hkv, vSlot, kt, c0, nvec, jEnd, init, rowsOf,
                        guard);
      for (int64_t rr = 0; rr < p.mr; ++rr)
        for (int64_t vv = 0; vv < nvec; ++vv)
          vector::StoreOp::create(b, loc, loop.getResult(rr * nvec + vv), oBuf,
                                  ValueRange{oSlot, add(mul(rb, p.mr), rr),
                                             idx((c0 + vv) * p.lanes)});
    }
  }

  /// P·V on FMAs, key by key: acc[rr][vv] += P[rr][j] * V[j][c0 + vv].
  scf::ForOp keyLoop(Value bi, Value hkv, Value vSlot, Value kt, int64_t c0,
                     int64_t nvec, Value jEnd, ValueRange init,
                     ArrayRef<Row> rowsOf, bool guard) {
    Value bh = bhIndex(bi, hkv, p.kvHeads);
    return scf::ForOp::create(
        b, loc, idx(0), jEnd, idx(1), init,
        [&](OpBuilder &, Location, Value jl, ValueRange acc) {
          SmallVector<Value> vvec, next;
          for (int64_t vv = 0; vv < nvec; ++vv) {
            int64_t col = (c0 + vv) * p.lanes;
            vvec.push_back(
                p.vDirect
                    ? roundV(loadVec(v,
                                     ValueRange{bi, hkv, add(mul(kt, p.nk), jl),
                                                idx(col)},
                                     p.lanes),
                             bh, col)
                    : vector::LoadOp::create(b, loc, vf32, vBuf,
                                             ValueRange{vSlot, jl, idx(col)}));
          }
          Value j = guard ? add(mul(kt, p.nk), jl) : Value();
          for (int64_t rr = 0; rr < p.mr; ++rr) {
            Value pb = splatWord(sBuf, ValueRange{idx(rr), jl});
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
  }

  /// P·V on vdpbf16ps, a pair of keys (2jp, 2jp + 1) per step. With
  /// `guard`, a row that sees only the first key of a pair takes that key's
  /// half of V alone (so a NaN in a V it cannot see does not reach it).
  scf::ForOp pairLoop(Value vSlot, Value kt, int64_t c0, int64_t nvec,
                      Value jEnd, ValueRange init, ArrayRef<Row> rowsOf,
                      bool guard) {
    auto wordTy = VectorType::get({p.lanes}, b.getI32Type());
    Value pairs = div(add(jEnd, 1), 2);
    Value evenOnly;
    if (guard) {
      // The first key's halves of every word: the low bf16 of each pair.
      auto ty = VectorType::get({2 * p.lanes}, b.getI1Type());
      SmallVector<bool> bits;
      for (int64_t i = 0; i < 2 * p.lanes; ++i)
        bits.push_back(i % 2 == 0);
      evenOnly = arith::ConstantOp::create(b, loc, ty,
                                           DenseElementsAttr::get(ty, bits));
    }
    return scf::ForOp::create(
        b, loc, idx(0), pairs, idx(1), init,
        [&](OpBuilder &, Location, Value jp, ValueRange acc) {
          SmallVector<Value> vvec, vFirst, next;
          for (int64_t vv = 0; vv < nvec; ++vv) {
            vvec.push_back(vector::LoadOp::create(
                b, loc, wordTy, vBuf,
                ValueRange{vSlot, jp, idx((c0 + vv) * p.lanes)}));
            if (guard) {
              Value halves = fromWords(vvec.back(), b.getBF16Type());
              Value zero = arith::ConstantOp::create(
                  b, loc, halves.getType(),
                  b.getZeroAttr(cast<ShapedType>(halves.getType())));
              vFirst.push_back(asWords(
                  arith::SelectOp::create(b, loc, evenOnly, halves, zero)));
            }
          }
          Value j0 = guard ? add(mul(kt, p.nk), mul(jp, 2)) : Value();
          for (int64_t rr = 0; rr < p.mr; ++rr) {
            Value pb = splatWord(pBuf, ValueRange{idx(rr), jp});
            Value seesFirst, seesBoth;
            if (guard) {
              seesFirst = cmpI(arith::CmpIPredicate::sle, j0, rowsOf[rr].last);
              seesBoth = cmpI(arith::CmpIPredicate::slt, j0, rowsOf[rr].last);
            }
            for (int64_t vv = 0; vv < nvec; ++vv) {
              Value a = acc[rr * nvec + vv];
              Value vw = vvec[vv];
              if (guard)
                vw = arith::SelectOp::create(b, loc, seesBoth, vw, vFirst[vv]);
              Value r = product(Kernel::DotBF16, pb, vw, a);
              if (guard)
                r = arith::SelectOp::create(b, loc, seesFirst, r, a);
              next.push_back(r);
            }
          }
          scf::YieldOp::create(b, loc, next);
        });
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

  /// Q row `row` of batch bi into qBuf[tr] (a null row: zeros): f32, or
  /// words of bf16 pairs, or with int8 the quantized row (as f32, or words
  /// of i8 quads) with its scale times `scale` into rowScale and (quads)
  /// -128 times its sum into rowCorr.
  void loadQueryRow(Value bi, Row row, Value tr) {
    if (!p.int8 && p.qk == Kernel::Fma) {
      if (row.h)
        copyRow(q, ValueRange{bi, row.h, row.i, idx(0)}, qBuf,
                ValueRange{tr, idx(0)}, p.d, p.d);
      else
        copyRow(Value(), {}, qBuf, ValueRange{tr, idx(0)}, 0, p.d);
      return;
    }
    Value sq;
    if (p.int8) {
      sq = row.h
               ? Value(memref::LoadOp::create(
                     b, loc, qBlockScale,
                     ValueRange{bhIndex(bi, row.h, p.heads), div(row.i, p.bq)}))
               : f32(0.0f);
      memref::StoreOp::create(b, loc,
                              arith::MulFOp::create(b, loc, sq, f32(p.scale)),
                              rowScale, ValueRange{tr});
    }
    // Chunks of `lanes` words (FMA: f32 values).
    int64_t elems = p.lanes * p.kPer;
    auto i32Ty = b.getI32Type();
    Value sum = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    for (int64_t w0 = 0; w0 < p.kWords; w0 += p.lanes) {
      int64_t active = std::min(elems, p.d - w0 * p.kPer);
      int64_t activeWords = std::min(p.lanes, p.kWords - w0);
      Value x;
      if (!row.h) {
        x = p.qk == Kernel::Fma ? splat(0.0f)
                                : splat(arith::ConstantOp::create(
                                            b, loc, b.getI32IntegerAttr(0))
                                            .getResult());
      } else if (!p.int8) {
        x = asWords(loadRaw(q, ValueRange{bi, row.h, row.i, idx(w0 * p.kPer)},
                            active, elems));
      } else {
        Value xs = loadVec(q, ValueRange{bi, row.h, row.i, idx(w0 * p.kPer)},
                           active, elems);
        Value qv = qnk::buildQuantizeI8(
            b, loc, xs,
            vector::BroadcastOp::create(b, loc, cast<VectorType>(xs.getType()),
                                        sq));
        Value wide =
            arith::ExtSIOp::create(b, loc, VectorType::get({elems}, i32Ty), qv);
        sum = arith::AddIOp::create(
            b, loc, sum,
            vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                        wide));
        x = p.qk == Kernel::Fma
                ? arith::SIToFPOp::create(b, loc, vf32, qv).getResult()
                : asWords(qv);
      }
      storeVec(x, qBuf, ValueRange{tr, idx(w0)}, activeWords);
    }
    if (p.qk == Kernel::DotI8)
      memref::StoreOp::create(
          b, loc,
          arith::MulIOp::create(
              b, loc, sum,
              arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(-128))),
          rowCorr, ValueRange{tr});
  }

  /// One (item, split) unit.
  void workUnit(Value unit) {
    Value item = div(unit, p.splits), split = rem(unit, p.splits);
    Value bh = div(item, p.rowTiles), rt = rem(item, p.rowTiles);
    Value bi = div(bh, p.kvHeads), hkv = rem(bh, p.kvHeads);
    Value oSlot = p.splits > 1 ? unit : idx(0);

    // Q rows of the tile, as the kernel reads them; padding rows (past the
    // group's rows) 0.
    forLoop(0, p.tileRows, 1, [&](Value tr) {
      Value r = add(mul(rt, p.tileRows), tr);
      ifThen(
          cmpI(arith::CmpIPredicate::slt, r, idx(p.rows)),
          [&] { loadQueryRow(bi, rowInfo(hkv, r), tr); },
          [&] { loadQueryRow(bi, Row(), tr); });
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
      Value packed = add(mul(bh, p.keyTiles), kt);
      if (p.packKOnce)
        kSlot = packed;
      else
        packKTile(bi, hkv, kt, kSlot);
      if (p.packVOnce)
        vSlot = packed;
      else if (!p.vDirect)
        packVTile(bi, hkv, kt, vSlot);
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
            ValueRange{bi, row.h, row.i}, bh);
      });
    });
  }

  /// out[ix][:] = vec(c) * inv (fp8 P·V: (vec(c) * (sv / 448)) * inv, sv
  /// the channel scales of (batch, kv head) bh), or 0 where the row's max
  /// is -inf (fully masked).
  void writeRow(Value m, Value inv, function_ref<Value(int64_t)> vec,
                ValueRange ix, Value bh) {
    Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m,
                                       f32(kNegInf));
    Value invV = splat(inv), zero = splat(0.0f);
    for (int64_t c = 0; c < p.dv; c += p.lanes) {
      Value o = vec(c);
      if (p.fp8PV())
        o = arith::MulFOp::create(
            b, loc, o,
            arith::DivFOp::create(
                b, loc,
                vector::LoadOp::create(b, loc, vf32, vScale,
                                       ValueRange{bh, idx(c)}),
                splat(qnk::kE4M3Max)));
      o = arith::MulFOp::create(b, loc, o, invV);
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
              ValueRange{bi, row.h, row.i}, bh);
        });
      });
    });
  }
};

Value alloc(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
            Type elt = Type()) {
  return memref::AllocOp::create(
      b, loc, MemRefType::get(shape, elt ? elt : b.getF32Type()),
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
  if (p.qk == Kernel::DotI8 && !op->getParentOfType<ModuleOp>())
    return op.emitOpError("needs an enclosing module for the vpdpbusd "
                          "intrinsic's declaration");

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
                      VectorType::get({p.lanes}, rewriter.getF32Type()),
                      op->getParentOfType<ModuleOp>()};
  l.out = memref::AllocOp::create(
      rewriter, loc, MemRefType::get(outTy.getShape(), outTy.getElementType()),
      rewriter.getI64IntegerAttr(64));

  int64_t kvTiles = p.batch * p.kvHeads * p.keyTiles;
  int64_t kvHeadsAll = p.batch * p.kvHeads;
  auto par = [&](int64_t units, function_ref<void(Value)> body) {
    parallelUnits(rewriter, loc, units, std::min(threads, units), [] {}, body);
  };
  Type i32 = rewriter.getI32Type();
  // The packed K's element: f32, or 32-bit words of pairs or quads.
  Type kElt = p.qk == Kernel::Fma ? rewriter.getF32Type() : i32;
  int64_t kRows = p.qk == Kernel::Fma ? p.d : p.kWords;
  if (p.int8) {
    // K's mean and block scales, then Q's block scales.
    l.kMean = alloc(rewriter, loc, {kvHeadsAll, l.meanLength()});
    l.kBlockScale = alloc(rewriter, loc, {kvHeadsAll, p.kBlocks});
    l.qBlockScale = alloc(rewriter, loc, {p.batch * p.heads, p.qBlocks});
    l.kScale = alloc(rewriter, loc, {kvTiles, p.nk});
    par(kvHeadsAll, [&](Value bh) { l.keyStatistics(bh); });
    par(p.batch * p.heads * p.qBlocks, [&](Value u) {
      l.queryStatistics(l.div(u, p.qBlocks), l.rem(u, p.qBlocks));
    });
  }
  if (p.fp8PV()) {
    l.vScale = alloc(rewriter, loc, {kvHeadsAll, p.dvPad});
    par(kvHeadsAll, [&](Value bh) { l.valueStatistics(bh); });
  }
  // V as words of bf16 key pairs for vdpbf16ps, else f32.
  auto allocV = [&](int64_t slots) {
    return p.pv == Kernel::DotBF16
               ? alloc(rewriter, loc, {slots, p.nk / 2, p.dvPad}, i32)
               : alloc(rewriter, loc, {slots, p.nk, p.dvPad});
  };
  if (p.packKOnce || p.packVOnce) {
    // K and V packed once, tile by tile, on every thread.
    if (p.packKOnce)
      l.kBuf = alloc(rewriter, loc, {kvTiles, kRows, p.nk}, kElt);
    if (p.packVOnce)
      l.vBuf = allocV(kvTiles);
    par(kvTiles, [&](Value t) {
      Value bh = l.div(t, p.keyTiles), kt = l.rem(t, p.keyTiles);
      Value bi = l.div(bh, p.kvHeads), hkv = l.rem(bh, p.kvHeads);
      if (p.packKOnce)
        l.packKTile(bi, hkv, kt, t);
      if (p.packVOnce)
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
        l.qBuf = alloc(rewriter, loc, {p.tileRows, kRows}, kElt);
        if (p.int8)
          l.rowScale = alloc(rewriter, loc, {p.tileRows});
        if (p.qk == Kernel::DotI8)
          l.rowCorr = alloc(rewriter, loc, {p.tileRows}, i32);
        l.sBuf = alloc(rewriter, loc, {p.mr, p.nk});
        if (p.pv == Kernel::DotBF16)
          l.pBuf = alloc(rewriter, loc, {p.mr, p.nk / 2}, i32);
        l.alphaBuf = alloc(rewriter, loc, {p.mr});
        if (p.splits == 1) {
          l.oBuf = alloc(rewriter, loc, {1, p.tileRows, p.dvPad});
          l.mBuf = alloc(rewriter, loc, {1, p.tileRows});
          l.lBuf = alloc(rewriter, loc, {1, p.tileRows});
        }
        if (!p.packKOnce)
          l.kBuf = alloc(rewriter, loc, {1, kRows, p.nk}, kElt);
        if (!p.packVOnce && !p.vDirect)
          l.vBuf = allocV(1);
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
