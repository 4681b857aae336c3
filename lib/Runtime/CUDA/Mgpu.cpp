//===- Mgpu.cpp - The mgpu* entry points of MLIR's gpu-to-llvm ------------===//
//
// QNK's implementation of the ABI upstream MLIR's CudaRuntimeWrappers
// define (see qnk/Runtime/CUDA/MgpuABI.h), with the error model of
// qnk/Runtime/CUDA/Runtime.h: checked arguments, messages that say what was
// being done, the device and the driver's error, and no abort.
//
//===----------------------------------------------------------------------===//

#include "RuntimeImpl.h"
#include "qnk/Runtime/CUDA/BinaryInfo.h"
#include "qnk/Runtime/CUDA/MgpuABI.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

using namespace qnk::cuda;
using namespace qnk::cuda::driver;

namespace {

struct Module;

/// What mgpuModuleGetFunction returns: the driver's function and what
/// launch checks and messages need.
struct Kernel {
  CUfunction function = nullptr;
  std::string name;
  const Device *device = nullptr;
  int maxThreadsPerBlock = 0;
  /// Static shared memory of the kernel, and the dynamic size it has been
  /// allowed so far (48 KiB without opting in).
  int staticSharedBytes = 0;
  int allowedDynamicSharedBytes = 48 * 1024;
};

/// What mgpuModuleLoad returns, also when loading failed: the kernels looked
/// up in a failed module report why it failed.
struct Module {
  CUmodule module = nullptr;
  const Device *device = nullptr;
  QnkCudaStatus status = QNK_CUDA_SUCCESS;
  std::string error;
  std::mutex mutex;
  std::vector<std::unique_ptr<Kernel>> kernels;
};

bool skipArchCheck() {
  static const bool skip = [] {
    const char *value = std::getenv("QNK_CUDA_SKIP_ARCH_CHECK");
    return value && *value && std::strcmp(value, "0") != 0;
  }();
  return skip;
}

/// Loads a module from `data` (size 0: NUL-terminated PTX), with the
/// architecture checked first and the driver's JIT log kept for errors.
Module *loadModule(const void *data, size_t size, int optLevel) {
  auto module = std::make_unique<Module>();
  auto fail = [&](QnkCudaStatus status, int result, std::string message) {
    module->status = status;
    module->error = message;
    reportError(status, result, message);
    return module.release();
  };
  BinaryInfo info;
  std::string error;
  if (!inspectBinary(data, size, info, error))
    return fail(QNK_CUDA_ERROR_INVALID_ARGUMENT, 0,
                "cannot load GPU module: " + error);
  const API *api;
  module->device = getDevice(api, [&] {
    return std::string("cannot load ") + info.getFormatName() + " module (" +
           info.describe() + ")";
  });
  if (!module->device) {
    module->status = qnkCudaGetLastError();
    module->error = qnkCudaGetLastErrorMessage();
    return module.release();
  }
  const Device &device = *module->device;
  if (!skipArchCheck() && !info.runsOn(device.major, device.minor)) {
    std::string message = std::string(info.getFormatName()) + " is for " +
                          info.describe() + " but " + device.describe() +
                          " cannot run it";
    if (info.format == BinaryInfo::Format::Cubin)
      message += ": machine code runs only on GPUs of its major version (and "
                 "an sm_XYa cubin only on sm_XY); compile for sm_" +
                 std::to_string(device.major * 10 + device.minor) +
                 " or embed PTX";
    return fail(QNK_CUDA_ERROR_WRONG_ARCH, CUDA_ERROR_NO_BINARY_FOR_GPU,
                message);
  }

  ScopedContext context(*api, device);
  char errorLog[8192] = {0};
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                   CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {errorLog, reinterpret_cast<void *>(sizeof(errorLog) - 1),
                    reinterpret_cast<void *>(intptr_t(optLevel))};
  unsigned numOptions = optLevel >= 0 ? 3 : 2;
  CUresult r = api->cuModuleLoadDataEx(&module->module, data, numOptions,
                                       options, values);
  if (r != CUDA_SUCCESS) {
    std::string message = "loading " + std::string(info.getFormatName()) +
                          " module (" + info.describe() + ") on " +
                          device.describe() + " failed: " + describeResult(r);
    if (r == CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
      message += "; the PTX is newer than this driver understands: update "
                 "the driver or compile with an older PTX ISA";
    if (errorLog[0])
      message += std::string("; log: ") + errorLog;
    module->module = nullptr;
    return fail(r == CUDA_ERROR_NO_BINARY_FOR_GPU ? QNK_CUDA_ERROR_WRONG_ARCH
                                                  : classifyResult(r),
                r, message);
  }
  return module.release();
}

Kernel *asKernel(void *function) { return static_cast<Kernel *>(function); }

/// Checks the launch shape against the kernel and the device, and opts the
/// kernel into large dynamic shared memory. Reports and returns false if it
/// cannot launch.
bool prepareLaunch(const API &api, Kernel &kernel, const intptr_t grid[3],
                   const intptr_t block[3], int32_t sharedMemBytes,
                   const std::string &shape) {
  auto fail = [&](const std::string &why) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, CUDA_ERROR_INVALID_VALUE,
                "cannot launch kernel '" + kernel.name + "' with " + shape +
                    ": " + why);
    return false;
  };
  const intptr_t gridLimits[3] = {std::numeric_limits<int32_t>::max(), 65535,
                                  65535};
  for (int i = 0; i < 3; ++i) {
    if (grid[i] < 1 || grid[i] > gridLimits[i])
      return fail("grid dimension " + std::string(1, "xyz"[i]) + " = " +
                  std::to_string(grid[i]) + " is outside [1, " +
                  std::to_string(gridLimits[i]) + "]");
    if (block[i] < 1 || block[i] > 1024)
      return fail("block dimension " + std::string(1, "xyz"[i]) + " = " +
                  std::to_string(block[i]) + " is outside [1, 1024]");
  }
  int64_t threads = int64_t(block[0]) * block[1] * block[2];
  if (threads > kernel.maxThreadsPerBlock)
    return fail(std::to_string(threads) +
                " threads per block; the kernel allows at most " +
                std::to_string(kernel.maxThreadsPerBlock));
  if (sharedMemBytes < 0)
    return fail("negative dynamic shared memory size");
  if (sharedMemBytes > kernel.allowedDynamicSharedBytes) {
    int available =
        kernel.device->maxSharedMemoryPerBlockOptin - kernel.staticSharedBytes;
    if (sharedMemBytes > available)
      return fail(std::to_string(sharedMemBytes) +
                  " bytes of dynamic shared memory; " +
                  kernel.device->describe() + " allows " +
                  std::to_string(available) + " next to the kernel's " +
                  std::to_string(kernel.staticSharedBytes) + " static bytes");
    CUresult r = api.cuFuncSetAttribute(
        kernel.function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
        sharedMemBytes);
    if (!check(r, [&] {
          return "allowing kernel '" + kernel.name + "' " +
                 std::to_string(sharedMemBytes) +
                 " bytes of dynamic shared memory";
        }))
      return false;
    kernel.allowedDynamicSharedBytes = sharedMemBytes;
  }
  return true;
}

