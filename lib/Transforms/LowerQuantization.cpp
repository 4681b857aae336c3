//===- LowerQuantization.cpp - Quantization ops to exact linalg -----------===//
//
// Each op becomes one element-wise linalg.generic whose body is the exact
// formula of docs/numerics.md; the scale and zero-point operands are read
// through indexing maps (per tensor, per channel, per group). Block-scaled
// quantization (mx_quantize) is a reduction for the block maxima, one
// element-wise step for the scales and a qnk.quantize; unpack_ggml is two
// gathers whose indexing maps pick the bytes of llama.cpp's blocks.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/FloatDecode.h"
#include "qnk/Transforms/Passes.h"
#include "qnk/Transforms/Relabel.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace qnk {
#define GEN_PASS_DEF_QNKLOWERQUANTIZATION
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk;

namespace {

/// The map from the element loops to a scale element.
AffineMap getScaleMap(MLIRContext *ctx, unsigned rank,
                      const ScaleScheme &scheme) {
  SmallVector<AffineExpr> results;
  switch (scheme.kind) {
  case ScaleScheme::PerTensor:
    break;
  case ScaleScheme::PerAxis:
    results.push_back(getAffineDimExpr(scheme.axis, ctx));
    break;
  case ScaleScheme::PerGroup:
    for (unsigned d = 0; d < rank; ++d) {
      AffineExpr e = getAffineDimExpr(d, ctx);
      results.push_back(int64_t(d) == scheme.axis ? e.floorDiv(scheme.groupSize)
                                                  : e);
    }
    break;
  }
  return AffineMap::get(rank, 0, results, ctx);
}

/// [qmin, qmax] of an integer storage type.
std::pair<int64_t, int64_t> storageRange(Type t) {
  unsigned w = t.getIntOrFloatBitWidth();
  if (t.isUnsignedInteger())
    return {0, (int64_t(1) << w) - 1};
  return {-(int64_t(1) << (w - 1)), (int64_t(1) << (w - 1)) - 1};
}

Value constI(OpBuilder &b, Location loc, Type t, int64_t v) {
  return arith::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, v));
}
Value constF(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32Type(),
                                   b.getF32FloatAttr(v));
}

/// Clamps an i32/i64 integer to the storage range and stores it as `to`.
Value saturateToStorage(OpBuilder &b, Location loc, Value v, Type to) {
  auto [lo, hi] = storageRange(to);
  v = arith::MaxSIOp::create(b, loc, v, constI(b, loc, v.getType(), lo));
  v = arith::MinSIOp::create(b, loc, v, constI(b, loc, v.getType(), hi));
  v = arith::TruncIOp::create(b, loc, signlessOf(to), v);
  return relabelScalar(b, loc, v, to);
}

/// One element-wise generic over `input` with `extras` (scale, zero point,
/// ...) read through `extraMaps`; `body` gets the input element and the
/// extras and returns the result element. `input` is read through
/// `inputMap` (the identity when null).
Value buildElementwise(
    OpBuilder &b, Location loc, Value input, ValueRange extras,
    ArrayRef<AffineMap> extraMaps, RankedTensorType resultTy,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body,
    AffineMap inputMap = {}) {
  unsigned rank = resultTy.getRank();
  SmallVector<AffineMap> maps = {inputMap ? inputMap
                                          : b.getMultiDimIdentityMap(rank)};
  maps.append(extraMaps.begin(), extraMaps.end());
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<Value> ins = {input};
  ins.append(extras.begin(), extras.end());
  Value init = tensor::EmptyOp::create(b, loc, resultTy.getShape(),
                                       resultTy.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, resultTy, ins, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, body(nb, l, args.drop_back()));
      });
  return generic.getResult(0);
}

template <typename Op>
SmallVector<Value> scaleOperands(Op op, SmallVectorImpl<AffineMap> &maps) {
  auto rank = cast<RankedTensorType>(op.getInput().getType()).getRank();
  AffineMap map = getScaleMap(op.getContext(), rank, op.getScaleScheme());
  SmallVector<Value> extras = {op.getScale()};
  maps.push_back(map);
  if (op.getZeroPoint()) {
    extras.push_back(op.getZeroPoint());
    maps.push_back(map);
  }
  return extras;
}

