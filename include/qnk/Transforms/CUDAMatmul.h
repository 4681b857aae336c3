//===- CUDAMatmul.h - The qnk.cuda_matmul kernel description ----*- C++ -*-===//
//
// qnk-cuda-outline-matmul picks a kernel configuration for each matmul and
// records it on an empty gpu.func; qnk-cuda-compose-mma reads it back and
// writes the body. This header is the one place both agree on.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_TRANSFORMS_CUDAMATMUL_H
#define QNK_TRANSFORMS_CUDAMATMUL_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"

#include <cstdint>
#include <optional>
#include <string>

namespace qnk::cuda {

/// Discardable attribute on the kernel gpu.func.
inline constexpr llvm::StringLiteral kMatmulAttrName = "qnk.cuda_matmul";

/// Tensor-core instruction a kernel is composed of.
enum class MmaKind {
  /// mma.sync.aligned.m16n8k16.row.col.f32.{bf16,f16}
  M16N8K16Float,
  /// mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32
  M16N8K32Int8,
  /// wgmma.mma_async.sync.aligned.m64nBNk16.f32.{bf16,f16} (sm_90a), A and
  /// B (stored N×K) read from 128-byte-swizzled shared memory.
  WgmmaM64K16Float,
};

/// One matmul kernel: C[M,N] = A[M,K] * B (K×N, or N×K with transposeB),
/// tiled BM×BN per thread block (warpsM×warpsN warps), BK per K step,
/// `stages` shared-memory buffers.
struct MatmulKernelConfig {
  int64_t m = 0, n = 0, k = 0;
  bool transposeB = false;
  MmaKind mma = MmaKind::M16N8K16Float;
  int64_t bm = 0, bn = 0, bk = 0;
  int64_t warpsM = 0, warpsN = 0;
  int64_t stages = 0;

  int64_t threads() const { return 32 * warpsM * warpsN; }
  int64_t gridX() const { return (n + bn - 1) / bn; }
  int64_t gridY() const { return (m + bm - 1) / bm; }
  /// Dynamic shared memory the kernel needs, in bytes (mma.sync: rows
  /// padded by 16 bytes against bank conflicts; wgmma: swizzled rows).
  int64_t sharedBytes() const;
  int64_t elementBytes() const { return mma == MmaKind::M16N8K32Int8 ? 1 : 2; }

  /// Why the composition cannot build this configuration; empty if it can.
  std::string problem() const;

  mlir::DictionaryAttr toAttr(mlir::MLIRContext *ctx) const;
  /// Reads the attribute back; an error on `op` if it is malformed.
  static std::optional<MatmulKernelConfig> fromAttr(mlir::Operation *op,
                                                    mlir::DictionaryAttr attr);
};

/// The spelling of `kind` in the attribute, and back.
llvm::StringRef mmaName(MmaKind kind);
std::optional<MmaKind> mmaFromName(llvm::StringRef name);

/// Elements of each 16-byte shared-memory row padding.
inline int64_t paddingElements(int64_t elementBytes) {
  return 16 / elementBytes;
}

} // namespace qnk::cuda

#endif
