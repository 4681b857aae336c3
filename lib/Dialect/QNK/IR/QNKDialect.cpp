//===- QNKDialect.cpp - QNK dialect and its verifiers
//-----------------------===//

#include "qnk/Dialect/QNK/IR/QNK.h"

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/TargetParser/X86TargetParser.h"

#include <limits>

using namespace mlir;
using namespace qnk;

#include "qnk/Dialect/QNK/IR/QNKDialect.cpp.inc"
#include "qnk/Dialect/QNK/IR/QNKEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "qnk/Dialect/QNK/IR/QNKAttrs.cpp.inc"
#define GET_OP_CLASSES
#include "qnk/Dialect/QNK/IR/QNKOps.cpp.inc"

void QNKDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "qnk/Dialect/QNK/IR/QNKOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qnk/Dialect/QNK/IR/QNKAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

/// True if the comma-separated feature list contains `+name`.
static bool listsFeature(StringRef features, StringRef name) {
  SmallVector<StringRef> feats;
  features.split(feats, ',', -1, false);
  for (StringRef f : feats)
    if (f.consume_front("+") && f == name)
      return true;
  return false;
}

bool CPUTargetAttr::hasFeature(StringRef name) const {
  return listsFeature(getFeatures(), name);
}

LogicalResult
CPUTargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      StringRef cpu, StringRef features, int64_t vectorBits,
                      int64_t vectorRegisters, int64_t l1dBytes,
                      int64_t l2Bytes) {
  // LLVM's CPU tables (codegenFeatures) assume the name is in them.
  if (llvm::X86::parseArchX86(cpu, /*Only64Bit=*/true) == llvm::X86::CK_None)
    return emitError() << "unknown x86-64 CPU '" << cpu << "'";
  // The vector width the kernels are built for must be the one the features
  // give (as resolveCPUTarget derives it): kernel selection trusts both.
  int64_t bits =
      listsFeature(features, "avx512f")                                 ? 512
      : listsFeature(features, "avx") || listsFeature(features, "avx2") ? 256
                                                                        : 128;
  if (vectorBits != bits)
    return emitError() << "vector_bits must be " << bits
                       << " for these features (512 with +avx512f, 256 with "
                          "+avx or +avx2, else 128), got "
                       << vectorBits;
  // Register blocks need an accumulator, a B vector, a broadcast and a
  // scratch register; more than 64 is no x86 register file.
  if (vectorRegisters < 4 || vectorRegisters > 64)
    return emitError() << "vector_registers must be in [4, 64], got "
                       << vectorRegisters;
  // Block sizes are computed from the cache sizes in int64_t.
  constexpr int64_t maxCache = int64_t(1) << 40;
  if (l1dBytes <= 0 || l1dBytes > maxCache || l2Bytes <= 0 ||
      l2Bytes > maxCache)
    return emitError() << "cache sizes must be in [1, 2^40] bytes, got "
                       << "l1d_bytes = " << l1dBytes
                       << ", l2_bytes = " << l2Bytes;
  return success();
}

