#!/usr/bin/env bash
# CI's hardening job: builds everything with clang, AddressSanitizer + UndefinedBehaviorSanitizer (any
# report fails the test) and libFuzzer coverage, in build-asan/; runs the unit tests there, which include
# the replay of the fuzz corpus and regressions; then each fuzz target for FUZZ_SECONDS (default 20).
# Usage: scripts/test-sanitizers.sh [ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build_dir="${DARKSWEEP_ASAN_BUILD_DIR:-build-asan}"
# -O1 -g1: quick to compile, fast enough to run, and stack traces with lines.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="-O1 -g1" -DCMAKE_CXX_FLAGS="-O1 -g1" \
  -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 -DDARKSWEEP_CUDA=OFF -DDARKSWEEP_SANITIZE=ON \
  -DDARKSWEEP_FUZZ=ON > /dev/null
cmake --build "$build_dir" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
symbolizer=$(command -v llvm-symbolizer-16 || command -v llvm-symbolizer || true)  # file:line in reports
[ -z "$symbolizer" ] || export ASAN_SYMBOLIZER_PATH="$symbolizer"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 900 -L unit "$@"
scripts/fuzz.sh --build "$build_dir" --seconds "${FUZZ_SECONDS:-20}"
