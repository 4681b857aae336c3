//===- FakeDriverTest.cpp - The runtime's checks against a fake driver ----===//
//
// The runtime loads FakeCUDADriver instead of libcuda (device 0: sm_80,
// device 1: sm_90, 1 GiB each), so every check and message that does not
// need a real kernel to run is tested here, without a GPU.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "qnk/Runtime/CUDA/DLPack.h"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <dlfcn.h>

using namespace qnk::cuda::test;
using namespace qnk::cuda::dlpack;

namespace {

/// The fake driver's test hooks (the runtime has it open already).
template <typename F> F getFakeHook(const char *name) {
  void *handle = dlopen(QNK_FAKE_CUDA_DRIVER, RTLD_NOW | RTLD_NOLOAD);
  return handle ? reinterpret_cast<F>(dlsym(handle, name)) : nullptr;
}
int getLaunchCount() {
  auto hook = getFakeHook<int (*)()>("fakeCudaGetLaunchCount");
  return hook ? hook() : -1;
}
void setHang(int value) {
  auto hook = getFakeHook<void (*)(int)>("fakeCudaSetHang");
  ASSERT_TRUE(hook);
  hook(value);
}

/// Runs the test on device `ordinal` and goes back to device 0.
struct OnDevice {
  explicit OnDevice(int ordinal) { mgpuSetDefaultDevice(ordinal); }
  ~OnDevice() { mgpuSetDefaultDevice(0); }
};

TEST(FakeDriver, DeviceInfo) {
  ErrorCapture errors;
  QnkCudaDeviceInfo info;
  ASSERT_EQ(qnkCudaGetDeviceInfo(1, &info), QNK_CUDA_SUCCESS);
  EXPECT_STREQ(info.name, "Fake H100");
  EXPECT_EQ(info.computeCapabilityMajor, 9);
  EXPECT_EQ(info.multiprocessorCount, 132);
  EXPECT_EQ(info.totalMemoryBytes, size_t(1) << 30);
  EXPECT_EQ(info.driverVersion, 13000);
  EXPECT_EQ(qnkCudaGetDeviceInfo(5, &info), QNK_CUDA_ERROR_NO_DEVICE);
  ASSERT_EQ(errors.messages.size(), 1u);
  EXPECT_EQ(errors.messages[0],
            "querying CUDA device 5: no CUDA device 5 (the driver sees 2)");
}

TEST(FakeDriver, WrongArchCubinIsRefusedWithBothArchitectures) {
  QNK_REQUIRE_INPUT(cubin, "fill_sm_90a.cubin");
  ErrorCapture errors;
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  ASSERT_NE(module, nullptr);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_ERROR_WRONG_ARCH);
  ASSERT_EQ(errors.messages.size(), 1u);
  EXPECT_EQ(errors.messages[0],
            "cubin is for sm_90a but device 0 (Fake A100, sm_80) cannot run "
            "it: machine code runs only on GPUs of its major version (and an "
            "sm_XYa cubin only on sm_XY); compile for sm_80 or embed PTX");
  // Its kernels say why they are missing; nothing launches.
  qnkCudaClearError();
  EXPECT_EQ(mgpuModuleGetFunction(module, "qnk_fill"), nullptr);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_ERROR_WRONG_ARCH);
  EXPECT_NE(std::string(qnkCudaGetLastErrorMessage())
                .find("kernel 'qnk_fill' is unavailable: its module failed "
                      "to load: cubin is for sm_90a"),
            std::string::npos)
      << qnkCudaGetLastErrorMessage();
  mgpuModuleUnload(module);
}

TEST(FakeDriver, PTXForANewerGPUIsRefused) {
  const char ptx[] = ".version 8.0\n.target sm_90a\n.address_size 64\n";
  ErrorCapture errors;
  void *module = mgpuModuleLoadJIT(const_cast<char *>(ptx), 2);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_ERROR_WRONG_ARCH);
  EXPECT_EQ(errors.messages.at(0),
            "PTX is for compute_90a but device 0 (Fake A100, sm_80) cannot "
            "run it");
  mgpuModuleUnload(module);
}

TEST(FakeDriver, GarbageModuleIsRefused) {
  ErrorCapture errors;
  char garbage[] = "\x01\x02\x03\x04 not a module";
  void *module = mgpuModuleLoad(garbage, sizeof(garbage));
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(errors.messages.at(0),
            "cannot load GPU module: not a cubin, fatbin or PTX module "
            "(starts with bytes 01 02 03 04)");
  mgpuModuleUnload(module);
}