LogicalResult
NanoKernelAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       NanoKernelKind kind, int64_t mr, int64_t nv,
                       int64_t vectorLength, int64_t kr) {
  // What each instruction takes: elements per 32-bit lane (kr) and lanes
  // per vector (the 128/256/512-bit forms), and for AMX 16 x 16 C tiles.
  int64_t wantKr = 1;
  SmallVector<int64_t, 3> lengths = {8, 16};
  bool amx = false;
  switch (kind) {
  case NanoKernelKind::fma_f32:
  case NanoKernelKind::dot_f32:
    lengths = {4, 8, 16};
    break;
  case NanoKernelKind::dpbf16_f32:
    wantKr = 2;
    lengths = {4, 8, 16};
    break;
  case NanoKernelKind::pmaddwd_i16:
    wantKr = 2;
    break;
  case NanoKernelKind::dpbusd_u8s8:
  case NanoKernelKind::dpbusd_s8s8:
  case NanoKernelKind::dot_i8:
    wantKr = 4;
    break;
  case NanoKernelKind::amx_bf16:
    wantKr = 2;
    amx = true;
    break;
  case NanoKernelKind::amx_s8s8:
  case NanoKernelKind::amx_u8s8:
    wantKr = 4;
    amx = true;
    break;
  }
  if (amx)
    lengths = {16};
  if (kr != wantKr)
    return emitError() << "kr must be " << wantKr << " for "
                       << stringifyNanoKernelKind(kind) << ", got " << kr;
  if (!llvm::is_contained(lengths, vectorLength)) {
    InFlightDiagnostic d = emitError();
    d << "vector_length must be one of";
    for (int64_t l : lengths)
      d << " " << l;
    return d << " for " << stringifyNanoKernelKind(kind) << ", got "
             << vectorLength;
  }
  if (mr < 1 || nv < 1 || mr > 32 || nv > 16 || mr * nv > 64)
    return emitError() << "register block " << mr << " x " << nv
                       << " must have mr in [1, 32], nv in [1, 16] and at "
                          "most 64 accumulators";
  // All eight AMX tile registers at most: C tiles, and one A tile per row
  // of tiles and one B tile per column.
  if (amx && (mr % 16 != 0 || (mr / 16) * nv + mr / 16 + nv > 8))
    return emitError() << "AMX register block " << mr << " x " << nv
                       << " must have mr a multiple of 16 and fit the eight "
                          "tile registers";
  return success();
}

Type NanoKernelAttr::getOperandType(MLIRContext *ctx) const {
  switch (getKind()) {
  case NanoKernelKind::fma_f32:
  case NanoKernelKind::dot_f32:
    return Float32Type::get(ctx);
  case NanoKernelKind::pmaddwd_i16:
    return IntegerType::get(ctx, 16);
  case NanoKernelKind::dpbusd_u8s8: // A holds u8 bits, B s8
  case NanoKernelKind::dpbusd_s8s8: // A holds s8 + 128 as u8 bits
  case NanoKernelKind::dot_i8:
    return IntegerType::get(ctx, 8);
  case NanoKernelKind::dpbf16_f32:
  case NanoKernelKind::amx_bf16:
    return BFloat16Type::get(ctx);
  case NanoKernelKind::amx_s8s8:
  case NanoKernelKind::amx_u8s8: // A holds u8 bits for amx_u8s8
    return IntegerType::get(ctx, 8);
  }
  llvm_unreachable("unknown nanokernel kind");
}

Type NanoKernelAttr::getAccumulatorType(MLIRContext *ctx) const {
  switch (getKind()) {
  case NanoKernelKind::fma_f32:
  case NanoKernelKind::dot_f32:
  case NanoKernelKind::dpbf16_f32:
  case NanoKernelKind::amx_bf16:
    return Float32Type::get(ctx);
  case NanoKernelKind::pmaddwd_i16:
  case NanoKernelKind::dpbusd_u8s8:
  case NanoKernelKind::dpbusd_s8s8:
  case NanoKernelKind::dot_i8:
  case NanoKernelKind::amx_s8s8:
  case NanoKernelKind::amx_u8s8:
    return IntegerType::get(ctx, 32);
  }
  llvm_unreachable("unknown nanokernel kind");
}

bool NanoKernelAttr::isAMX() const {
  return getKind() == NanoKernelKind::amx_bf16 ||
         getKind() == NanoKernelKind::amx_s8s8 ||
         getKind() == NanoKernelKind::amx_u8s8;
}

bool NanoKernelAttr::isDot() const {
  return getKind() == NanoKernelKind::dot_f32 ||
         getKind() == NanoKernelKind::dot_i8;
}

int64_t NanoKernelAttr::getAKr() const {
  if (!isAMX())
    return getKr();
  return 64 / (getOperandType(getContext()).getIntOrFloatBitWidth() / 8);
}

//===----------------------------------------------------------------------===//
// Matmul verifiers
//===----------------------------------------------------------------------===//