struct LowerQuantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto resultTy = cast<RankedTensorType>(op.getResult().getType());
    Type storage = resultTy.getElementType();
    bool hasZeroPoint = bool(op.getZeroPoint());
    SmallVector<AffineMap> maps;
    SmallVector<Value> extras = scaleOperands(op, maps);
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getInput(), extras, maps, resultTy,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x = args[0];
          if (!x.getType().isF32())
            x = arith::ExtFOp::create(b, loc, b.getF32Type(), x);
          Value q = arith::DivFOp::create(b, loc, x,
                                          widenScalarToF32(b, loc, args[1]));
          if (isFp8(storage) || isFp4(storage)) {
            Value vec = vector::BroadcastOp::create(
                b, loc, VectorType::get({1}, b.getF32Type()), q);
            return vector::ExtractOp::create(
                b, loc,
                isFp8(storage) ? encodeFp8Saturating(b, loc, vec, storage)
                               : encodeFp4E2M1Saturating(b, loc, vec),
                0);
          }
          // Round, then clamp to a range every storage type lies in (so
          // the conversion is exact and the zero point cannot overflow);
          // NaN becomes 0, i.e. the zero point.
          Value r = math::RoundEvenOp::create(b, loc, q);
          Value isNaN =
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, q, q);
          r = arith::SelectOp::create(b, loc, isNaN, constF(b, loc, 0), r);
          r = arith::MaximumFOp::create(b, loc, r, constF(b, loc, -65536));
          r = arith::MinimumFOp::create(b, loc, r, constF(b, loc, 65536));
          Value i = arith::FPToSIOp::create(b, loc, b.getI32Type(), r);
          if (hasZeroPoint)
            i = arith::AddIOp::create(b, loc, i, args[2]);
          return saturateToStorage(b, loc, i, storage);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerDequantize : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto resultTy = cast<RankedTensorType>(op.getResult().getType());
    Type storage = getElementTypeOrSelf(op.getInput());
    bool hasZeroPoint = bool(op.getZeroPoint());
    SmallVector<AffineMap> maps;
    SmallVector<Value> extras = scaleOperands(op, maps);
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getInput(), extras, maps, resultTy,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x;
          if (isFp8(storage) || isFp4(storage)) {
            x = widenScalarToF32(b, loc, args[0]);
          } else {
            Value q = relabelScalar(b, loc, args[0], signlessOf(storage));
            Value i = storage.isUnsignedInteger()
                          ? arith::ExtUIOp::create(b, loc, b.getI32Type(), q)
                                .getResult()
                          : arith::ExtSIOp::create(b, loc, b.getI32Type(), q)
                                .getResult();
            if (hasZeroPoint)
              i = arith::SubIOp::create(b, loc, i, args[2]);
            x = arith::SIToFPOp::create(b, loc, b.getF32Type(), i);
          }
          return arith::MulFOp::create(b, loc, x,
                                       widenScalarToF32(b, loc, args[1]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerRequantize : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto resultTy = cast<RankedTensorType>(op.getResult().getType());
    Type storage = resultTy.getElementType();
    MLIRContext *ctx = op.getContext();
    unsigned rank = resultTy.getRank();
    AffineMap map =
        op.getAxis()
            ? AffineMap::get(rank, 0, getAffineDimExpr(*op.getAxis(), ctx))
            : AffineMap::get(rank, 0, {}, ctx);
    SmallVector<AffineMap> maps = {map, map, AffineMap::get(rank, 0, {}, ctx)};
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getInput(),
        {op.getMultiplier(), op.getShift(), op.getZeroPoint()}, maps, resultTy,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Type i64 = b.getI64Type();
          auto c = [&](int64_t v) { return constI(b, loc, i64, v); };
          Value acc = arith::ExtSIOp::create(b, loc, i64, args[0]);
          Value mul = arith::ExtSIOp::create(b, loc, i64, args[1]);
          Value prod = arith::MulIOp::create(b, loc, acc, mul); // exact
          // Total right shift 31 + shift, kept within [0, 62].
          Value t = arith::AddIOp::create(
              b, loc, arith::ExtSIOp::create(b, loc, i64, args[2]), c(31));
          t = arith::MaxSIOp::create(b, loc, t, c(0));
          t = arith::MinSIOp::create(b, loc, t, c(62));
          // floor(prod / 2^t), then round half to even on the remainder.
          Value q = arith::ShRSIOp::create(b, loc, prod, t);
          Value rem = arith::SubIOp::create(
              b, loc, prod, arith::ShLIOp::create(b, loc, q, t));
          Value half = arith::ShRSIOp::create(
              b, loc, arith::ShLIOp::create(b, loc, c(1), t), c(1));
          Value above = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                              rem, half);
          Value tie = arith::AndIOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem,
                                    half),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                    arith::AndIOp::create(b, loc, q, c(1)),
                                    c(0)));
          Value up = arith::AndIOp::create(
              b, loc, arith::OrIOp::create(b, loc, above, tie),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, t,
                                    c(0)));
          q = arith::AddIOp::create(b, loc, q,
                                    arith::ExtUIOp::create(b, loc, i64, up));
          q = arith::AddIOp::create(
              b, loc, q, arith::ExtSIOp::create(b, loc, i64, args[3]));
          return saturateToStorage(b, loc, q, storage);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The largest power-of-two exponent of an MX element type (OCP MX v1.0
/// emax_elem).
int64_t mxElementEmax(Type t) {
  if (isa<Float8E4M3FNType>(t))
    return 8;
  if (isa<Float8E5M2Type>(t))
    return 15;
  return 2; // f4E2M1FN
}

/// mx_quantize: the largest magnitude of each block (a reduction over the
/// input viewed as [..., K/B, B]), one scale per block from it, then the
/// elements as a qnk.quantize by the decoded block scales.
struct LowerMXQuantize : OpRewritePattern<MXQuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MXQuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto inTy = cast<RankedTensorType>(op.getInput().getType());
    auto resultTy = cast<RankedTensorType>(op.getResult().getType());
    auto scaleTy = cast<RankedTensorType>(op.getScale().getType());
    int64_t rank = inTy.getRank(), block = op.getBlockSize();
    Type f32 = rewriter.getF32Type();

    // amax[..., g] = max_j |x[..., g·B + j]| (NaN propagates).
    SmallVector<int64_t> blocked(scaleTy.getShape());
    blocked.push_back(block);
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t d = 0; d < rank - 1; ++d)
      reassociation.push_back({d});
    reassociation.push_back({rank - 1, rank});
    Value view = tensor::ExpandShapeOp::create(
        rewriter, loc, inTy.clone(blocked), op.getInput(), reassociation);
    auto amaxTy = scaleTy.clone(f32);
    Value zero = linalg::FillOp::create(
                     rewriter, loc, ValueRange{constF(rewriter, loc, 0)},
                     ValueRange{tensor::EmptyOp::create(
                         rewriter, loc, amaxTy.getShape(), f32)})
                     .getResult(0);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    SmallVector<AffineMap> maps = {
        rewriter.getMultiDimIdentityMap(rank + 1),
        AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank)};
    Value amax = linalg::GenericOp::create(
                     rewriter, loc, amaxTy, view, zero, maps, iters,
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       Value x = args[0];
                       if (!x.getType().isF32())
                         x = arith::ExtFOp::create(b, l, f32, x);
                       Value m = arith::MaximumFOp::create(
                           b, l, args[1], math::AbsFOp::create(b, l, x));
                       linalg::YieldOp::create(b, l, m);
                     })
                     .getResult(0);

    // One scale per block.
    Type storage = resultTy.getElementType();
    Type scaleElt = scaleTy.getElementType();
    bool nvfp4 = isa<Float8E4M3FNType>(scaleElt);
    AffineMap scalar = AffineMap::get(rank, 0, {}, ctx);
    SmallVector<Value> extras;
    SmallVector<AffineMap> extraMaps;
    if (nvfp4) {
      extras.push_back(op.getTensorScale());
      extraMaps.push_back(scalar);
    }
    auto vec1 = [](OpBuilder &b, Location l, Value v) -> Value {
      return vector::BroadcastOp::create(b, l,
                                         VectorType::get({1}, v.getType()), v);
    };
    Value scales = buildElementwise(
        rewriter, loc, amax, extras, extraMaps, scaleTy,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          if (!nvfp4)
            return vector::ExtractOp::create(
                b, l,
                encodeMXSharedScale(b, l, vec1(b, l, args[0]),
                                    mxElementEmax(storage)),
                0);
          // NVFP4: e4m3(amax / 6 / g), two f32 divisions.
          Value t = arith::DivFOp::create(b, l, args[0], constF(b, l, 6));
          t = arith::DivFOp::create(b, l, t, args[1]);
          return vector::ExtractOp::create(
              b, l, encodeFp8Saturating(b, l, vec1(b, l, t), scaleElt), 0);
        });

    // The elements: qnk.quantize by the block scales (MX), or by
    // f32(scale) * g (NVFP4), where a zero divisor becomes +Inf so that
    // the block's elements encode as ±0.
    Value divisor = scales;
    if (nvfp4)
      divisor = buildElementwise(
          rewriter, loc, scales, {op.getTensorScale()}, {scalar}, amaxTy,
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value d = arith::MulFOp::create(
                b, l, widenScalarToF32(b, l, args[0]), args[1]);
            Value isZero = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::OEQ, d, constF(b, l, 0));
            return arith::SelectOp::create(
                b, l, isZero,
                constF(b, l, std::numeric_limits<float>::infinity()), d);
          });
    Value q =
        QuantizeOp::create(rewriter, loc, resultTy, op.getInput(), divisor,
                           Value(), rewriter.getI64IntegerAttr(rank - 1),
                           rewriter.getI64IntegerAttr(block));
    rewriter.replaceOp(op, {q, scales});
    return success();
  }
};

