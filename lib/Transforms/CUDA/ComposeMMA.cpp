//===- ComposeMMA.cpp - Tensor-core matmul kernel bodies ------------------===//
//
// Writes the body of each gpu.func that qnk-cuda-outline-matmul left with a
// `qnk.cuda_matmul` configuration: a multi-stage cp.async pipeline into
// shared memory, ldmatrix fragment loads, nvvm.mma.sync accumulation in
// registers and a predicated store of C.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/CUDAMatmul.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "qnk/Transforms/Passes.h"

namespace qnk {
#define GEN_PASS_DEF_QNKCUDACOMPOSEMMA
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk::cuda;

namespace {

/// Emits one kernel body. Index arithmetic is plain arith on `index`; all
/// tile extents are compile-time constants.
class MatmulKernelBuilder {
public:
  MatmulKernelBuilder(gpu::GPUFuncOp kernel, const MatmulKernelConfig &config)
      : kernel(kernel), c(config),
        b(ImplicitLocOpBuilder::atBlockBegin(kernel.getLoc(),
                                             &kernel.getBody().front())) {
    isInt8 = c.mma == MmaKind::M16N8K32Int8;
    elementType =
        cast<MemRefType>(kernel.getArgument(0).getType()).getElementType();
    elementBytes = isInt8 ? 1 : 2;
    vectorElements = 16 / elementBytes;
    isWgmma = c.mma == MmaKind::WgmmaM64K16Float;
    // wgmma reads 128-byte rows swizzled in 1 KiB blocks instead of padded
    // rows; with that, each warp holds 16 rows × BN of the warpgroup's
    // m64nBN accumulators, laid out as mma.sync's m16n8 tiles side by side.
    pad = isWgmma ? 0 : paddingElements(elementBytes);
    warpTileM = c.bm / c.warpsM;
    warpTileN = c.bn / c.warpsN;
    mTiles = warpTileM / 16;
    nTiles = warpTileN / 8;
    kStep = isInt8 ? 32 : 16;
  }

