/*===- Runtime.h - QNK's CUDA runtime: errors, devices, settings --*- C -*-===//
 *
 * libqnk_cuda_runtime implements the `mgpu*` entry points that MLIR's
 * gpu-to-llvm conversion calls (declared in qnk/Runtime/CUDA/MgpuABI.h)
 * over the CUDA driver API, which it loads with dlopen("libcuda.so.1") at
 * first use: programs link it on machines without a GPU or driver and fail
 * only when they use the GPU, with an error that says why.
 *
 * The mgpu entry points return nothing or a handle, because generated code
 * checks nothing. Every failure instead
 *   - goes to the error handler (the default prints one line to stderr),
 *   - becomes this thread's pending error (qnkCudaGetLastError), and
 *   - makes later kernel launches, copies and memsets on this thread do
 *     nothing until qnkCudaClearError(), so that a failed allocation or
 *     module load cannot turn into a kernel writing through a null pointer.
 * A host program calls the compiled entry, then qnkCudaGetLastError().
 *
 * Plain C, so that C programs can use it too.
 *
 *===----------------------------------------------------------------------===*/
#ifndef QNK_RUNTIME_CUDA_RUNTIME_H
#define QNK_RUNTIME_CUDA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define QNK_CUDA_EXPORT
#else
#define QNK_CUDA_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** What went wrong, coarsely; the message says exactly what. */
typedef enum QnkCudaStatus {
  QNK_CUDA_SUCCESS = 0,
  /** libcuda.so.1 could not be loaded, or lacks a function QNK needs. */
  QNK_CUDA_ERROR_NO_DRIVER = 1,
  /** The driver loaded but found no usable device (or not that ordinal). */
  QNK_CUDA_ERROR_NO_DEVICE = 2,
  /** A cubin, fatbin or PTX module that the device cannot run. */
  QNK_CUDA_ERROR_WRONG_ARCH = 3,
  QNK_CUDA_ERROR_OUT_OF_MEMORY = 4,
  /** A synchronization did not finish within the timeout. */
  QNK_CUDA_ERROR_TIMEOUT = 5,
  /** A bad argument: null handle, malformed binary or descriptor, bad
   * launch shape. */
  QNK_CUDA_ERROR_INVALID_ARGUMENT = 6,
  /** Any other error the driver returned (its CUresult is kept). */
  QNK_CUDA_ERROR_DRIVER = 7,
} QnkCudaStatus;

/** `QNK_CUDA_ERROR_OUT_OF_MEMORY` and so on. */
QNK_CUDA_EXPORT const char *qnkCudaStatusName(QnkCudaStatus status);

/** Called once per failure, on the thread that failed. `driverResult` is the
 * CUresult involved (0 if none); `message` is only valid during the call. */
typedef void (*QnkCudaErrorHandler)(QnkCudaStatus status, int driverResult,
                                    const char *message, void *userData);

/** Replaces the error handler for the whole process; NULL restores the
 * default, which prints "qnk-cuda-runtime: error: MESSAGE" to stderr. */
QNK_CUDA_EXPORT void qnkCudaSetErrorHandler(QnkCudaErrorHandler handler,
                                            void *userData);

/** The first error on this thread since the last qnkCudaClearError(), or
 * QNK_CUDA_SUCCESS. */
QNK_CUDA_EXPORT QnkCudaStatus qnkCudaGetLastError(void);
/** Its message ("" when there is none); valid until the next clear. */
QNK_CUDA_EXPORT const char *qnkCudaGetLastErrorMessage(void);
/** Forgets this thread's pending error (returning it): launches and copies
 * run again. A kernel fault leaves the CUDA context unusable for the rest
 * of the process; clearing does not change that. */
QNK_CUDA_EXPORT QnkCudaStatus qnkCudaClearError(void);

/** Loads the driver and initializes device `ordinal` (its primary
 * context). Reports and returns the failure, if any. Optional: every entry
 * point does this on first use. */
QNK_CUDA_EXPORT QnkCudaStatus qnkCudaInit(int ordinal);