/// unpack_ggml: two gathers from the raw rows, each one element-wise
/// linalg.generic whose input map picks the byte: the f16 scale from the
/// first two bytes of each block, the values from the rest.
struct LowerUnpackGGML : OpRewritePattern<UnpackGGMLOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(UnpackGGMLOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto valTy = cast<RankedTensorType>(op.getValues().getType());
    auto scaleTy = cast<RankedTensorType>(op.getScales().getType());
    unsigned rank = valTy.getRank();
    int64_t bytes = op.getBlockBytes();
    bool q4 = op.getFormat() == GGMLFormat::q4_0;
    Type i8 = rewriter.getI8Type();
    Value raw = op.getRaw();

    // The raw byte at (rows..., f(last)) for a map f of the last loop.
    auto rawMap = [&](AffineExpr last) {
      SmallVector<AffineExpr> exprs;
      for (unsigned d = 0; d + 1 < rank; ++d)
        exprs.push_back(getAffineDimExpr(d, ctx));
      exprs.push_back(last);
      return AffineMap::get(rank, 0, exprs, ctx);
    };
    AffineExpr n = getAffineDimExpr(rank - 1, ctx);
    auto byteOf = [&](OpBuilder &b, Location l, Value v) -> Value {
      return relabelScalar(b, l, v, i8);
    };

    // d = f16 from bytes 0 (low) and 1 (high) of block n.
    Value scales = buildElementwise(
        rewriter, loc, raw, {raw}, {rawMap(n * bytes + 1)}, scaleTy,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Type i16 = b.getI16Type();
          Value lo = arith::ExtUIOp::create(b, l, i16, byteOf(b, l, args[0]));
          Value hi = arith::ExtUIOp::create(b, l, i16, byteOf(b, l, args[1]));
          hi = arith::ShLIOp::create(b, l, hi, constI(b, l, i16, 8));
          return arith::BitcastOp::create(b, l, b.getF16Type(),
                                          arith::OrIOp::create(b, l, lo, hi));
        },
        rawMap(n * bytes));

    // Element k of a row: block k floordiv 32, byte 2 + k mod 32 (q8_0) or
    // 2 + k mod 16, its low nibble for k mod 32 < 16 and high otherwise,
    // minus 8 (q4_0).
    AffineExpr k = getAffineDimExpr(rank - 1, ctx);
    AffineExpr inBlock = q4 ? k % 16 : k % 32;
    Value values = buildElementwise(
        rewriter, loc, raw, {}, {}, valTy,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value byte = byteOf(b, l, args[0]);
          if (!q4)
            return byte;
          Value idx = linalg::IndexOp::create(b, l, rank - 1);
          Value c4 = arith::ConstantIndexOp::create(b, l, 4);
          // 4 · ((k mod 32) floordiv 16) = (k floordiv 16 mod 2) · 4.
          Value shift = arith::MulIOp::create(
              b, l,
              arith::RemUIOp::create(
                  b, l,
                  arith::DivUIOp::create(
                      b, l, idx, arith::ConstantIndexOp::create(b, l, 16)),
                  arith::ConstantIndexOp::create(b, l, 2)),
              c4);
          Value nibble = arith::AndIOp::create(
              b, l,
              arith::ShRUIOp::create(
                  b, l, byte, arith::IndexCastOp::create(b, l, i8, shift)),
              constI(b, l, i8, 0xF));
          Value q = arith::SubIOp::create(b, l, nibble, constI(b, l, i8, 8));
          return arith::TruncIOp::create(b, l, b.getI4Type(), q);
        },
        rawMap(k.floorDiv(32) * bytes + 2 + inBlock));
    rewriter.replaceOp(op, {values, scales});
    return success();
  }
};

struct LowerQuantizationPass
    : qnk::impl::QNKLowerQuantizationBase<LowerQuantizationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerQuantize, LowerDequantize, LowerRequantize,
                 LowerMXQuantize, LowerUnpackGGML>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
