#!/usr/bin/env bash
# The GPU test suites (tests/cuda/*.cpp) without a GPU: builds them with g++, with the real core/ and core/cuda
# sources, against the CUDA/cuDNN emulation in tests/cuda_emulation/ (README.md there: what it checks and what
# only a real GPU can), in build-emu/, and runs them. Fails when a test fails. A check of the CUDA code's logic
# on every machine; not a substitute for bench/gpu_check.sh on a GPU.
# Usage: scripts/test-cuda-emulated.sh [--all] [gtest arguments, e.g. --gtest_filter=GpuNetwork.*]
#   --all: also the GpuTraining suites (50 training iterations each: about 20 minutes under emulation).
# Environment: DARKSWEEP_EMU_BUILD_DIR (default build-emu); EMU_PROTECT=1 (host access to device memory is a
# SIGSEGV; about 9x slower), EMU_ORDER=reverse (blocks and threads in reverse order): see the README.
# x86-64 only (the emulation's fiber switch is x86-64 assembly): elsewhere it prints "skipped" and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname -m)" != "x86_64" ]; then
  echo "test-cuda-emulated: skipped: the CUDA emulation runs on x86-64 only (this machine: $(uname -m))"
  exit 0
fi
filter=(--gtest_filter=-GpuTraining.*)
if [ "${1:-}" = "--all" ]; then
  filter=()
  shift
fi
scripts/install-deps.sh
build_dir="${DARKSWEEP_EMU_BUILD_DIR:-build-emu}"
cxx="${CXX:-g++}"
if command -v ccache > /dev/null; then cxx="ccache $cxx"; fi
make -s -f tests/cuda_emulation/Makefile BUILD="$build_dir" CXX="$cxx" -j "$(nproc)"
"$build_dir/test_cuda_emulated" "${filter[@]}" "$@"