TEST(FakeDriver, FatbinWithPTXLoadsOnANewerGPU) {
  QNK_REQUIRE_INPUT(fatbin, "fill_sm_80_ptx.fatbin");
  OnDevice device(1);
  ErrorCapture errors;
  void *module = mgpuModuleLoad(fatbin.data(), fatbin.size());
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS)
      << qnkCudaGetLastErrorMessage();
  EXPECT_NE(mgpuModuleGetFunction(module, "qnk_fill"), nullptr);
  mgpuModuleUnload(module);
}

TEST(FakeDriver, LaunchesAreChecked) {
  QNK_REQUIRE_INPUT(cubin, "fill_sm_80.cubin");
  ErrorCapture errors;
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  void *kernel = mgpuModuleGetFunction(module, "qnk_fill");
  ASSERT_NE(kernel, nullptr) << qnkCudaGetLastErrorMessage();
  // Looked up once: the generated code asks before every launch.
  EXPECT_EQ(mgpuModuleGetFunction(module, "qnk_fill"), kernel);
  void *stream = mgpuStreamCreate();
  int launches = getLaunchCount();
  mgpuLaunchKernel(kernel, 4, 1, 1, 256, 1, 1, 0, stream, nullptr, nullptr, 0);
  EXPECT_EQ(getLaunchCount(), launches + 1);
  EXPECT_TRUE(errors.messages.empty());

  struct Case {
    intptr_t grid[3], block[3];
    int32_t sharedMemBytes;
    const char *error;
  } cases[] = {
      {{4, 1, 1},
       {512, 1, 1},
       0,
       "cannot launch kernel 'qnk_fill' with grid 4x1x1, block 512x1x1, 0 "
       "bytes of dynamic shared memory: 512 threads per block; the kernel "
       "allows at most 256"},
      {{0, 1, 1},
       {32, 1, 1},
       0,
       "cannot launch kernel 'qnk_fill' with grid 0x1x1, block 32x1x1, 0 "
       "bytes of dynamic shared memory: grid dimension x = 0 is outside [1, "
       "2147483647]"},
      {{1, 70000, 1},
       {32, 1, 1},
       0,
       "cannot launch kernel 'qnk_fill' with grid 1x70000x1, block 32x1x1, 0 "
       "bytes of dynamic shared memory: grid dimension y = 70000 is outside "
       "[1, 65535]"},
      {{1, 1, 1},
       {32, 1, 1},
       200 * 1024,
       "cannot launch kernel 'qnk_fill' with grid 1x1x1, block 32x1x1, 204800 "
       "bytes of dynamic shared memory: 204800 bytes of dynamic shared "
       "memory; device 0 (Fake A100, sm_80) allows 165888 next to the "
       "kernel's 1024 static bytes"},
  };
  for (const Case &c : cases) {
    errors.messages.clear();
    mgpuLaunchKernel(kernel, c.grid[0], c.grid[1], c.grid[2], c.block[0],
                     c.block[1], c.block[2], c.sharedMemBytes, stream, nullptr,
                     nullptr, 0);
    EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
    ASSERT_EQ(errors.messages.size(), 1u);
    EXPECT_EQ(errors.messages[0], c.error);
  }
  // Large dynamic shared memory within the opt-in limit is allowed.
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 100 * 1024, stream, nullptr,
                   nullptr, 0);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS)
      << qnkCudaGetLastErrorMessage();
  EXPECT_EQ(getLaunchCount(), launches + 2);

  errors.messages.clear();
  EXPECT_EQ(mgpuModuleGetFunction(module, "missing"), nullptr);
  EXPECT_EQ(errors.messages.at(0).substr(0, 36),
            "looking up kernel 'missing': CUDA er");
  qnkCudaClearError();
  mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, stream, nullptr, nullptr, 0);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS);
}

TEST(FakeDriver, WorkIsSkippedWhileAnErrorIsPending) {
  QNK_REQUIRE_INPUT(cubin, "fill_sm_80.cubin");
  ErrorCapture errors;
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  void *kernel = mgpuModuleGetFunction(module, "qnk_fill");
  // A failed allocation must not become a launch on a null pointer.
  void *buffer = mgpuMemAlloc(uint64_t(1) << 40, nullptr, 0);
  EXPECT_EQ(buffer, nullptr);
  int launches = getLaunchCount();
  uint32_t host[4] = {1, 2, 3, 4};
  mgpuMemcpy(buffer, host, sizeof(host), nullptr);
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  EXPECT_EQ(getLaunchCount(), launches);
  EXPECT_EQ(errors.messages.size(), 1u) << "consequences are not reported";
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_OUT_OF_MEMORY);
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  EXPECT_EQ(getLaunchCount(), launches + 1);
  mgpuModuleUnload(module);
}

