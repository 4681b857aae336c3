// RUN: qnk-opt %s --qnk-cuda-outline-matmul="chip=sm_90a pointers=device" | FileCheck %s
// RUN: qnk-opt %s --qnk-cuda-pipeline="chip=sm_90a format=isa pointers=device" | FileCheck %s --check-prefix=LLVM

// With device pointers the function's tensors are device memory: the launch
// reads A and B and writes C where they are, with no device buffers, copies
// or deallocations; C's host allocation becomes the result's out parameter.

// CHECK-LABEL: func.func @two(
// CHECK-SAME: %[[A:.*]]: tensor<100x72xbf16>, %[[B:.*]]: tensor<48x72xbf16>, %[[X:.*]]: tensor<16x64xi8>, %[[W:.*]]: tensor<32x64xi8>
// CHECK-NOT: gpu.alloc
// CHECK-NOT: gpu.memcpy
// CHECK-DAG: %[[AB:.*]] = bufferization.to_buffer %[[A]] read_only
// CHECK-DAG: %[[BB:.*]] = bufferization.to_buffer %[[B]] read_only
// CHECK-DAG: %[[C:.*]] = memref.alloc() : memref<100x48xf32>
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[T1:.*]] = gpu.launch_func async [%[[T0]]] @qnk_cuda_kernels::@qnk_matmul {{.*}} args(%[[AB]] : memref<100x72xbf16>, %[[BB]] : memref<48x72xbf16>, %[[C]] : memref<100x48xf32>)
// CHECK-NEXT: gpu.wait [%[[T1]]]
// CHECK: gpu.launch_func async {{.*}} @qnk_cuda_kernels::@qnk_matmul_0
// CHECK-NOT: gpu.dealloc
// CHECK: return
func.func @two(%a: tensor<100x72xbf16>, %b: tensor<48x72xbf16>,
               %x: tensor<16x64xi8>, %w: tensor<32x64xi8>)
    -> (tensor<100x48xf32>, tensor<16x32xi32>) {
  %c = qnk.matmul %a, %b transpose_b : tensor<100x72xbf16>, tensor<48x72xbf16> -> tensor<100x48xf32>
  %y = qnk.matmul %x, %w transpose_b : tensor<16x64xi8>, tensor<32x64xi8> -> tensor<16x32xi32>
  return %c, %y : tensor<100x48xf32>, tensor<16x32xi32>
}

// After the whole pipeline: the results are out parameters written by the
// kernels, and host code neither allocates nor copies.
// LLVM-LABEL: llvm.func @two(
// LLVM-NOT: llvm.call @malloc
// LLVM-NOT: llvm.call @mgpuMemAlloc
// LLVM-NOT: llvm.call @mgpuMemcpy
// LLVM: llvm.call @mgpuStreamCreate()
// LLVM: gpu.launch_func
// LLVM: llvm.call @mgpuStreamSynchronize(
// LLVM-NOT: llvm.call @mgpuMemcpy
// LLVM: llvm.return
