//===- NoDriverTest.cpp - Every entry point without a CUDA driver ---------===//
//
// The runtime is pointed at a driver library that does not exist (as on a
// machine without a GPU driver, and also on one with a driver): every entry
// point must report the missing driver, or do nothing for null handles,
// and never crash.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <cstdint>

using namespace qnk::cuda::test;

namespace {

constexpr const char *kMissingDriver = "/nonexistent/libcuda.so.1";

/// Expects exactly one report of the missing driver, starting with `what`.
void expectNoDriver(ErrorCapture &errors, const std::string &what) {
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_NO_DRIVER) << what;
  ASSERT_EQ(errors.messages.size(), 1u) << what;
  EXPECT_EQ(errors.messages[0].substr(0, what.size()), what);
  EXPECT_NE(errors.messages[0].find(": no CUDA driver: dlopen " +
                                    std::string(kMissingDriver) + " failed: "),
            std::string::npos)
      << errors.messages[0];
  errors.messages.clear();
}

TEST(NoDriver, Queries) {
  ErrorCapture errors;
  EXPECT_EQ(qnkCudaInit(0), QNK_CUDA_ERROR_NO_DRIVER);
  expectNoDriver(errors, "initializing CUDA");
  QnkCudaDeviceInfo info;
  EXPECT_EQ(qnkCudaGetDeviceInfo(0, &info), QNK_CUDA_ERROR_NO_DRIVER);
  expectNoDriver(errors, "querying CUDA device 0");
  EXPECT_EQ(qnkCudaSynchronizeLegacyStream(0), QNK_CUDA_ERROR_NO_DRIVER);
  expectNoDriver(errors, "waiting for the legacy default stream of CUDA "
                         "device 0");
}

TEST(NoDriver, Modules) {
  ErrorCapture errors;
  char ptx[] = ".version 8.0\n.target sm_80\n.address_size 64\n";
  void *module = mgpuModuleLoadJIT(ptx, 2);
  EXPECT_NE(module, nullptr);
  expectNoDriver(errors, "cannot load PTX module (compute_80)");
  // The kernels of the module say why they are missing.
  EXPECT_EQ(mgpuModuleGetFunction(module, "kernel"), nullptr);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_NO_DRIVER);
  EXPECT_NE(errors.messages.at(0).find("kernel 'kernel' is unavailable: its "
                                       "module failed to load: cannot load "
                                       "PTX module (compute_80): no CUDA "
                                       "driver"),
            std::string::npos)
      << errors.messages[0];
  errors.messages.clear();
  mgpuModuleUnload(module);
  mgpuModuleUnload(nullptr);
  std::vector<char> cubin = readInput("fill_sm_80.cubin");
  if (!cubin.empty()) {
    module = mgpuModuleLoad(cubin.data(), cubin.size());
    expectNoDriver(errors, "cannot load cubin module (sm_80)");
    mgpuModuleUnload(module);
  }
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "kernel"), nullptr);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
}

TEST(NoDriver, Launches) {
  ErrorCapture errors;
  mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  mgpuLaunchClusterKernel(nullptr, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, nullptr,
                          nullptr, nullptr, 0);
  EXPECT_EQ(qnkCudaClearError(), QNK_CUDA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(errors.messages.at(0),
            "cannot launch a kernel that was not found (null function)");
}

TEST(NoDriver, StreamsAndEvents) {
  ErrorCapture errors;
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  expectNoDriver(errors, "cannot create a CUDA stream");
  EXPECT_EQ(mgpuEventCreate(), nullptr);
  expectNoDriver(errors, "cannot create a CUDA event");
  // What generated code does next with the null handles: nothing happens.
  mgpuEventRecord(nullptr, nullptr);
  mgpuStreamWaitEvent(nullptr, nullptr);
  mgpuEventSynchronize(nullptr);
  mgpuEventDestroy(nullptr);
  mgpuStreamSynchronize(nullptr);
  mgpuStreamDestroy(nullptr);
  EXPECT_EQ(qnkCudaGetLastError(), QNK_CUDA_SUCCESS);
  EXPECT_TRUE(errors.messages.empty());
}

TEST(NoDriver, Memory) {
  ErrorCapture errors;
  EXPECT_EQ(mgpuMemAlloc(4096, nullptr, 0), nullptr);
  expectNoDriver(errors, "cannot allocate 4.0 KiB (4096 bytes) of device "
                         "memory");
  EXPECT_EQ(mgpuMemAlloc(4096, nullptr, 1), nullptr);
  expectNoDriver(errors, "cannot allocate 4.0 KiB (4096 bytes) of managed "
                         "memory");
  float host[4] = {0}, other[4] = {0};
  mgpuMemcpy(other, host, sizeof(host), nullptr);
  expectNoDriver(errors, "cannot copy 16 bytes");
  mgpuMemset32(host, 0, 4, nullptr);
  expectNoDriver(errors, "cannot set 4 32-bit elements of device memory");
  mgpuMemset16(host, 0, 4, nullptr);
  expectNoDriver(errors, "cannot set 4 16-bit elements of device memory");
  mgpuMemHostRegister(host, sizeof(host));
  expectNoDriver(errors, "cannot register 16 bytes of host memory");
  struct {
    void *allocated, *aligned;
    int64_t offset, sizes[1], strides[1];
  } memref = {host, host, 0, {4}, {1}};
  mgpuMemHostRegisterMemRef(1, &memref, 4);
  expectNoDriver(errors, "cannot register 16 bytes of host memory");
  mgpuMemHostUnregister(host);
  expectNoDriver(errors, "cannot unregister host memory");
  mgpuMemFree(nullptr, nullptr);
  EXPECT_EQ(qnkCudaBufferCreate(0, 4096), nullptr);
  expectNoDriver(errors, "cannot allocate 4.0 KiB (4096 bytes) of device "
                         "memory");
  qnkCudaBufferRelease(nullptr);
  EXPECT_TRUE(errors.messages.empty());
}

TEST(NoDriver, TensorMaps) {
  ErrorCapture errors;
  alignas(64) unsigned char map[128];
  alignas(16) static uint16_t tensor[64 * 64];
  uint64_t dims[2] = {64, 64}, strides[1] = {128};
  uint32_t box[2] = {64, 64}, elementStrides[2] = {1, 1};
  mgpuTensorMapEncodeTiled(map, 9, 2, tensor, dims, strides, box,
                           elementStrides, 0, 0, 0, 0);
  expectNoDriver(errors, "cannot encode a TMA descriptor (bf16, rank 2, dims "
                         "[64, 64], strides [128] bytes, box [64, 64], "
                         "swizzle 0)");
  struct {
    void *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } memref = {tensor, tensor, 0, {64, 64}, {64, 1}};
  int64_t boxDims[2] = {64, 64};
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, &memref, 9, 0, 0, 0, 0, boxDims),
            nullptr);
  expectNoDriver(errors, "cannot encode a TMA descriptor");
}

} // namespace

int main(int argc, char **argv) {
  setenv("QNK_CUDA_DRIVER", kMissingDriver, 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