Type qnk::getMatmulAccumulatorType(Type a, Type b) {
  MLIRContext *ctx = a.getContext();
  if (a == b && (a.isF32() || a.isBF16() || a.isF16()))
    return Float32Type::get(ctx);
  // fp8 (either format, also mixed) with fp8 or bf16: exact in bf16.
  // fp8 and fp4 (MXFP4/NVFP4 elements) alike.
  auto fp8 = [](Type t) {
    return isa<Float8E4M3FNType, Float8E5M2Type, Float4E2M1FNType>(t);
  };
  if ((fp8(a) || a.isBF16()) && (fp8(b) || b.isBF16()) && (fp8(a) || fp8(b)))
    return Float32Type::get(ctx);
  // Integers: A signed or unsigned, B signed (vpdpbusd's and AMX's signed
  // operand) or 4-bit unsigned, which fits it.
  if ((isStorageInt(b) && !b.isUnsignedInteger(8)) && isStorageInt(a))
    return IntegerType::get(ctx, 32);
  // Float activations with integer weights (W4A16, W8A16): the integers are
  // exact in every float type.
  if ((a.isF32() || a.isBF16() || a.isF16()) && isStorageInt(b) &&
      !b.isUnsignedInteger(8))
    return Float32Type::get(ctx);
  return {};
}

bool qnk::isStorageInt(Type t) {
  auto it = dyn_cast<IntegerType>(t);
  return it && !it.isSigned() && (it.getWidth() == 8 || it.getWidth() == 4);
}

SmallVector<AffineMap, 3> qnk::getMatmulIndexingMaps(MLIRContext *ctx,
                                                     unsigned batchRank,
                                                     bool transposeA,
                                                     bool transposeB) {
  unsigned numDims = batchRank + 3;
  auto map = [&](unsigned x, unsigned y) {
    SmallVector<AffineExpr> results;
    for (unsigned i = 0; i < batchRank; ++i)
      results.push_back(getAffineDimExpr(i, ctx));
    results.push_back(getAffineDimExpr(batchRank + x, ctx));
    results.push_back(getAffineDimExpr(batchRank + y, ctx));
    return AffineMap::get(numDims, 0, results, ctx);
  };
  const unsigned m = 0, n = 1, k = 2;
  return {transposeA ? map(k, m) : map(m, k),
          transposeB ? map(n, k) : map(k, n), map(m, n)};
}

static std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

/// Shared verifier of qnk.matmul (batchRank = 0) and qnk.batch_matmul (1).
static LogicalResult verifyMatmulLike(Operation *op, RankedTensorType aTy,
                                      RankedTensorType bTy,
                                      RankedTensorType cTy, bool transA,
                                      bool transB, unsigned batchRank,
                                      bool hasEpilogue = false) {
  unsigned rank = 2 + batchRank;
  StringRef what = batchRank ? "batched operands" : "operands";
  if (aTy.getRank() != rank || bTy.getRank() != rank || cTy.getRank() != rank)
    return op->emitOpError()
           << "expects rank-" << rank << " " << what
           << " and result, got ranks " << aTy.getRank() << ", "
           << bTy.getRank() << " and " << cTy.getRank();
  Type accTy =
      getMatmulAccumulatorType(aTy.getElementType(), bTy.getElementType());
  if (!accTy)
    return op->emitOpError()
           << "unsupported element type pair " << typeStr(aTy.getElementType())
           << " x " << typeStr(bTy.getElementType())
           << "; supported: f32 x f32, bf16 x bf16, f16 x f16, fp8 x fp8 and "
              "fp8 x bf16 (f8E4M3FN, f8E5M2, f4E2M1FN, either side), integers "
              "{i8, ui8, i4, ui4} x {i8, i4, ui4}, and {f32, bf16, f16} x "
              "{i8, i4, ui4}";
  // An epilogue decides the result type (verified with the epilogue).
  if (!hasEpilogue && cTy.getElementType() != accTy)
    return op->emitOpError()
           << "result element type must be " << typeStr(accTy) << " for "
           << typeStr(aTy.getElementType()) << " operands, got "
           << typeStr(cTy.getElementType());
  ArrayRef<int64_t> a = aTy.getShape(), b = bTy.getShape(), c = cTy.getShape();
  for (unsigned i = 0; i < batchRank; ++i)
    if (a[i] != b[i] || a[i] != c[i])
      return op->emitOpError()
             << "batch dimensions differ: " << a[i] << " (A), " << b[i]
             << " (B), " << c[i] << " (result)";
  unsigned r0 = batchRank, r1 = batchRank + 1;
  int64_t m = transA ? a[r1] : a[r0], ka = transA ? a[r0] : a[r1];
  int64_t kb = transB ? b[r1] : b[r0], n = transB ? b[r0] : b[r1];
  if (ka != kb)
    return op->emitOpError() << "reduction dimensions differ: A has K = " << ka
                             << ", B has K = " << kb;
  if (c[r0] != m || c[r1] != n)
    return op->emitOpError() << "result shape must be " << m << "x" << n
                             << ", got " << c[r0] << "x" << c[r1];
  return success();
}