std::string describeShape(const intptr_t *cluster, const intptr_t grid[3],
                          const intptr_t block[3], int32_t sharedMemBytes) {
  auto dims = [](const intptr_t d[3]) {
    return std::to_string(d[0]) + "x" + std::to_string(d[1]) + "x" +
           std::to_string(d[2]);
  };
  std::string text;
  if (cluster)
    text = "cluster " + dims(cluster) + ", ";
  return text + "grid " + dims(grid) + ", block " + dims(block) + ", " +
         std::to_string(sharedMemBytes) + " bytes of dynamic shared memory";
}

/// Device memory from the stream-ordered allocator, which mgpuMemFree must
/// return to it.
struct PoolAllocations {
  std::mutex mutex;
  std::unordered_set<CUdeviceptr> pointers;
};
PoolAllocations &getPoolAllocations() {
  static PoolAllocations allocations;
  return allocations;
}

CUdeviceptr toDevicePointer(const void *ptr) {
  return reinterpret_cast<CUdeviceptr>(ptr);
}

/// The byte size of a dense memref, or -1 if its strides are not dense.
int64_t getDenseMemRefBytes(int64_t rank, const void *descriptor,
                            int64_t elementSizeBytes, char *&data) {
  struct Header {
    char *allocated, *aligned;
    int64_t offset;
  };
  const auto *header = static_cast<const Header *>(descriptor);
  const auto *sizes = reinterpret_cast<const int64_t *>(header + 1);
  const int64_t *strides = sizes + rank;
  int64_t expected = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    if (sizes[i] != 1 && strides[i] != expected)
      return -1;
    expected *= sizes[i];
  }
  data = header->aligned + header->offset * elementSizeBytes;
  return expected * elementSizeBytes;
}

} // namespace

