//===- LowerAttentionToReference.cpp - qnk.attention as plain linalg ------===//
//
// The oracle for attention: the Lq x Lk scores are materialised and every
// step of docs/numerics.md ("Attention") is one linalg.generic, with
// math.exp and no online rescaling. With `qk_type = i8` the K mean, the
// block scales and the quantized Q and K are tensors of their own; with
// `pv_type` P and V are rounded inside the P·V contraction.
//
//===----------------------------------------------------------------------===//

#include "qnk/Dialect/QNK/IR/QNK.h"
#include "qnk/Transforms/Attention.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel,
                       kRed = IteratorType::reduction;

/// The map of a [B, H, L, D] tensor onto [B, H, L floordiv block]: the
/// token blocks of a scale.
AffineMap tokenBlocks(MLIRContext *ctx, int64_t block) {
  return AffineMap::get(4, 0,
                        {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                         getAffineDimExpr(2, ctx).floorDiv(block)},
                        ctx);
}

/// The map of a [B, H, L, D] tensor onto [B, H, D]: its channels.
AffineMap channels(MLIRContext *ctx) {
  return AffineMap::get(4, 0,
                        {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                         getAffineDimExpr(3, ctx)},
                        ctx);
}

Value extF32(OpBuilder &b, Location loc, Value v) {
  return v.getType().isF32()
             ? v
             : arith::ExtFOp::create(b, loc, b.getF32Type(), v).getResult();
}

Value f32Const(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

/// A tensor of `shape` f32 filled with `v`.
Value filledF32(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, float v) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return linalg::FillOp::create(b, loc, f32Const(b, loc, v), empty)
      .getResult(0);
}

/// Reduces `x` ([B, H, L, D]) into a tensor of `outShape` through `outMap`
/// with `combine(acc, ext(x))` from `init`; `iters` says which of the four
/// dimensions are reduced.
Value reduce4(
    OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> outShape,
    AffineMap outMap, ArrayRef<IteratorType> iters, float init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  return linalg::GenericOp::create(
             b, loc, RankedTensorType::get(outShape, b.getF32Type()),
             ValueRange{x}, ValueRange{filledF32(b, loc, outShape, init)},
             SmallVector<AffineMap>{b.getMultiDimIdentityMap(4), outMap}, iters,
             [&](OpBuilder &bld, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   bld, l, combine(bld, l, args[1], extF32(bld, l, args[0])));
             })
      .getResult(0);
}

Value maxAbs(OpBuilder &b, Location loc, Value acc, Value x) {
  return arith::MaximumFOp::create(b, loc, acc,
                                   math::AbsFOp::create(b, loc, x));
}

/// The scales of blocks whose largest magnitudes are `amax` (rank 3), for
/// quantization to [-qmax, qmax].
Value scalesOf(OpBuilder &b, Location loc, Value amax, float qmax) {
  auto ty = cast<RankedTensorType>(amax.getType());
  return linalg::GenericOp::create(
             b, loc, ty, ValueRange{amax},
             ValueRange{tensor::EmptyOp::create(b, loc, ty.getShape(),
                                                b.getF32Type())},
             SmallVector<AffineMap>(2, b.getMultiDimIdentityMap(3)),
             SmallVector<IteratorType>(3, kPar),
             [&](OpBuilder &bld, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   bld, l, qnk::buildBlockScale(bld, l, args[0], qmax));
             })
      .getResult(0);
}

