// sm_90a with wgmma: the PTX has the warpgroup MMA, its fences and the
// async-proxy fence after the cp.async copies, and ptxas accepts it.
// RUN: qnk-opt %s --qnk-cuda-pipeline="chip=sm_90a mma=wgmma format=isa" -o %t.mlir
// RUN: %python %S/cuda-extract-ptx.py %t.ptx < %t.mlir
// RUN: FileCheck %s --input-file=%t.ptx
// RUN: %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// REQUIRES: ptxas

// CHECK: .target sm_90a
// CHECK-LABEL: .entry qnk_matmul(
// CHECK-DAG: cp.async.cg.shared.global
// CHECK-DAG: fence.proxy.async.shared::cta;
// CHECK-DAG: wgmma.fence.sync.aligned;
// CHECK-DAG: wgmma.mma_async.sync.aligned.m64n{{(64|128|256)}}k16.f32.bf16.bf16
// CHECK-DAG: wgmma.commit_group.sync.aligned;
// CHECK-DAG: wgmma.wait_group.sync.aligned 1;
// CHECK-DAG: wgmma.wait_group.sync.aligned 0;

func.func @linear(%x: tensor<300x1024xbf16>, %w: tensor<512x1024xbf16>) -> tensor<300x512xf32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<300x1024xbf16>, tensor<512x1024xbf16> -> tensor<300x512xf32>
  return %y : tensor<300x512xf32>
}