//===----------------------------------------------------------------------===//
// Modules and kernels
//===----------------------------------------------------------------------===//

extern "C" void *mgpuModuleLoad(void *data, size_t size) {
  return loadModule(data, size, /*optLevel=*/-1);
}

extern "C" void *mgpuModuleLoadJIT(void *data, int optLevel) {
  return loadModule(data, 0, optLevel < 0 ? 0 : (optLevel > 4 ? 4 : optLevel));
}

extern "C" void mgpuModuleUnload(void *handle) {
  std::unique_ptr<Module> module(static_cast<Module *>(handle));
  if (!module || !module->module)
    return;
  std::string error;
  const API *api = driver::load(error);
  CUresult r = api->cuModuleUnload(module->module);
  // At exit the driver may be torn down before the generated code's module
  // destructor runs; the module is gone either way.
  if (r != CUDA_ERROR_DEINITIALIZED)
    check(r, [] { return std::string("unloading a GPU module"); });
}

extern "C" void *mgpuModuleGetFunction(void *handle, const char *name) {
  auto *module = static_cast<Module *>(handle);
  std::string kernelName = name ? name : "(null)";
  if (!module || !name) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, 0,
                "cannot look up kernel '" + kernelName +
                    "': no module (null handle)");
    return nullptr;
  }
  if (!module->module) {
    reportError(
        module->status, 0,
        "kernel '" + kernelName +
            "' is unavailable: its module failed to load: " + module->error);
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(module->mutex);
  for (const std::unique_ptr<Kernel> &kernel : module->kernels)
    if (kernel->name == kernelName)
      return kernel.get();
  std::string error;
  const API *api = driver::load(error);
  auto kernel = std::make_unique<Kernel>();
  kernel->name = kernelName;
  kernel->device = module->device;
  ScopedContext context(*api, *module->device);
  if (!check(api->cuModuleGetFunction(&kernel->function, module->module, name),
             [&] { return "looking up kernel '" + kernelName + "'"; }))
    return nullptr;
  if (!check(api->cuFuncGetAttribute(&kernel->maxThreadsPerBlock,
                                     CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                                     kernel->function),
             [&] { return "querying kernel '" + kernelName + "'"; }) ||
      !check(api->cuFuncGetAttribute(&kernel->staticSharedBytes,
                                     CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES,
                                     kernel->function),
             [&] { return "querying kernel '" + kernelName + "'"; }))
    return nullptr;
  module->kernels.push_back(std::move(kernel));
  return module->kernels.back().get();
}

extern "C" void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                                 intptr_t gridZ, intptr_t blockX,
                                 intptr_t blockY, intptr_t blockZ,
                                 int32_t sharedMemBytes, void *stream,
                                 void **params, void **extra,
                                 size_t /*paramsCount*/) {
  if (hasPendingError())
    return;
  Kernel *kernel = asKernel(function);
  if (!kernel) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, 0,
                "cannot launch a kernel that was not found (null function)");
    return;
  }
  const intptr_t grid[3] = {gridX, gridY, gridZ};
  const intptr_t block[3] = {blockX, blockY, blockZ};
  std::string error;
  const API *api = driver::load(error);
  auto shape = [&] {
    return describeShape(nullptr, grid, block, sharedMemBytes);
  };
  ScopedContext context(*api, *kernel->device);
  if (!prepareLaunch(*api, *kernel, grid, block, sharedMemBytes, shape()))
    return;
  CUresult r = api->cuLaunchKernel(
      kernel->function, unsigned(gridX), unsigned(gridY), unsigned(gridZ),
      unsigned(blockX), unsigned(blockY), unsigned(blockZ),
      unsigned(sharedMemBytes), static_cast<CUstream>(stream), params, extra);
  check(r, [&] {
    return "launching kernel '" + kernel->name + "' (" + shape() + ") on " +
           kernel->device->describe();
  });
}

