//===- OutlineMatmul.cpp - qnk.matmul to a CUDA kernel launch -------------===//
//
// Host side of the CUDA path: each qnk.matmul on tensors becomes device
// buffers, copies and one gpu.launch_func of a kernel whose configuration is
// chosen here, for the chip, and recorded on an empty gpu.func.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/CUDAMatmul.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "qnk/Transforms/Passes.h"

namespace qnk {
#define GEN_PASS_DEF_QNKCUDAOUTLINEMATMUL
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk::cuda;

static constexpr llvm::StringLiteral kKernelModuleName = "qnk_cuda_kernels";

int64_t MatmulKernelConfig::sharedBytes() const {
  int64_t eb = elementBytes();
  if (mma == MmaKind::WgmmaM64K16Float) {
    // Unpadded swizzled rows; 1 KiB more to align the tiles to the 1 KiB
    // swizzle pattern.
    return stages * (bm + bn) * bk * eb + 1024;
  }
  int64_t pad = paddingElements(eb);
  int64_t a = bm * (bk + pad);
  int64_t b = transposeB ? bn * (bk + pad) : bk * (bn + pad);
  return stages * (a + b) * eb;
}

static constexpr std::pair<MmaKind, llvm::StringLiteral> kMmaNames[] = {
    {MmaKind::M16N8K16Float, "m16n8k16.f16x2"},
    {MmaKind::M16N8K32Int8, "m16n8k32.s8"},
    {MmaKind::WgmmaM64K16Float, "wgmma.m64k16.f16x2"},
};

StringRef qnk::cuda::mmaName(MmaKind kind) {
  for (auto &[k, name] : kMmaNames)
    if (k == kind)
      return name;
  llvm_unreachable("unnamed MmaKind");
}

std::optional<MmaKind> qnk::cuda::mmaFromName(StringRef name) {
  for (auto &[k, n] : kMmaNames)
    if (n == name)
      return k;
  return std::nullopt;
}

std::string MatmulKernelConfig::problem() const {
  int64_t kStep = mma == MmaKind::M16N8K32Int8 ? 32 : 16;
  int64_t eb = elementBytes();
  if (!llvm::all_of(ArrayRef<int64_t>{m, n, k, bm, bn, bk, warpsM, warpsN},
                    [](int64_t v) { return v > 0 && v <= (1 << 30); }))
    return "shape, tile and warps must be positive";
  if (stages < 2 || stages > 16)
    return "stages must be in [2, 16]";
  if (warpsM * warpsN > 32)
    return "at most 32 warps (1024 threads) per block";
  // Each warp owns whole m16 tiles and pairs of n8 tiles (one ldmatrix x4
  // loads two); a K tile is whole instruction steps.
  if (bm % (16 * warpsM) != 0 || bn % (16 * warpsN) != 0)
    return "BM must be a multiple of 16*warpsM and BN of 16*warpsN";
  if (bk % kStep != 0)
    return "BK must be a multiple of the instruction's K (" +
           std::to_string(kStep) + ")";
  if ((bk * eb) % 16 != 0 || (bn * eb) % 16 != 0)
    return "tile rows must be whole 16-byte chunks";
  if (mma == MmaKind::WgmmaM64K16Float) {
    // Each warpgroup owns 64 rows and the whole BN (one wgmma m64nBNk16 per
    // K step); a K tile is one 128-byte swizzle row.
    if (!transposeB)
      return "wgmma kernels take B stored N×K";
    if (warpsN != 1 || warpsM % 4 != 0 || bm != 16 * warpsM)
      return "wgmma kernels take warps = 4*G,1 and BM = 64*G";
    if (bk * eb != 128 || bn > 256)
      return "wgmma kernels take BK of 128 bytes and BN <= 256";
    if (stages < 3)
      return "wgmma kernels take at least 3 stages";
  }
  return {};
}

DictionaryAttr MatmulKernelConfig::toAttr(MLIRContext *ctx) const {
  Builder b(ctx);
  auto i64s = [&](ArrayRef<int64_t> v) { return b.getDenseI64ArrayAttr(v); };
  return b.getDictionaryAttr({
      b.getNamedAttr("shape", i64s({m, n, k})),
      b.getNamedAttr("tile", i64s({bm, bn, bk})),
      b.getNamedAttr("warps", i64s({warpsM, warpsN})),
      b.getNamedAttr("stages", b.getI64IntegerAttr(stages)),
      b.getNamedAttr("transpose_b", b.getBoolAttr(transposeB)),
      b.getNamedAttr("mma", b.getStringAttr(mmaName(mma))),
  });
}

std::optional<MatmulKernelConfig>
MatmulKernelConfig::fromAttr(Operation *op, DictionaryAttr attr) {
  auto get3 = [&](StringRef name, int64_t size) -> ArrayRef<int64_t> {
    auto a = attr ? attr.getAs<DenseI64ArrayAttr>(name) : nullptr;
    if (!a || a.size() != size)
      return {};
    return a.asArrayRef();
  };
  ArrayRef<int64_t> shape = get3("shape", 3), tile = get3("tile", 3),
                    warps = get3("warps", 2);
  auto stages = attr ? attr.getAs<IntegerAttr>("stages") : nullptr;
  auto transposeB = attr ? attr.getAs<BoolAttr>("transpose_b") : nullptr;
  auto mma = attr ? attr.getAs<StringAttr>("mma") : nullptr;
  std::optional<MmaKind> kind =
      mma ? mmaFromName(mma.getValue()) : std::nullopt;
  if (shape.empty() || tile.empty() || warps.empty() || !stages ||
      !transposeB || !kind) {
    op->emitError() << "malformed '" << kMatmulAttrName << "' attribute";
    return std::nullopt;
  }
  MatmulKernelConfig c;
  c.m = shape[0];
  c.n = shape[1];
  c.k = shape[2];
  c.bm = tile[0];
  c.bn = tile[1];
  c.bk = tile[2];
  c.warpsM = warps[0];
  c.warpsN = warps[1];
  c.stages = stages.getInt();
  c.transposeB = transposeB.getValue();
  c.mma = *kind;
  if (std::string why = c.problem(); !why.empty()) {
    op->emitError() << "'" << kMatmulAttrName
                    << "' describes no kernel this compiler can build: " << why;
    return std::nullopt;
  }
  return c;
}

namespace {

/// Thread blocks enough to fill an H100 (132 SMs) once.
constexpr int64_t kBlocksToFill = 132;

/// Tile shapes per problem, as measured on an H100 (docs/performance.md):
/// decode-like M (<= 16) streams B through thin 16×32 tiles with 512 bytes
/// of K per stage; otherwise the largest tile that still gives every SM a
/// block (wgmma: 128×256 or 128×128 with two warpgroups, 64×128 or 64×64
/// with one; mma.sync: 128×128, 64×128, 64×64).
MatmulKernelConfig chooseConfig(int64_t m, int64_t n, int64_t k,
                                bool transposeB, MmaKind mma) {
  MatmulKernelConfig c;
  c.m = m;
  c.n = n;
  c.k = k;
  c.transposeB = transposeB;
  c.mma = mma;
  int64_t elementBytes = c.elementBytes();
  struct Tile {
    int64_t bm, bn, warpsM, warpsN, stages;
  };
  auto pick = [&](ArrayRef<Tile> tiles, int64_t kBytes) {
    const Tile *chosen = &tiles.back();
    for (const Tile &t : tiles)
      if (((m + t.bm - 1) / t.bm) * ((n + t.bn - 1) / t.bn) >= kBlocksToFill) {
        chosen = &t;
        break;
      }
    c.bm = chosen->bm;
    c.bn = chosen->bn;
    c.warpsM = chosen->warpsM;
    c.warpsN = chosen->warpsN;
    c.stages = chosen->stages;
    c.bk = kBytes / elementBytes;
  };
  if (mma == MmaKind::WgmmaM64K16Float)
    pick({{128, 256, 8, 1, 4},
          {128, 128, 8, 1, 5},
          {64, 128, 4, 1, 5},
          {64, 64, 4, 1, 6}},
         128);
  else if (m <= 16)
    pick({{16, 32, 1, 2, 4}}, 512);
  else
    pick({{128, 128, 2, 4, 4}, {64, 128, 2, 2, 4}, {64, 64, 2, 2, 4}}, 64);
  return c;
}

struct OutlineMatmulPass
    : qnk::impl::QNKCUDAOutlineMatmulBase<OutlineMatmulPass> {
  using Base::Base;

  /// The kernel for `op` on this chip, or an error at the op.
  FailureOr<MatmulKernelConfig> selectKernel(qnk::MatmulOp op) {
    auto aType = cast<RankedTensorType>(op.getA().getType());
    auto bType = cast<RankedTensorType>(op.getB().getType());
    auto cType = cast<RankedTensorType>(op.getC().getType());
    Type a = aType.getElementType(), b = bType.getElementType();
    if (op.hasEpilogue())
      return op.emitError() << "CUDA kernels take no epilogue clauses yet "
                               "(dequantize, bias, activation, quantize)";
    if (!aType.hasStaticShape() || !bType.hasStaticShape() ||
        !cType.hasStaticShape())
      return op.emitError() << "CUDA kernels need static shapes";
    if (op.getTransposeA())
      return op.emitError() << "CUDA kernels take A stored M×K only "
                               "(transpose_a is not supported yet)";
    if (isa<Float8E4M3FNType, Float8E5M2Type>(a) ||
        isa<Float8E4M3FNType, Float8E5M2Type>(b)) {
      if (chip == "sm_80")
        return op.emitError()
               << "fp8 matmul needs fp8 tensor cores (wgmma, sm_90a); chip "
                  "sm_80 has none";
      return op.emitError()
             << "fp8 matmul (wgmma) is not implemented for " << chip << " yet";
    }
    MmaKind mma;
    if (instruction != "auto" && instruction != "mma.sync" &&
        instruction != "wgmma")
      return op.emitError()
             << "unknown tensor-core instruction '" << instruction
             << "' (expected auto, mma.sync or wgmma)";
    if (instruction == "wgmma") {
      if (chip != "sm_90a")
        return op.emitError()
               << "wgmma needs sm_90a; chip " << chip << " has none";
      if (!(a.isBF16() && b.isBF16()) && !(a.isF16() && b.isF16()))
        return op.emitError() << "wgmma kernels take bf16 or f16 operands "
                                 "only (so far)";
      if (!op.getTransposeB())
        return op.emitError() << "wgmma kernels take B stored N×K "
                                 "(transpose_b) only";
    }
    if ((a.isBF16() && b.isBF16()) || (a.isF16() && b.isF16())) {
      // wgmma wherever it applies on sm_90a (B stored N×K, more than a
      // decode-sized M): 1.3x mma.sync at 4096-8192 on an H100.
      bool wgmma = instruction == "wgmma" ||
                   (instruction == "auto" && chip == "sm_90a" &&
                    op.getTransposeB() && cType.getDimSize(0) > 16);
      mma = wgmma ? MmaKind::WgmmaM64K16Float : MmaKind::M16N8K16Float;
    } else if (a.isSignlessInteger(8) && b.isSignlessInteger(8)) {
      if (!op.getTransposeB())
        return op.emitError() << "i8 CUDA kernels take B stored N×K "
                                 "(transpose_b) only";
      mma = MmaKind::M16N8K32Int8;
    } else {
      return op.emitError() << "no CUDA tensor-core kernel for " << a << " x "
                            << b << " on " << chip
                            << " (supported: bf16 x bf16, f16 x f16, "
                               "i8 x i8)";
    }
    int64_t m = cType.getDimSize(0), n = cType.getDimSize(1);
    int64_t k = aType.getDimSize(1);
    if (m == 0 || n == 0 || k == 0)
      return op.emitError() << "CUDA kernels need non-empty operands";
    MatmulKernelConfig config = chooseConfig(m, n, k, op.getTransposeB(), mma);
    if (!tile.empty() || !warps.empty()) {
      if (tile.size() != 3 || warps.size() != 2)
        return op.emitError()
               << "tile takes BM,BN,BK and warps takes two counts";
      config.bm = tile[0];
      config.bn = tile[1];
      config.bk = tile[2];
      config.warpsM = warps[0];
      config.warpsN = warps[1];
    }
    if (stages != 0)
      config.stages = stages;
    if (std::string why = config.problem(); !why.empty())
      return op.emitError()
             << "no CUDA kernel for tile " << config.bm << "x" << config.bn
             << "x" << config.bk << ", warps " << config.warpsM << "x"
             << config.warpsN << ", stages " << config.stages << ": " << why;
    // Shared memory per block: 163 KiB on sm_80, 227 KiB on sm_90.
    int64_t limit = (chip == "sm_80" ? 163 : 227) * 1024;
    int64_t bytes = config.sharedBytes();
    if (bytes > limit)
      return op.emitError()
             << "the kernel needs " << bytes
             << " bytes of shared memory, more than " << chip << "'s " << limit;
    return config;
  }

  gpu::GPUModuleOp getOrCreateKernelModule(ModuleOp module) {
    if (auto existing =
            module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName))
      return existing;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    // PTX 8.0 is the first with sm_90a.
    StringRef features = chip == "sm_90a" ? "+ptx80" : "";
    auto target = NVVM::NVVMTargetAttr::get(
        &getContext(), /*optLevel=*/3, "nvptx64-nvidia-cuda", chip, features);
    return gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModuleName,
                                    b.getArrayAttr({target}));
  }

