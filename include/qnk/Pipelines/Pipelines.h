//===- Pipelines.h - QNK pass pipelines -------------------------*- C++ -*-===//
#ifndef QNK_PIPELINES_PIPELINES_H
#define QNK_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qnk {

/// Options of `qnk-cpu-pipeline` (and `qnk-reference-pipeline`, which reads
/// only the target), as C++ callers fill them in. The textual pipeline
/// options (`qnk-cpu-pipeline{target=... threads=...}`) are declared once in
/// Pipelines.cpp and take their defaults from this struct.
struct CPUPipelineOptions {
  /// LLVM x86-64 CPU name (znver3, haswell, skylake-avx512, sapphirerapids,
  /// ...) or `host`, the CPU running the compiler.
  std::string target = "host";
  /// `+name` / `-name` LLVM feature overrides, e.g. {"+avx512f", "-avx512bw"}.
  std::vector<std::string> features;
  /// Cache blocks in K steps, rows and columns; 0 derives them from the
  /// target's caches.
  int64_t kc = 0;
  int64_t mc = 0;
  int64_t nc = 0;
  /// OpenMP threads the block loops are split across (1: no OpenMP).
  int64_t threads = 1;
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

// A CUDA pipeline (`buildCUDAPipeline(OpPassManager &, const
// CUDAPipelineOptions &)`, registered as `qnk-cuda-pipeline`) belongs here
// once QNK has a GPU path; there is none yet.

/// Registers every pipeline above under its `qnk-*` name.
void registerPipelines();

} // namespace qnk

#endif
