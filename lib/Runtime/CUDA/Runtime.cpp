//===- Runtime.cpp - Errors, devices and settings of the CUDA runtime -----===//

#include "RuntimeImpl.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

using namespace qnk::cuda;
using namespace qnk::cuda::driver;

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

namespace {
struct PendingError {
  QnkCudaStatus status = QNK_CUDA_SUCCESS;
  int driverResult = 0;
  std::string message;
};

void printError(QnkCudaStatus, int, const char *message, void *) {
  std::fprintf(stderr, "qnk-cuda-runtime: error: %s\n", message);
  std::fflush(stderr);
}

struct Handler {
  std::mutex mutex;
  QnkCudaErrorHandler handler = printError;
  void *userData = nullptr;
};
Handler &getHandler() {
  static Handler handler;
  return handler;
}
} // namespace

static thread_local PendingError pendingError;

void qnk::cuda::reportError(QnkCudaStatus status, int driverResult,
                            const std::string &message) {
  if (pendingError.status != QNK_CUDA_SUCCESS)
    return;
  pendingError = {status, driverResult, message};
  QnkCudaErrorHandler handler;
  void *userData;
  {
    Handler &h = getHandler();
    std::lock_guard<std::mutex> lock(h.mutex);
    handler = h.handler;
    userData = h.userData;
  }
  handler(status, driverResult, message.c_str(), userData);
}

bool qnk::cuda::hasPendingError() {
  return pendingError.status != QNK_CUDA_SUCCESS;
}

QnkCudaStatus qnk::cuda::classifyResult(CUresult result) {
  switch (result) {
  case CUDA_SUCCESS:
    return QNK_CUDA_SUCCESS;
  case CUDA_ERROR_OUT_OF_MEMORY:
    return QNK_CUDA_ERROR_OUT_OF_MEMORY;
  case CUDA_ERROR_NO_DEVICE:
  case CUDA_ERROR_INVALID_DEVICE:
    return QNK_CUDA_ERROR_NO_DEVICE;
  case CUDA_ERROR_NO_BINARY_FOR_GPU:
    return QNK_CUDA_ERROR_WRONG_ARCH;
  case CUDA_ERROR_INVALID_VALUE:
    return QNK_CUDA_ERROR_INVALID_ARGUMENT;
  default:
    return QNK_CUDA_ERROR_DRIVER;
  }
}

std::string qnk::cuda::formatBytes(uint64_t bytes) {
  static const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = double(bytes);
  unsigned unit = 0;
  while (value >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
    value /= 1024;
    ++unit;
  }
  char text[96];
  if (unit == 0)
    std::snprintf(text, sizeof(text), "%llu bytes", (unsigned long long)bytes);
  else
    std::snprintf(text, sizeof(text), "%.1f %s (%llu bytes)", value,
                  units[unit], (unsigned long long)bytes);
  return text;
}

extern "C" const char *qnkCudaStatusName(QnkCudaStatus status) {
  switch (status) {
  case QNK_CUDA_SUCCESS:
    return "QNK_CUDA_SUCCESS";
  case QNK_CUDA_ERROR_NO_DRIVER:
    return "QNK_CUDA_ERROR_NO_DRIVER";
  case QNK_CUDA_ERROR_NO_DEVICE:
    return "QNK_CUDA_ERROR_NO_DEVICE";
  case QNK_CUDA_ERROR_WRONG_ARCH:
    return "QNK_CUDA_ERROR_WRONG_ARCH";
  case QNK_CUDA_ERROR_OUT_OF_MEMORY:
    return "QNK_CUDA_ERROR_OUT_OF_MEMORY";
  case QNK_CUDA_ERROR_TIMEOUT:
    return "QNK_CUDA_ERROR_TIMEOUT";
  case QNK_CUDA_ERROR_INVALID_ARGUMENT:
    return "QNK_CUDA_ERROR_INVALID_ARGUMENT";
  case QNK_CUDA_ERROR_DRIVER:
    return "QNK_CUDA_ERROR_DRIVER";
  }
  return "QNK_CUDA_ERROR_UNKNOWN";
}