  void build() {
    Value a = kernel.getArgument(0), bMat = kernel.getArgument(1),
          cMat = kernel.getArgument(2);
    // The stub's gpu.return goes last.
    Operation *terminator = kernel.getBody().front().getTerminator();
    b.setInsertionPoint(terminator);

    Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    lane = rem(tid, 32);
    Value warp = div(tid, 32);
    Value warpM = div(warp, c.warpsN), warpN = rem(warp, c.warpsN);
    Value m0 = mul(gpu::BlockIdOp::create(b, gpu::Dimension::y), c.bm);
    Value n0 = mul(gpu::BlockIdOp::create(b, gpu::Dimension::x), c.bn);
    this->tid = tid;

    createSharedViews();

    // K tiles are known statically: the prologue fills `ahead` buffers.
    // wgmma keeps one group of tensor-core work in flight past the end of
    // its K tile, so its buffer is refilled one iteration later.
    int64_t numK = (c.k + c.bk - 1) / c.bk;
    int64_t ahead = isWgmma ? c.stages - 2 : c.stages - 1;
    for (int64_t s = 0; s < ahead; ++s) {
      if (s < numK)
        loadTiles(constant(s), constant(s), m0, n0);
      NVVM::CpAsyncCommitGroupOp::create(b);
    }

    Type accElement = isInt8 ? Type(b.getI32Type()) : Type(b.getF32Type());
    auto accType = VectorType::get({4}, accElement);
    SmallVector<Value> init;
    if (isWgmma) {
      wgmmaAccType = LLVM::LLVMStructType::getLiteral(
          b.getContext(), SmallVector<Type>(c.bn / 2, accElement));
      init.push_back(LLVM::ZeroOp::create(b, wgmmaAccType));
    } else {
      Value zero =
          arith::ConstantOp::create(b, accType, b.getZeroAttr(accType));
      init.assign(mTiles * nTiles, zero);
    }
    auto loop =
        scf::ForOp::create(b, constant(0), constant(numK), constant(1), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value kt = loop.getInductionVar();
      // Tile kt has landed (at most ahead-1 younger groups in flight) and
      // every warp is done with the buffer that the next load overwrites
      // (for wgmma: its group of two iterations ago has completed).
      NVVM::CpAsyncWaitGroupOp::create(b, b.getI32IntegerAttr(ahead - 1));
      // wgmma reads shared memory through the async proxy: order the
      // cp.async writes (generic proxy) before it.
      if (isWgmma)
        NVVM::FenceProxyOp::create(
            b, NVVM::ProxyKind::async_shared,
            NVVM::SharedSpaceAttr::get(b.getContext(),
                                       NVVM::SharedSpace::shared_cta));
      gpu::BarrierOp::create(b);
      Value next = add(kt, ahead);
      Value inRange = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, next,
                                            constant(numK));
      auto ifLoad = scf::IfOp::create(b, inRange, /*withElse=*/false);
      {
        OpBuilder::InsertionGuard g2(b);
        b.setInsertionPointToStart(ifLoad.thenBlock());
        loadTiles(rem(next, c.stages), next, m0, n0);
      }
      // Always one group per iteration, so the wait count above holds.
      NVVM::CpAsyncCommitGroupOp::create(b);
      SmallVector<Value> accs(loop.getRegionIterArgs());
      if (isWgmma)
        accs[0] = multiplyStageWgmma(rem(kt, c.stages), warpM, accs[0]);
      else
        multiplyStage(rem(kt, c.stages), warpM, warpN, accs);
      scf::YieldOp::create(b, accs);
    }
    SmallVector<Value> results(loop.getResults());
    if (isWgmma) {
      NVVM::WgmmaWaitGroupSyncOp::create(b, b.getI64IntegerAttr(0));
      // The m64nBN accumulators as BN/8 tiles of four.
      Value acc = results[0];
      results.clear();
      for (int64_t j = 0; j < nTiles; ++j) {
        SmallVector<Value> four;
        for (int64_t i = 0; i < 4; ++i)
          four.push_back(LLVM::ExtractValueOp::create(b, acc, 4 * j + i));
        results.push_back(vector::FromElementsOp::create(b, accType, four));
      }
    }
    NVVM::CpAsyncWaitGroupOp::create(b, b.getI32IntegerAttr(0));
    storeC(cMat, results, m0, n0, warpM, warpN);
    (void)a;
    (void)bMat;
  }

private:
  // --- index helpers ------------------------------------------------------
  Value constant(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value add(Value x, int64_t v) { return add(x, constant(v)); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, int64_t v) {
    return arith::MulIOp::create(b, x, constant(v));
  }
  Value div(Value x, int64_t v) {
    return arith::DivUIOp::create(b, x, constant(v));
  }
  Value rem(Value x, int64_t v) {
    return arith::RemUIOp::create(b, x, constant(v));
  }
  Value lessThan(Value x, int64_t bound) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x,
                                 constant(bound));
  }