LogicalResult MatmulOp::verify() {
  if (failed(verifyMatmulLike(*this, getA().getType(), getB().getType(),
                              getC().getType(), getTransposeA(),
                              getTransposeB(), 0,
                              hasEpilogue() || hasGroupScales())))
    return failure();
  if (failed(verifyMatmulGroupScales(*this)))
    return failure();
  return verifyMatmulEpilogue(*this);
}

LogicalResult BatchMatmulOp::verify() {
  return verifyMatmulLike(*this, getA().getType(), getB().getType(),
                          getC().getType(), getTransposeA(), getTransposeB(),
                          1);
}

//===----------------------------------------------------------------------===//
// Destination-style ops
//===----------------------------------------------------------------------===//

/// Tensor DPS ops return one result of the init's type; memref ones none.
static LogicalResult verifyDpsResult(Operation *op, Value init,
                                     TypeRange results) {
  if (isa<RankedTensorType>(init.getType())) {
    if (results.size() != 1 || results[0] != init.getType())
      return op->emitOpError("with a tensor destination must return one "
                             "result of the destination type");
  } else if (!results.empty()) {
    return op->emitOpError("with a memref destination has no results");
  }
  return success();
}

/// Buffer operands are read, the destination is written (and read when
/// `readsInit`); tensor operands have no memory effects.
static void getDpsEffects(
    DestinationStyleOpInterface op, bool readsInit,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    bool init = op.isDpsInit(&operand);
    if (!init || readsInit)
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
    if (init)
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

void PackOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, /*readsInit=*/false, effects);
}

void PackedMatmulOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, getAccumulate(), effects);
}

int64_t PackOp::getTile() {
  auto shape = cast<ShapedType>(getDest().getType()).getShape();
  auto srcRank = cast<ShapedType>(getSource().getType()).getRank();
  // [.., P, K, tile] or [.., P, K/kr, tile, kr]
  return shape[srcRank + 0];
}

int64_t PackOp::getKr() {
  auto dstRank = cast<ShapedType>(getDest().getType()).getRank();
  auto srcRank = cast<ShapedType>(getSource().getType()).getRank();
  return dstRank == srcRank + 2
             ? cast<ShapedType>(getDest().getType()).getShape().back()
             : 1;
}

/// The element conversions qnk-lower-pack implements: exact widening only.
static bool isPackWidening(Type src, Type dst, bool biasToUnsigned) {
  if (biasToUnsigned) // signed 8- or 4-bit values, stored + 128 as u8 bits
    return (src.isSignlessInteger(8) || src.isSignlessInteger(4)) &&
           dst.isSignlessInteger(8);
  if (src == dst)
    return true;
  if (isa<Float8E4M3FNType, Float8E5M2Type, Float4E2M1FNType>(src))
    return dst.isF32() || dst.isBF16();
  auto sf = dyn_cast<FloatType>(src), df = dyn_cast<FloatType>(dst);
  if (sf && df)
    return df.getWidth() > sf.getWidth();
  // 8- and 4-bit integers are exact in f32 and bf16.
  if (isStorageInt(src) && df)
    return df.isF32() || df.isBF16();
  // Unsigned sources keep their bits at equal width (vpdpbusd's u8 operand).
  auto si = dyn_cast<IntegerType>(src), di = dyn_cast<IntegerType>(dst);
  return si && di && !si.isSigned() && di.isSignless() &&
         (di.getWidth() > si.getWidth() ||
          (di.getWidth() == si.getWidth() && si.isUnsigned()));
}