extern "C" void
mgpuLaunchClusterKernel(void *function, intptr_t clusterX, intptr_t clusterY,
                        intptr_t clusterZ, intptr_t gridX, intptr_t gridY,
                        intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                        intptr_t blockZ, int32_t sharedMemBytes, void *stream,
                        void **params, void **extra, size_t /*paramsCount*/) {
  if (hasPendingError())
    return;
  Kernel *kernel = asKernel(function);
  if (!kernel) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, 0,
                "cannot launch a kernel that was not found (null function)");
    return;
  }
  const intptr_t cluster[3] = {clusterX, clusterY, clusterZ};
  const intptr_t grid[3] = {gridX, gridY, gridZ};
  const intptr_t block[3] = {blockX, blockY, blockZ};
  std::string error;
  const API *api = driver::load(error);
  std::string shape = describeShape(cluster, grid, block, sharedMemBytes);
  auto fail = [&](const std::string &why) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, CUDA_ERROR_INVALID_VALUE,
                "cannot launch kernel '" + kernel->name + "' with " + shape +
                    ": " + why);
  };
  if (kernel->device->major < 9)
    return fail("thread block clusters need sm_90 or newer; " +
                kernel->device->describe() + " has none");
  if (!api->cuLaunchKernelEx)
    return fail("the CUDA driver lacks cuLaunchKernelEx");
  for (int i = 0; i < 3; ++i)
    if (cluster[i] < 1 || grid[i] % cluster[i] != 0)
      return fail("the grid is not a whole number of clusters along " +
                  std::string(1, "xyz"[i]));
  ScopedContext context(*api, *kernel->device);
  if (!prepareLaunch(*api, *kernel, grid, block, sharedMemBytes, shape))
    return;
  CUlaunchAttribute attribute;
  std::memset(&attribute, 0, sizeof(attribute));
  attribute.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attribute.value.clusterDim = {unsigned(clusterX), unsigned(clusterY),
                                unsigned(clusterZ)};
  CUlaunchConfig config = {unsigned(gridX),
                           unsigned(gridY),
                           unsigned(gridZ),
                           unsigned(blockX),
                           unsigned(blockY),
                           unsigned(blockZ),
                           unsigned(sharedMemBytes),
                           static_cast<CUstream>(stream),
                           &attribute,
                           1};
  CUresult r = api->cuLaunchKernelEx(&config, kernel->function, params, extra);
  check(r, [&] {
    return "launching kernel '" + kernel->name + "' (" + shape + ") on " +
           kernel->device->describe();
  });
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

/// The driver, if it has been loaded (stream and event handles exist only
/// if it has).
static const API *getLoadedDriver() {
  std::string ignored;
  return driver::load(ignored);
}

/// Creates a stream or event (`what`) on the default device with `create`.
template <typename Create>
static void *createOnDevice(const std::string &what, Create create) {
  const API *api;
  const Device *device =
      getDevice(api, [&] { return "cannot create " + what; });
  if (!device)
    return nullptr;
  ScopedContext context(*api, *device);
  void *handle = nullptr;
  if (!check(create(*api, handle),
             [&] { return "creating " + what + " on " + device->describe(); }))
    return nullptr;
  return handle;
}

/// Waits for the work before `object` (a stream or event) through `query`,
/// reporting a timeout or the failure of that work.
static void synchronize(void *object, CUresult (*query)(void *),
                        const std::string &work) {
  if (!object || !getLoadedDriver())
    return;
  CUresult r = waitWithTimeout(query, object, work);
  if (r != CUDA_ERROR_NOT_READY)
    check(r, [&] {
      return work + " failed (a kernel fault leaves the context unusable)";
    });
}

