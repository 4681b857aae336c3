//===- RuntimeImpl.h - Errors, devices and contexts of the runtime -*- C++
//-*-===//
//
// What every entry point of libqnk_cuda_runtime shares: reporting a failure
// (handler, pending error of the thread), the initialized devices, and the
// device's primary context made current around each driver call.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_LIB_RUNTIME_CUDA_RUNTIMEIMPL_H
#define QNK_LIB_RUNTIME_CUDA_RUNTIMEIMPL_H

#include "Driver.h"
#include "qnk/Runtime/CUDA/Runtime.h"

#include <cstdint>
#include <string>

namespace qnk::cuda {

/// Sends a failure to the error handler and makes it this thread's pending
/// error. While an error is pending, later failures on the thread are only
/// consequences of it (the work they belong to is skipped) and are not
/// reported again.
void reportError(QnkCudaStatus status, int driverResult,
                 const std::string &message);

/// True while this thread has a pending error: launches, copies and
/// memsets are then skipped.
bool hasPendingError();

/// The status a driver result is reported with.
QnkCudaStatus classifyResult(driver::CUresult result);

/// If `result` failed, reports "<what()>: <CUDA error name (text)>" and
/// returns false. `what` is only called on failure.
template <typename What> bool check(driver::CUresult result, What what) {
  if (result == driver::CUDA_SUCCESS)
    return true;
  reportError(classifyResult(result), result,
              what() + ": " + driver::describeResult(result));
  return false;
}

/// An initialized device: its primary context and what the runtime checks
/// against.
struct Device {
  int ordinal = 0;
  driver::CUdevice device = 0;
  driver::CUcontext context = nullptr;
  int major = 0, minor = 0;
  std::string name;
  int maxThreadsPerBlock = 0;
  int maxSharedMemoryPerBlockOptin = 0;
  bool memoryPools = false;

  /// `device 0 (NVIDIA H100 80GB HBM3, sm_90)`.
  std::string describe() const;
};

/// The driver and the calling thread's default device (mgpuSetDefaultDevice),
/// initialized on first use. On failure, reports "<what()>: <reason>" and
/// returns null.
template <typename What>
const Device *getDevice(const driver::API *&api, What what);
const Device *getDeviceOrReport(const driver::API *&api,
                                const std::string &what);

/// The device mgpuSetDefaultDevice chose for this thread.
int getDefaultDeviceOrdinal();
void setDefaultDeviceOrdinal(int ordinal);

/// Makes a device's primary context current for a scope and restores the
/// previous one, so that the host program's own context is left alone.
class ScopedContext {
public:
  ScopedContext(const driver::API &api, const Device &device);
  ~ScopedContext();
  ScopedContext(const ScopedContext &) = delete;
  ScopedContext &operator=(const ScopedContext &) = delete;

private:
  const driver::API &api;
  bool pushed = false;
};

/// Waits until `query()` stops returning CUDA_ERROR_NOT_READY, at most the
/// synchronization timeout. Returns the query's last result, or reports a
/// timeout ("<what()> did not finish within N s ...") and returns
/// CUDA_ERROR_NOT_READY.
driver::CUresult waitWithTimeout(driver::CUresult (*query)(void *),
                                 void *object, const std::string &what);

/// `1.5 GiB (1610612736 bytes)`.
std::string formatBytes(uint64_t bytes);

template <typename What>
const Device *getDevice(const driver::API *&api, What what) {
  return getDeviceOrReport(api, what());
}

} // namespace qnk::cuda

#endif // QNK_LIB_RUNTIME_CUDA_RUNTIMEIMPL_H
