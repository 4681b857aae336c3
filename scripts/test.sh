#!/usr/bin/env bash
# Builds QNK (installing what is missing) and runs every test: lit (IR,
# verifier, pass, pipeline and execution tests), GoogleTest unit tests, the
# installed-package test, the Python tests (on the extension the build
# makes, from $BUILD_DIR/python_packages) and a bounded fuzzing run
# (QNK_FUZZ_SECONDS, default 120).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
scripts/setup.sh "$BUILD_DIR"

status=0
echo "== lit"
/usr/lib/llvm-22/bin/lit -sv "$BUILD_DIR/test" || status=1
echo "== unit tests"
ctest --test-dir "$BUILD_DIR" --output-on-failure || status=1
echo "== install test"
scripts/test-install.sh "$BUILD_DIR" || status=1
if [ -d python/tests ] || [ -d benchmarks/tests ]; then
  echo "== pytest"
  # The qnk package with its extension, as the build laid it out.
  PYTHONPATH="$(cd "$BUILD_DIR" && pwd)/python_packages${PYTHONPATH:+:$PYTHONPATH}" \
    ${PYTHON:-python3} -m pytest -q $(ls -d python/tests benchmarks/tests 2>/dev/null) || status=1
fi
# A bounded fuzzing run of the parser, verifiers and pipelines (see
# docs/reliability.md). The first run builds build-fuzz/ (ASan+UBSan+
# libFuzzer: about 8 minutes on 2 cores); QNK_FUZZ_SECONDS=0 skips it.
fuzz_seconds=${QNK_FUZZ_SECONDS:-120}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzz (${fuzz_seconds}s)"
  scripts/fuzz.sh "$fuzz_seconds" || status=1
fi
exit $status