TEST(FakeDriver, OutOfMemorySaysHowMuchWasFree) {
  ErrorCapture errors;
  void *stream = mgpuStreamCreate();
  void *small = mgpuMemAlloc(256 << 20, stream, 0);
  EXPECT_NE(small, nullptr);
  EXPECT_EQ(mgpuMemAlloc(uint64_t(1) << 30, stream, 0), nullptr);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(errors.messages.at(0),
            "out of memory: cannot allocate 1.0 GiB (1073741824 bytes) of "
            "device memory on device 0 (Fake A100, sm_80), which has 768.0 "
            "MiB (805306368 bytes) free of 1.0 GiB (1073741824 bytes)");
  // Managed memory beyond what is free is refused before the driver sees
  // it: oversubscribing it can stall the whole GPU.
  errors.messages.clear();
  EXPECT_EQ(mgpuMemAlloc(uint64_t(900) << 20, nullptr, 1), nullptr);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(errors.messages.at(0).find("of managed memory"), std::string::npos);
  mgpuMemFree(small, stream);
  EXPECT_EQ(mgpuMemAlloc(0, stream, 0), nullptr);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS);
  mgpuStreamDestroy(stream);
}

TEST(FakeDriver, CopiesAndMemsets) {
  ErrorCapture errors;
  void *stream = mgpuStreamCreate();
  uint32_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[8] = {0};
  void *device = mgpuMemAlloc(sizeof(in), stream, 0);
  mgpuMemcpy(device, in, sizeof(in), stream);
  mgpuMemset32(device, 0xabcdef01u, 2, stream);
  // The i16 of generated code arrives with garbage in the upper bits.
  mgpuMemset16(static_cast<char *>(device) + 8, 0xdead7777u, 2, stream);
  mgpuMemcpy(out, device, sizeof(out), stream);
  mgpuStreamSynchronize(stream);
  EXPECT_EQ(out[0], 0xabcdef01u);
  EXPECT_EQ(out[1], 0xabcdef01u);
  EXPECT_EQ(out[2], 0x77777777u);
  EXPECT_EQ(out[3], 4u);
  EXPECT_EQ(out[7], 8u);
  mgpuMemcpy(nullptr, in, 4, stream);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(errors.messages.back(), "cannot copy 4 bytes: null destination");
  mgpuMemFree(device, stream);
  mgpuStreamDestroy(stream);
}

TEST(FakeDriver, EventsAndStreams) {
  ErrorCapture errors;
  void *first = mgpuStreamCreate(), *second = mgpuStreamCreate();
  void *event = mgpuEventCreate();
  mgpuEventRecord(event, first);
  mgpuStreamWaitEvent(second, event);
  mgpuEventSynchronize(event);
  mgpuEventDestroy(event);
  mgpuStreamSynchronize(second);
  mgpuStreamDestroy(first);
  mgpuStreamDestroy(second);
  EXPECT_TRUE(errors.messages.empty());
}

TEST(FakeDriver, LegacyStream) {
  ErrorCapture errors;
  EXPECT_EQ(qnkCudaSynchronizeLegacyStream(1), QNK_CUDA_SUCCESS);
  EXPECT_EQ(qnkCudaSynchronizeLegacyStream(5), QNK_CUDA_ERROR_NO_DEVICE);
  ASSERT_EQ(errors.messages.size(), 1u);
  EXPECT_EQ(errors.messages[0],
            "waiting for the legacy default stream of CUDA device 5: no CUDA "
            "device 5 (the driver sees 2)");
}

TEST(FakeDriver, SynchronizationTimesOut) {
  ErrorCapture errors;
  double previous = qnkCudaGetSyncTimeout();
  qnkCudaSetSyncTimeout(0.05);
  void *stream = mgpuStreamCreate();
  void *event = mgpuEventCreate();
  setHang(1);
  auto start = std::chrono::steady_clock::now();
  mgpuStreamSynchronize(stream);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_TIMEOUT);
  EXPECT_GE(seconds, 0.05);
  EXPECT_LT(seconds, 5.0);
  EXPECT_EQ(errors.messages.at(0),
            "work on a CUDA stream did not finish within 0.05 s "
            "(qnkCudaSetSyncTimeout / QNK_CUDA_SYNC_TIMEOUT); a kernel may "
            "be hung. It keeps running on the device");
  mgpuEventSynchronize(event);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_TIMEOUT);
  EXPECT_EQ(qnkCudaSynchronizeLegacyStream(1), QNK_CUDA_ERROR_TIMEOUT);
  EXPECT_EQ(errors.messages.back(),
            "waiting for the legacy default stream of CUDA device 1 did not "
            "finish within 0.05 s (qnkCudaSetSyncTimeout / "
            "QNK_CUDA_SYNC_TIMEOUT); a kernel may be hung. It keeps running "
            "on the device");
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_TIMEOUT);
  setHang(0);
  qnkCudaSetSyncTimeout(previous);
  mgpuEventDestroy(event);
  mgpuStreamDestroy(stream);
}