LogicalResult PackOp::verify() {
  auto srcTy = cast<ShapedType>(getSource().getType());
  auto dstTy = cast<ShapedType>(getDest().getType());
  if (!srcTy.hasRank() || !dstTy.hasRank())
    return emitOpError("expects ranked source and destination");
  // qnk-tile fuses buffer packs into its loops as views of the source.
  if (isa<MemRefType>(srcTy) != isa<MemRefType>(dstTy))
    return emitOpError("expects a source and destination that are both "
                       "tensors or both memrefs");
  int64_t srcRank = srcTy.getRank();
  if (srcRank != 2 && srcRank != 3)
    return emitOpError("expects a rank-2 or batched rank-3 source");
  if (dstTy.getRank() != srcRank + 1 && dstTy.getRank() != srcRank + 2)
    return emitOpError("expects a destination of rank ")
           << srcRank + 1 << " ([P, K, tile]) or " << srcRank + 2
           << " ([P, K/kr, tile, kr])";
  if (getPanelDim() != 0 && getPanelDim() != 1)
    return emitOpError("panel_dim must be 0 or 1");
  unsigned b = srcRank - 2;
  if (ShapedType::isDynamic(getTile()) || getTile() <= 0 ||
      ShapedType::isDynamic(getKr()) || getKr() <= 0)
    return emitOpError("panel width and kr must be static and positive");
  // qnk-lower-pack moves a panel's K steps through vector registers; the
  // widest nanokernel panel (an AMX A tile row block) holds 32 x 64.
  if (getTile() > 4096 || getKr() > 64 || getTile() * getKr() > 4096)
    return emitOpError("panel width ")
           << getTile() << " x kr " << getKr()
           << " exceeds 4096 elements (kr at most 64)";
  if (!isPackWidening(srcTy.getElementType(), dstTy.getElementType(),
                      getBiasToUnsigned()))
    return emitOpError("cannot pack ")
           << srcTy.getElementType() << " into " << dstTy.getElementType()
           << (getBiasToUnsigned() ? " with bias_to_unsigned" : "")
           << ": expects the same type, a wider float or signless integer, "
              "fp8 into bf16 or f32, or i8 or i4 into i8 with "
              "bias_to_unsigned";
  // Block-sized packs inside tiled loops have dynamic extents; static ones
  // are checked exactly.
  if (!srcTy.hasStaticShape() || !dstTy.hasStaticShape())
    return verifyDpsResult(*this, getDest(), getResultTypes());
  if (b && srcTy.getDimSize(0) != dstTy.getDimSize(0))
    return emitOpError("batch dimensions differ");
  int64_t rows = srcTy.getDimSize(b + getPanelDim());
  int64_t k = srcTy.getDimSize(b + 1 - getPanelDim());
  int64_t tile = getTile(), kr = getKr();
  // K may be padded further (AMX B panels cover whole A tiles of K).
  if (dstTy.getDimSize(b) != llvm::divideCeil(rows, tile) ||
      dstTy.getDimSize(b + 1) < llvm::divideCeil(k, kr))
    return emitOpError("destination shape does not match ")
           << rows << " rows and K = " << k << " in panels of " << tile
           << (kr > 1 ? " with kr = " + std::to_string(kr) : "");
  return verifyDpsResult(*this, getDest(), getResultTypes());
}

bool PackedMatmulOp::isBatched() {
  return cast<ShapedType>(getInit().getType()).getRank() == 3;
}
bool PackedMatmulOp::isAPacked() {
  return cast<ShapedType>(getA().getType()).getRank() > (isBatched() ? 3 : 2);
}
bool PackedMatmulOp::isBPacked() {
  return cast<ShapedType>(getB().getType()).getRank() > (isBatched() ? 3 : 2);
}