  void outline(qnk::MatmulOp op, const MatmulKernelConfig &config,
               gpu::GPUModuleOp kernels, SymbolTable &kernelSymbols) {
    Location loc = op.getLoc();
    MLIRContext *ctx = &getContext();
    auto memrefOf = [](Value tensor) {
      auto t = cast<RankedTensorType>(tensor.getType());
      return MemRefType::get(t.getShape(), t.getElementType());
    };
    MemRefType aType = memrefOf(op.getA()), bType = memrefOf(op.getB()),
               cType = memrefOf(op.getC());

    // The kernel: an empty gpu.func with its configuration.
    OpBuilder kb = OpBuilder::atBlockEnd(kernels.getBody());
    auto kernelType = FunctionType::get(ctx, {aType, bType, cType}, {});
    auto kernel = gpu::GPUFuncOp::create(kb, loc, "qnk_matmul", kernelType);
    kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                    UnitAttr::get(ctx));
    kernel.setKnownBlockSizeAttr(DenseI32ArrayAttr::get(
        ctx, {static_cast<int32_t>(config.threads()), 1, 1}));
    kernel->setAttr(kMatmulAttrName, config.toAttr(ctx));
    kb.setInsertionPointToEnd(&kernel.getBody().front());
    gpu::ReturnOp::create(kb, loc);
    kernelSymbols.insert(kernel); // uniques the name