typedef struct QnkCudaDeviceInfo {
  char name[128];
  int computeCapabilityMajor, computeCapabilityMinor;
  int multiprocessorCount;
  /** The largest dynamic shared memory a block can opt into, in bytes. */
  int maxSharedMemoryPerBlockOptin;
  size_t totalMemoryBytes, freeMemoryBytes;
  /** cuDriverGetVersion: 13000 for CUDA 13.0. */
  int driverVersion;
} QnkCudaDeviceInfo;

/** Fills `info` for device `ordinal`; reports and returns failures. */
QNK_CUDA_EXPORT QnkCudaStatus qnkCudaGetDeviceInfo(int ordinal,
                                                   QnkCudaDeviceInfo *info);

/** Waits (at most the synchronization timeout, below) for the work queued so
 * far on the legacy default stream of device `ordinal`, in its primary
 * context, which the CUDA runtime and PyTorch share; reports and returns
 * failures. Entries run on streams of their own, which do not wait for that
 * stream: a caller whose buffers are still being written there (a DLPack
 * producer asked to order its work before stream 1, the legacy default
 * stream, for one) calls this first. */
QNK_CUDA_EXPORT QnkCudaStatus qnkCudaSynchronizeLegacyStream(int ordinal);

/** How long mgpuStreamSynchronize / mgpuEventSynchronize wait before they
 * give up with QNK_CUDA_ERROR_TIMEOUT (the kernel keeps running: a hung
 * kernel is reported, not stopped). 0 waits forever. The default is 300 s,
 * or the environment variable QNK_CUDA_SYNC_TIMEOUT (seconds). */
QNK_CUDA_EXPORT void qnkCudaSetSyncTimeout(double seconds);
QNK_CUDA_EXPORT double qnkCudaGetSyncTimeout(void);

/* Device buffers that DLPack consumers (PyTorch, CuPy, JAX, ...) can share
 * without a copy. A buffer is reference counted: its creator holds one
 * reference and each DLPack export another, which the consumer drops through
 * the DLPack deleter; the last release frees the memory on its device. */
typedef struct QnkCudaBuffer QnkCudaBuffer;

/** Allocates `bytes` (> 0) of device memory on device `ordinal`; NULL on
 * failure (reported). */
QNK_CUDA_EXPORT QnkCudaBuffer *qnkCudaBufferCreate(int ordinal, size_t bytes);
/** The buffer's device address. */
QNK_CUDA_EXPORT void *qnkCudaBufferGetData(const QnkCudaBuffer *buffer);
/** Drops the creator's (or any) reference; NULL is ignored. */
QNK_CUDA_EXPORT void qnkCudaBufferRelease(QnkCudaBuffer *buffer);
/** A DLPack `DLManagedTensor` (or, with `versioned`, a DLPack 1.0
 * `DLManagedTensorVersioned`; qnk/Runtime/CUDA/DLPack.h declares both for
 * C++) viewing the whole buffer as a dense row-major tensor (strides given)
 * of `ndim` dimensions `shape` and DLPack data type `typeCode`, `typeBits`
 * on device (kDLCUDA, ordinal). It holds a reference to the buffer until
 * its deleter runs. NULL (reported) if the shape does not fill the buffer
 * exactly. */
QNK_CUDA_EXPORT void *
qnkCudaBufferExportDLPack(QnkCudaBuffer *buffer, int ndim, const int64_t *shape,
                          uint8_t typeCode, uint8_t typeBits, int versioned);

/* Environment variables read once, at first use:
 *   QNK_CUDA_DRIVER        the driver library to dlopen instead of
 *                          libcuda.so.1 (tests name a missing one to check
 *                          the no-driver path on a GPU machine);
 *   QNK_CUDA_SYNC_TIMEOUT  the synchronization timeout, in seconds;
 *   QNK_CUDA_SKIP_ARCH_CHECK=1  hand binaries to the driver without QNK's
 *                          architecture check (to see the driver's own
 *                          verdict). */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QNK_RUNTIME_CUDA_RUNTIME_H */
