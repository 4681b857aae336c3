#!/usr/bin/env bash
# Builds QNK with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ and runs the lit suite and the unit tests under them, with
# undefined behaviour fatal.
#
# allow_user_poisoning=0: Debian's libMLIR.so/libLLVM.so are not
# instrumented, while LLVM's bump allocator, inlined into QNK's instrumented
# code, poisons slab memory that the uninstrumented library then hands out;
# ASan would flag those (false) uses-after-poison. Leak checking is off: the
# JIT and LLVM's option registry keep allocations until exit by design.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-asan}
QNK_CMAKE_ARGS="-DQNK_ENABLE_SANITIZERS=ON" scripts/setup.sh "$BUILD_DIR"
export ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
/usr/lib/llvm-22/bin/lit -sv "$BUILD_DIR/test" || status=1
ctest --test-dir "$BUILD_DIR" --output-on-failure || status=1
exit $status
