//===- FakeCUDADriver.cpp - A libcuda stand-in for tests without a GPU ----===//
//
// Loaded by libqnk_cuda_runtime in place of libcuda.so.1 (QNK_CUDA_DRIVER),
// so that its checks and messages can be tested on machines without a GPU.
// Two devices: 0 is an sm_80 "Fake A100", 1 an sm_90 "Fake H100", each with
// 1 GiB of "device" memory that is host memory. Kernels do nothing; copies
// and memsets happen at once. fakeCudaSetHang(1) makes streams and events
// never finish, to test the synchronization timeout.
//
//===----------------------------------------------------------------------===//

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
using CUresult = int;
constexpr CUresult kSuccess = 0, kInvalidValue = 1, kOutOfMemory = 2,
                   kInvalidDevice = 101, kNotReady = 600;
constexpr size_t kDeviceMemory = size_t(1) << 30;
std::atomic<size_t> allocated[2];
std::atomic<int> hang{0};
std::atomic<int> launches{0};
std::atomic<int> currentDevice{0};
int contexts[2];
} // namespace

FAKE_EXPORT void fakeCudaSetHang(int value) { hang = value; }
FAKE_EXPORT int fakeCudaGetLaunchCount() { return launches; }

FAKE_EXPORT CUresult cuGetErrorName(CUresult result, const char **name) {
  switch (result) {
  case kSuccess:
    *name = "CUDA_SUCCESS";
    return kSuccess;
  case kInvalidValue:
    *name = "CUDA_ERROR_INVALID_VALUE";
    return kSuccess;
  case kOutOfMemory:
    *name = "CUDA_ERROR_OUT_OF_MEMORY";
    return kSuccess;
  case kInvalidDevice:
    *name = "CUDA_ERROR_INVALID_DEVICE";
    return kSuccess;
  case kNotReady:
    *name = "CUDA_ERROR_NOT_READY";
    return kSuccess;
  }
  *name = nullptr;
  return kInvalidValue;
}
FAKE_EXPORT CUresult cuGetErrorString(CUresult result, const char **text) {
  *text = result == kOutOfMemory ? "out of memory" : "fake error";
  return kSuccess;
}
FAKE_EXPORT CUresult cuInit(unsigned) { return kSuccess; }
FAKE_EXPORT CUresult cuDriverGetVersion(int *version) {
  *version = 13000;
  return kSuccess;
}
FAKE_EXPORT CUresult cuDeviceGetCount(int *count) {
  *count = 2;
  return kSuccess;
}
FAKE_EXPORT CUresult cuDeviceGet(int *device, int ordinal) {
  if (ordinal < 0 || ordinal > 1)
    return kInvalidDevice;
  *device = ordinal;
  return kSuccess;
}
FAKE_EXPORT CUresult cuDeviceGetName(char *name, int length, int device) {
  std::strncpy(name, device ? "Fake H100" : "Fake A100", length);
  return kSuccess;
}
FAKE_EXPORT CUresult cuDeviceGetAttribute(int *value, int attribute,
                                          int device) {
  switch (attribute) {
  case 1: // max threads per block
    *value = 1024;
    return kSuccess;
  case 16: // multiprocessors
    *value = device ? 132 : 108;
    return kSuccess;
  case 75: // compute capability major
    *value = device ? 9 : 8;
    return kSuccess;
  case 76:
    *value = 0;
    return kSuccess;
  case 97: // shared memory per block, opt-in
    *value = device ? 227 * 1024 : 163 * 1024;
    return kSuccess;
  case 115: // memory pools
    *value = 1;
    return kSuccess;
  }
  return kInvalidValue;
}
FAKE_EXPORT CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
  *context = &contexts[device];
  return kSuccess;
}
FAKE_EXPORT CUresult cuCtxPushCurrent_v2(void *context) {
  currentDevice = static_cast<int *>(context) - contexts;
  return kSuccess;
}
FAKE_EXPORT CUresult cuCtxPopCurrent_v2(void **) { return kSuccess; }
FAKE_EXPORT CUresult cuMemGetInfo_v2(size_t *freeBytes, size_t *totalBytes) {
  *totalBytes = kDeviceMemory;
  *freeBytes = kDeviceMemory - allocated[currentDevice];
  return kSuccess;
}
FAKE_EXPORT CUresult cuModuleLoadDataEx(void **module, const void *, unsigned,
                                        int *, void **) {
  *module = std::malloc(1);
  return kSuccess;
}
FAKE_EXPORT CUresult cuModuleUnload(void *module) {
  std::free(module);
  return kSuccess;
}
FAKE_EXPORT CUresult cuModuleGetFunction(void **function, void *module,
                                         const char *name) {
  if (std::strcmp(name, "missing") == 0)
    return 500; // CUDA_ERROR_NOT_FOUND
  *function = module;
  return kSuccess;
}
FAKE_EXPORT CUresult cuFuncGetAttribute(int *value, int attribute, void *) {
  *value = attribute == 0 ? 256 : 1024; // max threads, static shared bytes
  return kSuccess;
}
FAKE_EXPORT CUresult cuFuncSetAttribute(void *, int, int) { return kSuccess; }
FAKE_EXPORT CUresult cuLaunchKernel(void *, unsigned, unsigned, unsigned,
                                    unsigned, unsigned, unsigned, unsigned,
                                    void *, void **, void **) {
  ++launches;
  return kSuccess;
}
FAKE_EXPORT CUresult cuLaunchKernelEx(const void *, void *, void **, void **) {
  ++launches;
  return kSuccess;
}
FAKE_EXPORT CUresult cuStreamCreate(void **stream, unsigned) {
  *stream = std::malloc(1);
  return kSuccess;
}
FAKE_EXPORT CUresult cuStreamDestroy_v2(void *stream) {
  std::free(stream);
  return kSuccess;
}
FAKE_EXPORT CUresult cuStreamQuery(void *) {
  return hang ? kNotReady : kSuccess;
}
FAKE_EXPORT CUresult cuStreamWaitEvent(void *, void *, unsigned) {
  return kSuccess;
}
FAKE_EXPORT CUresult cuEventCreate(void **event, unsigned) {
  *event = std::malloc(1);
  return kSuccess;
}
FAKE_EXPORT CUresult cuEventDestroy_v2(void *event) {
  std::free(event);
  return kSuccess;
}
FAKE_EXPORT CUresult cuEventRecord(void *, void *) { return kSuccess; }
FAKE_EXPORT CUresult cuEventQuery(void *) {
  return hang ? kNotReady : kSuccess;
}

