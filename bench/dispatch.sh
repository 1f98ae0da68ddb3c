#!/usr/bin/env bash
# Dispatch benchmark of `mpirun -np RANKS sweep run`: RUNS stand-in runs (tests/sweep/standin) of
# heterogeneous length (exponential, mean ~0.25 s, up to 1.5 s; estimates proportional to the iterations),
# one slot per rank. Prints JSON: the makespan (first attempt start to last attempt end) against the ideal
# (sum of attempt durations / ranks) and against a static round-robin split of the same runs (computed
# from their measured durations: rank r gets rows r, r+RANKS, ...), and the dispatch overhead: the idle
# time of a slot between one attempt's end and its next attempt's start (median, p90, mean per run).
# --local runs the same spec with the local scheduler (`sweep run --slots RANKS`, no MPI) for comparison.
# Usage: bench/dispatch.sh [--runs 1000] [--ranks 8] [--local] [--build DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=1000 ranks=8 build=build mode=mpi
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --local) mode=local; shift ;;
    *) echo "bench/dispatch.sh: unknown argument $1 (--runs N --ranks N --local --build DIR)" >&2; exit 2 ;;
  esac
done
sweep="$PWD/$build/sweep/sweep" standin="$PWD/$build/tests/ds_standin_trainer"
[ -x "$sweep" ] && [ -x "$standin" ] || { echo "bench/dispatch.sh: build sweep and ds_standin_trainer in $build first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk -v runs="$runs" -v cfg="$PWD/tests/sweep/specs/tiny.cfg" 'BEGIN {
  srand(1)  # the same durations every time
  printf "{\"name\": \"dispatch-bench\", \"base\": {\"cfg\": \"%s\",\n", cfg
  printf "  \"schedule\": {\"sleep_ms\": 10, \"checkpoint_every\": 1000}}, \"seeds\": [1], \"rows\": [\n"
  for (i = 0; i < runs; i++) {
    # Exponential lengths (mean ~25 iterations of 10 ms, a few up to 1.5 s): what a static split handles worst.
    it = 2 + int(-23 * log(1 - rand())); if (it > 150) it = 150
    # schedule.row makes every row its own run (same-config rows would be one run).
    printf "  {\"name\": \"r%d\", \"overrides\": [\"schedule.max_batches=%d\", \"schedule.row=%d\"]}%s\n", i, it, i, (i < runs - 1 ? "," : "")
  }
  print "]}"
}' > "$work/spec.json"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
start=$(date +%s.%N)
args=(run "$work/spec.json" --db "$work/bench.db" --trainer "$standin" --progress-every 10)
if [ "$mode" = mpi ]; then
  mpirun --oversubscribe -np "$ranks" --mca btl_vader_single_copy_mechanism none "$sweep" "${args[@]}"
else
  "$sweep" "${args[@]}" --slots "$ranks"
fi > "$work/log" 2>&1 || { tail -20 "$work/log" >&2; exit 1; }
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
sqlite3 "$work/bench.db" <<SQL
WITH a AS (SELECT at.run, at.slot, at.start, at.end, at.end - at.start AS d, m.row_index
           FROM attempts at JOIN sweep_runs m ON m.run = at.run WHERE at.state = 'ok'),
     gaps AS (SELECT start - LAG(end) OVER (PARTITION BY slot ORDER BY start) AS g FROM a),
     g AS (SELECT g FROM gaps WHERE g IS NOT NULL ORDER BY g),
     rr AS (SELECT SUM(d) AS s FROM a GROUP BY row_index % $ranks),
     t AS (SELECT COUNT(*) AS n, SUM(d) AS total, MAX(end) - MIN(start) AS makespan FROM a)
SELECT json_object(
  'mode', '$mode', 'runs', n, 'ranks', $ranks, 'wall_s', round($wall, 3),
  'makespan_s', round(makespan, 3), 'ideal_s', round(total / $ranks, 3),
  'makespan_over_ideal', round(makespan / (total / $ranks), 4),
  'round_robin_s', round((SELECT MAX(s) FROM rr), 3),
  'makespan_over_round_robin', round(makespan / (SELECT MAX(s) FROM rr), 4),
  'mean_run_s', round(total / n, 4),
  'overhead_per_run_ms', round(1000 * ($ranks * makespan - total) / n, 2),
  'slot_gap_median_ms', round(1000 * (SELECT g FROM g LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM g)), 2),
  'slot_gap_p90_ms', round(1000 * (SELECT g FROM g LIMIT 1 OFFSET (SELECT COUNT(*) * 9 / 10 FROM g)), 2))
FROM t;
SQL