extern "C" void qnkCudaSetErrorHandler(QnkCudaErrorHandler handler,
                                       void *userData) {
  Handler &h = getHandler();
  std::lock_guard<std::mutex> lock(h.mutex);
  h.handler = handler ? handler : printError;
  h.userData = handler ? userData : nullptr;
}

extern "C" QnkCudaStatus qnkCudaGetLastError(void) {
  return pendingError.status;
}

extern "C" const char *qnkCudaGetLastErrorMessage(void) {
  return pendingError.message.c_str();
}

extern "C" QnkCudaStatus qnkCudaClearError(void) {
  QnkCudaStatus status = pendingError.status;
  pendingError = PendingError();
  return status;
}

//===----------------------------------------------------------------------===//
// Devices and contexts
//===----------------------------------------------------------------------===//

namespace {
constexpr int kMaxDevices = 64;

/// cuInit's outcome, and each device once initialized.
struct Devices {
  std::once_flag initOnce;
  std::string initError;
  QnkCudaStatus initStatus = QNK_CUDA_SUCCESS;
  int initResult = 0;
  int count = 0;
  std::mutex mutex;
  std::unique_ptr<Device> devices[kMaxDevices];
};
Devices &getDevices() {
  static Devices devices;
  return devices;
}
} // namespace

static thread_local int defaultDeviceOrdinal = 0;

int qnk::cuda::getDefaultDeviceOrdinal() { return defaultDeviceOrdinal; }
void qnk::cuda::setDefaultDeviceOrdinal(int ordinal) {
  defaultDeviceOrdinal = ordinal;
}

std::string Device::describe() const {
  return "device " + std::to_string(ordinal) + " (" + name + ", sm_" +
         std::to_string(major * 10 + minor) + ")";
}

/// Initializes device `ordinal`, or sets `status`/`result`/`error`.
static std::unique_ptr<Device> initDevice(const API &api, int ordinal,
                                          QnkCudaStatus &status, int &result,
                                          std::string &error) {
  auto device = std::make_unique<Device>();
  device->ordinal = ordinal;
  auto fail = [&](CUresult r, const std::string &what) {
    status = classifyResult(r);
    result = r;
    error = what + ": " + describeResult(r);
    return nullptr;
  };
  CUresult r = api.cuDeviceGet(&device->device, ordinal);
  if (r != CUDA_SUCCESS)
    return fail(r, "no CUDA device " + std::to_string(ordinal));
  char name[128] = {0};
  api.cuDeviceGetName(name, sizeof(name) - 1, device->device);
  device->name = name;
  struct {
    int *value;
    int attribute;
  } attributes[] = {
      {&device->major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR},
      {&device->minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR},
      {&device->maxThreadsPerBlock, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK},
      {&device->maxSharedMemoryPerBlockOptin,
       CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN},
  };
  for (auto &a : attributes)
    if ((r = api.cuDeviceGetAttribute(a.value, a.attribute, device->device)))
      return fail(r, "querying CUDA device " + std::to_string(ordinal));
  int pools = 0;
  if (api.cuMemAllocAsync && api.cuMemFreeAsync &&
      api.cuDeviceGetAttribute(&pools,
                               CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED,
                               device->device) == CUDA_SUCCESS)
    device->memoryPools = pools != 0;
  // The pool hands memory back to the system at every synchronization by
  // default, so each call of an entry that allocates would map its buffers
  // again; keep what was freed for reuse instead (it stays reserved by the
  // process, up to the peak it used).
  CUmemoryPool pool = nullptr;
  uint64_t keepAll = ~uint64_t(0);
  if (device->memoryPools && api.cuDeviceGetDefaultMemPool &&
      api.cuMemPoolSetAttribute &&
      api.cuDeviceGetDefaultMemPool(&pool, device->device) == CUDA_SUCCESS)
    api.cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD,
                              &keepAll);
  // The primary context is the one the CUDA runtime (and PyTorch) use, so
  // QNK's buffers and theirs are interchangeable. It is kept for the life
  // of the process.
  if ((r = api.cuDevicePrimaryCtxRetain(&device->context, device->device)))
    return fail(r, "creating a context on " + device->describe());
  return device;
}

