// qnk-cuda-pipeline: host code in the LLVM dialect calling the mgpu* runtime
// and one gpu.binary holding the tensor-core kernels, here as PTX, which
// ptxas must accept for the chip.
// RUN: qnk-opt %s --qnk-cuda-pipeline="chip=sm_80 format=isa" -o %t.sm80.mlir
// RUN: FileCheck %s --input-file=%t.sm80.mlir --check-prefix=HOST
// RUN: %python %S/cuda-extract-ptx.py %t.sm80.ptx < %t.sm80.mlir
// RUN: FileCheck %s --input-file=%t.sm80.ptx --check-prefix=PTX
// RUN: %ptxas -arch=sm_80 %t.sm80.ptx -o %t.sm80.cubin
// REQUIRES: ptxas

// HOST-NOT: qnk.
// HOST-NOT: gpu.alloc
// HOST-LABEL: llvm.func @bf16(
// HOST: llvm.call @mgpuStreamCreate()
// HOST: llvm.call @mgpuMemAlloc(
// HOST: llvm.call @mgpuMemcpy(
// HOST: gpu.launch_func <%{{.*}} : !llvm.ptr> @qnk_cuda_kernels::@qnk_matmul blocks in
// HOST-SAME: args(%{{.*}} : !llvm.ptr, %{{.*}} : !llvm.ptr, %{{.*}} : !llvm.ptr)
// HOST: llvm.call @mgpuMemFree(
// HOST: llvm.call @mgpuStreamSynchronize(
// HOST: llvm.call @mgpuStreamDestroy(
// HOST-LABEL: llvm.func @f16_odd(
// HOST-LABEL: llvm.func @i8_linear(
// HOST-LABEL: llvm.func @from_linalg(
// HOST: gpu.binary @qnk_cuda_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80">

// The kernels, as PTX text: multi-stage cp.async (16-byte copies, zero-filled at the edges),
// ldmatrix fragments (transposed for a K×N B), tensor-core mma.sync.
// PTX: .target sm_80
// PTX-LABEL: .entry qnk_matmul(
// PTX-DAG: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, {{%r[0-9]+}};
// PTX-DAG: cp.async.commit_group;
// PTX-DAG: cp.async.wait_group 2;
// PTX-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// PTX-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX-LABEL: .entry qnk_matmul_0(
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-LABEL: .entry qnk_matmul_1(
// PTX-NOT: .trans
// PTX: mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32
// PTX-LABEL: .entry qnk_matmul_2(
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

func.func @bf16(%a: tensor<256x512xbf16>, %b: tensor<512x384xbf16>) -> tensor<256x384xf32> {
  %c = qnk.matmul %a, %b : tensor<256x512xbf16>, tensor<512x384xbf16> -> tensor<256x384xf32>
  return %c : tensor<256x384xf32>
}

// Shapes no tile divides, rows not 16-byte aligned (K = 77): element-wise
// copies for those operands, predicated stores.
func.func @f16_odd(%a: tensor<33x77xf16>, %b: tensor<77x45xf16>) -> tensor<33x45xf32> {
  %c = qnk.matmul %a, %b : tensor<33x77xf16>, tensor<77x45xf16> -> tensor<33x45xf32>
  return %c : tensor<33x45xf32>
}

func.func @i8_linear(%x: tensor<16x4096xi8>, %w: tensor<1024x4096xi8>) -> tensor<16x1024xi32> {
  %c = qnk.matmul %x, %w transpose_b : tensor<16x4096xi8>, tensor<1024x4096xi8> -> tensor<16x1024xi32>
  return %c : tensor<16x1024xi32>
}

func.func @from_linalg(%a: tensor<128x64xbf16>, %b: tensor<64x128xbf16>) -> tensor<128x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x128xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<128x128xf32>) -> tensor<128x128xf32>
  %c = linalg.matmul ins(%a, %b : tensor<128x64xbf16>, tensor<64x128xbf16>) outs(%init : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}