  /// Views of the dynamic shared memory: [stage][row][col] for A (M×K
  /// rows) and B (K×N, or N×K with transpose_b), each row padded by 16 bytes
  /// so that the eight row addresses of an ldmatrix hit distinct banks. For
  /// i8 a second view of the same bytes in i16 units feeds ldmatrix, whose
  /// matrices are 8×8 of 16 bits.
  void createSharedViews() {
    auto workgroup = gpu::AddressSpaceAttr::get(
        b.getContext(), gpu::GPUDialect::getWorkgroupAddressSpace());
    auto raw = gpu::DynamicSharedMemoryOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                           MemRefLayoutAttrInterface{}, workgroup));
    aCols = c.bk + pad;
    aRows = c.bm;
    bRows = c.transposeB ? c.bn : c.bk;
    bCols = (c.transposeB ? c.bk : c.bn) + pad;
    int64_t aBytes = c.stages * aRows * aCols * elementBytes;
    // The swizzle pattern repeats every 1 KiB of shared addresses, and
    // wgmma's descriptors assume tiles start on such a boundary.
    Value base = constant(0);
    if (isWgmma) {
      Value address = arith::IndexCastUIOp::create(
          b, b.getI64Type(),
          memref::ExtractAlignedPointerAsIndexOp::create(b, raw));
      Value c1024 = arith::ConstantIntOp::create(b, b.getI64Type(), 1024);
      Value misalign = arith::RemUIOp::create(b, address, c1024);
      Value shift = arith::RemUIOp::create(
          b, arith::SubIOp::create(b, c1024, misalign), c1024);
      aAddress = arith::AddIOp::create(b, address, shift);
      bAddress = arith::AddIOp::create(
          b, aAddress, arith::ConstantIntOp::create(b, b.getI64Type(), aBytes));
      base = arith::IndexCastUIOp::create(b, b.getIndexType(), shift);
    }
    auto view = [&](int64_t offset, int64_t rows, int64_t cols, Type type) {
      int64_t unit = type.getIntOrFloatBitWidth() / 8;
      auto t = MemRefType::get({c.stages, rows, cols * elementBytes / unit},
                               type, MemRefLayoutAttrInterface{}, workgroup);
      return memref::ViewOp::create(b, t, raw, add(base, offset), ValueRange{})
          .getResult();
    };
    aShared = view(0, aRows, aCols, elementType);
    bShared = view(aBytes, bRows, bCols, elementType);
    Type fragmentType = isInt8 ? Type(b.getI16Type()) : elementType;
    aFragments = isInt8 ? view(0, aRows, aCols, fragmentType) : aShared;
    bFragments = isInt8 ? view(aBytes, bRows, bCols, fragmentType) : bShared;
  }

  /// Copies the A and B tiles of K tile `kTile` into buffer `stage`.
  void loadTiles(Value stage, Value kTile, Value m0, Value n0) {
    Value k0 = arith::MulIOp::create(b, kTile, constant(c.bk));
    Value a = kernel.getArgument(0), bMat = kernel.getArgument(1);
    copyTile(a, aShared, stage, c.bm, c.bk, m0, k0, c.m, c.k);
    if (c.transposeB)
      copyTile(bMat, bShared, stage, c.bn, c.bk, n0, k0, c.n, c.k);
    else
      copyTile(bMat, bShared, stage, c.bk, c.bn, k0, n0, c.k, c.n);
  }

  /// Copies a rows×cols tile at (row0, col0) of the rowLimit×colLimit
  /// matrix `src` into shared[stage], in 16-byte chunks spread over the
  /// threads. Outside the matrix the tile is zero, which adds nothing to
  /// the products.
  void copyTile(Value src, Value shared, Value stage, int64_t rows,
                int64_t cols, Value row0, Value col0, int64_t rowLimit,
                int64_t colLimit) {
    int64_t chunksPerRow = cols / vectorElements;
    int64_t chunks = rows * chunksPerRow;
    int64_t threads = c.threads();
    // cp.async moves 16 bytes from a 16-byte aligned address: every row
    // must start on one.
    bool aligned = colLimit % vectorElements == 0;
    for (int64_t first = 0; first < chunks; first += threads) {
      Value chunk = add(tid, first);
      std::optional<scf::IfOp> guard;
      if (first + threads > chunks) {
        guard = scf::IfOp::create(b, lessThan(chunk, chunks), false);
        b.setInsertionPointToStart(guard->thenBlock());
      }
      Value row = div(chunk, chunksPerRow);
      Value chunkInRow = rem(chunk, chunksPerRow);
      Value col = mul(chunkInRow, vectorElements);
      Value gRow = add(row0, row), gCol = add(col0, col);
      // 128-byte swizzle (wgmma): 16-byte chunk c of row r is stored at
      // chunk c ^ (r % 8).
      Value sharedCol =
          isWgmma ? mul(arith::XOrIOp::create(b, chunkInRow, rem(row, 8)),
                        vectorElements)
                  : col;
      if (aligned)
        copyChunkAsync(src, shared, stage, row, sharedCol, gRow, gCol, rowLimit,
                       colLimit);
      else
        copyChunkByElement(src, shared, stage, row, sharedCol, gRow, gCol,
                           rowLimit, colLimit);
      if (guard)
        b.setInsertionPointAfter(*guard);
    }
  }

  void copyChunkAsync(Value src, Value shared, Value stage, Value row,
                      Value col, Value gRow, Value gCol, int64_t rowLimit,
                      int64_t colLimit) {
    Value rowIn = lessThan(gRow, rowLimit);
    Value colIn = lessThan(gCol, colLimit);
    Value in = arith::AndIOp::create(b, rowIn, colIn);
    // Elements left in this row, at most a chunk; none outside the matrix
    // (cp.async zero-fills the rest). The address stays in bounds too.
    Value left = arith::SubIOp::create(
        b, constant(colLimit),
        arith::SelectOp::create(b, in, gCol, constant(colLimit)));
    Value count = arith::MinUIOp::create(b, left, constant(vectorElements));
    Value srcRow = arith::SelectOp::create(b, in, gRow, constant(0));
    Value srcCol = arith::SelectOp::create(b, in, gCol, constant(0));
    nvgpu::DeviceAsyncCopyOp::create(
        b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), shared,
        ValueRange{stage, row, col}, src, ValueRange{srcRow, srcCol},
        b.getIndexAttr(vectorElements), count, b.getUnitAttr());
  }

  /// Rows that are not 16-byte aligned: element loads, one vector store.
  void copyChunkByElement(Value src, Value shared, Value stage, Value row,
                          Value col, Value gRow, Value gCol, int64_t rowLimit,
                          int64_t colLimit) {
    Value rowIn = lessThan(gRow, rowLimit);
    Value zero =
        arith::ConstantOp::create(b, elementType, b.getZeroAttr(elementType));
    SmallVector<Value> elements;
    for (int64_t j = 0; j < vectorElements; ++j) {
      Value gc = add(gCol, j);
      Value in = arith::AndIOp::create(b, rowIn, lessThan(gc, colLimit));
      auto ifIn = scf::IfOp::create(b, TypeRange{elementType}, in, true);
      {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(ifIn.thenBlock());
        Value v = memref::LoadOp::create(b, src, ValueRange{gRow, gc});
        scf::YieldOp::create(b, v);
        b.setInsertionPointToStart(ifIn.elseBlock());
        scf::YieldOp::create(b, zero);
      }
      elements.push_back(ifIn.getResult(0));
    }
    auto vt = VectorType::get({vectorElements}, elementType);
    Value v = vector::FromElementsOp::create(b, vt, elements);
    vector::StoreOp::create(b, v, shared, ValueRange{stage, row, col});
  }

  /// ldmatrix x4 at [stage, row, col] of `view`, as four i32 registers (or
  /// four vector<2xf16> for f16, the type mma.sync takes for it).
  SmallVector<Value> loadMatrices(Value view, Value stage, Value row, Value col,
                                  bool transpose) {
    Type t = cast<MemRefType>(view.getType()).getElementType();
    auto result = VectorType::get({4, 2}, t);
    Value m = nvgpu::LdMatrixOp::create(
        b, result, view, ValueRange{stage, row, col}, b.getBoolAttr(transpose),
        b.getI32IntegerAttr(4));
    SmallVector<Value> regs;
    for (int64_t i = 0; i < 4; ++i) {
      Value pair = vector::ExtractOp::create(b, m, i);
      if (t.isF16()) {
        regs.push_back(pair);
        continue;
      }
      Value packed = vector::BitCastOp::create(
          b, VectorType::get({1}, b.getI32Type()), pair);
      regs.push_back(vector::ExtractOp::create(b, packed, 0));
    }
    return regs;
  }

  /// One K tile from buffer `stage`: for each K step, the warp's A
  /// fragments (mTiles × 16 rows) and B fragments (nTiles × 8 columns), then
  /// mTiles × nTiles mma.sync into the accumulators.
  void multiplyStage(Value stage, Value warpM, Value warpN,
                     SmallVector<Value> &accs) {
    // ldmatrix addresses: each lane names one 8-element row.
    Value lane16 = rem(lane, 16), laneHalf = div(lane, 16);
    Value lane8 = rem(lane, 8), laneQuarter = rem(div(lane, 8), 2);
    Value aRowBase = add(mul(warpM, warpTileM), lane16);
    Value bBase = mul(warpN, warpTileN);
    // Column offsets in the fragment view's (16-bit) units.
    int64_t stepCols = 16;
    for (int64_t kk = 0; kk < c.bk / kStep; ++kk) {
      SmallVector<SmallVector<Value>> aFrag, bFrag;
      for (int64_t mi = 0; mi < mTiles; ++mi)
        aFrag.push_back(loadMatrices(aFragments, stage, add(aRowBase, mi * 16),
                                     add(mul(laneHalf, 8), kk * stepCols),
                                     /*transpose=*/false));
      for (int64_t nj = 0; nj < nTiles; nj += 2) {
        SmallVector<Value> regs;
        if (c.transposeB) {
          // [n][k]: matrices (n0-7,k0-7) (n0-7,k8-15) (n8-15,k0-7) ...
          Value row = add(add(bBase, nj * 8), add(lane8, mul(laneHalf, 8)));
          Value col = add(mul(laneQuarter, 8), kk * stepCols);
          regs = loadMatrices(bFragments, stage, row, col, false);
        } else {
          // [k][n], transposed on load: (k0-7,n0-7) (k8-15,n0-7) ...
          Value row = add(lane16, kk * 16);
          Value col = add(add(bBase, nj * 8), mul(laneHalf, 8));
          regs = loadMatrices(bFragments, stage, row, col, true);
        }
        bFrag.push_back({regs[0], regs[1]});
        bFrag.push_back({regs[2], regs[3]});
      }
      for (int64_t mi = 0; mi < mTiles; ++mi)
        for (int64_t nj = 0; nj < nTiles; ++nj) {
          Value &acc = accs[mi * nTiles + nj];
          acc = mma(aFrag[mi], bFrag[nj], acc);
        }
    }
  }

  /// wgmma shared-memory matrix descriptor for a K-major tile at shared
  /// address `address`: 128-byte swizzle, 8-row groups 1 KiB apart.
  Value descriptor(Value address) {
    auto i64 = [&](int64_t v) {
      return arith::ConstantIntOp::create(b, b.getI64Type(), v).getResult();
    };
    Value start = arith::ShRUIOp::create(
        b, arith::AndIOp::create(b, address, i64(0x3FFFF)), i64(4));
    int64_t fixed = (int64_t(1) << 16) |         // leading offset (unused)
                    (int64_t(1024 >> 4) << 32) | // stride offset
                    (int64_t(1) << 62);          // 128-byte swizzle
    return arith::OrIOp::create(b, start, i64(fixed));
  }

  /// One K tile from buffer `stage` with wgmma: warpgroup g multiplies rows
  /// 64g..64g+63 of A by all of B, BK/16 instructions in one group, then
  /// waits for the previous tile's group (so the loads of the next K tile
  /// overlap this one's tensor-core work).
  Value multiplyStageWgmma(Value stage, Value warp, Value acc) {
    auto i64 = [&](Value index) {
      return arith::IndexCastUIOp::create(b, b.getI64Type(), index).getResult();
    };
    int64_t rowBytes = c.bk * elementBytes;
    Value warpgroup = div(warp, 4);
    Value aTile = arith::AddIOp::create(
        b, aAddress,
        i64(add(mul(stage, c.bm * rowBytes), mul(warpgroup, 64 * rowBytes))));
    Value bTile =
        arith::AddIOp::create(b, bAddress, i64(mul(stage, c.bn * rowBytes)));
    NVVM::WgmmaFenceAlignedOp::create(b);
    MLIRContext *ctx = b.getContext();
    auto type = NVVM::WGMMATypesAttr::get(ctx, elementType.isBF16()
                                                   ? NVVM::WGMMATypes::bf16
                                                   : NVVM::WGMMATypes::f16);
    for (int64_t kk = 0; kk < c.bk / kStep; ++kk) {
      // A K step of 16 elements is 32 bytes into the swizzled row; the
      // hardware applies the swizzle to the whole address.
      Value step = arith::ConstantIntOp::create(b, b.getI64Type(),
                                                kk * kStep * elementBytes);
      acc = NVVM::WgmmaMmaAsyncOp::create(
          b, wgmmaAccType, acc,
          descriptor(arith::AddIOp::create(b, aTile, step)),
          descriptor(arith::AddIOp::create(b, bTile, step)),
          NVVM::MMAShapeAttr::get(ctx, 64, c.bn, kStep), type, type,
          NVVM::WGMMATypesAttr::get(ctx, NVVM::WGMMATypes::f32),
          NVVM::WGMMAScaleOutAttr::get(ctx, NVVM::WGMMAScaleOut::one),
          NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one),
          NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one),
          NVVM::MMALayoutAttr::get(ctx, NVVM::MMALayout::row),
          NVVM::MMALayoutAttr::get(ctx, NVVM::MMALayout::col),
          NVVM::MMAIntOverflowAttr{});
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b);
    NVVM::WgmmaWaitGroupSyncOp::create(b, b.getI64IntegerAttr(1));
    return acc;
  }

  Value mma(ArrayRef<Value> aRegs, ArrayRef<Value> bRegs, Value acc) {
    auto accType = cast<VectorType>(acc.getType());
    Type e = accType.getElementType();
    SmallVector<Value> cRegs;
    for (int64_t i = 0; i < 4; ++i)
      cRegs.push_back(vector::ExtractOp::create(b, acc, i));
    auto structType =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {e, e, e, e});
    std::array<NVVM::MMATypes, 2> types;
    std::optional<NVVM::MMAIntOverflow> overflow;
    if (isInt8) {
      types = {NVVM::MMATypes::s8, NVVM::MMATypes::s8};
      // qnk.matmul's i32 accumulation wraps.
      overflow = NVVM::MMAIntOverflow::wrapped;
    } else if (elementType.isBF16()) {
      types = {NVVM::MMATypes::bf16, NVVM::MMATypes::bf16};
    } else {
      types = {NVVM::MMATypes::f16, NVVM::MMATypes::f16};
    }
    Value d =
        NVVM::MmaOp::create(b, structType, aRegs, bRegs, cRegs, {16, 8, kStep},
                            std::nullopt, overflow, types,
                            std::array<NVVM::MMALayout, 2>{
                                NVVM::MMALayout::row, NVVM::MMALayout::col});
    SmallVector<Value> out;
    for (int64_t i = 0; i < 4; ++i)
      out.push_back(LLVM::ExtractValueOp::create(b, d, i));
    return vector::FromElementsOp::create(b, accType, out);
  }

  /// Accumulator i of an m16n8 tile sits at row lane/4 (+8 for i >= 2),
  /// column 2*(lane%4) + i%2. Each element is stored only inside C; pairs
  /// go as one 8-byte store when N is even (then both are in or out).
  void storeC(Value cMat, ValueRange accs, Value m0, Value n0, Value warpM,
              Value warpN) {
    Value rowBase = add(add(m0, mul(warpM, warpTileM)), div(lane, 4));
    Value colBase = add(add(n0, mul(warpN, warpTileN)), mul(rem(lane, 4), 2));
    Type e = cast<VectorType>(accs.front().getType()).getElementType();
    for (int64_t mi = 0; mi < mTiles; ++mi)
      for (int64_t nj = 0; nj < nTiles; ++nj) {
        Value acc = accs[mi * nTiles + nj];
        Value col = add(colBase, nj * 8);
        for (int64_t half = 0; half < 2; ++half) {
          Value row = add(rowBase, mi * 16 + half * 8);
          Value rowIn = lessThan(row, c.m);
          if (c.n % 2 == 0) {
            Value in = arith::AndIOp::create(b, rowIn, lessThan(col, c.n));
            auto ifIn = scf::IfOp::create(b, in, false);
            OpBuilder::InsertionGuard g(b);
            b.setInsertionPointToStart(ifIn.thenBlock());
            Value pair = vector::FromElementsOp::create(
                b, VectorType::get({2}, e),
                ValueRange{vector::ExtractOp::create(b, acc, half * 2),
                           vector::ExtractOp::create(b, acc, half * 2 + 1)});
            vector::StoreOp::create(b, pair, cMat, ValueRange{row, col});
            continue;
          }
          for (int64_t j = 0; j < 2; ++j) {
            Value cj = add(col, j);
            Value in = arith::AndIOp::create(b, rowIn, lessThan(cj, c.n));
            auto ifIn = scf::IfOp::create(b, in, false);
            OpBuilder::InsertionGuard g(b);
            b.setInsertionPointToStart(ifIn.thenBlock());
            Value v = vector::ExtractOp::create(b, acc, half * 2 + j);
            memref::StoreOp::create(b, v, cMat, ValueRange{row, cj});
          }
        }
      }
  }

  gpu::GPUFuncOp kernel;
  MatmulKernelConfig c;
  ImplicitLocOpBuilder b;
  bool isInt8, isWgmma;
  LLVM::LLVMStructType wgmmaAccType;
  Value aAddress, bAddress; // shared addresses of the tiles (wgmma), i64
  Type elementType;
  int64_t elementBytes, vectorElements, pad;
  int64_t warpTileM, warpTileN, mTiles, nTiles, kStep;
  int64_t aRows, aCols, bRows, bCols;
  Value tid, lane;
  Value aShared, bShared, aFragments, bFragments;
};