/// Symmetric int8 quantization of `x` ([B, H, L, D], any float type) with
/// one scale per block of `block` tokens of each (batch, head): the i8
/// tensor and the scales [B, H, ceil(L / block)].
std::pair<Value, Value> quantizeBlocks(OpBuilder &b, Location loc, Value x,
                                       int64_t block) {
  ArrayRef<int64_t> s = cast<RankedTensorType>(x.getType()).getShape();
  SmallVector<int64_t> scaleShape = {s[0], s[1], (s[2] + block - 1) / block};
  AffineMap blockOf = tokenBlocks(b.getContext(), block);
  Value amax = reduce4(b, loc, x, scaleShape, blockOf, {kPar, kPar, kRed, kRed},
                       0.0f, maxAbs);
  Value scales = scalesOf(b, loc, amax, 127.0f);
  Value quantized =
      linalg::GenericOp::create(
          b, loc, RankedTensorType::get(s, b.getI8Type()),
          ValueRange{x, scales},
          ValueRange{tensor::EmptyOp::create(b, loc, s, b.getI8Type())},
          SmallVector<AffineMap>{b.getMultiDimIdentityMap(4), blockOf,
                                 b.getMultiDimIdentityMap(4)},
          SmallVector<IteratorType>(4, kPar),
          [&](OpBuilder &bld, Location l, ValueRange args) {
            linalg::YieldOp::create(
                bld, l,
                qnk::buildQuantizeI8(bld, l, extF32(bld, l, args[0]), args[1]));
          })
          .getResult(0);
  return {quantized, scales};
}

/// K minus its mean over the keys (per batch, head and channel: the sum in
/// key order, divided by Lk), quantized in blocks of `block` keys.
std::pair<Value, Value> quantizeK(OpBuilder &b, Location loc, Value k,
                                  int64_t block) {
  ArrayRef<int64_t> s = cast<RankedTensorType>(k.getType()).getShape();
  AffineMap channel = channels(b.getContext());
  Value sum =
      reduce4(b, loc, k, {s[0], s[1], s[3]}, channel, {kPar, kPar, kRed, kPar},
              0.0f, [](OpBuilder &bld, Location l, Value acc, Value x) {
                return arith::AddFOp::create(bld, l, acc, x).getResult();
              });
  Value centered =
      linalg::GenericOp::create(
          b, loc, RankedTensorType::get(s, b.getF32Type()), ValueRange{k, sum},
          ValueRange{tensor::EmptyOp::create(b, loc, s, b.getF32Type())},
          SmallVector<AffineMap>{b.getMultiDimIdentityMap(4), channel,
                                 b.getMultiDimIdentityMap(4)},
          SmallVector<IteratorType>(4, kPar),
          [&](OpBuilder &bld, Location l, ValueRange args) {
            Value mean = arith::DivFOp::create(bld, l, args[1],
                                               f32Const(bld, l, float(s[2])));
            linalg::YieldOp::create(
                bld, l,
                arith::SubFOp::create(bld, l, extF32(bld, l, args[0]), mean)
                    .getResult());
          })
          .getResult(0);
  return quantizeBlocks(b, loc, centered, block);
}

/// The E4M3 P·V scale of each channel of V ([B, Hkv, Lk, Dv]): its largest
/// magnitude over the keys / 448, as [B, Hkv, Dv].
Value valueScales(OpBuilder &b, Location loc, Value v) {
  ArrayRef<int64_t> s = cast<RankedTensorType>(v.getType()).getShape();
  Value amax = reduce4(b, loc, v, {s[0], s[1], s[3]}, channels(b.getContext()),
                       {kPar, kPar, kRed, kPar}, 0.0f, maxAbs);
  return scalesOf(b, loc, amax, qnk::kE4M3Max);
}

