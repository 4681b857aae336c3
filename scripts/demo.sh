#!/usr/bin/env bash
# The demo: builds QNK (installing what is missing), compiles a 1024^3 f32
# qnk.matmul through the CPU nanokernel pipeline for this machine, runs it,
# verifies it against the reference lowering, and prints its GFLOP/s beside
# OpenBLAS on the same shape.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
scripts/setup.sh "$BUILD_DIR" > "$BUILD_DIR.setup.log" 2>&1 ||
  { tail -40 "$BUILD_DIR.setup.log"; exit 1; }

echo "== qnk-run examples/matmul_f32.mlir (1024x1024x1024 f32, target=host)"
"$BUILD_DIR/bin/qnk-run" examples/matmul_f32.mlir -e matmul --target=host \
  --verify --bench=20
echo
echo "== the same shape, QNK beside OpenBLAS (single thread)"
python3 benchmarks/cpu_matmul.py --shapes 1024 --libs qnk,openblas
