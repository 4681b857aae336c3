//===- Pipelines.h - QNK pass pipelines -------------------------*- C++ -*-===//
#ifndef QNK_PIPELINES_PIPELINES_H
#define QNK_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>
#include <vector>

namespace qnk {

/// Options of `qnk-cpu-pipeline` (and `qnk-reference-pipeline`, which reads
/// only the target).
struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("LLVM CPU name (znver3, haswell, skylake-avx512, "
                     "sapphirerapids, ...) or host"),
      llvm::cl::init("host")};
  ListOption<std::string> features{
      *this, "features",
      llvm::cl::desc("Feature overrides, e.g. +avx512f,-avx512bw")};
  Option<int64_t> kc{*this, "kc", llvm::cl::desc("K block (0: derived)"),
                     llvm::cl::init(0)};
  Option<int64_t> mc{*this, "mc", llvm::cl::desc("M block (0: derived)"),
                     llvm::cl::init(0)};
  Option<int64_t> nc{*this, "nc", llvm::cl::desc("N block (0: derived)"),
                     llvm::cl::init(0)};
  Option<int64_t> threads{
      *this, "threads",
      llvm::cl::desc("Threads (OpenMP) the block loops are split across"),
      llvm::cl::init(1)};
};

/// raise linalg -> pack -> bufferize -> tile -> compose nanokernels ->
/// lower packs -> LLVM dialect.
void buildCPUPipeline(mlir::OpPassManager &pm, const CPUPipelineOptions &opts);

/// raise linalg -> reference linalg/arith -> bufferize -> scalar loops ->
/// LLVM dialect: the oracle the fast pipeline is checked against.
void buildReferencePipeline(mlir::OpPassManager &pm,
                            const CPUPipelineOptions &opts);

/// One-shot bufferization with function boundaries, results turned into
/// out-parameters, temporary buffers deallocated.
void buildBufferizePipeline(mlir::OpPassManager &pm);

/// Buffers + scf (parallel loops to OpenMP on `threads` threads) + vector +
/// arith to the LLVM dialect, annotated with the module's target.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm, int64_t threads);

/// Registers every pipeline above under its `qnk-*` name.
void registerPipelines();

} // namespace qnk

#endif