struct LowerAttention : OpRewritePattern<qnk::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(qnk::AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto qTy = cast<RankedTensorType>(op.getQuery().getType());
    auto kTy = cast<RankedTensorType>(op.getKey().getType());
    auto vTy = cast<RankedTensorType>(op.getValue().getType());
    auto oTy = cast<RankedTensorType>(op.getResult().getType());
    int64_t b = qTy.getDimSize(0), h = qTy.getDimSize(1),
            lq = qTy.getDimSize(2), lk = kTy.getDimSize(2),
            dv = vTy.getDimSize(3);
    // Query head h reads key/value head h / group.
    int64_t group = kTy.getDimSize(1) ? h / kTy.getDimSize(1) : 1;
    Type f32 = rewriter.getF32Type();
    float scale = op.getScaleOrDefault();
    bool causal = op.getCausal();
    Value mask = op.getMask();

    auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto cst = f32Const;
    auto ext = extF32;
    // Whether key j (dim jDim) is in query i's (dim 2) causal window,
    // j <= i + (Lk - Lq); null without `causal`.
    auto inWindow = [&](OpBuilder &bld, Location l, unsigned jDim) -> Value {
      if (!causal)
        return {};
      Value i = linalg::IndexOp::create(bld, l, 2);
      Value j = linalg::IndexOp::create(bld, l, jDim);
      Value limit = arith::AddIOp::create(
          bld, l, i, arith::ConstantIndexOp::create(bld, l, lk - lq));
      return arith::CmpIOp::create(bld, l, arith::CmpIPredicate::sle, j, limit);
    };
    auto filled = [&](ArrayRef<int64_t> shape, float v) {
      return filledF32(rewriter, loc, shape, v);
    };
    const IteratorType par = kPar, red = kRed;

    // Dot products: (b, h, i, j, d), f32 or (qk_type = i8) i32 on the
    // quantized Q and K.
    AffineExpr kvHead = dim(1).floorDiv(group);
    SmallVector<int64_t> scoreShape = {b, h, lq, lk};
    Value qIn = op.getQuery(), kIn = op.getKey();
    Value qScales, kScales; // [B, H, Lq/bq], [B, Hkv, Lk/bk] (int8)
    int64_t bq = 1, bk = 1;
    if (op.hasInt8QK()) {
      std::tie(bq, bk) = op.getQKBlocksOrDefault();
      std::tie(kIn, kScales) = quantizeK(rewriter, loc, op.getKey(), bk);
      std::tie(qIn, qScales) = quantizeBlocks(rewriter, loc, qIn, bq);
    }
    Type dotTy = op.hasInt8QK() ? Type(rewriter.getI32Type()) : f32;
    Value dotInit =
        linalg::FillOp::create(
            rewriter, loc,
            arith::ConstantOp::create(rewriter, loc,
                                      rewriter.getZeroAttr(dotTy))
                .getResult(),
            tensor::EmptyOp::create(rewriter, loc, scoreShape, dotTy)
                .getResult())
            .getResult(0);
    Value dots =
        linalg::GenericOp::create(
            rewriter, loc, dotInit.getType(), ValueRange{qIn, kIn},
            ValueRange{dotInit},
            SmallVector<AffineMap>{
                AffineMap::get(5, 0, {dim(0), dim(1), dim(2), dim(4)}, ctx),
                AffineMap::get(5, 0, {dim(0), kvHead, dim(3), dim(4)}, ctx),
                AffineMap::get(5, 0, {dim(0), dim(1), dim(2), dim(3)}, ctx)},
            SmallVector<IteratorType>{par, par, par, par, red},
            [&](OpBuilder &bld, Location l, ValueRange args) {
              Value p;
              if (dotTy.isInteger(32)) {
                auto wide = [&](Value x) {
                  return arith::ExtSIOp::create(bld, l, dotTy, x).getResult();
                };
                p = arith::AddIOp::create(bld, l, args[2],
                                          arith::MulIOp::create(bld, l,
                                                                wide(args[0]),
                                                                wide(args[1])));
              } else {
                p = arith::AddFOp::create(
                    bld, l, args[2],
                    arith::MulFOp::create(bld, l, ext(bld, l, args[0]),
                                          ext(bld, l, args[1])));
              }
              linalg::YieldOp::create(bld, l, p);
            })
            .getResult(0);

    // Scores t = scale * dot + mask (int8: (f32(dot) * sk) * (sq * scale)
    // + mask), -inf outside the causal window.
    AffineMap id4 = rewriter.getMultiDimIdentityMap(4);
    SmallVector<Value> ins = {dots};
    SmallVector<AffineMap> maps = {id4};
    if (op.hasInt8QK()) {
      ins.append({qScales, kScales});
      maps.push_back(
          AffineMap::get(4, 0, {dim(0), dim(1), dim(2).floorDiv(bq)}, ctx));
      maps.push_back(
          AffineMap::get(4, 0, {dim(0), kvHead, dim(3).floorDiv(bk)}, ctx));
    }
    int64_t maskArg = ins.size();
    if (mask) {
      auto maskTy = cast<RankedTensorType>(mask.getType());
      int64_t offset = 4 - maskTy.getRank();
      SmallVector<AffineExpr> exprs;
      for (int64_t d = 0; d < maskTy.getRank(); ++d)
        exprs.push_back(maskTy.getDimSize(d) == 1 && scoreShape[d + offset] != 1
                            ? getAffineConstantExpr(0, ctx)
                            : dim(d + offset));
      ins.push_back(mask);
      maps.push_back(AffineMap::get(4, 0, exprs, ctx));
    }
    maps.push_back(id4);
    Value scores =
        linalg::GenericOp::create(
            rewriter, loc, RankedTensorType::get(scoreShape, f32), ins,
            ValueRange{tensor::EmptyOp::create(rewriter, loc, scoreShape, f32)},
            maps, SmallVector<IteratorType>(4, par),
            [&](OpBuilder &bld, Location l, ValueRange args) {
              Value t;
              if (op.hasInt8QK()) {
                Value dot = arith::SIToFPOp::create(bld, l, f32, args[0]);
                t = arith::MulFOp::create(
                    bld, l, arith::MulFOp::create(bld, l, dot, args[2]),
                    arith::MulFOp::create(bld, l, args[1], cst(bld, l, scale)));
              } else {
                t = arith::MulFOp::create(bld, l, args[0], cst(bld, l, scale));
              }
              if (mask)
                t = arith::AddFOp::create(bld, l, t,
                                          ext(bld, l, args[maskArg]));
              if (Value ok = inWindow(bld, l, 3))
                t = arith::SelectOp::create(bld, l, ok, t,
                                            cst(bld, l, kNegInf));
              linalg::YieldOp::create(bld, l, t);
            })
            .getResult(0);

    // Row statistics over (b, h, i, j): m = max t (maximumf: NaN wins),
    // l = sum exp(t - m).
    SmallVector<int64_t> rowShape = {b, h, lq};
    AffineMap row = AffineMap::get(4, 0, {dim(0), dim(1), dim(2)}, ctx);
    SmallVector<IteratorType> rowReduce = {par, par, par, red};
    Value m = linalg::GenericOp::create(
                  rewriter, loc, filled(rowShape, kNegInf).getType(),
                  ValueRange{scores}, ValueRange{filled(rowShape, kNegInf)},
                  SmallVector<AffineMap>{id4, row}, rowReduce,
                  [&](OpBuilder &bld, Location l, ValueRange args) {
                    linalg::YieldOp::create(
                        bld, l,
                        arith::MaximumFOp::create(bld, l, args[1], args[0])
                            .getResult());
                  })
                  .getResult(0);
    Value sum =
        linalg::GenericOp::create(
            rewriter, loc, m.getType(), ValueRange{scores, m},
            ValueRange{filled(rowShape, 0.0f)},
            SmallVector<AffineMap>{id4, row, row}, rowReduce,
            [&](OpBuilder &bld, Location l, ValueRange args) {
              Value e = math::ExpOp::create(
                  bld, l, arith::SubFOp::create(bld, l, args[0], args[1]));
              linalg::YieldOp::create(
                  bld, l,
                  arith::AddFOp::create(bld, l, args[2], e).getResult());
            })
            .getResult(0);

    // Unnormalised output over (b, h, i, e, j): sum of exp(t - m) * v over
    // the keys in the causal window (the others are never read, so a NaN
    // in their V does not reach the row); with `pv_type`, both factors
    // rounded to it first (f8E4M3FN: 448 * P and V / sv, sv the channel's
    // scale).
    Type pvType = op.getPVTypeOrNull();
    bool fp8 = pvType && !pvType.isBF16();
    Value vScales; // [B, Hkv, Dv] (fp8)
    SmallVector<Value> pvIns = {scores, m, op.getValue()};
    SmallVector<AffineMap> pvMaps = {
        AffineMap::get(5, 0, {dim(0), dim(1), dim(2), dim(4)}, ctx),
        AffineMap::get(5, 0, {dim(0), dim(1), dim(2)}, ctx),
        AffineMap::get(5, 0, {dim(0), kvHead, dim(4), dim(3)}, ctx)};
    if (fp8) {
      vScales = valueScales(rewriter, loc, op.getValue());
      pvIns.push_back(vScales);
      pvMaps.push_back(AffineMap::get(5, 0, {dim(0), kvHead, dim(3)}, ctx));
    }
    SmallVector<int64_t> outShape = {b, h, lq, dv};
    pvMaps.push_back(
        AffineMap::get(5, 0, {dim(0), dim(1), dim(2), dim(3)}, ctx));
    Value acc =
        linalg::GenericOp::create(
            rewriter, loc, filled(outShape, 0.0f).getType(), pvIns,
            ValueRange{filled(outShape, 0.0f)}, pvMaps,
            SmallVector<IteratorType>{par, par, par, par, red},
            [&](OpBuilder &bld, Location l, ValueRange args) {
              Value e = math::ExpOp::create(
                  bld, l, arith::SubFOp::create(bld, l, args[0], args[1]));
              Value v = ext(bld, l, args[2]);
              if (fp8) {
                e = arith::MulFOp::create(bld, l, e,
                                          cst(bld, l, qnk::kE4M3Max));
                v = arith::DivFOp::create(bld, l, v, args[3]);
              }
              if (pvType) {
                e = qnk::buildRoundForPV(bld, l, e, pvType);
                v = qnk::buildRoundForPV(bld, l, v, pvType,
                                         /*nanToZero=*/true);
              }
              Value out = args.back();
              Value r = arith::AddFOp::create(
                  bld, l, out, arith::MulFOp::create(bld, l, e, v));
              if (Value ok = inWindow(bld, l, 4))
                r = arith::SelectOp::create(bld, l, ok, r, out);
              linalg::YieldOp::create(bld, l, r);
            })
            .getResult(0);

    // o = acc / l (fp8: (acc * (sv / 448)) / l), or 0 where every score of
    // the row is -inf.
    Type outElt = oTy.getElementType();
    AffineMap outRow = AffineMap::get(4, 0, {dim(0), dim(1), dim(2)}, ctx);
    SmallVector<Value> outIns = {acc, m, sum};
    SmallVector<AffineMap> outMaps = {id4, outRow, outRow};
    if (fp8) {
      outIns.push_back(vScales);
      outMaps.push_back(AffineMap::get(4, 0, {dim(0), kvHead, dim(3)}, ctx));
    }
    outMaps.push_back(id4);
    Value out =
        linalg::GenericOp::create(
            rewriter, loc, oTy, outIns,
            ValueRange{
                tensor::EmptyOp::create(rewriter, loc, outShape, outElt)},
            outMaps, SmallVector<IteratorType>(4, par),
            [&](OpBuilder &bld, Location l, ValueRange args) {
              Value a = args[0];
              if (fp8)
                a = arith::MulFOp::create(
                    bld, l, a,
                    arith::DivFOp::create(bld, l, args[3],
                                          cst(bld, l, qnk::kE4M3Max)));
              Value q = arith::DivFOp::create(bld, l, a, args[2]);
              Value none =
                  arith::CmpFOp::create(bld, l, arith::CmpFPredicate::OEQ,
                                        args[1], cst(bld, l, kNegInf));
              Value r =
                  arith::SelectOp::create(bld, l, none, cst(bld, l, 0.0f), q);
              if (outElt != f32)
                r = arith::TruncFOp::create(bld, l, outElt, r);
              linalg::YieldOp::create(bld, l, r);
            })
            .getResult(0);
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void qnk::populateLowerAttentionToReferencePatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerAttention>(patterns.getContext());
}
