#!/usr/bin/env bash
# Builds qnk-fuzz (libFuzzer + ASan + UBSan, in build-fuzz/) if needed and
# fuzzes QNK's parser, verifiers and pipelines for a bounded time.
# Usage: scripts/fuzz.sh [seconds]   (default 120)
#
# Seeds are the lit tests' and examples' MLIR (one per `// -----` split,
# regenerated each run); the corpus grows in build-fuzz/fuzz/corpus across
# runs. A crash, assertion, undefined behaviour, timeout or out-of-memory
# leaves its input in build-fuzz/fuzz/artifacts/ and makes this script fail;
# reproduce it with `build-fuzz/bin/qnk-fuzz <file>` or
# `build-fuzz/bin/qnk-opt` on the file. Environment: QNK_FUZZ_JOBS (parallel
# fuzzing processes, default 1), QNK_FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-120}
BUILD_DIR=${BUILD_DIR:-build-fuzz}
LLVM=/usr/lib/llvm-22

if ! ls $LLVM/lib/clang/22/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "== installing libclang-rt-22-dev (libFuzzer)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libclang-rt-22-dev
fi
if ! grep -q "QNK_ENABLE_FUZZER:BOOL=ON" "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
  cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DMLIR_DIR=$LLVM/lib/cmake/mlir \
    -DCMAKE_C_COMPILER=$LLVM/bin/clang -DCMAKE_CXX_COMPILER=$LLVM/bin/clang++ \
    -DLLVM_EXTERNAL_LIT=$LLVM/bin/lit -DCMAKE_BUILD_TYPE=Release \
    -DQNK_ENABLE_FUZZER=ON > "$BUILD_DIR.cmake.log" 2>&1 ||
    { cat "$BUILD_DIR.cmake.log"; exit 1; }
fi
# qnk-opt too: the same instrumented code, to reproduce findings as IR.
ninja -C "$BUILD_DIR" -j"${QNK_FUZZ_BUILD_JOBS:-$(nproc)}" qnk-fuzz qnk-opt

work=$BUILD_DIR/fuzz
rm -rf "$work/seeds"
mkdir -p "$work/corpus" "$work/artifacts"
python3 tools/qnk-fuzz/make-seeds.py . "$work/seeds"
touch "$work/.started"

# As in scripts/test-sanitizers.sh: the uninstrumented libMLIR.so receives
# slab memory that the inlined, instrumented allocator poisoned.
export ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
jobs=${QNK_FUZZ_JOBS:-1}
parallel=()
# Several processes: libFuzzer's fork mode, which also keeps going past a
# finding.
((jobs > 1)) && parallel=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
log=$work/last-run.log
echo "== fuzzing for ${SECONDS_TO_RUN}s on $jobs process(es) (log: $log)"
status=0
"$BUILD_DIR/bin/qnk-fuzz" "$work/corpus" "$work/seeds" \
  -dict=tools/qnk-fuzz/qnk.dict -max_total_time="$SECONDS_TO_RUN" \
  -timeout=10 -rss_limit_mb=3000 -max_len=4096 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
  "${parallel[@]}" ${QNK_FUZZ_ARGS:-} > "$log" 2>&1 || status=$?

execs=$(grep -h "stat::number_of_executed_units" "$log" | awk '{print $2}' | tail -1)
# Fork mode reports progress lines (#N: ...) only.
[ -n "$execs" ] || execs=$(grep -oE "^#[0-9]+" "$log" | tail -1 | tr -d '#')
echo "executions: ${execs:-0}, corpus: $(ls "$work/corpus" | wc -l) inputs"
findings=$(find "$work/artifacts" -type f -newer "$work/.started" | sort)
if [ -n "$findings" ] || [ "$status" -ne 0 ]; then
  echo "findings (exit status $status):"
  for f in $findings; do echo "  $f"; done
  grep -h -m5 -E "ERROR: (libFuzzer|AddressSanitizer)|runtime error:|Assertion|SUMMARY" "$log" || true
  exit 1
fi
echo "findings: none"