/// The chip of a gpu.module's NVVM target, e.g. "sm_80"; empty if none.
StringRef chipOf(gpu::GPUModuleOp module) {
  if (ArrayAttr targets = module.getTargetsAttr())
    for (Attribute t : targets)
      if (auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(t))
        return nvvm.getChip();
  return {};
}

/// "sm_80", "sm_90a" -> 80, 90; 0 if it is not of that form.
int64_t smVersion(StringRef chip) {
  int64_t v = 0;
  if (!chip.consume_front("sm_"))
    return 0;
  chip.consume_back("a");
  if (chip.getAsInteger(10, v))
    return 0;
  return v;
}

struct ComposeMMAPass : qnk::impl::QNKCUDAComposeMMABase<ComposeMMAPass> {
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    StringRef chip = chipOf(module);
    WalkResult r = module.walk([&](gpu::GPUFuncOp kernel) {
      auto attr = kernel->getAttrOfType<DictionaryAttr>(kMatmulAttrName);
      if (!attr) {
        if (kernel->hasAttr(kMatmulAttrName)) {
          kernel.emitError()
              << "'" << kMatmulAttrName << "' must be a dictionary";
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      }
      std::optional<MatmulKernelConfig> config =
          MatmulKernelConfig::fromAttr(kernel, attr);
      if (!config)
        return WalkResult::interrupt();
      // mma.sync with bf16 and the m16n8k32 integer shape arrived with
      // sm_80; the NVPTX back end would abort on older chips.
      if (config->mma == MmaKind::WgmmaM64K16Float && chip != "sm_90a") {
        kernel.emitError() << "wgmma kernels need an NVVM target of sm_90a, "
                              "the module's is '"
                           << chip << "'";
        return WalkResult::interrupt();
      }
      if (smVersion(chip) < 80) {
        kernel.emitError() << "mma.sync kernels need an NVVM target of sm_80 "
                              "or later, the module's is '"
                           << chip << "'";
        return WalkResult::interrupt();
      }
      if (!verifySignature(kernel, *config))
        return WalkResult::interrupt();
      MatmulKernelBuilder(kernel, *config).build();
      kernel->removeAttr(kMatmulAttrName);
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }

  /// The kernel takes A, B and C as static memrefs of the configured
  /// shapes, of an element type the instruction takes, and is still empty.
  bool verifySignature(gpu::GPUFuncOp kernel, const MatmulKernelConfig &c) {
    auto error = [&]() {
      kernel.emitError() << "kernel signature does not match its '"
                         << kMatmulAttrName << "' configuration";
      return false;
    };
    if (kernel.getNumArguments() != 3 ||
        !kernel.getBody().front().without_terminator().empty())
      return error();
    SmallVector<MemRefType> t;
    for (Value arg : kernel.getArguments()) {
      auto m = dyn_cast<MemRefType>(arg.getType());
      if (!m || !m.hasStaticShape() || !m.getLayout().isIdentity() ||
          m.getRank() != 2)
        return error();
      t.push_back(m);
    }
    Type a = t[0].getElementType();
    bool int8 = c.mma == MmaKind::M16N8K32Int8;
    bool typesOk =
        a == t[1].getElementType() &&
        (int8 ? a.isSignlessInteger(8) && t[2].getElementType().isInteger(32)
              : (a.isBF16() || a.isF16()) && t[2].getElementType().isF32());
    SmallVector<int64_t> bShape = c.transposeB ? SmallVector<int64_t>{c.n, c.k}
                                               : SmallVector<int64_t>{c.k, c.n};
    if (!typesOk || t[0].getShape() != ArrayRef<int64_t>{c.m, c.k} ||
        t[1].getShape() != ArrayRef<int64_t>(bShape) ||
        t[2].getShape() != ArrayRef<int64_t>{c.m, c.n})
      return error();
    return true;
  }
};

} // namespace
