//===- Buffer.cpp - Reference-counted device buffers and DLPack export ----===//
//
// QnkCudaBuffer (qnk/Runtime/CUDA/Runtime.h): device memory that a host
// program and DLPack consumers share. The DLPack deleter is C, so that a
// consumer may drop its tensor from any thread and at any time (a Python
// deleter could run while an exception propagates, which CPython forbids).
//
//===----------------------------------------------------------------------===//

#include "RuntimeImpl.h"
#include "qnk/Runtime/CUDA/DLPack.h"
#include "qnk/Runtime/CUDA/MgpuABI.h"

#include <atomic>
#include <cstdint>
#include <vector>

using namespace qnk::cuda;
using namespace qnk::cuda::dlpack;

struct QnkCudaBuffer {
  std::atomic<int> references{1};
  int ordinal = 0;
  void *data = nullptr;
  size_t bytes = 0;
};

namespace {

/// Runs `work` with device `ordinal` as this thread's default device.
template <typename Work> auto onDevice(int ordinal, Work work) {
  int previous = getDefaultDeviceOrdinal();
  setDefaultDeviceOrdinal(ordinal);
  auto result = work();
  setDefaultDeviceOrdinal(previous);
  return result;
}

/// What an export owns: its managed tensor, shape, strides and buffer
/// reference.
struct Export {
  QnkCudaBuffer *buffer;
  std::vector<int64_t> shape, strides;
  DLManagedTensor legacy{};
  DLManagedTensorVersioned versioned{};
};

template <typename Managed> void deleteExport(Managed *managed) {
  auto *owner = static_cast<Export *>(managed->managerContext);
  qnkCudaBufferRelease(owner->buffer);
  delete owner;
}

} // namespace

extern "C" QnkCudaBuffer *qnkCudaBufferCreate(int ordinal, size_t bytes) {
  if (bytes == 0) {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, 0,
                "cannot create an empty device buffer");
    return nullptr;
  }
  void *data =
      onDevice(ordinal, [&] { return mgpuMemAlloc(bytes, nullptr, 0); });
  if (!data)
    return nullptr;
  auto *buffer = new QnkCudaBuffer;
  buffer->ordinal = ordinal;
  buffer->data = data;
  buffer->bytes = bytes;
  return buffer;
}

extern "C" void *qnkCudaBufferGetData(const QnkCudaBuffer *buffer) {
  return buffer ? buffer->data : nullptr;
}

extern "C" void qnkCudaBufferRelease(QnkCudaBuffer *buffer) {
  if (!buffer || buffer->references.fetch_sub(1) != 1)
    return;
  onDevice(buffer->ordinal, [&] {
    mgpuMemFree(buffer->data, nullptr);
    return 0;
  });
  delete buffer;
}

extern "C" void *qnkCudaBufferExportDLPack(QnkCudaBuffer *buffer, int ndim,
                                           const int64_t *shape,
                                           uint8_t typeCode, uint8_t typeBits,
                                           int versioned) {
  auto fail = [](const std::string &why) -> void * {
    reportError(QNK_CUDA_ERROR_INVALID_ARGUMENT, 0,
                "cannot export a device buffer through DLPack: " + why);
    return nullptr;
  };
  if (!buffer || ndim < 0 || (ndim > 0 && !shape) || typeBits % 8 != 0)
    return fail("null buffer or shape, negative rank or sub-byte type");
  uint64_t bytes = typeBits / 8;
  for (int i = 0; i < ndim; ++i) {
    if (shape[i] < 0)
      return fail("negative dimension");
    bytes *= uint64_t(shape[i]);
  }
  if (bytes != buffer->bytes)
    return fail("the tensor has " + std::to_string(bytes) +
                " bytes, the buffer " + std::to_string(buffer->bytes));
  auto *owner = new Export{buffer, std::vector<int64_t>(shape, shape + ndim),
                           std::vector<int64_t>(ndim)};
  // Row-major strides, spelled out: DLPack allows none for a dense tensor,
  // but not every consumer reads it so.
  int64_t stride = 1;
  for (int i = ndim - 1; i >= 0; --i) {
    owner->strides[i] = stride;
    stride *= shape[i];
  }
  buffer->references.fetch_add(1);
  DLTensor tensor{buffer->data,
                  kDLCUDA,
                  buffer->ordinal,
                  ndim,
                  typeCode,
                  typeBits,
                  1,
                  owner->shape.data(),
                  owner->strides.data(),
                  0};
  if (versioned) {
    owner->versioned = {1, 0,     owner, deleteExport<DLManagedTensorVersioned>,
                        0, tensor};
    return &owner->versioned;
  }
  owner->legacy = {tensor, owner, deleteExport<DLManagedTensor>};
  return &owner->legacy;
}