    // Host: one stream; device buffers and A and B in (unless the
    // function's buffers are device memory); launch; C out.
    OpBuilder b(op);
    auto tokenType = gpu::AsyncTokenType::get(ctx);
    Value aHost = bufferization::ToBufferOp::create(b, loc, aType, op.getA(),
                                                    b.getUnitAttr());
    Value bHost = bufferization::ToBufferOp::create(b, loc, bType, op.getB(),
                                                    b.getUnitAttr());
    // With device pointers this becomes the result's out parameter
    // (buffer-results-to-out-params hoists it), which the kernel writes.
    Value cHost = memref::AllocOp::create(b, loc, cType);
    Value token =
        gpu::WaitOp::create(b, loc, tokenType, ValueRange{}).getAsyncToken();
    auto deviceAlloc = [&](MemRefType type) {
      auto alloc = gpu::AllocOp::create(b, loc, type, tokenType, token,
                                        ValueRange{}, ValueRange{});
      token = alloc.getAsyncToken();
      return alloc.getMemref();
    };
    auto copy = [&](Value dst, Value src) {
      token = gpu::MemcpyOp::create(b, loc, tokenType, token, dst, src)
                  .getAsyncToken();
    };
    bool onDevice = pointers == "device";
    Value aDev = aHost, bDev = bHost, cDev = cHost;
    if (!onDevice) {
      aDev = deviceAlloc(aType);
      bDev = deviceAlloc(bType);
      cDev = deviceAlloc(cType);
      copy(aDev, aHost);
      copy(bDev, bHost);
    }
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value one = index(1);
    gpu::KernelDim3 grid{index(config.gridX()), index(config.gridY()), one};
    gpu::KernelDim3 block{index(config.threads()), one, one};
    Value shared = arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                                config.sharedBytes());
    token = gpu::LaunchFuncOp::create(b, loc, kernel, grid, block, shared,
                                      ValueRange{aDev, bDev, cDev}, tokenType,
                                      token)
                .getAsyncToken();
    if (!onDevice) {
      copy(cHost, cDev);
      for (Value buffer : {aDev, bDev, cDev})
        token = gpu::DeallocOp::create(b, loc, tokenType, token, buffer)
                    .getAsyncToken();
    }
    gpu::WaitOp::create(b, loc, Type(), token);
    Value result = bufferization::ToTensorOp::create(
        b, loc, op.getC().getType(), cHost, /*restrict=*/true,
        /*writable=*/true);
    op.getC().replaceAllUsesWith(result);
    op.erase();
  }

  /// With device pointers, host code must not read or write the function's
  /// buffers: only matmuls of its arguments, returned once each, qualify.
  LogicalResult checkDeviceFunction(func::FuncOp func) {
    auto fail = [](Operation *op) {
      return op->emitError() << "with device pointers (pointers=device), a "
                                "function may only return qnk.matmul results "
                                "of its arguments, each once (host code "
                                "cannot touch device memory): ";
    };
    Block *entry = &func.getFunctionBody().front();
    for (Operation &op : func.getFunctionBody().getOps()) {
      if (auto matmul = dyn_cast<qnk::MatmulOp>(op)) {
        for (Value operand : {matmul.getA(), matmul.getB()})
          if (operand.getParentBlock() != entry || !isa<BlockArgument>(operand))
            return fail(matmul) << "operand is not an argument";
        if (!matmul.getC().hasOneUse() ||
            !isa<func::ReturnOp>(*matmul.getC().getUsers().begin()))
          return fail(matmul) << "its result is not returned once";
      } else if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        for (Value result : ret.getOperands())
          if (!result.getDefiningOp<qnk::MatmulOp>())
            return fail(ret) << "a result is not a qnk.matmul's";
      } else if (!isMemoryEffectFree(&op) || !op.use_empty()) {
        return fail(&op) << "'" << op.getName() << "' is not a qnk.matmul";
      }
    }
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (chip != "sm_80" && chip != "sm_90a") {
      module.emitError() << "unknown CUDA chip '" << chip
                         << "' (expected sm_80 or sm_90a)";
      return signalPassFailure();
    }
    if (pointers != "host" && pointers != "device") {
      module.emitError() << "unknown pointers '" << pointers
                         << "' (expected host or device)";
      return signalPassFailure();
    }
    if (pointers == "device")
      for (auto func : module.getOps<func::FuncOp>())
        if (!func.isExternal() && failed(checkDeviceFunction(func)))
          return signalPassFailure();
    SmallVector<qnk::MatmulOp> matmuls;
    module.walk([&](qnk::MatmulOp op) { matmuls.push_back(op); });
    if (matmuls.empty())
      return;
    SmallVector<std::pair<qnk::MatmulOp, MatmulKernelConfig>> work;
    bool anyRefused = false;
    for (qnk::MatmulOp op : matmuls) {
      FailureOr<MatmulKernelConfig> config = selectKernel(op);
      if (failed(config))
        anyRefused = true;
      else
        work.emplace_back(op, *config);
    }
    if (anyRefused)
      return signalPassFailure();
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(&getContext()));
    gpu::GPUModuleOp kernels = getOrCreateKernelModule(module);
    SymbolTable kernelSymbols(kernels);
    for (auto &[op, config] : work)
      outline(op, config, kernels, kernelSymbols);
  }
};

} // namespace
