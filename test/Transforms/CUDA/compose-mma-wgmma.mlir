// RUN: qnk-opt %s --pass-pipeline='builtin.module(gpu.module(qnk-cuda-compose-mma,canonicalize,cse))' | FileCheck %s

// sm_90a: two warpgroups, each an m64n128k16 wgmma per K step, operands
// read by descriptor from 128-byte-swizzled shared memory that cp.async
// fills (chunk c of row r at c ^ (r % 8)); the tiles start on a 1 KiB
// boundary of the shared address space.
// CHECK-LABEL: gpu.func @bf16(
// CHECK: %[[RAW:.*]] = gpu.dynamic_shared_memory
// CHECK: memref.extract_aligned_pointer_as_index %[[RAW]]
// CHECK: arith.remui %{{.*}}, %c1024_i64 : i64
// CHECK: %[[AS:.*]] = memref.view %[[RAW]][%{{.*}}][] : {{.*}} to memref<4x128x64xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[BS:.*]] = memref.view %[[RAW]][%{{.*}}][] : {{.*}} to memref<4x128x64xbf16, #gpu.address_space<workgroup>>
// CHECK: arith.xori
// CHECK: nvgpu.device_async_copy %arg0[{{.*}}], %[[AS]][{{.*}}], 8, %{{.*}} {bypassL1}
// CHECK: scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (!llvm.struct<(f32, f32,
// Two tiles are loaded ahead (not three): a tile's wgmma group is still in
// flight during the next iteration, so its buffer is refilled one later.
// CHECK: nvvm.cp.async.wait.group 1
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: scf.yield
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: llvm.extractvalue %{{.*}}[63]
// CHECK: vector.store %{{.*}}, %arg2[%{{.*}}] : memref<200x256xf32>, vector<2xf32>

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_90a", features = "+ptx80">] {
    gpu.func @bf16(%a: memref<200x512xbf16>, %b: memref<256x512xbf16>, %c: memref<200x256xf32>) kernel attributes {known_block_size = array<i32: 256, 1, 1>, qnk.cuda_matmul = {mma = "wgmma.m64k16.f16x2", shape = array<i64: 200, 256, 512>, stages = 4 : i64, tile = array<i64: 128, 128, 64>, transpose_b = true, warps = array<i64: 8, 1>}} {
      gpu.return
    }
  }
}