extern "C" void *mgpuStreamCreate(void) {
  return createOnDevice("a CUDA stream", [](const API &api, void *&handle) {
    return api.cuStreamCreate(reinterpret_cast<CUstream *>(&handle),
                              CU_STREAM_NON_BLOCKING);
  });
}

extern "C" void mgpuStreamDestroy(void *stream) {
  if (const API *api = getLoadedDriver(); api && stream)
    check(api->cuStreamDestroy_v2(static_cast<CUstream>(stream)),
          [] { return std::string("destroying a CUDA stream"); });
}

extern "C" void mgpuStreamSynchronize(void *stream) {
  synchronize(
      stream,
      [](void *s) {
        return getLoadedDriver()->cuStreamQuery(static_cast<CUstream>(s));
      },
      "work on a CUDA stream");
}

extern "C" void mgpuStreamWaitEvent(void *stream, void *event) {
  if (const API *api = getLoadedDriver(); api && event)
    check(api->cuStreamWaitEvent(static_cast<CUstream>(stream),
                                 static_cast<CUevent>(event), 0),
          [] { return std::string("making a CUDA stream wait for an event"); });
}

extern "C" void *mgpuEventCreate(void) {
  return createOnDevice("a CUDA event", [](const API &api, void *&handle) {
    return api.cuEventCreate(reinterpret_cast<CUevent *>(&handle),
                             CU_EVENT_DISABLE_TIMING);
  });
}

extern "C" void mgpuEventDestroy(void *event) {
  if (const API *api = getLoadedDriver(); api && event)
    check(api->cuEventDestroy_v2(static_cast<CUevent>(event)),
          [] { return std::string("destroying a CUDA event"); });
}

extern "C" void mgpuEventSynchronize(void *event) {
  synchronize(
      event,
      [](void *e) {
        return getLoadedDriver()->cuEventQuery(static_cast<CUevent>(e));
      },
      "work before a CUDA event");
}

extern "C" void mgpuEventRecord(void *event, void *stream) {
  if (const API *api = getLoadedDriver(); api && event)
    check(api->cuEventRecord(static_cast<CUevent>(event),
                             static_cast<CUstream>(stream)),
          [] { return std::string("recording a CUDA event"); });
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

extern "C" void *mgpuMemAlloc(uint64_t sizeBytes, void *stream,
                              uint32_t isHostShared) {
  bool managed = (isHostShared & 0xff) != 0;
  auto what = [&] {
    return "cannot allocate " + formatBytes(sizeBytes) + " of " +
           (managed ? "managed" : "device") + " memory";
  };
  const API *api;
  const Device *device = getDevice(api, what);
  if (!device || sizeBytes == 0)
    return nullptr;
  ScopedContext context(*api, *device);
  auto reportOutOfMemory = [&](CUresult r) {
    size_t freeBytes = 0, totalBytes = 0;
    api->cuMemGetInfo_v2(&freeBytes, &totalBytes);
    reportError(QNK_CUDA_ERROR_OUT_OF_MEMORY, r,
                "out of memory: " + what() + " on " + device->describe() +
                    ", which has " + formatBytes(freeBytes) + " free of " +
                    formatBytes(totalBytes));
  };
  CUdeviceptr ptr = 0;
  CUresult r;
  if (managed) {
    // Oversubscribed managed memory can stall the whole GPU: refuse first.
    size_t freeBytes = 0, totalBytes = 0;
    if (api->cuMemGetInfo_v2(&freeBytes, &totalBytes) == CUDA_SUCCESS &&
        sizeBytes > freeBytes) {
      reportOutOfMemory(CUDA_ERROR_OUT_OF_MEMORY);
      return nullptr;
    }
    r = api->cuMemAllocManaged(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL);
  } else if (stream && device->memoryPools) {
    r = api->cuMemAllocAsync(&ptr, sizeBytes, static_cast<CUstream>(stream));
    if (r == CUDA_SUCCESS) {
      PoolAllocations &pool = getPoolAllocations();
      std::lock_guard<std::mutex> lock(pool.mutex);
      pool.pointers.insert(ptr);
    }
  } else {
    r = api->cuMemAlloc_v2(&ptr, sizeBytes);
  }
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {
    reportOutOfMemory(r);
    return nullptr;
  }
  if (!check(r, [&] { return what() + " on " + device->describe(); }))
    return nullptr;
  return reinterpret_cast<void *>(ptr);
}

extern "C" void mgpuMemFree(void *ptr, void *stream) {
  if (!ptr)
    return;
  const API *api;
  const Device *device =
      getDevice(api, [] { return std::string("cannot free device memory"); });
  if (!device)
    return;
  ScopedContext context(*api, *device);
  CUdeviceptr devicePtr = toDevicePointer(ptr);
  bool fromPool;
  {
    PoolAllocations &pool = getPoolAllocations();
    std::lock_guard<std::mutex> lock(pool.mutex);
    fromPool = pool.pointers.erase(devicePtr) != 0;
  }
  CUresult r =
      fromPool ? api->cuMemFreeAsync(devicePtr, static_cast<CUstream>(stream))
               : api->cuMemFree_v2(devicePtr);
  check(r, [&] { return "freeing device memory on " + device->describe(); });
}

extern "C" void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                           void *stream) {
  if (hasPendingError() || sizeBytes == 0)
    return;
  auto what = [&] { return "cannot copy " + formatBytes(sizeBytes); };
  if (!dst || !src) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, CUDA_ERROR_INVALID_VALUE,
                what() + ": null " + (dst ? "source" : "destination"));
    return;
  }
  const API *api;
  const Device *device = getDevice(api, what);
  if (!device)
    return;
  ScopedContext context(*api, *device);
  check(api->cuMemcpyAsync(toDevicePointer(dst), toDevicePointer(src),
                           sizeBytes, static_cast<CUstream>(stream)),
        [&] { return what() + " on " + device->describe(); });
}

