// sm_90a: PTX 8.0, accepted by ptxas for sm_90a; with format=bin the
// gpu.binary holds the cubin that ptxas made (an ELF file). A linear layer
// (B stored N×K) takes wgmma, a decode-sized one and a K×N B mma.sync.
// RUN: qnk-opt %s --qnk-cuda-pipeline="chip=sm_90a format=isa" -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir --check-prefix=HOST
// RUN: %python %S/cuda-extract-ptx.py %t.ptx < %t.mlir
// RUN: FileCheck %s --input-file=%t.ptx --check-prefix=PTX
// RUN: %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// RUN: qnk-opt %s --qnk-cuda-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN
// REQUIRES: ptxas

// HOST: gpu.binary @qnk_cuda_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// PTX: .version 8.0
// PTX: .target sm_90a
// PTX-LABEL: .entry qnk_matmul(
// PTX: cp.async.cg.shared.global
// PTX: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// PTX-LABEL: .entry qnk_matmul_0(
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// BIN: gpu.binary @qnk_cuda_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}bin = "\7FELF

func.func @linear(%x: tensor<128x4096xbf16>, %w: tensor<4096x4096xbf16>) -> tensor<128x4096xf32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<128x4096xbf16>, tensor<4096x4096xbf16> -> tensor<128x4096xf32>
  return %y : tensor<128x4096xf32>
}

func.func @decode(%x: tensor<16x4096xbf16>, %w: tensor<4096x4096xbf16>) -> tensor<16x4096xf32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<16x4096xbf16>, tensor<4096x4096xbf16> -> tensor<16x4096xf32>
  return %y : tensor<16x4096xf32>
}
