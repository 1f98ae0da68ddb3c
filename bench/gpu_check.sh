#!/usr/bin/env bash
# The one device check of a GPU session: on a machine with the CUDA toolkit, CMake and ninja but no Debian
# packages, builds the core-only tree (-DDARKSWEEP_CORE_ONLY=ON, dependencies from .devdeps made here by
# scripts/device-deps.sh) and runs, each step time-boxed, all within TOTAL_S seconds (default 510):
#   1. configure build-gpu (ninja, CMAKE_CUDA_ARCHITECTURES=90)      -> $OUT/build.log (cuDNN found: summary)
#   2. build test_cuda and ds_bench (also as build-gpu/sweep/sweep)  -> $OUT/build.log
#   3. build test_core                                                -> $OUT/build.log
#   4. ctest -L gpu, then compute-sanitizer racecheck on the small GPU suites -> $OUT/gpu_tests.log
#   5. ds_bench on the YOLOv4 detector, 512 px, mini-batch 8, --device cuda -> $OUT/bench.{json,log}
#   6. bench/gpu_vs_torch.sh --build build-gpu, if it exists, with the time left but 60 s as its --budget
#                                                                     -> $OUT/gpu_vs_torch.{log,jsonl}
#   7. test_core's unit tests (OpenBLAS from .devdeps on that machine) -> $OUT/core_tests.log
# Eight files in all (summary.txt too): the device tool brings back at most eight.
# A failed step does not stop the later ones (a failed build skips what needs it); $OUT/summary.txt
# lists every step's exit code and seconds. Logs are written as they go (tee), so a cut-off run still
# returns what it had.
# Usage (from the repository root, with .devdeps carried): bash bench/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/out/gpu_check}"
mkdir -p "$OUT"
build=build-gpu
deps=.devdeps
jobs="$(nproc)"
total_s="${TOTAL_S:-510}"
start=$(date +%s)
summary="$OUT/summary.txt"
: > "$summary"

log() { echo "gpu_check: $*" | tee -a "$summary"; }
remaining() { echo $(( total_s - ($(date +%s) - start) )); }
# step NAME MAX_SECONDS LOGFILE CMD...: runs CMD under timeout (at most what is left of TOTAL_S),
# its stdout+stderr to the terminal and LOGFILE; records rc and seconds; returns rc.
step() {
  local name=$1 max=$2 logfile=$3; shift 3
  local left; left=$(remaining)
  if [ "$left" -lt 20 ]; then
    log "$(printf '%-14s skipped: %ss left of %ss' "$name" "$left" "$total_s")"
    return 124
  fi
  local t=$(( max < left ? max : left )) t0; t0=$(date +%s)
  echo "=== $name (timeout ${t}s): $*" | tee -a "$logfile"
  timeout -k 10 "$t" "$@" 2>&1 | tee -a "$logfile"
  local rc=${PIPESTATUS[0]}
  log "$(printf '%-14s rc=%-3s %4ss  %s' "$name" "$rc" "$(( $(date +%s) - t0 ))" "$(basename "$logfile")")"
  return "$rc"
}

{
  echo "=== host"; uname -a; echo "cores: $jobs"; date -u
  echo "=== nvidia-smi"; nvidia-smi 2>&1 || echo "(nvidia-smi failed)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1 || true
  echo "=== toolchain"; cmake --version | head -1; ninja --version; c++ --version | head -1
  /usr/local/cuda/bin/nvcc --version 2>&1 | tail -2 || echo "(no /usr/local/cuda/bin/nvcc)"
} 2>&1 | tee -a "$OUT/build.log"

if [ ! -f "$deps/openblas/lib.tar.xz" ]; then
  log "no $deps/openblas/lib.tar.xz: run scripts/device-deps.sh on the Debian machine and carry $deps"
  exit 1
fi

configure=(cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
           -DDARKSWEEP_CORE_ONLY=ON "-DDARKSWEEP_DEPS_DIR=$PWD/$deps" -DCMAKE_CUDA_ARCHITECTURES=90)