template <typename Fill>
static void memset(void *dst, size_t count, unsigned elementBytes, Fill fill) {
  if (hasPendingError() || count == 0)
    return;
  auto what = [&] {
    return "cannot set " + std::to_string(count) + " " +
           std::to_string(elementBytes * 8) + "-bit elements of device memory";
  };
  if (!dst) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, CUDA_ERROR_INVALID_VALUE,
                what() + ": null destination");
    return;
  }
  const API *api;
  const Device *device = getDevice(api, what);
  if (!device)
    return;
  ScopedContext context(*api, *device);
  check(fill(*api), [&] { return what() + " on " + device->describe(); });
}

extern "C" void mgpuMemset32(void *dst, unsigned int value, size_t count,
                             void *stream) {
  memset(dst, count, 4, [&](const API &api) {
    return api.cuMemsetD32Async(toDevicePointer(dst), value, count,
                                static_cast<CUstream>(stream));
  });
}

extern "C" void mgpuMemset16(void *dst, uint32_t value, size_t count,
                             void *stream) {
  memset(dst, count, 2, [&](const API &api) {
    return api.cuMemsetD16Async(toDevicePointer(dst),
                                static_cast<unsigned short>(value & 0xffff),
                                count, static_cast<CUstream>(stream));
  });
}

extern "C" void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  auto what = [&] {
    return "cannot register " + formatBytes(sizeBytes) + " of host memory";
  };
  if (!ptr || sizeBytes == 0)
    return;
  const API *api;
  const Device *device = getDevice(api, what);
  if (!device)
    return;
  ScopedContext context(*api, *device);
  CUresult r = api->cuMemHostRegister_v2(ptr, sizeBytes, 0);
  // Entries that register their arguments run more than once.
  if (r != CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED)
    check(r, [&] { return what() + " with " + device->describe(); });
}

extern "C" void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                          int64_t elementSizeBytes) {
  char *data = nullptr;
  int64_t bytes =
      descriptor && rank >= 0
          ? getDenseMemRefBytes(rank, descriptor, elementSizeBytes, data)
          : -1;
  if (bytes < 0) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, 0,
                "cannot register a memref of rank " + std::to_string(rank) +
                    " with CUDA: only dense, row-major memrefs can be");
    return;
  }
  mgpuMemHostRegister(data, uint64_t(bytes));
}