TEST(FakeDriver, ClustersNeedSm90) {
  QNK_REQUIRE_INPUT(sm80, "fill_sm_80.cubin");
  QNK_REQUIRE_INPUT(sm90a, "fill_sm_90a.cubin");
  ErrorCapture errors;
  void *ampere = mgpuModuleLoad(sm80.data(), sm80.size());
  void *kernel = mgpuModuleGetFunction(ampere, "qnk_fill");
  mgpuLaunchClusterKernel(kernel, 2, 1, 1, 4, 1, 1, 32, 1, 1, 0, nullptr,
                          nullptr, nullptr, 0);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(errors.messages.at(0),
            "cannot launch kernel 'qnk_fill' with cluster 2x1x1, grid 4x1x1, "
            "block 32x1x1, 0 bytes of dynamic shared memory: thread block "
            "clusters need sm_90 or newer; device 0 (Fake A100, sm_80) has "
            "none");
  OnDevice device(1);
  void *hopper = mgpuModuleLoad(sm90a.data(), sm90a.size());
  void *hopperKernel = mgpuModuleGetFunction(hopper, "qnk_fill");
  int launches = getLaunchCount();
  mgpuLaunchClusterKernel(hopperKernel, 2, 1, 1, 4, 1, 1, 32, 1, 1, 0, nullptr,
                          nullptr, nullptr, 0);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS)
      << qnkCudaGetLastErrorMessage();
  EXPECT_EQ(getLaunchCount(), launches + 1);
  mgpuLaunchClusterKernel(hopperKernel, 2, 1, 1, 3, 1, 1, 32, 1, 1, 0, nullptr,
                          nullptr, nullptr, 0);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(errors.messages.back().find(
                "the grid is not a whole number of clusters along x"),
            std::string::npos);
  mgpuModuleUnload(hopper);
  mgpuModuleUnload(ampere);
}

TEST(FakeDriver, TensorMaps) {
  ErrorCapture errors;
  alignas(64) unsigned char map[128];
  alignas(16) static uint16_t tensor[64 * 64];
  uint64_t dims[2] = {64, 64}, strides[1] = {128};
  uint32_t box[2] = {64, 32}, elementStrides[2] = {1, 1};
  const int f16 = 6;
  mgpuTensorMapEncodeTiled(map, f16, 2, tensor, dims, strides, box,
                           elementStrides, 0, 0, 0, 0);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(errors.messages.at(0),
            "cannot encode a TMA descriptor (f16, rank 2, dims [64, 64], "
            "strides [128] bytes, box [64, 32], swizzle 0): TMA needs sm_90 or "
            "newer; device 0 (Fake A100, sm_80) has none");
  OnDevice device(1);
  mgpuTensorMapEncodeTiled(map, f16, 2, tensor, dims, strides, box,
                           elementStrides, 0, 0, 0, 0);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS);
  EXPECT_EQ(map[0], 0x5a);
  uint64_t oddStrides[1] = {120};
  mgpuTensorMapEncodeTiled(map, f16, 2, tensor, dims, oddStrides, box,
                           elementStrides, 0, 0, 0, 0);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(errors.messages.back().find(
                "stride 0 (120 bytes) is not a multiple of 16 bytes"),
            std::string::npos);
  mgpuTensorMapEncodeTiled(map + 1, f16, 2, tensor, dims, strides, box,
                           elementStrides, 0, 0, 0, 0);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);

  // The memref form, as nvgpu.tma.create.descriptor lowers: a 64x64 f16
  // memref {allocated, aligned, offset, sizes, strides}, box 32x64.
  struct {
    void *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } memref = {tensor, tensor, 0, {64, 64}, {64, 1}};
  int64_t boxDims[2] = {32, 64};
  void *deviceMap =
      mgpuTensorMapEncodeTiledMemref(2, &memref, f16, 0, 0, 0, 0, boxDims);
  ASSERT_NE(deviceMap, nullptr) << qnkCudaGetLastErrorMessage();
  EXPECT_EQ(static_cast<unsigned char *>(deviceMap)[127], 0x5a);
  // The map lives until the process ends (generated code never frees it);
  // here it is freed so that LeakSanitizer stays quiet.
  mgpuMemFree(deviceMap, nullptr);
  memref.strides[1] = 2;
  EXPECT_EQ(
      mgpuTensorMapEncodeTiledMemref(2, &memref, f16, 0, 0, 0, 0, boxDims),
      nullptr);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(errors.messages.back().find("innermost dimension is not "
                                        "contiguous (stride 2)"),
            std::string::npos);
}

