#!/usr/bin/env bash
# The README's first command: install, build, make the synthetic data sets and run the smoke-scale
# Table 4 sweep on the CPU to a finished table (SQLite store, local scheduler): a classifier pre-trains the
# detector's backbone, then every Table 4 row trains the detector from it.
# Usage: scripts/main-job.sh [--slots N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build_dir="${DARKSWEEP_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build_dir" -j "$(nproc)" --target sweep
sweep="$build_dir/sweep/sweep"
out=out  # experiments/smoke/table4.json reads its data from out/smoke
scripts/smoke-data.sh "$sweep"
# A run that failed (diverged, crashed) is a row of the table marked as such, not a reason to print no
# table: the report comes first, the sweep's exit code last.
status=0
"$sweep" run experiments/smoke/table4.json --db "$out/darksweep.db" "$@" || status=$?
[ "$status" -le 1 ] || exit "$status"  # bad input (2) or interrupted (4): no table to show
"$sweep" report table4 --db "$out/darksweep.db" --format md --digits 2 | tee "$out/table4.md"
"$sweep" report table4 --db "$out/darksweep.db" --out "$out/table4.html"
echo "table: $out/table4.md, page: $out/table4.html"
[ "$status" -eq 0 ] || echo "main-job: some runs failed: build/sweep/sweep status --db $out/darksweep.db" >&2
exit "$status"