extern "C" void mgpuMemHostUnregister(void *ptr) {
  if (!ptr)
    return;
  const API *api;
  const Device *device = getDevice(
      api, [] { return std::string("cannot unregister host memory"); });
  if (!device)
    return;
  ScopedContext context(*api, *device);
  CUresult r = api->cuMemHostUnregister(ptr);
  check(r, [] { return std::string("unregistering host memory"); });
}

extern "C" void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                            int64_t elementSizeBytes) {
  char *data = nullptr;
  if (descriptor && rank >= 0 &&
      getDenseMemRefBytes(rank, descriptor, elementSizeBytes, data) >= 0)
    mgpuMemHostUnregister(data);
}

extern "C" void mgpuSetDefaultDevice(int32_t device) {
  setDefaultDeviceOrdinal(device);
}

//===----------------------------------------------------------------------===//
// TMA descriptors
//===----------------------------------------------------------------------===//

/// Bytes per element of each CUtensorMapDataType up to TFLOAT32_FTZ (the
/// packed sub-byte types that follow are not supported here).
static const int kTensorMapElementBytes[] = {1, 2, 4, 4, 8, 8, 2,
                                             4, 8, 2, 4, 4, 4};
static const char *kTensorMapTypeNames[] = {
    "u8",  "u16", "u32",  "i32",     "u64",  "i64",     "f16",
    "f32", "f64", "bf16", "f32_ftz", "tf32", "tf32_ftz"};
constexpr int kNumTensorMapTypes =
    sizeof(kTensorMapElementBytes) / sizeof(kTensorMapElementBytes[0]);

template <typename T>
static std::string formatList(const T *values, uint32_t count) {
  std::string text = "[";
  for (uint32_t i = 0; i < count; ++i)
    text += (i ? ", " : "") + std::to_string(values[i]);
  return text + "]";
}

extern "C" void
mgpuTensorMapEncodeTiled(void *tensorMap, int dataType, uint32_t rank,
                         void *globalAddress, const uint64_t *globalDim,
                         const uint64_t *globalStrides, const uint32_t *boxDim,
                         const uint32_t *elementStrides, int interleave,
                         int swizzle, int l2Promotion, int oobFill) {
  auto what = [&] {
    std::string text = "cannot encode a TMA descriptor";
    if (globalDim && boxDim && rank >= 1 && rank <= 5 && dataType >= 0 &&
        dataType < kNumTensorMapTypes)
      text +=
          std::string(" (") + kTensorMapTypeNames[dataType] + ", rank " +
          std::to_string(rank) + ", dims " + formatList(globalDim, rank) +
          (globalStrides && rank > 1
               ? ", strides " + formatList(globalStrides, rank - 1) + " bytes"
               : std::string()) +
          ", box " + formatList(boxDim, rank) + ", swizzle " +
          std::to_string(swizzle) + ")";
    return text;
  };
  auto fail = [&](const std::string &why) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, CUDA_ERROR_INVALID_VALUE,
                what() + ": " + why);
  };
  if (!tensorMap || reinterpret_cast<uintptr_t>(tensorMap) % 64 != 0)
    return fail("the descriptor must be 64-byte aligned host memory");
  if (rank < 1 || rank > 5 || !globalDim || !boxDim || !elementStrides ||
      (rank > 1 && !globalStrides))
    return fail("rank must be 1 to 5, with dims, strides (rank > 1), box and "
                "element strides given");
  if (dataType < 0 || dataType >= kNumTensorMapTypes)
    return fail("unsupported data type " + std::to_string(dataType));
  if (reinterpret_cast<uintptr_t>(globalAddress) % 16 != 0)
    return fail("the tensor's address is not 16-byte aligned");
  for (uint32_t i = 0; i + 1 < rank; ++i)
    if (globalStrides[i] % 16 != 0)
      return fail("stride " + std::to_string(i) + " (" +
                  std::to_string(globalStrides[i]) +
                  " bytes) is not a multiple of 16 bytes");
  for (uint32_t i = 0; i < rank; ++i)
    if (boxDim[i] < 1 || boxDim[i] > 256)
      return fail("box dimension " + std::to_string(i) +
                  " is outside [1, 256]");
  const API *api;
  const Device *device = getDevice(api, what);
  if (!device)
    return;
  if (device->major < 9)
    return fail("TMA needs sm_90 or newer; " + device->describe() +
                " has none");
  if (!api->cuTensorMapEncodeTiled)
    return fail("the CUDA driver lacks cuTensorMapEncodeTiled");
  // The driver checks the address against the current context.
  ScopedContext context(*api, *device);
  CUresult r = api->cuTensorMapEncodeTiled(
      static_cast<CUtensorMap *>(tensorMap), dataType, rank, globalAddress,
      globalDim, globalStrides, boxDim, elementStrides, interleave, swizzle,
      l2Promotion, oobFill);
  check(r, [&] {
    if (r != CUDA_ERROR_INVALID_VALUE)
      return what();
    return what() + ": the driver refused it (the inner box must span a "
                    "multiple of 16 bytes, within the swizzle's span)";
  });
}