TEST(FakeDriver, HostRegistration) {
  ErrorCapture errors;
  static float buffer[4 * 8];
  struct {
    void *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } dense = {buffer, buffer, 0, {4, 8}, {8, 1}},
    strided = {buffer, buffer, 0, {4, 4}, {8, 1}};
  mgpuMemHostRegisterMemRef(2, &dense, 4);
  mgpuMemHostUnregisterMemRef(2, &dense, 4);
  EXPECT_TRUE(errors.messages.empty());
  mgpuMemHostRegisterMemRef(2, &strided, 4);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(errors.messages.at(0),
            "cannot register a memref of rank 2 with CUDA: only dense, "
            "row-major memrefs can be");
}

TEST(FakeDriver, BuffersAndDLPack) {
  ErrorCapture errors;
  auto freeBytes = [] {
    QnkCudaDeviceInfo info;
    qnkCudaGetDeviceInfo(1, &info);
    return info.freeMemoryBytes;
  };
  size_t before = freeBytes();
  QnkCudaBuffer *buffer = qnkCudaBufferCreate(1, 6 * 10 * 2);
  ASSERT_NE(buffer, nullptr);
  EXPECT_EQ(freeBytes(), before - 120);
  int64_t shape[] = {6, 10};
  auto *legacy = static_cast<DLManagedTensor *>(
      qnkCudaBufferExportDLPack(buffer, 2, shape, 4, 16, 0));
  auto *versioned = static_cast<DLManagedTensorVersioned *>(
      qnkCudaBufferExportDLPack(buffer, 2, shape, 4, 16, 1));
  ASSERT_TRUE(legacy && versioned);
  for (const DLTensor *t : {&legacy->tensor, &versioned->tensor}) {
    EXPECT_EQ(t->data, qnkCudaBufferGetData(buffer));
    EXPECT_EQ(t->deviceType, 2); // kDLCUDA
    EXPECT_EQ(t->deviceId, 1);
    EXPECT_EQ(t->ndim, 2);
    EXPECT_EQ(t->code, 4); // bfloat16
    EXPECT_EQ(t->bits, 16);
    EXPECT_EQ(t->lanes, 1);
    EXPECT_EQ(t->shape[0], 6);
    EXPECT_EQ(t->shape[1], 10);
    EXPECT_EQ(t->strides[0], 10);
    EXPECT_EQ(t->strides[1], 1);
    EXPECT_EQ(t->byteOffset, 0u);
  }
  EXPECT_EQ(versioned->major, 1u);
  EXPECT_EQ(versioned->flags, 0u);
  // The memory lives until the creator and both consumers let go.
  qnkCudaBufferRelease(buffer);
  legacy->deleter(legacy);
  EXPECT_EQ(freeBytes(), before - 120);
  versioned->deleter(versioned);
  EXPECT_EQ(freeBytes(), before);

  buffer = qnkCudaBufferCreate(1, 16);
  int64_t wrong[] = {3};
  EXPECT_EQ(qnkCudaBufferExportDLPack(buffer, 1, wrong, 2, 32, 1), nullptr);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(errors.messages.back(),
            "cannot export a device buffer through DLPack: the tensor has 12 "
            "bytes, the buffer 16");
  qnkCudaBufferRelease(buffer);
  EXPECT_EQ(qnkCudaBufferCreate(1, 0), nullptr);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
}

TEST(FakeDriver, MissingDeviceOrdinal) {
  ErrorCapture errors;
  OnDevice device(7);
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_ERROR_NO_DEVICE);
  EXPECT_EQ(errors.messages.at(0), "cannot create a CUDA stream: no CUDA "
                                   "device 7 (the driver sees 2)");
}

} // namespace

int main(int argc, char **argv) {
  // Before the runtime's first use, which loads the driver once.
  setenv("QNK_CUDA_DRIVER", QNK_FAKE_CUDA_DRIVER, 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