LogicalResult PackedMatmulOp::verify() {
  auto aTy = cast<ShapedType>(getA().getType());
  auto bTy = cast<ShapedType>(getB().getType());
  auto cTy = cast<ShapedType>(getInit().getType());
  if (!aTy.hasRank() || !bTy.hasRank() || !cTy.hasRank())
    return emitOpError("expects ranked operands");
  if (cTy.getRank() != 2 && cTy.getRank() != 3)
    return emitOpError("expects a rank-2 or batched rank-3 init");
  NanoKernelAttr kernel = getKernel();
  MLIRContext *ctx = getContext();
  // A row-major B may hold 16-bit floats that the f32 FMA kernel widens as
  // it loads them.
  unsigned bdims = cTy.getRank() - 2;
  bool bInKernel =
      bTy.getRank() == bdims + 2 &&
      kernel.getKind() == NanoKernelKind::fma_f32 &&
      (bTy.getElementType().isBF16() || bTy.getElementType().isF16());
  if (hasGroupScales() != getGroupSize().has_value())
    return emitOpError("group scales and group_size go together");
  if (hasGroupScales()) {
    if (kernel.isAMX())
      return emitOpError("group scales need a vector nanokernel");
    if (*getGroupSize() <= 0 || *getGroupSize() % kernel.getKr() != 0)
      return emitOpError() << "group_size must be a positive multiple of the "
                              "nanokernel's K step "
                           << kernel.getKr() << ", got " << *getGroupSize();
    for (Value v : {getAGroupScale(), getBGroupScale()})
      if (v && (!getElementTypeOrSelf(v).isF32() ||
                cast<ShapedType>(v.getType()).getRank() != 2))
        return emitOpError("group scales must be rank-2 f32");
  }
  if (bool(getAScale()) != bool(getBScale()))
    return emitOpError("dequantize needs both scales");
  for (Value v : {getAScale(), getBScale(), getBias()})
    if (v && (!getElementTypeOrSelf(v).isF32() ||
              cast<ShapedType>(v.getType()).getRank() > 1))
      return emitOpError("epilogue scales and bias must be f32 of rank 0 "
                         "or 1");
  if (kernel.getKind() == NanoKernelKind::dot_i8) {
    if (isBatched() || getLast() || aTy.getRank() != 2 || bTy.getRank() != 2)
      return emitOpError("dot_i8 takes unbatched A [M, K] and B [N, K] and "
                         "applies its epilogue always");
    Type a = aTy.getElementType(), b = bTy.getElementType();
    Type c = (hasEpilogue() || hasGroupScales())
                 ? Type(Float32Type::get(ctx))
                 : Type(IntegerType::get(ctx, 32));
    if (!(a.isSignlessInteger(8) || a.isUnsignedInteger(8)) ||
        !isStorageInt(b) || b.isUnsignedInteger(8) || cTy.getElementType() != c)
      return emitOpError() << "dot_i8 needs i8/ui8 A, i8/i4/ui4 B and a " << c
                           << " C";
    return verifyDpsResult(*this, getInit(), getResultTypes());
  }
  if (kernel.getKind() == NanoKernelKind::dot_f32) {
    // Rows of A [M, K] against rows of B [N, K], both widened in registers.
    if (isBatched() || getLast() || aTy.getRank() != 2 || bTy.getRank() != 2)
      return emitOpError("dot_f32 takes unbatched A [M, K] and B [N, K] "
                         "and applies its epilogue always");
    Type a = aTy.getElementType(), b = bTy.getElementType();
    if (!(a.isF32() || a.isBF16() || a.isF16()) ||
        !(b.isF32() || b.isBF16() || b.isF16() || isStorageInt(b)) ||
        b.isUnsignedInteger(8) || !cTy.getElementType().isF32())
      return emitOpError("dot_f32 needs f32/bf16/f16 A, f32/bf16/f16/i8/i4/"
                         "ui4 B and an f32 C");
    auto same = [](int64_t x, int64_t y) {
      return ShapedType::isDynamic(x) || ShapedType::isDynamic(y) || x == y;
    };
    if (!same(aTy.getDimSize(1), bTy.getDimSize(1)) ||
        !same(aTy.getDimSize(0), cTy.getDimSize(0)) ||
        !same(bTy.getDimSize(0), cTy.getDimSize(1)))
      return emitOpError("dot_f32 shapes must be A [M, K], B [N, K], C "
                         "[M, N]");
    return verifyDpsResult(*this, getInit(), getResultTypes());
  }
  // With an epilogue C holds f32 (integer partial sums as their bits).
  Type cElt = hasEpilogue() || hasGroupScales()
                  ? Float32Type::get(ctx)
                  : kernel.getAccumulatorType(ctx);
  if (aTy.getElementType() != kernel.getOperandType(ctx) ||
      (bTy.getElementType() != kernel.getOperandType(ctx) && !bInKernel) ||
      cTy.getElementType() != cElt)
    return emitOpError("operand element types do not match the nanokernel");
  unsigned bd = isBatched();
  int64_t kr = kernel.getKr();
  int64_t packedRank = bd + (kr == 1 ? 3 : 4);
  auto checkOperand = [&](ShapedType ty, StringRef name, int64_t tile,
                          int64_t group) -> LogicalResult {
    int64_t rank = bd + (group == 1 ? 3 : 4);
    if (ty.getRank() != bd + 2 && ty.getRank() != rank)
      return emitOpError() << name << " must be row-major (rank " << bd + 2
                           << ") or packed (rank " << rank << ")";
    if (ty.getRank() == rank) {
      if (ty.getDimSize(bd + 2) != tile ||
          (group > 1 && ty.getDimSize(bd + 3) != group))
        return emitOpError() << name << " panels must be " << tile
                             << " wide to match the nanokernel";
    } else if (group != 1) {
      return emitOpError() << name << " must be packed for kr = " << group;
    }
    return success();
  };
  if (failed(checkOperand(aTy, "A", kernel.getMr(), kernel.getAKr())) ||
      failed(checkOperand(bTy, "B", kernel.getNr(), kr)))
    return failure();
  if (bd && (aTy.getDimSize(0) != cTy.getDimSize(0) ||
             bTy.getDimSize(0) != cTy.getDimSize(0)))
    return emitOpError("batch dimensions differ");
  // Static extents must agree: the nanokernel trusts them.
  auto known = [](int64_t a, int64_t b) {
    return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b);
  };
  bool aPacked = aTy.getRank() > bd + 2;
  bool bPacked = bTy.getRank() == packedRank;
  int64_t m = cTy.getDimSize(bd), n = cTy.getDimSize(bd + 1);
  // K in elements (padded), as each operand holds it.
  int64_t ka = aTy.getDimSize(bd + 1);
  int64_t kb = bTy.getDimSize(bPacked ? bd + 1 : bd);
  // Sizes times kernel factors may overflow int64_t: a capacity then
  // saturates (it covers anything), K counts must match exactly.
  auto saturatingMul = [](int64_t x, int64_t y) {
    int64_t r;
    return llvm::MulOverflow(x, y, r) ? std::numeric_limits<int64_t>::max() : r;
  };
  int64_t kaElems = 0, kbElems = 0;
  if (known(ka, kb) &&
      (llvm::MulOverflow(ka, aPacked ? kernel.getAKr() : 1, kaElems) ||
       llvm::MulOverflow(kb, kr, kbElems)))
    return emitOpError("K extents overflow int64_t");
  if (known(ka, kb) && kaElems != kbElems)
    return emitOpError() << "A has " << kaElems << " K elements but B has "
                         << kbElems;
  int64_t aRows = aTy.getDimSize(bd);
  int64_t aRowCap = aPacked && !ShapedType::isDynamic(aRows)
                        ? saturatingMul(aRows, kernel.getMr())
                        : aRows;
  if (known(aRowCap, m) && (aPacked ? aRowCap < m : aRowCap != m))
    return emitOpError() << "A covers " << aRowCap << " rows but C has " << m;
  int64_t bCols = bPacked ? bTy.getDimSize(bd) : bTy.getDimSize(bd + 1);
  int64_t bColCap = bPacked && !ShapedType::isDynamic(bCols)
                        ? saturatingMul(bCols, kernel.getNr())
                        : bCols;
  if (known(bColCap, n) && (bPacked ? bColCap < n : bColCap != n))
    return emitOpError() << "B covers " << bColCap << " columns but C has "
                         << n;
  return verifyDpsResult(*this, getInit(), getResultTypes());
}
