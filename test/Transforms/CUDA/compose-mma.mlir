// RUN: qnk-opt %s --pass-pipeline='builtin.module(gpu.module(qnk-cuda-compose-mma,canonicalize,cse))' | FileCheck %s

// bf16, B K×N: A and B tiles in four shared-memory stages (rows padded by
// 16 bytes), three K tiles prefetched, 16-byte cp.async zero-filled past the
// edge, ldmatrix (transposed for B), 4×4 m16n8k16 mma.sync per K step of a
// warp's 64×32 tile, predicated pair stores.
// CHECK-LABEL: gpu.func @bf16(
// CHECK-NOT: qnk.cuda_matmul
// CHECK: %[[RAW:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: %[[AS:.*]] = memref.view %[[RAW]][%{{.*}}][] : {{.*}} to memref<4x128x40xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[BS:.*]] = memref.view %[[RAW]][%{{.*}}][] : {{.*}} to memref<4x32x136xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %arg0[{{.*}}], %[[AS]][%c0, {{.*}}], 8, %{{.*}} {bypassL1}
// CHECK: nvgpu.device_async_copy %arg1[{{.*}}], %[[BS]][%c0, {{.*}}], 8, %{{.*}} {bypassL1}
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.commit.group
// CHECK: %{{.*}}:16 = scf.for %[[KT:.*]] = %c0 to %c3 step %c1 iter_args({{.*}}) -> (vector<4xf32>,
// CHECK: nvvm.cp.async.wait.group 2
// CHECK-NEXT: gpu.barrier
// CHECK: scf.if
// CHECK: nvgpu.device_async_copy
// CHECK: nvvm.cp.async.commit.group
// CHECK-COUNT-4: nvgpu.ldmatrix %[[AS]][{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-2: nvgpu.ldmatrix %[[BS]][{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK-COUNT-16: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: scf.yield
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: scf.if
// CHECK: vector.store %{{.*}}, %arg2[%{{.*}}] : memref<100x200xf32>, vector<2xf32>

// i8 with B stored N×K: ldmatrix on a 16-bit view of the same bytes,
// m16n8k32 with wrapping s32 accumulation; odd N stores element by element.
// CHECK-LABEL: gpu.func @i8(
// CHECK: %[[RAW8:.*]] = gpu.dynamic_shared_memory
// CHECK: %[[A8:.*]] = memref.view %[[RAW8]]{{.*}} to memref<4x16x144xi8, #gpu.address_space<workgroup>>
// CHECK: %[[B8:.*]] = memref.view %[[RAW8]]{{.*}} to memref<4x64x144xi8, #gpu.address_space<workgroup>>
// CHECK: %[[A16:.*]] = memref.view %[[RAW8]]{{.*}} to memref<4x16x72xi16, #gpu.address_space<workgroup>>
// CHECK: %[[B16:.*]] = memref.view %[[RAW8]]{{.*}} to memref<4x64x72xi16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %arg0[{{.*}}], %[[A8]][{{.*}}], 16, %{{.*}} {bypassL1}
// CHECK: scf.for
// CHECK: nvgpu.ldmatrix %[[A16]][{{.*}}] {numTiles = 4 : i32, transpose = false} : {{.*}} -> vector<4x2xi16>
// CHECK: nvgpu.ldmatrix %[[B16]][{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK: nvvm.mma.sync {{.*}} {intOverflowBehavior = #nvvm.mma_int_overflow<wrapped>, layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<s8>, multiplicandBPtxType = #nvvm.mma_type<s8>, shape = #nvvm.shape<m = 16, n = 8, k = 32>} : (i32, i32, i32) -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK: memref.store %{{.*}}, %arg2[%{{.*}}, %{{.*}}] : memref<5x31xi32>

// f16 rows of 77 elements are not 16-byte aligned: each chunk is loaded
// element by element (zero outside) and stored to shared memory as a
// vector; fragments stay vector<2xf16>.
// CHECK-LABEL: gpu.func @f16_unaligned(
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: scf.if %{{.*}} -> (f16) {
// CHECK: memref.load %arg0
// CHECK: vector.store %{{.*}} : memref<4x64x40xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_80">] {
    gpu.func @bf16(%a: memref<100x72xbf16>, %b: memref<72x200xbf16>, %c: memref<100x200xf32>) kernel attributes {known_block_size = array<i32: 256, 1, 1>, qnk.cuda_matmul = {mma = "m16n8k16.f16x2", shape = array<i64: 100, 200, 72>, stages = 4 : i64, tile = array<i64: 128, 128, 32>, transpose_b = false, warps = array<i64: 2, 4>}} {
      gpu.return
    }
    gpu.func @i8(%a: memref<5x512xi8>, %b: memref<31x512xi8>, %c: memref<5x31xi32>) kernel attributes {known_block_size = array<i32: 128, 1, 1>, qnk.cuda_matmul = {mma = "m16n8k32.s8", shape = array<i64: 5, 31, 512>, stages = 4 : i64, tile = array<i64: 16, 64, 128>, transpose_b = true, warps = array<i64: 1, 4>}} {
      gpu.return
    }
    gpu.func @f16_unaligned(%a: memref<33x77xf16>, %b: memref<77x45xf16>, %c: memref<33x45xf32>) kernel attributes {known_block_size = array<i32: 128, 1, 1>, qnk.cuda_matmul = {mma = "m16n8k16.f16x2", shape = array<i64: 33, 45, 77>, stages = 4 : i64, tile = array<i64: 64, 128, 32>, transpose_b = false, warps = array<i64: 2, 2>}} {
      gpu.return
    }
  }
}
