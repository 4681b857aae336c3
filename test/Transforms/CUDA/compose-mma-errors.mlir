// RUN: qnk-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(gpu.module(qnk-cuda-compose-mma))'

// mma.sync with bf16 needs sm_80: an older target is refused here instead of
// aborting in the NVPTX back end.
module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_75">] {
    // expected-error @below {{mma.sync kernels need an NVVM target of sm_80 or later, the module's is 'sm_75'}}
    gpu.func @mm(%a: memref<32x32xbf16>, %b: memref<32x32xbf16>, %c: memref<32x32xf32>) kernel attributes {qnk.cuda_matmul = {mma = "m16n8k16.f16x2", shape = array<i64: 32, 32, 32>, stages = 4 : i64, tile = array<i64: 16, 64, 64>, transpose_b = false, warps = array<i64: 1, 4>}} {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_80">] {
    // expected-error @below {{malformed 'qnk.cuda_matmul' attribute}}
    gpu.func @mm(%a: memref<32x32xbf16>, %b: memref<32x32xbf16>, %c: memref<32x32xf32>) kernel attributes {qnk.cuda_matmul = {mma = "m16n8k8", shape = array<i64: 32, 32, 32>, stages = 4 : i64, tile = array<i64: 16, 64, 64>, transpose_b = false, warps = array<i64: 1, 4>}} {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_80">] {
    // expected-error @below {{'qnk.cuda_matmul' describes no kernel this compiler can build}}
    gpu.func @mm(%a: memref<32x32xbf16>, %b: memref<32x32xbf16>, %c: memref<32x32xf32>) kernel attributes {qnk.cuda_matmul = {mma = "m16n8k16.f16x2", shape = array<i64: 32, 32, 32>, stages = 4 : i64, tile = array<i64: 16, 60, 64>, transpose_b = false, warps = array<i64: 1, 4>}} {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_80">] {
    // expected-error @below {{kernel signature does not match its 'qnk.cuda_matmul' configuration}}
    gpu.func @mm(%a: memref<32x32xbf16>, %b: memref<32x32xf16>, %c: memref<32x32xf32>) kernel attributes {qnk.cuda_matmul = {mma = "m16n8k16.f16x2", shape = array<i64: 32, 32, 32>, stages = 4 : i64, tile = array<i64: 16, 64, 64>, transpose_b = false, warps = array<i64: 1, 4>}} {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_80">] {
    // expected-error @below {{'qnk.cuda_matmul' must be a dictionary}}
    gpu.func @mm(%a: memref<32x32xbf16>, %b: memref<32x32xbf16>, %c: memref<32x32xf32>) kernel attributes {qnk.cuda_matmul = 1 : i64} {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_90">] {
    // expected-error @below {{wgmma kernels need an NVVM target of sm_90a, the module's is 'sm_90'}}
    gpu.func @mm(%a: memref<128x64xbf16>, %b: memref<128x64xbf16>, %c: memref<128x128xf32>) kernel attributes {qnk.cuda_matmul = {mma = "wgmma.m64k16.f16x2", shape = array<i64: 128, 128, 64>, stages = 4 : i64, tile = array<i64: 128, 128, 64>, transpose_b = true, warps = array<i64: 8, 1>}} {
      gpu.return
    }
  }
}
