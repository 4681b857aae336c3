//===- DeviceTest.cpp - The runtime on a real GPU
//---------------------------===//
//
// Skipped without a driver or device. On a GPU: kernels from cubin, fatbin
// and PTX run and compute the right values; a cubin for another GPU, an
// impossible allocation and a synchronization timeout give their errors.
// The last test faults a kernel on purpose and is disabled: run it alone
// (--gtest_also_run_disabled_tests --gtest_filter=*KernelFault*), since a
// fault leaves the process's CUDA context unusable.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <chrono>
#include <cstdint>
#include <cstring>

using namespace qnk::cuda::test;

namespace {

class Device : public ::testing::Test {
protected:
  void SetUp() override {
    qnkCudaSetErrorHandler([](QnkCudaStatus, int, const char *, void *) {},
                           nullptr);
    QnkCudaStatus status = qnkCudaGetDeviceInfo(0, &info);
    std::string message = qnkCudaGetLastErrorMessage();
    qnkCudaClearError();
    qnkCudaSetErrorHandler(nullptr, nullptr);
    if (status == QNK_CUDA_ERROR_NO_DRIVER ||
        status == QNK_CUDA_ERROR_NO_DEVICE)
      GTEST_SKIP() << message;
    ASSERT_EQ(status, QNK_CUDA_SUCCESS) << message;
  }
  /// The cubin of Inputs/fill.ptx for this device, if one was built.
  std::string nativeCubin() const {
    if (info.computeCapabilityMajor == 9 && info.computeCapabilityMinor == 0)
      return "fill_sm_90a.cubin";
    if (info.computeCapabilityMajor == 8)
      return "fill_sm_80.cubin";
    if (info.computeCapabilityMajor == 10 && info.computeCapabilityMinor == 0)
      return "fill_sm_100a.cubin";
    return "";
  }
  /// Runs qnk_fill of `module` over `n` elements and checks the result.
  void runFill(void *module, unsigned n) {
    void *kernel = mgpuModuleGetFunction(module, "qnk_fill");
    ASSERT_NE(kernel, nullptr) << qnkCudaGetLastErrorMessage();
    void *stream = mgpuStreamCreate();
    void *buffer = mgpuMemAlloc(n * 4u, stream, 0);
    ASSERT_NE(buffer, nullptr) << qnkCudaGetLastErrorMessage();
    mgpuMemset32(buffer, 0, n, stream);
    unsigned value = 42;
    void *params[] = {&buffer, &value, &n};
    mgpuLaunchKernel(kernel, (n + 255) / 256, 1, 1, 256, 1, 1, 0, stream,
                     params, nullptr, 3);
    std::vector<uint32_t> host(n + 1, 7);
    mgpuMemcpy(host.data(), buffer, n * 4u, stream);
    mgpuMemFree(buffer, stream);
    mgpuStreamSynchronize(stream);
    mgpuStreamDestroy(stream);
    ASSERT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS)
        << qnkCudaGetLastErrorMessage();
    for (unsigned i = 0; i < n; ++i)
      ASSERT_EQ(host[i], 42u) << "element " << i;
    EXPECT_EQ(host[n], 7u);
  }
  QnkCudaDeviceInfo info;
};

TEST_F(Device, Info) {
  std::printf("device 0: %s, sm_%d%d, %d SMs, %.1f GiB, driver %d\n", info.name,
              info.computeCapabilityMajor, info.computeCapabilityMinor,
              info.multiprocessorCount, info.totalMemoryBytes / double(1 << 30),
              info.driverVersion);
  EXPECT_GT(info.multiprocessorCount, 0);
}

TEST_F(Device, NativeCubinRuns) {
  std::string name = nativeCubin();
  if (name.empty())
    GTEST_SKIP() << "no cubin built for this GPU";
  QNK_REQUIRE_INPUT(cubin, name);
  ErrorCapture errors;
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  runFill(module, 1000);
  mgpuModuleUnload(module);
  EXPECT_TRUE(errors.messages.empty());
}

TEST_F(Device, FatbinAndPTXRun) {
  QNK_REQUIRE_INPUT(fatbin, "fill_sm_80_ptx.fatbin");
  QNK_REQUIRE_INPUT(ptx, "fill.ptx");
  ErrorCapture errors;
  // On sm_90 the driver compiles the fatbin's PTX.
  void *module = mgpuModuleLoad(fatbin.data(), fatbin.size());
  runFill(module, 4097);
  mgpuModuleUnload(module);
  void *jit = mgpuModuleLoadJIT(ptx.data(), 3);
  runFill(jit, 33);
  mgpuModuleUnload(jit);
  EXPECT_TRUE(errors.messages.empty());
}

TEST_F(Device, WrongArchCubinIsRefused) {
  ErrorCapture errors;
  for (const char *name :
       {"fill_sm_80.cubin", "fill_sm_90a.cubin", "fill_sm_100a.cubin"}) {
    if (name == nativeCubin())
      continue;
    std::vector<char> cubin = readInput(name);
    if (cubin.empty())
      continue;
    errors.messages.clear();
    void *module = mgpuModuleLoad(cubin.data(), cubin.size());
    EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_WRONG_ARCH) << name;
    ASSERT_EQ(errors.messages.size(), 1u) << name;
    std::printf("%s: %s\n", name, errors.messages[0].c_str());
    EXPECT_NE(errors.messages[0].find(info.name), std::string::npos);
    EXPECT_EQ(mgpuModuleGetFunction(module, "qnk_fill"), nullptr);
    EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_WRONG_ARCH);
    mgpuModuleUnload(module);
  }
}

