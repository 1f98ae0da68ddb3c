#!/usr/bin/env bash
# Runs each libFuzzer target (tests/fuzz: cfg, spec, weights, labels, coco) for SECONDS on a scratch copy
# of its corpus and prints one JSON line per target (executions, seconds, new corpus entries, crashes).
# A crash, a leak, a sanitizer report, a timeout (-timeout=10 s per input) or an input that needs more
# than 2 GiB saves the input as BUILD/fuzz-crashes/TARGET-* and makes the script fail: copy it into
# tests/fuzz/regressions/TARGET/ with the fix, so that ctest replays it from then on.
# Usage: scripts/fuzz.sh [--seconds 20] [--build build-asan] [TARGET ...]   (CI: 20 s each; long: --seconds 3600)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=20 build=build-asan targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(cfg spec weights labels coco)
crashes="$build/fuzz-crashes"
mkdir -p "$crashes"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for t in "${targets[@]}"; do
  exe="$build/tests/fuzz_$t"
  [ -x "$exe" ] || { echo "scripts/fuzz.sh: $exe missing: build with scripts/test-sanitizers.sh first" >&2; exit 2; }
  mkdir -p "$work/$t"
  cp tests/fuzz/corpus/"$t"/* "$work/$t/"
  [ -d "tests/fuzz/regressions/$t" ] && cp tests/fuzz/regressions/"$t"/* "$work/$t/" 2>/dev/null || true
  status=0
  ASAN_OPTIONS=detect_leaks=1 "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/$t-" "$work/$t" > "$work/$t.log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
  added=$(sed -n 's/^stat::new_units_added: *//p' "$work/$t.log" | tail -1)
  found=$(ls "$crashes" | grep -c "^$t-" || true)
  echo "{\"target\": \"$t\", \"seconds\": $seconds, \"executions\": ${execs:-0}, \"new_units\": ${added:-0}, \"exit\": $status, \"crash_files\": $found}"
  if [ "$status" -ne 0 ]; then
    failed=1
    grep -E "ERROR|SUMMARY|runtime error|uncaught|terminate" "$work/$t.log" | head -20 >&2 || tail -30 "$work/$t.log" >&2
  fi
done
exit $failed
