#!/usr/bin/env bash
# Builds ahead-of-time CUDA artifacts here and runs them on a GPU machine.
#   gpu-check.sh build BUILD_DIR OUT_DIR   (here: needs qnk-compile, ptxas)
#   gpu-check.sh run OUT_DIR               (there: needs a GPU; no MLIR)
# `build` compiles each entry of matmuls.mlir for sm_90a (and the first for
# sm_80, to see it refused on an sm_90), the same entries for the CPU as
# references, and copies qnk-cuda-harness and the runtime's device tests;
# `run` runs them all and prints what happened.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
entries="mm_bf16_1024 mm_f16_odd linear_i8 linear_bf16"
declare -A flops=([mm_bf16_1024]=2147483648 [mm_f16_odd]=228690
                  [linear_i8]=134217728 [linear_bf16]=4294967296)
case "${1:-}" in
build)
  build=$2 out=$3
  mkdir -p "$out/Inputs"
  export CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
  for e in $entries; do
    "$build/bin/qnk-compile" "$here/matmuls.mlir" -e "$e" --device=cuda \
      --chip=sm_90a --shared -o "$out/$e.so" --header="$out/$e.h" || exit 1
    # The CPU reference for any x86-64 with AVX2.
    "$build/bin/qnk-compile" "$here/matmuls.mlir" -e "$e" --target=haswell \
      --shared -o "$out/$e-cpu.so" || exit 1
  done
  "$build/bin/qnk-compile" "$here/matmuls.mlir" -e mm_f16_odd --device=cuda \
    --chip=sm_80 --shared -o "$out/mm_f16_odd-sm80.so" || exit 1
  cp "$build/bin/qnk-cuda-harness" "$build/bin/QNKCUDARuntimeDeviceTests" \
    "$build/bin/QNKCUDARuntimeNoDriverTests" "$out/"
  cp "$build"/unittests/Runtime/Inputs/* "$out/Inputs/"
  ;;
run)
  out=$2
  cd "$out" || exit 1
  export QNK_CUDA_TEST_INPUTS=$PWD/Inputs
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  echo "== runtime device tests"
  ./QNKCUDARuntimeDeviceTests 2>&1 | grep -vE "^\[ +(RUN|OK) +\]"
  for e in $entries; do
    echo "== $e (sm_90a cubin) against the CPU build"
    ./qnk-cuda-harness "./$e.so" -e "$e" --header="$e.h" --ref="./$e-cpu.so" \
      --bench=20 --flops="${flops[$e]}"
    echo "exit code $?"
  done
  echo "== mm_f16_odd compiled for sm_80 on this GPU"
  ./qnk-cuda-harness ./mm_f16_odd-sm80.so -e mm_f16_odd --header=mm_f16_odd.h \
    --ref=./mm_f16_odd-cpu.so
  echo "exit code $?"
  if command -v compute-sanitizer > /dev/null; then
    for tool in memcheck racecheck; do
      echo "== compute-sanitizer --tool $tool: mm_f16_odd, linear_i8"
      for e in mm_f16_odd linear_i8; do
        timeout 120 compute-sanitizer --tool $tool --error-exitcode 9 \
          ./qnk-cuda-harness "./$e.so" -e "$e" --header="$e.h" \
          --ref="./$e-cpu.so" 2>&1 | tail -2
        echo "exit code ${PIPESTATUS[0]}"
      done
    done
    echo "== compute-sanitizer memcheck: runtime device tests"
    timeout 120 compute-sanitizer --error-exitcode 9 ./QNKCUDARuntimeDeviceTests \
      --gtest_filter='-*Timeout*:*OutOfMemory*' 2>&1 | tail -3
  else
    echo "no compute-sanitizer"
  fi
  ;;
*)
  echo "usage: $0 build BUILD_DIR OUT_DIR | run OUT_DIR" >&2
  exit 2
  ;;
esac
