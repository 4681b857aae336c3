#!/usr/bin/env bash
# Checks the installed package: installs a built QNK tree into a temporary
# prefix, builds examples/consumer against it (find_package(QNK), the C++
# and the C API) and runs both programs on examples/matmul_f32.mlir.
# Usage: scripts/test-install.sh [build-dir]   (default: $BUILD_DIR or build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-${BUILD_DIR:-build}}
LLVM=/usr/lib/llvm-22

work=$(mktemp -d "${TMPDIR:-/tmp}/qnk-test-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Prints the log of a step that failed.
run() {
  local log=$1
  shift
  "$@" > "$work/$log" 2>&1 || { cat "$work/$log"; echo "FAILED: $*"; exit 1; }
}

echo "== install $BUILD_DIR into a temporary prefix"
run install.log cmake --install "$BUILD_DIR" --prefix "$work/prefix"

echo "== build examples/consumer against it"
run configure.log cmake -S examples/consumer -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=$LLVM/bin/clang -DCMAKE_CXX_COMPILER=$LLVM/bin/clang++
# From the installed tree, not from the sources or the build tree.
grep -q "Using QNKConfig.cmake in: $work/prefix/lib/cmake/qnk" \
  "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
run build.log ninja -C "$work/build"

echo "== C++ API: qnk-consumer examples/matmul_f32.mlir target=haswell"
"$work/build/qnk-consumer" examples/matmul_f32.mlir target=haswell \
  > "$work/matmul.ll.mlir"
# The FMA nanokernel in the LLVM dialect, for the requested CPU.
$LLVM/bin/FileCheck --input-file="$work/matmul.ll.mlir" <(cat <<'CHECKS'
CHECK-NOT: qnk.
CHECK: llvm.func @matmul(
CHECK-SAME: target_cpu = "haswell"
CHECK: llvm.intr.fmuladd{{.*}}vector<8xf32>
CHECKS
)
# An error is a diagnostic and an exit code, not a crash.
if "$work/build/qnk-consumer" examples/matmul_f32.mlir target=pentium9 \
  > /dev/null 2> "$work/error.txt"; then
  echo "FAILED: target=pentium9 was accepted"; exit 1
fi
grep -q "error: unknown target CPU 'pentium9'" "$work/error.txt" ||
  { cat "$work/error.txt"; exit 1; }

echo "== C API: qnk-consumer-c examples/matmul_f32.mlir matmul haswell"
"$work/build/qnk-consumer-c" examples/matmul_f32.mlir matmul haswell \
  "$work/matmul.o"
$LLVM/bin/llvm-nm "$work/matmul.o" | grep -q " T matmul$" ||
  { $LLVM/bin/llvm-nm "$work/matmul.o"; echo "FAILED: no matmul in the object"; exit 1; }
echo "== CUDA runtime: QNK::QNKCUDARuntimeStatic from the package, no driver"
mkdir -p "$work/cuda"
cat > "$work/cuda/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(qnk-cuda-consumer C CXX)
find_package(QNK REQUIRED CONFIG)
add_executable(cuda-consumer main.c)
target_link_libraries(cuda-consumer PRIVATE QNK::QNKCUDARuntimeStatic)
# The archive is C++.
set_target_properties(cuda-consumer PROPERTIES LINKER_LANGUAGE CXX)
CMAKE
cat > "$work/cuda/main.c" <<'C'
#include "qnk/Runtime/CUDA/Runtime.h"
#include <stdio.h>
int main(void) {
  QnkCudaStatus status = qnkCudaInit(0);
  printf("%s\n", qnkCudaStatusName(status));
  return 0;
}
C
run cuda-configure.log cmake -S "$work/cuda" -B "$work/cuda-build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=$LLVM/bin/clang -DCMAKE_CXX_COMPILER=$LLVM/bin/clang++
run cuda-build.log ninja -C "$work/cuda-build"
QNK_CUDA_DRIVER=/nonexistent/libcuda.so.1 "$work/cuda-build/cuda-consumer" \
  2> "$work/cuda-error.txt" | grep -qx QNK_CUDA_ERROR_NO_DRIVER ||
  { cat "$work/cuda-error.txt"; echo "FAILED: the CUDA runtime consumer"; exit 1; }
grep -q "no CUDA driver: dlopen /nonexistent/libcuda.so.1 failed" \
  "$work/cuda-error.txt" || { cat "$work/cuda-error.txt"; exit 1; }
echo "install test passed"
