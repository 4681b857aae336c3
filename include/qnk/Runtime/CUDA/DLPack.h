//===- DLPack.h - The DLPack 1.0 ABI of qnkCudaBufferExportDLPack -*- C++
//-*-===//
//
// The structures (dlpack.h, version 1.0) that qnkCudaBufferExportDLPack
// returns, for the fields QNK fills in, so that C++ callers can read them
// without dlpack.h.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_RUNTIME_CUDA_DLPACK_H
#define QNK_RUNTIME_CUDA_DLPACK_H

#include <cstdint>

namespace qnk::cuda::dlpack {

/// DLDeviceType of CUDA device memory.
constexpr int32_t kDLCUDA = 2;

struct DLTensor {
  void *data;
  int32_t deviceType, deviceId;
  int32_t ndim;
  uint8_t code, bits;
  uint16_t lanes;
  int64_t *shape, *strides;
  uint64_t byteOffset;
};

struct DLManagedTensor {
  DLTensor tensor;
  void *managerContext;
  void (*deleter)(DLManagedTensor *);
};

struct DLManagedTensorVersioned {
  uint32_t major, minor;
  void *managerContext;
  void (*deleter)(DLManagedTensorVersioned *);
  uint64_t flags;
  DLTensor tensor;
};

} // namespace qnk::cuda::dlpack

#endif // QNK_RUNTIME_CUDA_DLPACK_H