extern "C" void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *descriptor, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims) {
  if (hasPendingError())
    return nullptr;
  if (rank < 1 || rank > 5 || !descriptor || !boxDims || dataType < 0 ||
      dataType >= kNumTensorMapTypes) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, CUDA_ERROR_INVALID_VALUE,
                "cannot encode a TMA descriptor of a memref of rank " +
                    std::to_string(rank) + " and data type " +
                    std::to_string(dataType) +
                    ": rank 1-5, a descriptor and box sizes are needed");
    return nullptr;
  }
  struct Header {
    char *allocated, *aligned;
    int64_t offset;
  };
  const auto *header = static_cast<const Header *>(descriptor);
  const auto *sizes = reinterpret_cast<const int64_t *>(header + 1);
  const int64_t *strides = sizes + rank;
  int64_t elementBytes = kTensorMapElementBytes[dataType];
  // The driver counts dimensions innermost first.
  uint64_t globalDim[5], globalStrides[5];
  uint32_t boxDim[5], elementStrides[5];
  for (int64_t i = 0; i < rank; ++i) {
    globalDim[i] = uint64_t(sizes[rank - 1 - i]);
    boxDim[i] = uint32_t(boxDims[rank - 1 - i]);
    elementStrides[i] = 1;
    if (i + 1 < rank)
      globalStrides[i] = uint64_t(strides[rank - 2 - i] * elementBytes);
  }
  if (strides[rank - 1] != 1) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, CUDA_ERROR_INVALID_VALUE,
                "cannot encode a TMA descriptor: the memref's innermost "
                "dimension is not contiguous (stride " +
                    std::to_string(strides[rank - 1]) + ")");
    return nullptr;
  }
  CUtensorMap tensorMap;
  mgpuTensorMapEncodeTiled(&tensorMap, int(dataType), uint32_t(rank),
                           header->aligned + header->offset * elementBytes,
                           globalDim, globalStrides, boxDim, elementStrides,
                           int(interleave), int(swizzle), int(l2Promotion),
                           int(oobFill));
  if (hasPendingError())
    return nullptr;
  // Kernels take the map by pointer to global memory. Like upstream's, the
  // copy lives as long as the process.
  const API *api;
  const Device *device = getDevice(api, [] {
    return std::string("cannot copy a TMA descriptor to the device");
  });
  if (!device)
    return nullptr;
  ScopedContext context(*api, *device);
  CUdeviceptr copy = 0;
  if (!check(api->cuMemAlloc_v2(&copy, sizeof(tensorMap)), [] {
        return std::string("allocating device memory for a TMA descriptor");
      }))
    return nullptr;
  if (!check(api->cuMemcpyHtoD_v2(copy, &tensorMap, sizeof(tensorMap)), [] {
        return std::string("copying a TMA descriptor to the device");
      }))
    return nullptr;
  return reinterpret_cast<void *>(copy);
}
