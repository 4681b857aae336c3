// Asking for an instruction the chip lacks is a diagnostic at the op, not an
// abort in the NVPTX back end.
// RUN: not qnk-opt %s --qnk-cuda-pipeline="chip=sm_80 format=isa" 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: not qnk-opt %s --qnk-cuda-pipeline="chip=sm_90a format=isa" 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: not qnk-opt %s --qnk-cuda-pipeline="chip=sm_100 format=isa" 2>&1 | FileCheck %s --check-prefix=CHIP

// SM80: cuda-chip-errors.mlir:[[@LINE+6]]:8: error: fp8 matmul needs fp8 tensor cores (wgmma, sm_90a); chip sm_80 has none
// SM90: cuda-chip-errors.mlir:[[@LINE+5]]:8: error: fp8 matmul (wgmma) is not implemented for sm_90a yet
// CHIP: error: unknown CUDA chip 'sm_100' (expected sm_80 or sm_90a)
// SM80-NOT: LLVM ERROR
// SM90-NOT: LLVM ERROR
func.func @fp8(%a: tensor<64x64xf8E5M2>, %b: tensor<64x64xf8E5M2>) -> tensor<64x64xf32> {
  %c = qnk.matmul %a, %b : tensor<64x64xf8E5M2>, tensor<64x64xf8E5M2> -> tensor<64x64xf32>
  return %c : tensor<64x64xf32>
}