/// Device memory: host memory with its size in front.
static CUresult allocate(unsigned long long *ptr, size_t size) {
  if (size > kDeviceMemory - allocated[currentDevice])
    return kOutOfMemory;
  auto *block = static_cast<size_t *>(std::malloc(size + 16));
  block[0] = size;
  block[1] = size_t(currentDevice.load());
  allocated[currentDevice] += size;
  *ptr = reinterpret_cast<unsigned long long>(block + 2);
  return kSuccess;
}
static CUresult release(unsigned long long ptr) {
  auto *block = reinterpret_cast<size_t *>(ptr) - 2;
  allocated[block[1]] -= block[0];
  std::free(block);
  return kSuccess;
}
FAKE_EXPORT CUresult cuMemAlloc_v2(unsigned long long *ptr, size_t size) {
  return allocate(ptr, size);
}
FAKE_EXPORT CUresult cuMemAllocManaged(unsigned long long *ptr, size_t size,
                                       unsigned) {
  return allocate(ptr, size);
}
FAKE_EXPORT CUresult cuMemAllocAsync(unsigned long long *ptr, size_t size,
                                     void *) {
  return allocate(ptr, size);
}
FAKE_EXPORT CUresult cuMemFree_v2(unsigned long long ptr) {
  return release(ptr);
}
FAKE_EXPORT CUresult cuMemFreeAsync(unsigned long long ptr, void *) {
  return release(ptr);
}
FAKE_EXPORT CUresult cuMemcpyAsync(unsigned long long dst,
                                   unsigned long long src, size_t size,
                                   void *) {
  std::memcpy(reinterpret_cast<void *>(dst), reinterpret_cast<void *>(src),
              size);
  return kSuccess;
}
FAKE_EXPORT CUresult cuMemcpyHtoD_v2(unsigned long long dst, const void *src,
                                     size_t size) {
  std::memcpy(reinterpret_cast<void *>(dst), src, size);
  return kSuccess;
}
FAKE_EXPORT CUresult cuMemsetD32Async(unsigned long long dst, unsigned value,
                                      size_t count, void *) {
  auto *p = reinterpret_cast<uint32_t *>(dst);
  for (size_t i = 0; i < count; ++i)
    p[i] = value;
  return kSuccess;
}
FAKE_EXPORT CUresult cuMemsetD16Async(unsigned long long dst,
                                      unsigned short value, size_t count,
                                      void *) {
  auto *p = reinterpret_cast<uint16_t *>(dst);
  for (size_t i = 0; i < count; ++i)
    p[i] = value;
  return kSuccess;
}
FAKE_EXPORT CUresult cuMemHostRegister_v2(void *, size_t, unsigned) {
  return kSuccess;
}
FAKE_EXPORT CUresult cuMemHostUnregister(void *) { return kSuccess; }
FAKE_EXPORT CUresult cuTensorMapEncodeTiled(void *map, int, unsigned, void *,
                                            const uint64_t *, const uint64_t *,
                                            const unsigned *, const unsigned *,
                                            int, int, int, int) {
  std::memset(map, 0x5a, 128);
  return kSuccess;
}
