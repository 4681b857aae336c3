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
/// out-parameters, temporary buffers deallocated (unless `deallocate` is
/// false: the ownership-based deallocation rejects ops with unknown memory
/// effects, such as the gpu dialect's launches and waits).
void buildBufferizePipeline(mlir::OpPassManager &pm, bool deallocate = true);

/// Buffers + scf (parallel loops to OpenMP on `threads` threads) + vector +
/// arith to the LLVM dialect, annotated with the module's target.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm, int64_t threads);

/// Options of `qnk-cuda-pipeline`; the textual options are declared once in
/// CUDAPipeline.cpp and take their defaults from here.
struct CUDAPipelineOptions {
  /// NVIDIA chip the kernels are compiled for: sm_80 or sm_90a.
  std::string chip = "sm_80";
  /// What `gpu-module-to-binary` embeds: `bin` (cubin, needs ptxas),
  /// `fatbin`, `isa` (PTX text) or `offload` (LLVM IR).
  std::string format = "bin";
  /// CUDA toolkit holding ptxas and libdevice; empty: $CUDA_HOME, else
  /// /usr/local/cuda.
  std::string toolkit;
  /// Kernel configuration overrides (qnk-cuda-outline-matmul's tile, warps,
  /// stages); empty / 0: chosen by shape.
  std::vector<int64_t> tile, warps;
  int64_t stages = 0;
  /// Tensor-core instruction: auto, mma.sync or wgmma (sm_90a only).
  std::string mma = "auto";
  /// Where the entry's tensors live: `host` (copied to and from the GPU
  /// around the launches) or `device` (launched on in place).
  std::string pointers = "host";
};

/// raise linalg -> tensor-core kernels (qnk-cuda-outline-matmul,
/// qnk-cuda-compose-mma) -> bufferize -> NVVM / host LLVM dialect with
/// `mgpu*` runtime calls -> `gpu.binary`.
void buildCUDAPipeline(mlir::OpPassManager &pm,
                       const CUDAPipelineOptions &opts);
/// Registers `qnk-cuda-pipeline` (called by registerPipelines).
void registerCUDAPipeline();

/// Registers every pipeline above under its `qnk-*` name.
void registerPipelines();

} // namespace qnk

#endif
