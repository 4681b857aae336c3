//===- Driver.cpp - Load the CUDA driver API at run time ------------------===//

#include "Driver.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

using namespace qnk::cuda::driver;

namespace {
struct LoadedDriver {
  API api;
  std::string error;
  bool loaded = false;
};
} // namespace

static LoadedDriver &getDriver() {
  static LoadedDriver driver;
  static std::once_flag once;
  std::call_once(once, [] {
    const char *override = std::getenv("QNK_CUDA_DRIVER");
    std::string path = override && *override ? override : "libcuda.so.1";
    // Never closed: module destructors of the generated code may still call
    // into it while the process exits.
    void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *reason = dlerror();
      driver.error = "no CUDA driver: dlopen " + path +
                     " failed: " + (reason ? reason : "unknown reason");
      return;
    }
    API &api = driver.api;
#define QNK_CUDA_LOAD_REQUIRED(name, type)                                     \
  api.name = reinterpret_cast<API::name##_t>(dlsym(handle, #name));            \
  if (!api.name) {                                                             \
    driver.error = "CUDA driver " + path +                                     \
                   " lacks " #name " (QNK needs a CUDA 12.0 or newer driver)"; \
    return;                                                                    \
  }
    QNK_CUDA_DRIVER_FUNCTIONS(QNK_CUDA_LOAD_REQUIRED)
#undef QNK_CUDA_LOAD_REQUIRED
#define QNK_CUDA_LOAD_OPTIONAL(name, type)                                     \
  api.name = reinterpret_cast<API::name##_t>(dlsym(handle, #name));
    QNK_CUDA_DRIVER_OPTIONAL_FUNCTIONS(QNK_CUDA_LOAD_OPTIONAL)
#undef QNK_CUDA_LOAD_OPTIONAL
    driver.loaded = true;
  });
  return driver;
}

const API *qnk::cuda::driver::load(std::string &error) {
  LoadedDriver &driver = getDriver();
  if (!driver.loaded) {
    error = driver.error;
    return nullptr;
  }
  return &driver.api;
}

std::string qnk::cuda::driver::describeResult(CUresult result) {
  std::string ignored;
  const API *api = load(ignored);
  const char *name = nullptr, *text = nullptr;
  if (api) {
    api->cuGetErrorName(result, &name);
    api->cuGetErrorString(result, &text);
  }
  std::string description =
      name ? name : "CUDA error " + std::to_string(result);
  if (text)
    description += std::string(" (") + text + ")";
  return description;
}
