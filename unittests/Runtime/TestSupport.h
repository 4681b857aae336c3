//===- TestSupport.h - Inputs and error capture for the runtime tests -----===//
#ifndef QNK_UNITTESTS_RUNTIME_TESTSUPPORT_H
#define QNK_UNITTESTS_RUNTIME_TESTSUPPORT_H

#include "qnk/Runtime/CUDA/MgpuABI.h"
#include "qnk/Runtime/CUDA/Runtime.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace qnk::cuda::test {

/// The bytes of `name` from the inputs directory (QNK_CUDA_TEST_INPUTS, or
/// the build directory's), empty if missing.
inline std::vector<char> readInput(const std::string &name) {
  const char *dir = std::getenv("QNK_CUDA_TEST_INPUTS");
  std::string path =
      std::string(dir && *dir ? dir : QNK_CUDA_TEST_INPUTS_DIR) + "/" + name;
  std::ifstream file(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                          std::istreambuf_iterator<char>());
  // PTX is handed to the JIT as a C string.
  if (name.size() > 4 && name.substr(name.size() - 4) == ".ptx")
    bytes.push_back('\0');
  return bytes;
}

#define QNK_REQUIRE_INPUT(var, name)                                           \
  std::vector<char> var = ::qnk::cuda::test::readInput(name);                  \
  if (var.empty())                                                             \
    GTEST_SKIP() << name << " was not built (no ptxas)";

/// Records the errors handed to the handler during its lifetime (and keeps
/// them off stderr), and starts and ends with no pending error.
class ErrorCapture {
public:
  ErrorCapture() {
    qnkCudaClearError();
    qnkCudaSetErrorHandler(
        [](QnkCudaStatus status, int, const char *message, void *self) {
          static_cast<ErrorCapture *>(self)->messages.push_back(message);
          static_cast<ErrorCapture *>(self)->statuses.push_back(status);
        },
        this);
  }
  ~ErrorCapture() {
    qnkCudaSetErrorHandler(nullptr, nullptr);
    qnkCudaClearError();
  }
  std::vector<std::string> messages;
  std::vector<QnkCudaStatus> statuses;
};

} // namespace qnk::cuda::test

#endif // QNK_UNITTESTS_RUNTIME_TESTSUPPORT_H
