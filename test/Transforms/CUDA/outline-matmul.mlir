// RUN: qnk-opt %s --qnk-cuda-outline-matmul=chip=sm_80 | FileCheck %s
// RUN: qnk-opt %s --qnk-cuda-outline-matmul=chip=sm_90a | FileCheck %s --check-prefix=SM90

// Host side: one stream, device buffers, A and B in, one launch over the
// output tiles, C out; the kernel is an empty gpu.func with its
// configuration, for qnk-cuda-compose-mma.

// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @bf16(
// CHECK-SAME: %[[A:.*]]: tensor<300x200xbf16>, %[[B:.*]]: tensor<200x100xbf16>
// CHECK-DAG: %[[AH:.*]] = bufferization.to_buffer %[[A]] read_only
// CHECK-DAG: %[[BH:.*]] = bufferization.to_buffer %[[B]] read_only
// CHECK-DAG: %[[CH:.*]] = memref.alloc() : memref<300x100xf32>
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[AD:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] () : memref<300x200xbf16>
// CHECK: %[[BD:.*]], %[[T2:.*]] = gpu.alloc async [%[[T1]]] () : memref<200x100xbf16>
// CHECK: %[[CD:.*]], %[[T3:.*]] = gpu.alloc async [%[[T2]]] () : memref<300x100xf32>
// CHECK: %[[T4:.*]] = gpu.memcpy async [%[[T3]]] %[[AD]], %[[AH]]
// CHECK: %[[T5:.*]] = gpu.memcpy async [%[[T4]]] %[[BD]], %[[BH]]
// 300x100 has too few 128x128 or 64x128 tiles to fill an H100: 64x64
// tiles, 2 x 5 blocks of 128 threads, 4 stages of (64x(32+8) + 32x(64+8))
// bf16 in shared memory.
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 38912 : i32
// CHECK: %[[T6:.*]] = gpu.launch_func async [%[[T5]]] @qnk_cuda_kernels::@qnk_matmul blocks in (%[[C2]], %[[C5]], %{{.*}}) threads in (%[[C128]], %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[SMEM]] args(%[[AD]] : memref<300x200xbf16>, %[[BD]] : memref<200x100xbf16>, %[[CD]] : memref<300x100xf32>)
// CHECK: %[[T7:.*]] = gpu.memcpy async [%[[T6]]] %[[CH]], %[[CD]]
// CHECK: %[[T8:.*]] = gpu.dealloc async [%[[T7]]] %[[AD]]
// CHECK: %[[T9:.*]] = gpu.dealloc async [%[[T8]]] %[[BD]]
// CHECK: %[[T10:.*]] = gpu.dealloc async [%[[T9]]] %[[CD]]
// CHECK: gpu.wait [%[[T10]]]
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[CH]] restrict writable
// CHECK: return %[[R]]
func.func @bf16(%a: tensor<300x200xbf16>, %b: tensor<200x100xbf16>) -> tensor<300x100xf32> {
  %c = qnk.matmul %a, %b : tensor<300x200xbf16>, tensor<200x100xbf16> -> tensor<300x100xf32>
  return %c : tensor<300x100xf32>
}

// Decode shapes take thin 16x32 tiles with 512 bytes of K per stage; int8
// has B stored N×K.
// CHECK-LABEL: func.func @i8_decode(
// CHECK: gpu.launch_func async {{.*}} @qnk_cuda_kernels::@qnk_matmul_0
func.func @i8_decode(%a: tensor<1x4096xi8>, %b: tensor<4096x4096xi8>) -> tensor<1x4096xi32> {
  %c = qnk.matmul %a, %b transpose_b : tensor<1x4096xi8>, tensor<4096x4096xi8> -> tensor<1x4096xi32>
  return %c : tensor<1x4096xi32>
}

// CHECK: gpu.module @qnk_cuda_kernels [#nvvm.target<O = 3, chip = "sm_80">]
// CHECK: gpu.func @qnk_matmul(%{{.*}}: memref<300x200xbf16>, %{{.*}}: memref<200x100xbf16>, %{{.*}}: memref<300x100xf32>) kernel
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK-SAME: qnk.cuda_matmul = {mma = "m16n8k16.f16x2", shape = array<i64: 300, 100, 200>, stages = 4 : i64, tile = array<i64: 64, 64, 32>, transpose_b = false, warps = array<i64: 2, 2>}
// CHECK-NEXT: gpu.return
// CHECK: gpu.func @qnk_matmul_0(%{{.*}}: memref<1x4096xi8>, %{{.*}}: memref<4096x4096xi8>, %{{.*}}: memref<1x4096xi32>) kernel
// CHECK-SAME: known_block_size = array<i32: 64, 1, 1>
// CHECK-SAME: qnk.cuda_matmul = {mma = "m16n8k32.s8", shape = array<i64: 1, 4096, 4096>, stages = 4 : i64, tile = array<i64: 16, 32, 512>, transpose_b = true, warps = array<i64: 1, 2>}

// SM90: gpu.module @qnk_cuda_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">]
