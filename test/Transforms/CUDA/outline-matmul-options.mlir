// Configuration overrides, and the instruction gated by the chip.
// RUN: qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_90a mma=mma.sync tile=64,64,64 warps=2,2 stages=3" | FileCheck %s --check-prefix=TILE
// RUN: qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_90a mma=wgmma" | FileCheck %s --check-prefix=WGMMA
// RUN: not qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_80 mma=wgmma" 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: not qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_90a mma=hmma" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_90a tile=64,60,64 warps=2,2" 2>&1 | FileCheck %s --check-prefix=BADTILE
// RUN: not qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_90a tile=64,64 warps=2,2" 2>&1 | FileCheck %s --check-prefix=ARITY
// RUN: not qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_90a stages=1" 2>&1 | FileCheck %s --check-prefix=STAGES
// RUN: not qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_80 tile=256,256,64 warps=4,4 stages=4" 2>&1 | FileCheck %s --check-prefix=SMEM
// RUN: not qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_90a mma=wgmma tile=128,128,32 warps=8,1" 2>&1 | FileCheck %s --check-prefix=WGTILE
// RUN: not qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_90a mma=wgmma stages=2" 2>&1 | FileCheck %s --check-prefix=WGSTAGES

// TILE: gpu.launch_func {{.*}} blocks in (%c4{{.*}}, %c4{{.*}}, %c1{{.*}}) threads in (%c128, %c1{{.*}}, %c1{{.*}}) dynamic_shared_memory_size %c55296_i32
// TILE: qnk.cuda_matmul = {mma = "m16n8k16.f16x2", shape = array<i64: 200, 256, 512>, stages = 3 : i64, tile = array<i64: 64, 64, 64>, transpose_b = true, warps = array<i64: 2, 2>}

// 200x256 fills no H100 with bigger tiles: one warpgroup on 64x64 tiles,
// 6 stages of unpadded 128-byte rows and 1 KiB to align them:
// 6 * 128 * 128 + 1024 bytes.
// WGMMA: gpu.launch_func {{.*}} blocks in (%c4{{.*}}, %c4{{.*}}, %c1{{.*}}) threads in (%c128, %c1{{.*}}, %c1{{.*}}) dynamic_shared_memory_size %c99328_i32
// WGMMA: qnk.cuda_matmul = {mma = "wgmma.m64k16.f16x2", shape = array<i64: 200, 256, 512>, stages = 6 : i64, tile = array<i64: 64, 64, 64>, transpose_b = true, warps = array<i64: 4, 1>}

// SM80: outline-matmul-options.mlir:[[@LINE+9]]:8: error: wgmma needs sm_90a; chip sm_80 has none
// UNKNOWN: error: unknown tensor-core instruction 'hmma' (expected auto, mma.sync or wgmma)
// BADTILE: error: no CUDA kernel for tile 64x60x64, warps 2x2, stages 6: BM must be a multiple of 16*warpsM and BN of 16*warpsN
// ARITY: error: tile takes BM,BN,BK and warps takes two counts
// STAGES: error: no CUDA kernel for tile 64x64x64, warps 4x1, stages 1: stages must be in [2, 16]
// SMEM: error: the kernel needs 294912 bytes of shared memory, more than sm_80's 166912
// WGSTAGES: error: no CUDA kernel for tile 64x64x64, warps 4x1, stages 2: wgmma kernels take at least 3 stages
// WGTILE: error: no CUDA kernel for tile 128x128x32, warps 8x1, stages 6: wgmma kernels take BK of 128 bytes and BN <= 256
func.func @linear(%x: tensor<200x512xbf16>, %w: tensor<256x512xbf16>) -> tensor<200x256xf32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<200x512xbf16>, tensor<256x512xbf16> -> tensor<200x256xf32>
  return %y : tensor<200x256xf32>
}
