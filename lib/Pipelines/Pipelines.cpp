//===- Pipelines.cpp - QNK pass pipelines
//------------------------------------===//

#include "qnk/Pipelines/Pipelines.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace qnk {

namespace {
/// The textual form of CPUPipelineOptions: names and descriptions live here,
/// defaults come from CPUPipelineOptions so that C++ callers and
/// `qnk-cpu-pipeline{...}` agree without spelling them twice.
struct CPUPipelineTextOptions
    : public PassPipelineOptions<CPUPipelineTextOptions> {
  // Declared first: the options below read their defaults from it.
  CPUPipelineOptions defaults;
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("LLVM CPU name (znver3, haswell, skylake-avx512, "
                     "sapphirerapids, ...) or host"),
      llvm::cl::init(defaults.target)};
  ListOption<std::string> features{
      *this, "features",
      llvm::cl::desc("Feature overrides, e.g. +avx512f,-avx512bw")};
  Option<int64_t> kc{*this, "kc", llvm::cl::desc("K block (0: derived)"),
                     llvm::cl::init(defaults.kc)};
  Option<int64_t> mc{*this, "mc", llvm::cl::desc("M block (0: derived)"),
                     llvm::cl::init(defaults.mc)};
  Option<int64_t> nc{*this, "nc", llvm::cl::desc("N block (0: derived)"),
                     llvm::cl::init(defaults.nc)};
  Option<int64_t> threads{
      *this, "threads",
      llvm::cl::desc("Threads (OpenMP) the block loops are split across"),
      llvm::cl::init(defaults.threads)};

  CPUPipelineOptions get() const {
    CPUPipelineOptions opts;
    opts.target = target;
    opts.features.assign(features.begin(), features.end());
    opts.kc = kc;
    opts.mc = mc;
    opts.nc = nc;
    opts.threads = threads;
    return opts;
  }
};
} // namespace

/// `fuseEpilogues`: leave the epilogue clauses the vector nanokernels apply
/// in registers on the matmul (the fast pipeline).
static void addTargetAndRaise(OpPassManager &pm, const CPUPipelineOptions &opts,
                              bool fuseEpilogues) {
  QNKSetTargetOptions t;
  t.target = opts.target;
  t.features.assign(opts.features.begin(), opts.features.end());
  pm.addPass(createQNKSetTarget(t));
  pm.addPass(createQNKImportQuantTypes());
  pm.addPass(createQNKRaiseLinalg());
  // Quantization ops have one exact element-wise statement, shared by the
  // reference and the fast pipeline.
  QNKDecomposeEpiloguesOptions epilogues;
  epilogues.keepFusable = fuseEpilogues;
  pm.addPass(createQNKDecomposeEpilogues(epilogues));
  pm.addPass(createQNKLowerQuantization());
}

void buildBufferizePipeline(OpPassManager &pm, bool deallocate) {
  pm.addPass(createQNKCopyRepeatedResults());
  bufferization::OneShotBufferizePassOptions ob;
  ob.bufferizeFunctionBoundaries = true;
  ob.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  ob.unknownTypeConversion = bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(ob));
  bufferization::BufferResultsToOutParamsPassOptions out;
  out.hoistStaticAllocs = true;
  out.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(out));
  pm.addPass(createCanonicalizerPass());
  if (!deallocate)
    return;
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
}

void buildLowerToLLVMPipeline(OpPassManager &pm, int64_t threads) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 4-bit buffers are packed two per byte; their accesses must be loads
  // and stores (not linalg ops) by then.
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createQNKEmulateNarrowTypes());
  pm.addPass(createQNKLegalizeBF16());
  // Parallel block loops (qnk-tile threads=N) run on OpenMP threads.
  ConvertSCFToOpenMPPassOptions omp;
  omp.numThreads = threads > 1 ? threads : 0;
  pm.addPass(createConvertSCFToOpenMPPass(omp));
  // The OpenMP loop bodies come wrapped in memref.alloca_scope, which must
  // stay one block (scf-to-cf would split it); ours hold no allocas.
  pm.addPass(createQNKInlineAllocaScopes());
  VectorTransferToSCFOptions v2scf;
  v2scf.enableFullUnroll();
  pm.addPass(createConvertVectorToSCFPass(v2scf));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  ConvertVectorToLLVMPassOptions v2llvm;
  v2llvm.x86Vector = true; // x86vector.avx512.dot (vdpbf16ps)
  v2llvm.amx = true;       // amx tile ops
  // Packing transposes (VNNI groups, A panels) as one shuffle each, not
  // element by element.
  v2llvm.vectorTransposeLowering = vector::VectorTransposeLowering::Shuffle1D;
  pm.addPass(createConvertVectorToLLVMPass(v2llvm));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass()); // expand-strided-metadata makes some
  // One conversion for the rest, so that every dialect's types (amx tiles
  // carried through loops among them) convert together.
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createQNKLegalizeBF16Memory());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createQNKAnnotateLLVMTarget());
}

void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &opts) {
  addTargetAndRaise(pm, opts, /*fuseEpilogues=*/true);
  pm.addPass(createQNKPack());
  QNKLowerAttentionOptions attention;
  attention.threads = opts.threads;
  pm.addPass(createQNKLowerAttention(attention));
  QNKLowerSoftmaxOptions softmax;
  softmax.threads = opts.threads;
  pm.addPass(createQNKLowerSoftmax(softmax));
  buildBufferizePipeline(pm);
  QNKTileOptions tile;
  tile.kc = opts.kc;
  tile.mc = opts.mc;
  tile.nc = opts.nc;
  tile.threads = opts.threads;
  pm.addPass(createQNKTile(tile));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createQNKComposeNanokernels());
  pm.addPass(createQNKLowerPack());
  buildLowerToLLVMPipeline(pm, opts.threads);
}

void buildReferencePipeline(OpPassManager &pm, const CPUPipelineOptions &opts) {
  addTargetAndRaise(pm, opts, /*fuseEpilogues=*/false);
  pm.addPass(createQNKLowerToReference());
  buildBufferizePipeline(pm);
  buildLowerToLLVMPipeline(pm, /*threads=*/1);
}

void registerPipelines() {
  PassPipelineRegistration<CPUPipelineTextOptions>(
      "qnk-cpu-pipeline",
      "Compile qnk / linalg matmuls to x86 nanokernels in the LLVM dialect",
      [](OpPassManager &pm, const CPUPipelineTextOptions &opts) {
        buildCPUPipeline(pm, opts.get());
      });
  PassPipelineRegistration<CPUPipelineTextOptions>(
      "qnk-reference-pipeline",
      "Compile through the reference semantics (scalar loops) to the LLVM "
      "dialect",
      [](OpPassManager &pm, const CPUPipelineTextOptions &opts) {
        buildReferencePipeline(pm, opts.get());
      });
  PassPipelineRegistration<>(
      "qnk-bufferize", "One-shot bufferization as the QNK pipelines do it",
      [](OpPassManager &pm) { buildBufferizePipeline(pm); });
  PassPipelineRegistration<>(
      "qnk-lower-to-llvm",
      "Lower buffers, loops and vectors to the LLVM "
      "dialect for the module's target",
      [](OpPassManager &pm) { buildLowerToLLVMPipeline(pm, /*threads=*/1); });
  registerCUDAPipeline();
}

} // namespace qnk
