#!/usr/bin/env bash
# Installs what QNK needs on Debian 12 (only what is missing) and builds it.
# Usage: scripts/setup.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}

APT_PACKAGES=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libomp-22-dev libzstd-dev cmake ninja-build libgtest-dev
  libopenblas-dev libblis-dev libdnnl-dev libxsmm-dev python3-pip
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

PY=${PYTHON:-python3}
# nanobind builds the Python extension (python/); scikit-build-core is the
# backend of `pip install ./python`.
PY_PACKAGES=(numpy ml_dtypes pytest nanobind scikit-build-core)
if ! $PY -c "import numpy, ml_dtypes, pytest, nanobind, scikit_build_core" 2>/dev/null; then
  echo "== installing Python packages: ${PY_PACKAGES[*]}"
  $PY -m pip install -q "${PY_PACKAGES[@]}" 2>/dev/null ||
    $PY -m pip install -q --break-system-packages "${PY_PACKAGES[@]}"
fi

LLVM=/usr/lib/llvm-22
cmake -S . -B "$BUILD_DIR" -G Ninja \
  -DMLIR_DIR=$LLVM/lib/cmake/mlir \
  -DCMAKE_C_COMPILER=$LLVM/bin/clang -DCMAKE_CXX_COMPILER=$LLVM/bin/clang++ \
  -DLLVM_EXTERNAL_LIT=$LLVM/bin/lit -DCMAKE_BUILD_TYPE=Release \
  -DPython_EXECUTABLE="$($PY -c 'import sys; print(sys.executable)')" \
  ${QNK_CMAKE_ARGS:-} > "$BUILD_DIR.cmake.log" 2>&1 ||
  { cat "$BUILD_DIR.cmake.log"; exit 1; }
ninja -C "$BUILD_DIR"