TEST_F(Device, OutOfMemory) {
  ErrorCapture errors;
  void *stream = mgpuStreamCreate();
  for (void *s : {stream, static_cast<void *>(nullptr)}) {
    errors.messages.clear();
    EXPECT_EQ(mgpuMemAlloc(uint64_t(1) << 50, s, 0), nullptr);
    EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_OUT_OF_MEMORY);
    ASSERT_EQ(errors.messages.size(), 1u);
    std::printf("%s\n", errors.messages[0].c_str());
    EXPECT_EQ(errors.messages[0].substr(0, 33),
              "out of memory: cannot allocate 1.");
  }
  // Managed memory beyond what is free never reaches the driver.
  EXPECT_EQ(
      mgpuMemAlloc(info.totalMemoryBytes + (uint64_t(1) << 30), nullptr, 1),
      nullptr);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_OUT_OF_MEMORY);
  // And the device still works.
  void *buffer = mgpuMemAlloc(1 << 20, stream, 0);
  EXPECT_NE(buffer, nullptr);
  mgpuMemFree(buffer, stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS);
}

TEST_F(Device, SynchronizationTimesOut) {
  std::string name = nativeCubin();
  if (name.empty())
    GTEST_SKIP() << "no cubin built for this GPU";
  QNK_REQUIRE_INPUT(cubin, name);
  ErrorCapture errors;
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  void *spin = mgpuModuleGetFunction(module, "qnk_spin");
  ASSERT_NE(spin, nullptr);
  void *stream = mgpuStreamCreate();
  double previous = qnkCudaGetSyncTimeout();
  qnkCudaSetSyncTimeout(0.2);
  uint64_t nanoseconds = 1500000000; // the kernel ends by itself after 1.5 s
  void *params[] = {&nanoseconds};
  auto start = std::chrono::steady_clock::now();
  mgpuLaunchKernel(spin, 1, 1, 1, 1, 1, 1, 0, stream, params, nullptr, 1);
  mgpuStreamSynchronize(stream);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_TIMEOUT);
  EXPECT_LT(seconds, 1.0);
  ASSERT_EQ(errors.messages.size(), 1u);
  std::printf("after %.2f s: %s\n", seconds, errors.messages[0].c_str());
  // Waiting long enough succeeds.
  qnkCudaSetSyncTimeout(30);
  mgpuStreamSynchronize(stream);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS)
      << qnkCudaGetLastErrorMessage();
  qnkCudaSetSyncTimeout(previous);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
}

TEST_F(Device, ClusterLaunchAndTensorMap) {
  if (info.computeCapabilityMajor < 9)
    GTEST_SKIP() << "clusters and TMA need sm_90";
  QNK_REQUIRE_INPUT(cubin, nativeCubin());
  ErrorCapture errors;
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  void *kernel = mgpuModuleGetFunction(module, "qnk_fill");
  void *stream = mgpuStreamCreate();
  unsigned n = 1024, value = 42;
  void *buffer = mgpuMemAlloc(n * 4, stream, 0);
  void *params[] = {&buffer, &value, &n};
  mgpuLaunchClusterKernel(kernel, 2, 1, 1, 4, 1, 1, 256, 1, 1, 0, stream,
                          params, nullptr, 3);
  std::vector<uint32_t> host(n);
  mgpuMemcpy(host.data(), buffer, n * 4, stream);
  mgpuStreamSynchronize(stream);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS)
      << qnkCudaGetLastErrorMessage();
  EXPECT_EQ(host[0], 42u);
  EXPECT_EQ(host[n - 1], 42u);
  // A TMA map of the buffer as 32x32 f32, box 16x16.
  struct {
    void *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } memref = {buffer, buffer, 0, {32, 32}, {32, 1}};
  int64_t box[2] = {16, 16};
  void *map =
      mgpuTensorMapEncodeTiledMemref(2, &memref, /*f32=*/7, 0, 0, 0, 0, box);
  EXPECT_NE(map, nullptr) << qnkCudaGetLastErrorMessage();
  memref.aligned = static_cast<char *>(buffer) + 4;
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, &memref, 7, 0, 0, 0, 0, box),
            nullptr);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  mgpuMemFree(buffer, stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
}

TEST_F(Device, DISABLED_KernelFaultIsReported) {
  QNK_REQUIRE_INPUT(cubin, nativeCubin());
  ErrorCapture errors;
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  void *kernel = mgpuModuleGetFunction(module, "qnk_fill");
  void *stream = mgpuStreamCreate();
  void *bad = reinterpret_cast<void *>(uintptr_t(16));
  unsigned value = 1, n = 256;
  void *params[] = {&bad, &value, &n};
  mgpuLaunchKernel(kernel, 1, 1, 1, 256, 1, 1, 0, stream, params, nullptr, 3);
  mgpuStreamSynchronize(stream);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_ERROR_DRIVER);
  ASSERT_EQ(errors.messages.size(), 1u);
  std::printf("%s\n", errors.messages[0].c_str());
  EXPECT_NE(errors.messages[0].find("CUDA_ERROR_ILLEGAL_ADDRESS"),
            std::string::npos);
}

} // namespace

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