[ -x /usr/local/cuda/bin/nvcc ] && configure+=(-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc)
if step configure 120 "$OUT/build.log" "${configure[@]}"; then configured=1; else configured=0; fi
cudnn_line="$(grep -m1 'darksweep: cuDNN' "$OUT/build.log" || echo 'cuDNN: not found (see build.log)')"
log "${cudnn_line#-- }"
nccl_line="$(grep -m1 'darksweep: NCCL' "$OUT/build.log" || echo 'NCCL: no line (see build.log)')"
log "${nccl_line#-- }"

# Run-time paths beside the executables' RPATH: the unpacked OpenBLAS, the cuDNN and the NCCL found (the pip
# wheel's sub-libraries are opened by name at run time).
cudnn_lib="$(sed -n 's/^CUDNN_LIBRARY:FILEPATH=//p' "$build/CMakeCache.txt" 2>/dev/null)"
nccl_lib="$(sed -n 's/^NCCL_LIBRARY:FILEPATH=//p' "$build/CMakeCache.txt" 2>/dev/null)"
[ -f "$nccl_lib" ] || nccl_lib=""  # NCCL is optional (NCCL_LIBRARY-NOTFOUND)
export LD_LIBRARY_PATH="$PWD/$build/_deps/openblas/lib${cudnn_lib:+:$(dirname "$cudnn_lib")}${nccl_lib:+:$(dirname "$nccl_lib")}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >> "$OUT/build.log"

built=0
if [ "$configured" = 1 ] &&
   step build 300 "$OUT/build.log" cmake --build "$build" -j "$jobs" --target test_cuda ds_bench; then
  built=1
fi
core_built=0
if [ "$configured" = 1 ] &&
   step core_build 120 "$OUT/build.log" cmake --build "$build" -j "$jobs" --target test_core; then
  core_built=1
fi

sanitizer=/usr/local/cuda/bin/compute-sanitizer
if [ "$built" = 1 ]; then
  step gpu_tests 150 "$OUT/gpu_tests.log" ctest --test-dir "$build" -L gpu --output-on-failure --timeout 120
  # Shared-memory races (block_reduce's tree, the sliced sums' finishing block), which the emulation cannot show:
  # the small-shape suites only (racecheck runs kernels many times slower).
  if [ -x "$sanitizer" ]; then
    step racecheck 60 "$OUT/gpu_tests.log" "$sanitizer" --tool racecheck --error-exitcode 1 "$build/tests/test_cuda" \
      --gtest_filter='GpuOutputStage.ForwardAndBackwardMatchCpu:GpuActivations.*:GpuPooling.*:Gpu/GpuShortcut.*'
  else
    log "racecheck      skipped: no $sanitizer"
  fi
else
  log "gpu_tests      skipped: build failed"
fi

bench_exe="$build/ds_bench"
detector=experiments/cfg/paper/cspdarknet53-panet-spp.cfg   # YOLOv4: CSPDarknet53 + SPP + PANet
if [ -x "$bench_exe" ]; then
  # stdout is the JSON; stderr (and the timeout's notice) go to the .log
  step bench_cuda 120 "$OUT/bench.log" \
    bash -c '"$1" --cfg "$2" --size 512 --batch 8 --device cuda > "$3"' _ "$bench_exe" "$detector" \
    "$OUT/bench.json"
  cat "$OUT/bench.json" 2>/dev/null
else
  log "bench_cuda     skipped: no $bench_exe"
fi

if [ -f bench/gpu_vs_torch.sh ]; then
  budget=$(( $(remaining) - 60 ))   # what is left but the core tests' share and the script's own overhead
  budget=$(( budget > 290 ? 290 : budget ))
  if [ "$budget" -ge 60 ]; then
    step gpu_vs_torch $(( budget + 40 )) "$OUT/gpu_vs_torch.log" \
      bash bench/gpu_vs_torch.sh --build "$build" --out "$OUT/gpu_vs_torch.jsonl" --budget "$budget"
  else
    log "gpu_vs_torch   skipped: ${budget}s budget"
  fi
else
  log "gpu_vs_torch   skipped: no bench/gpu_vs_torch.sh"
fi

if [ "$core_built" = 1 ]; then
  step core_tests 90 "$OUT/core_tests.log" ctest --test-dir "$build" -L unit -j "$jobs" --timeout 60
fi

echo "=== summary ($(( $(date +%s) - start ))s of ${total_s}s)"
cat "$summary"
