//===- CUDAPipeline.cpp - qnk-cuda-pipeline -------------------------------===//
//
// qnk / linalg matmuls on tensors -> tensor-core kernels in a gpu.binary and
// host code in the LLVM dialect calling the upstream `mgpu*` runtime
// entry points (gpu-to-llvm), so that any runtime implementing them runs it.
//
//===----------------------------------------------------------------------===//

#include "qnk/Pipelines/Pipelines.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <cstdlib>

using namespace mlir;

namespace qnk {

namespace {
/// The textual form of CUDAPipelineOptions, defaults from the struct.
struct CUDAPipelineTextOptions
    : public PassPipelineOptions<CUDAPipelineTextOptions> {
  CUDAPipelineOptions defaults;
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("NVIDIA chip: sm_80 or sm_90a"),
                           llvm::cl::init(defaults.chip)};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Embedded kernel format: bin (cubin), fatbin, isa (PTX) "
                     "or offload (LLVM IR)"),
      llvm::cl::init(defaults.format)};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit path (default: $CUDA_HOME, else "
                     "/usr/local/cuda)"),
      llvm::cl::init(defaults.toolkit)};

  ListOption<int64_t> tile{
      *this, "tile",
      llvm::cl::desc("Thread-block tile BM,BN,BK (default: by shape)")};
  ListOption<int64_t> warps{*this, "warps",
                            llvm::cl::desc("Warps along M,N (with tile)")};
  Option<int64_t> stages{*this, "stages",
                         llvm::cl::desc("Shared-memory stages (0: chosen)"),
                         llvm::cl::init(defaults.stages)};

  Option<std::string> mma{
      *this, "mma",
      llvm::cl::desc("Tensor-core instruction: auto, mma.sync or wgmma"),
      llvm::cl::init(defaults.mma)};
  Option<std::string> pointers{
      *this, "pointers",
      llvm::cl::desc("Where the entry's tensors live: host (copied to and "
                     "from the GPU) or device"),
      llvm::cl::init(defaults.pointers)};

  CUDAPipelineOptions get() const {
    CUDAPipelineOptions opts;
    opts.chip = chip;
    opts.format = format;
    opts.toolkit = toolkit;
    opts.tile.assign(tile.begin(), tile.end());
    opts.warps.assign(warps.begin(), warps.end());
    opts.stages = stages;
    opts.mma = mma;
    opts.pointers = pointers;
    return opts;
  }
};
} // namespace

/// Without a toolkit path gpu-module-to-binary finds ptxas on PATH but no
/// libdevice; name the toolkit explicitly.
static std::string toolkitPath(const CUDAPipelineOptions &opts) {
  if (!opts.toolkit.empty())
    return opts.toolkit;
  if (const char *home = std::getenv("CUDA_HOME"); home && *home)
    return home;
  return "/usr/local/cuda";
}

void buildCUDAPipeline(OpPassManager &pm, const CUDAPipelineOptions &opts) {
  pm.addPass(createQNKRaiseLinalg());
  QNKCUDAOutlineMatmulOptions outline;
  outline.chip = opts.chip;
  outline.tile.assign(opts.tile.begin(), opts.tile.end());
  outline.warps.assign(opts.warps.begin(), opts.warps.end());
  outline.stages = opts.stages;
  outline.instruction = opts.mma;
  outline.pointers = opts.pointers;
  pm.addPass(createQNKCUDAOutlineMatmul(outline));
  pm.addNestedPass<gpu::GPUModuleOp>(createQNKCUDAComposeMMA());
  // The function's buffers are its operands and results (out parameters);
  // device buffers of its own, if any, are freed by the launch sequence.
  buildBufferizePipeline(pm, /*deallocate=*/false);

  // Kernels: nvgpu/scf/gpu/arith/memref/vector to NVVM and LLVM, memref
  // arguments as bare pointers.
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  device.addPass(createConvertNVGPUToNVVMPass());
  device.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  toNVVM.useBarePtrCallConv = true;
  device.addPass(createConvertGpuOpsToNVVMOps(toNVVM));
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  device.addPass(createReconcileUnrealizedCastsPass());

  // Host: buffers and launches to LLVM with mgpu* calls.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  GpuToLLVMConversionPassOptions toLLVM;
  toLLVM.kernelBarePtrCallConv = true;
  pm.addPass(createGpuToLLVMConversionPass(toLLVM));
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());

  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = opts.format;
  binary.toolkitPath = toolkitPath(opts);
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void registerCUDAPipeline() {
  PassPipelineRegistration<CUDAPipelineTextOptions>(
      "qnk-cuda-pipeline",
      "Compile qnk / linalg matmuls to CUDA tensor-core kernels (a "
      "gpu.binary) and host code calling the mgpu* runtime",
      [](OpPassManager &pm, const CUDAPipelineTextOptions &opts) {
        buildCUDAPipeline(pm, opts.get());
      });
}

} // namespace qnk
