#!/bin/sh
# End-to-end check of qnk-cuda-pipeline's host code on a GPU: mm.so holds
# the pipeline's LLVM output for mm.mlir (gpu.binary cubins for sm_90a,
# mgpu* calls) and entries.c; qnk-cuda-harness supplies QNK's CUDA runtime
# (the mgpu* functions), runs each entry on seeded host inputs and compares
# with the CPU build of entries.c (mm-cpu.so). Then compute-sanitizer's
# memcheck and racecheck on the small entries.
#   build here:  sh benchmarks/device/cuda_e2e/run.sh build
#   run there:   sh benchmarks/device/cuda_e2e/run.sh
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
O=$ROOT/benchmarks/out/cuda_e2e
if [ "$1" = build ]; then
  mkdir -p "$O"
  "$ROOT/build-cuda/bin/qnk-opt" "$HERE/mm.mlir" --qnk-cuda-pipeline="chip=sm_90a" |
    /usr/lib/llvm-22/bin/mlir-translate --mlir-to-llvmir -o "$O/mm.ll"
  /usr/lib/llvm-22/bin/clang -O2 -fPIC -shared -Wno-override-module "$O/mm.ll" "$HERE/entries.c" -o "$O/mm.so"
  /usr/lib/llvm-22/bin/clang -O2 -fPIC -shared -DQNK_CPU_REFERENCE "$HERE/entries.c" -o "$O/mm-cpu.so"
  cp "${HARNESS:-$ROOT/build-cuda/bin/qnk-cuda-harness}" "$O/"
  exit 0
fi
H=$O/qnk-cuda-harness
status=0
run() { "$@" || status=1; }
run $H $O/mm.so -e qnk_bf16_tb --sig=300x1000xbf16,517x1000xbf16-\>300x517xf32 --ref=$O/mm-cpu.so --bench=20 --flops=310200000
run $H $O/mm.so -e qnk_f16_kn --sig=129x96xf16,96x250xf16-\>129x250xf32 --ref=$O/mm-cpu.so
run $H $O/mm.so -e qnk_i8_tb --sig=33x77xi8,45x77xi8-\>33x45xi32 --ref=$O/mm-cpu.so
run $H $O/mm.so -e qnk_bf16_decode --sig=16x4096xbf16,4096x4096xbf16-\>16x4096xf32 --ref=$O/mm-cpu.so --bench=20
if command -v compute-sanitizer >/dev/null; then
  for tool in memcheck racecheck; do
    run compute-sanitizer --tool $tool --error-exitcode 3 $H $O/mm.so -e qnk_i8_tb --sig=33x77xi8,45x77xi8-\>33x45xi32 --ref=$O/mm-cpu.so
    run compute-sanitizer --tool $tool --error-exitcode 3 $H $O/mm.so -e qnk_f16_kn --sig=129x96xf16,96x250xf16-\>129x250xf32 --ref=$O/mm-cpu.so
    run compute-sanitizer --tool $tool --error-exitcode 3 $H $O/mm.so -e qnk_bf16_tb --sig=300x1000xbf16,517x1000xbf16-\>300x517xf32 --ref=$O/mm-cpu.so
  done
fi
echo "end-to-end status: $status"
exit $status
