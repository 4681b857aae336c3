/*===- MgpuABI.h - The mgpu* entry points gpu-to-llvm calls -------*- C -*-===//
 *
 * The ABI of upstream MLIR's CudaRuntimeWrappers (LLVM 22), as the host code
 * of `gpu-to-llvm` plus `gpu.binary` translation calls it; QNK implements it
 * in libqnk_cuda_runtime (see qnk/Runtime/CUDA/Runtime.h for its error
 * model). Handles are opaque: modules and functions are QNK's own objects,
 * streams and events are the driver's CUstream / CUevent. `intptr_t`
 * dimensions match MLIR's `index`.
 *
 *===----------------------------------------------------------------------===*/
#ifndef QNK_RUNTIME_CUDA_MGPUABI_H
#define QNK_RUNTIME_CUDA_MGPUABI_H

#include "qnk/Runtime/CUDA/Runtime.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Modules: a cubin, fatbin (from a global constructor of the generated
 * code) or, for mgpuModuleLoadJIT, NUL-terminated PTX. A module that fails
 * to load still yields a handle, which remembers why for the kernels
 * looked up in it. */
QNK_CUDA_EXPORT void *mgpuModuleLoad(void *data, size_t size);
QNK_CUDA_EXPORT void *mgpuModuleLoadJIT(void *data, int optLevel);
QNK_CUDA_EXPORT void mgpuModuleUnload(void *module);
QNK_CUDA_EXPORT void *mgpuModuleGetFunction(void *module, const char *name);

QNK_CUDA_EXPORT void mgpuLaunchKernel(void *function, intptr_t gridX,
                                      intptr_t gridY, intptr_t gridZ,
                                      intptr_t blockX, intptr_t blockY,
                                      intptr_t blockZ, int32_t sharedMemBytes,
                                      void *stream, void **params, void **extra,
                                      size_t paramsCount);
QNK_CUDA_EXPORT void
mgpuLaunchClusterKernel(void *function, intptr_t clusterX, intptr_t clusterY,
                        intptr_t clusterZ, intptr_t gridX, intptr_t gridY,
                        intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                        intptr_t blockZ, int32_t sharedMemBytes, void *stream,
                        void **params, void **extra, size_t paramsCount);

QNK_CUDA_EXPORT void *mgpuStreamCreate(void);
QNK_CUDA_EXPORT void mgpuStreamDestroy(void *stream);
QNK_CUDA_EXPORT void mgpuStreamSynchronize(void *stream);
QNK_CUDA_EXPORT void mgpuStreamWaitEvent(void *stream, void *event);

QNK_CUDA_EXPORT void *mgpuEventCreate(void);
QNK_CUDA_EXPORT void mgpuEventDestroy(void *event);
QNK_CUDA_EXPORT void mgpuEventSynchronize(void *event);
QNK_CUDA_EXPORT void mgpuEventRecord(void *event, void *stream);

/* Device memory: stream-ordered when a stream is given and the device has
 * memory pools; a nonzero `isHostShared` asks for managed memory.
 * Generated code passes `isHostShared` as an i8 and mgpuMemset16's value as
 * an i16 without extending them, so both are read from the low bits of a
 * 32-bit parameter here. */
QNK_CUDA_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, void *stream,
                                   uint32_t isHostShared);
QNK_CUDA_EXPORT void mgpuMemFree(void *ptr, void *stream);
QNK_CUDA_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                                void *stream);
QNK_CUDA_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                                  void *stream);
QNK_CUDA_EXPORT void mgpuMemset16(void *dst, uint32_t value, size_t count,
                                  void *stream);

QNK_CUDA_EXPORT void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes);
/* `descriptor` is a ranked memref descriptor {allocated, aligned, offset,
 * sizes[rank], strides[rank]}; only dense ones can be registered. */
QNK_CUDA_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                               int64_t elementSizeBytes);
QNK_CUDA_EXPORT void mgpuMemHostUnregister(void *ptr);
QNK_CUDA_EXPORT void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                                 int64_t elementSizeBytes);

/* The device the calling thread's later calls use (default 0). */
QNK_CUDA_EXPORT void mgpuSetDefaultDevice(int32_t device);

/* TMA descriptors (sm_90+). `tensorMap` points to a 64-byte aligned,
 * 128-byte CUtensorMap; the enums are the driver's CUtensorMap* values. */
QNK_CUDA_EXPORT void
mgpuTensorMapEncodeTiled(void *tensorMap, int dataType, uint32_t rank,
                         void *globalAddress, const uint64_t *globalDim,
                         const uint64_t *globalStrides, const uint32_t *boxDim,
                         const uint32_t *elementStrides, int interleave,
                         int swizzle, int l2Promotion, int oobFill);
/* As nvgpu.tma.create.descriptor lowers: encodes a map of the memref
 * `descriptor` (rank 1-5, innermost dimension contiguous) with the box
 * `boxDims` (outermost first), copies it to device memory and returns that
 * device pointer (null on failure). */
QNK_CUDA_EXPORT void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *descriptor, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QNK_RUNTIME_CUDA_MGPUABI_H */
