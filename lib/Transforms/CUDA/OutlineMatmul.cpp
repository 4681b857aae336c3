//===- OutlineMatmul.cpp - qnk.matmul to a CUDA kernel launch -------------===//
//
// Host side of the CUDA path: each qnk.matmul on tensors becomes device
// buffers, copies and one gpu.launch_func of a kernel whose configuration is
// chosen here, for the chip, and recorded on an empty gpu.func.
//
//===----------------------------------------------------------------------===//

#include "qnk/Transforms/CUDAMatmul.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "qnk/Transforms/Passes.h"

namespace qnk {
#define GEN_PASS_DEF_QNKCUDAOUTLINEMATMUL
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

using namespace mlir;
using namespace qnk::cuda;

static constexpr llvm::StringLiteral kKernelModuleName = "qnk_cuda_kernels";

int64_t MatmulKernelConfig::sharedBytes(int64_t elementBytes) const {
  int64_t pad = paddingElements(elementBytes);
  int64_t a = bm * (bk + pad);
  int64_t b = transposeB ? bn * (bk + pad) : bk * (bn + pad);
  return stages * (a + b) * elementBytes;
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
      b.getNamedAttr("mma", b.getStringAttr(mma == MmaKind::M16N8K32Int8
                                                ? "m16n8k32.s8"
                                                : "m16n8k16.f16x2")),
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
  if (shape.empty() || tile.empty() || warps.empty() || !stages ||
      !transposeB || !mma ||
      (mma.getValue() != "m16n8k32.s8" && mma.getValue() != "m16n8k16.f16x2")) {
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
  c.mma = mma.getValue() == "m16n8k32.s8" ? MmaKind::M16N8K32Int8
                                          : MmaKind::M16N8K16Float;
  // The composition relies on these; anything else is not a config this
  // pass made.
  int64_t kStep = c.mma == MmaKind::M16N8K32Int8 ? 32 : 16;
  bool ok = llvm::all_of(ArrayRef<int64_t>{c.m, c.n, c.k, c.bm, c.bn, c.bk,
                                           c.warpsM, c.warpsN, c.stages},
                         [](int64_t v) { return v > 0; }) &&
            c.stages >= 2 && c.bm % (16 * c.warpsM) == 0 &&
            c.bn % (16 * c.warpsN) == 0 && c.bk % kStep == 0;
  if (!ok) {
    op->emitError() << "'" << kMatmulAttrName
                    << "' describes no kernel this compiler can build";
    return std::nullopt;
  }
  return c;
}

namespace {

/// Tile shapes per problem: a thin tile for decode-like M (few rows, more
/// blocks across N), a square 128×128 tile otherwise. BK is 64 bytes of K.
MatmulKernelConfig chooseConfig(int64_t m, int64_t n, int64_t k,
                                bool transposeB, MmaKind mma) {
  MatmulKernelConfig c;
  c.m = m;
  c.n = n;
  c.k = k;
  c.transposeB = transposeB;
  c.mma = mma;
  int64_t elementBytes = mma == MmaKind::M16N8K32Int8 ? 1 : 2;
  c.stages = 4;
  if (m <= 16) {
    c.bm = 16;
    c.bn = 64;
    c.warpsM = 1;
    c.warpsN = 4;
    c.bk = 128 / elementBytes;
  } else if (m <= 64) {
    c.bm = 64;
    c.bn = 128;
    c.warpsM = 2;
    c.warpsN = 2;
    c.bk = 64 / elementBytes;
  } else {
    c.bm = 128;
    c.bn = 128;
    c.warpsM = 2;
    c.warpsN = 4;
    c.bk = 64 / elementBytes;
  }
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
    if ((a.isBF16() && b.isBF16()) || (a.isF16() && b.isF16())) {
      mma = MmaKind::M16N8K16Float;
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
    return chooseConfig(m, n, k, op.getTransposeB(), mma);
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

    // Host: one stream; device buffers; A and B in; launch; C out.
    OpBuilder b(op);
    auto tokenType = gpu::AsyncTokenType::get(ctx);
    Value aHost = bufferization::ToBufferOp::create(b, loc, aType, op.getA(),
                                                    b.getUnitAttr());
    Value bHost = bufferization::ToBufferOp::create(b, loc, bType, op.getB(),
                                                    b.getUnitAttr());
    Value cHost = memref::AllocOp::create(b, loc, cType);
    Value token =
        gpu::WaitOp::create(b, loc, tokenType, ValueRange{}).getAsyncToken();
    auto deviceAlloc = [&](MemRefType type) {
      auto alloc = gpu::AllocOp::create(b, loc, type, tokenType, token,
                                        ValueRange{}, ValueRange{});
      token = alloc.getAsyncToken();
      return alloc.getMemref();
    };
    Value aDev = deviceAlloc(aType), bDev = deviceAlloc(bType),
          cDev = deviceAlloc(cType);
    auto copy = [&](Value dst, Value src) {
      token = gpu::MemcpyOp::create(b, loc, tokenType, token, dst, src)
                  .getAsyncToken();
    };
    copy(aDev, aHost);
    copy(bDev, bHost);
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value one = index(1);
    gpu::KernelDim3 grid{index(config.gridX()), index(config.gridY()), one};
    gpu::KernelDim3 block{index(config.threads()), one, one};
    int64_t elementBytes = config.mma == MmaKind::M16N8K32Int8 ? 1 : 2;
    Value shared = arith::ConstantIntOp::create(
        b, loc, b.getI32Type(), config.sharedBytes(elementBytes));
    token = gpu::LaunchFuncOp::create(b, loc, kernel, grid, block, shared,
                                      ValueRange{aDev, bDev, cDev}, tokenType,
                                      token)
                .getAsyncToken();
    copy(cHost, cDev);
    for (Value buffer : {aDev, bDev, cDev})
      token = gpu::DeallocOp::create(b, loc, tokenType, token, buffer)
                  .getAsyncToken();
    gpu::WaitOp::create(b, loc, Type(), token);
    Value result = bufferization::ToTensorOp::create(
        b, loc, op.getC().getType(), cHost, /*restrict=*/true,
        /*writable=*/true);
    op.getC().replaceAllUsesWith(result);
    op.erase();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (chip != "sm_80" && chip != "sm_90a") {
      module.emitError() << "unknown CUDA chip '" << chip
                         << "' (expected sm_80 or sm_90a)";
      return signalPassFailure();
    }
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
