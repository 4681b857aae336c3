// qnk-compile --device=cuda: an object whose C entry takes host buffers and
// runs qnk-cuda-pipeline's kernels (an sm_90a cubin in the object) through
// the mgpu* functions of libqnk_cuda_runtime, which a C program links and
// qnk-cuda-harness carries. Without a GPU: the calls fail with the runtime's
// clear errors; against the fake driver everything but the kernels runs, so
// the harness finds the results wrong.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: env CUDA_HOME=/usr/local/cuda qnk-compile %s -e mm_bf16 --device=cuda --chip=sm_90a -o %t/mm.o --header=%t/mm.h
// RUN: FileCheck %s --check-prefix=HEADER < %t/mm.h
// RUN: llvm-nm %t/mm.o | FileCheck %s --check-prefix=SYMBOLS
// RUN: llvm-objdump -s -j .rodata %t/mm.o | FileCheck %s --check-prefix=CUBIN

// HEADER: arg0     input   64x96 bf16  uint16_t[64][96]
// HEADER: result0  output  64x40 f32   float[64][40]
// HEADER: (host code; also needs libqnk_cuda_runtime)
// HEADER: The kernels run on an NVIDIA GPU (sm_90a): the buffers are host memory
// HEADER: void mm_bf16(const uint16_t *arg0, const uint16_t *arg1, float *result0);

// The entry, the kernels' loader in a constructor, the runtime calls.
// SYMBOLS-DAG: T mm_bf16
// SYMBOLS-DAG: U mgpuModuleLoad
// SYMBOLS-DAG: U mgpuModuleGetFunction
// SYMBOLS-DAG: U mgpuLaunchKernel
// SYMBOLS-DAG: U mgpuMemAlloc
// SYMBOLS-DAG: U mgpuMemcpy
// SYMBOLS-DAG: U mgpuStreamSynchronize
// The embedded cubin: an ELF file.
// CUBIN: 7f454c46

// A C program with the static runtime, without a driver.
// RUN: clang %sanitize_flags -std=c11 -I %t -I %qnk_src_root/include %S/Inputs/cuda-runtime-driver.c %t/mm.o %qnk_lib_dir/libqnk_cuda_runtime.a -lstdc++ -ldl -o %t/driver
// RUN: env QNK_CUDA_DRIVER=%t/no-such-libcuda.so not %t/driver 2>&1 | FileCheck %s --check-prefix=DRIVER
// DRIVER: qnk-cuda-runtime: error: cannot load cubin module (sm_90a): no CUDA driver: dlopen {{.*}}no-such-libcuda.so failed
// DRIVER: status: QNK_CUDA_ERROR_NO_DRIVER
// RUN: env QNK_CUDA_DRIVER=%qnk_lib_dir/libQNKFakeCUDADriver.so not %t/driver 2>&1 | FileCheck %s --check-prefix=DRIVER-ARCH
// DRIVER-ARCH: status: QNK_CUDA_ERROR_WRONG_ARCH
// DRIVER-ARCH: message: cubin is for sm_90a but device 0 (Fake A100, sm_80) cannot run it

// The same as a shared library for qnk-cuda-harness, checked against the
// entry compiled for the CPU.
// RUN: env CUDA_HOME=/usr/local/cuda qnk-compile %s -e mm_bf16 --device=cuda --chip=sm_90a --shared -o %t/mm.so
// RUN: qnk-compile %s -e mm_bf16 --shared -o %t/mm-cpu.so
// RUN: env QNK_CUDA_DRIVER=%qnk_lib_dir/libQNKFakeCUDADriver.so not qnk-cuda-harness %t/mm.so -e mm_bf16 --header=%t/mm.h --ref=%t/mm-cpu.so --device=1 2>&1 | FileCheck %s --check-prefix=HARNESS
// HARNESS: qnk-cuda-harness: mm_bf16 on device 1 (Fake H100, sm_90)
// HARNESS: result0 (64x40xf32): MISMATCH

// --pointers=device: the entry takes device buffers and launches on them in
// place (no device allocations or copies); the harness hands it device
// buffers.
// RUN: env CUDA_HOME=/usr/local/cuda qnk-compile %s -e mm_bf16 --device=cuda --chip=sm_90a --pointers=device --shared -o %t/mm-dev.so --header=%t/mm-dev.h
// RUN: FileCheck %s --check-prefix=DEV-HEADER < %t/mm-dev.h
// RUN: llvm-nm %t/mm-dev.so | FileCheck %s --check-prefix=DEV-SYMBOLS
// RUN: env QNK_CUDA_DRIVER=%qnk_lib_dir/libQNKFakeCUDADriver.so not qnk-cuda-harness %t/mm-dev.so -e mm_bf16 --header=%t/mm-dev.h --ref=%t/mm-cpu.so --device=1 --pointers=device 2>&1 | FileCheck %s --check-prefix=HARNESS
// DEV-HEADER: The kernels run on an NVIDIA GPU (sm_90a): the buffers are device memory (16-byte aligned)
// DEV-HEADER: void mm_bf16(const uint16_t *arg0, const uint16_t *arg1, float *result0);
// (llvm-nm sorts by name: no mgpuMem* between the launch and the entry.)
// DEV-SYMBOLS: U mgpuLaunchKernel
// DEV-SYMBOLS-NOT: mgpuMem
// DEV-SYMBOLS: T mm_bf16

// Options that do not go together.
// RUN: not qnk-compile %s -e mm_bf16 --chip=sm_90a -o %t/x.o 2>&1 | FileCheck %s --check-prefix=CHIP
// CHIP: error: --chip needs --device=cuda
// RUN: not qnk-compile %s -e mm_bf16 --device=tpu -o %t/x.o 2>&1 | FileCheck %s --check-prefix=DEVICE
// DEVICE: error: unknown --device 'tpu' (cpu or cuda)
// RUN: not qnk-compile %s -e mm_bf16 --pointers=device -o %t/x.o 2>&1 | FileCheck %s --check-prefix=POINTERS
// POINTERS: error: --pointers=device needs --device=cuda
// RUN: not qnk-compile %s -e mm_bf16 --device=cuda --pointers=unified -o %t/x.o 2>&1 | FileCheck %s --check-prefix=POINTERS-VALUE
// POINTERS-VALUE: error: unknown --pointers 'unified' (host or device)


func.func @mm_bf16(%a: tensor<64x96xbf16>, %b: tensor<96x40xbf16>) -> tensor<64x40xf32> {
  %c = qnk.matmul %a, %b : tensor<64x96xbf16>, tensor<96x40xbf16> -> tensor<64x40xf32>
  return %c : tensor<64x40xf32>
}
