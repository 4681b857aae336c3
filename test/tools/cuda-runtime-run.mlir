// qnk-run --device=cuda JIT-compiles the entry through qnk-cuda-pipeline and
// runs it with QNK's CUDA runtime. Without a GPU it says so; against the
// fake driver of the runtime tests (device 0: sm_80) the JIT resolves the
// mgpu* calls and loads the kernels, and --verify finds that they never ran.
// REQUIRES: ptxas
// RUN: env QNK_CUDA_DRIVER=%t.no-such-libcuda.so not qnk-run %s -e mm --device=cuda 2>&1 | FileCheck %s --check-prefix=NODRIVER
// NODRIVER: qnk-run: error: --device=cuda: no usable GPU: QNK_CUDA_ERROR_NO_DRIVER: querying CUDA device 0: no CUDA driver: dlopen {{.*}}no-such-libcuda.so failed

// RUN: env CUDA_HOME=/usr/local/cuda QNK_CUDA_DRIVER=%qnk_lib_dir/libQNKFakeCUDADriver.so not qnk-run %s -e mm --device=cuda --verify 2>&1 | FileCheck %s --check-prefix=FAKE
// FAKE: qnk-run: error: 'mm' does not match the reference pipeline:
// FAKE-NEXT: result 0 (32x48 f32): 1536 of 1536 elements beyond tolerance
// RUN: env CUDA_HOME=/usr/local/cuda QNK_CUDA_DRIVER=%qnk_lib_dir/libQNKFakeCUDADriver.so not qnk-run %s -e mm --device=cuda --chip=sm_90a 2>&1 | FileCheck %s --check-prefix=ARCH
// ARCH: qnk-run: error: loading the kernels on the GPU: QNK_CUDA_ERROR_WRONG_ARCH: cubin is for sm_90a but device 0 (Fake A100, sm_80) cannot run it

// RUN: not qnk-run %s -e mm --device=tpu 2>&1 | FileCheck %s --check-prefix=DEVICE
// DEVICE: qnk-run: error: unknown --device 'tpu' (cpu or cuda)

func.func @mm(%a: tensor<32x64xf16>, %b: tensor<64x48xf16>) -> tensor<32x48xf32> {
  %c = qnk.matmul %a, %b : tensor<32x64xf16>, tensor<64x48xf16> -> tensor<32x48xf32>
  return %c : tensor<32x48xf32>
}