const Device *qnk::cuda::getDeviceOrReport(const API *&api,
                                           const std::string &what) {
  std::string error;
  api = driver::load(error);
  if (!api) {
    reportError(QNK_CUDA_ERROR_NO_DRIVER, 0, what + ": " + error);
    return nullptr;
  }
  Devices &devices = getDevices();
  std::call_once(devices.initOnce, [&] {
    CUresult r = api->cuInit(0);
    if (r == CUDA_SUCCESS)
      r = api->cuDeviceGetCount(&devices.count);
    if (r != CUDA_SUCCESS) {
      devices.initStatus = r == CUDA_ERROR_NO_DEVICE ? QNK_CUDA_ERROR_NO_DEVICE
                                                     : QNK_CUDA_ERROR_NO_DRIVER;
      devices.initResult = r;
      devices.initError = "cannot initialize the CUDA driver: cuInit failed: " +
                          describeResult(r);
    }
  });
  if (devices.initStatus != QNK_CUDA_SUCCESS) {
    reportError(devices.initStatus, devices.initResult,
                what + ": " + devices.initError);
    return nullptr;
  }
  int ordinal = defaultDeviceOrdinal;
  if (ordinal < 0 || ordinal >= devices.count || ordinal >= kMaxDevices) {
    reportError(QNK_CUDA_ERROR_NO_DEVICE, CUDA_ERROR_INVALID_DEVICE,
                what + ": no CUDA device " + std::to_string(ordinal) +
                    " (the driver sees " + std::to_string(devices.count) + ")");
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(devices.mutex);
  std::unique_ptr<Device> &device = devices.devices[ordinal];
  if (!device) {
    QnkCudaStatus status = QNK_CUDA_SUCCESS;
    int result = 0;
    std::string initError;
    device = initDevice(*api, ordinal, status, result, initError);
    if (!device) {
      reportError(status, result, what + ": " + initError);
      return nullptr;
    }
  }
  return device.get();
}

ScopedContext::ScopedContext(const API &api, const Device &device) : api(api) {
  pushed = api.cuCtxPushCurrent_v2(device.context) == CUDA_SUCCESS;
}

ScopedContext::~ScopedContext() {
  if (pushed)
    api.cuCtxPopCurrent_v2(nullptr);
}

//===----------------------------------------------------------------------===//
// Synchronization with a timeout
//===----------------------------------------------------------------------===//

static std::atomic<double> &getSyncTimeout() {
  static std::atomic<double> timeout([] {
    const char *text = std::getenv("QNK_CUDA_SYNC_TIMEOUT");
    char *end = nullptr;
    double seconds = text ? std::strtod(text, &end) : 0;
    if (text && end != text && *end == '\0' && seconds >= 0 &&
        std::isfinite(seconds))
      return seconds;
    return 300.0;
  }());
  return timeout;
}

extern "C" void qnkCudaSetSyncTimeout(double seconds) {
  getSyncTimeout() = seconds >= 0 && std::isfinite(seconds) ? seconds : 0;
}

extern "C" double qnkCudaGetSyncTimeout(void) { return getSyncTimeout(); }

CUresult qnk::cuda::waitWithTimeout(CUresult (*query)(void *), void *object,
                                    const std::string &what) {
  using Clock = std::chrono::steady_clock;
  double timeout = getSyncTimeout();
  Clock::time_point start = Clock::now();
  // Short waits poll hot (a kernel of microseconds should not pay a sleep);
  // longer ones back off to sleeping 200 us between polls.
  for (;;) {
    CUresult result = query(object);
    if (result != CUDA_ERROR_NOT_READY)
      return result;
    double elapsed =
        std::chrono::duration<double>(Clock::now() - start).count();
    if (timeout > 0 && elapsed > timeout) {
      char seconds[32];
      std::snprintf(seconds, sizeof(seconds), "%g", timeout);
      reportError(QNK_CUDA_ERROR_TIMEOUT, CUDA_ERROR_NOT_READY,
                  what + " did not finish within " + seconds +
                      " s (qnkCudaSetSyncTimeout / QNK_CUDA_SYNC_TIMEOUT); a "
                      "kernel may be hung. It keeps running on the device");
      return CUDA_ERROR_NOT_READY;
    }
    if (elapsed < 1e-3)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(
          std::chrono::microseconds(elapsed < 0.1 ? 20 : 200));
  }
}

//===----------------------------------------------------------------------===//
// Public queries
//===----------------------------------------------------------------------===//

/// Device `ordinal` (not the thread's default device), as getDevice.
template <typename What>
static const Device *getDeviceByOrdinal(int ordinal, const API *&api,
                                        What what) {
  int previous = defaultDeviceOrdinal;
  defaultDeviceOrdinal = ordinal;
  const Device *device = getDevice(api, what);
  defaultDeviceOrdinal = previous;
  return device;
}

/// The pending error's status after a failure that may not have been
/// reported because an earlier error was pending.
static QnkCudaStatus failedStatus(QnkCudaStatus fallback) {
  return pendingError.status ? pendingError.status : fallback;
}

extern "C" QnkCudaStatus qnkCudaInit(int ordinal) {
  const API *api;
  const Device *device = getDeviceByOrdinal(
      ordinal, api, [] { return std::string("initializing CUDA"); });
  return device ? QNK_CUDA_SUCCESS : pendingError.status;
}

extern "C" QnkCudaStatus qnkCudaGetDeviceInfo(int ordinal,
                                              QnkCudaDeviceInfo *info) {
  if (!info) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, 0,
                "qnkCudaGetDeviceInfo: null info");
    return QNK_CUDA_ERROR_INVALID_ARGUMENT;
  }
  std::memset(info, 0, sizeof(*info));
  const API *api;
  const Device *device = getDeviceByOrdinal(ordinal, api, [&] {
    return "querying CUDA device " + std::to_string(ordinal);
  });
  if (!device)
    return failedStatus(QNK_CUDA_ERROR_NO_DEVICE);
  std::snprintf(info->name, sizeof(info->name), "%s", device->name.c_str());
  info->computeCapabilityMajor = device->major;
  info->computeCapabilityMinor = device->minor;
  info->maxSharedMemoryPerBlockOptin = device->maxSharedMemoryPerBlockOptin;
  api->cuDeviceGetAttribute(&info->multiprocessorCount,
                            CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                            device->device);
  api->cuDriverGetVersion(&info->driverVersion);
  ScopedContext context(*api, *device);
  CUresult r =
      api->cuMemGetInfo_v2(&info->freeMemoryBytes, &info->totalMemoryBytes);
  if (!check(r, [&] { return "querying the memory of " + device->describe(); }))
    return classifyResult(r);
  return QNK_CUDA_SUCCESS;
}

extern "C" QnkCudaStatus qnkCudaSynchronizeLegacyStream(int ordinal) {
  auto what = [&] {
    return "waiting for the legacy default stream of CUDA device " +
           std::to_string(ordinal);
  };
  const API *api;
  const Device *device = getDeviceByOrdinal(ordinal, api, what);
  if (!device)
    return failedStatus(QNK_CUDA_ERROR_NO_DEVICE);
  // The legacy stream is the current context's: keep the device's current
  // while polling.
  ScopedContext context(*api, *device);
  CUresult r = waitWithTimeout(
      [](void *stream) {
        std::string ignored;
        return driver::load(ignored)->cuStreamQuery(
            static_cast<CUstream>(stream));
      },
      reinterpret_cast<void *>(CU_STREAM_LEGACY), what());
  if (r == CUDA_ERROR_NOT_READY)
    return QNK_CUDA_ERROR_TIMEOUT; // reported by waitWithTimeout
  if (!check(r, [&] {
        return what() + " failed (a kernel fault leaves the context unusable)";
      }))
    return classifyResult(r);
  return QNK_CUDA_SUCCESS;
}
