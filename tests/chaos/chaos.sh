#!/usr/bin/env bash
# Chaos test of the sweep engine: a sweep (stand-in trainer) whose runs crash, hang, diverge, fail for
# good or write weights onto a tiny full disk (a 3 MiB tmpfs as the run directory, when this user may
# mount one), and whose coordinator is SIGKILLed at random moments many times before a last start may
# finish. Afterwards: every run is done or failed with a reason, no run was trained to the end twice,
# no result stored after any round was lost or changed, the database passes integrity_check, nothing is
# left running, and every weights file and checkpoint is whole. Prints a JSON summary; exits 1 on any
# violation.
# Usage: tests/chaos/chaos.sh SOURCE_DIR SWEEP_EXE STANDIN_EXE [KILLS]
set -euo pipefail
src=$1 sweep=$2 standin=$3 kills=${4:-12}
work=$(mktemp -d)
runs_dir="$work/runs"
mkdir -p "$runs_dir"
disk=none
if mount -t tmpfs -o size=4m chaos-runs "$runs_dir" 2>/dev/null; then disk=tmpfs-4MiB; fi
cleanup() {
  pkill -KILL -f "$runs_dir" 2>/dev/null || true
  [ "$disk" = none ] || umount "$runs_dir" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "CHAOS FAIL: $*"; exit 1; }

# 30 runs: 6 well-behaved, 4 of each fault (the fault hits their first attempts), and 4 fat runs that
# write 1.5 MiB of weights where the others write 20 KiB: the 4 MiB disk holds two of them, and the
# failed writes of the others (and whatever else is being written then) hit a full disk.
rows=""
# schedule.row makes each row its own run (rows of equal config would be one run).
add() { rows+="${rows:+,}{\"name\": \"$1\", \"overrides\": [\"schedule.row=$1\"], \"test_hooks\": $2}"; }
for i in 0 1 2 3 4 5; do add "ok$i" '{}'; done
for i in 0 1 2 3; do
  add "segv$i" '{"crash_on_attempts": [1]}'
  add "kill$i" '{"crash_on_attempts": [1, 2], "crash_signal": "KILL"}'
  add "hang$i" '{"hang_on_attempts": [1]}'
  add "nan$i" '{"nan_on_attempts": [1, 2]}'
  add "stubborn$i" '{"fail_on_attempts": [1, 2, 3, 4]}'
  add "bad$i" '{"bad_input_on_attempts": [1]}'
done
fat_rows=""
for i in 0 1 2 3; do fat_rows+=",{\"name\": \"fat$i\", \"overrides\": [\"schedule.row=fat$i\", \"schedule.weights_bytes=1572864\"]}"; done
cat > "$work/spec.json" <<JSON
{"name": "chaos", "base": {"cfg": "$src/tests/sweep/specs/tiny.cfg",
 "schedule": {"max_batches": 60, "sleep_ms": 15, "checkpoint_every": 3, "weights_bytes": 20480}},
 "seeds": [1], "rows": [$rows$fat_rows]}
JSON
db="$work/chaos.db"
args=(run "$work/spec.json" --db "$db" --runs-dir "$runs_dir" --trainer "$standin" --slots 3 --retries 2
      --backoff 0.05 --heartbeat 1 --kill-grace 0.3 --progress-every 30)

snapshot() {  # every stored result, as "run|json" lines
  sqlite3 "$db" "SELECT run || '|' || json FROM results ORDER BY run" 2>/dev/null || true
}
: > "$work/results.seen"
killed=0
for ((round = 0; round < kills; round++)); do
  "$sweep" "${args[@]}" >> "$work/coordinator.log" 2>&1 &
  pid=$!
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.3 + (r % 120) / 100 }')"
  if kill -KILL "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  snapshot >> "$work/results.seen"
done
status=0
timeout 300 "$sweep" "${args[@]}" >> "$work/coordinator.log" 2>&1 || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 1 ] || fail "the last sweep run exited $status: $(tail -5 "$work/coordinator.log")"

q() { sqlite3 "$db" "$1"; }
integrity=$(q "PRAGMA integrity_check")
[ "$integrity" = ok ] || fail "integrity_check: $integrity"
total=$(q "SELECT COUNT(*) FROM runs")
done_runs=$(q "SELECT COUNT(*) FROM runs WHERE state = 'done'")
failed=$(q "SELECT COUNT(*) FROM runs WHERE state = 'failed'")
[ "$total" -eq 34 ] || fail "$total runs in the store, expected 34"
[ $((done_runs + failed)) -eq "$total" ] || fail "runs neither done nor failed: $(q "SELECT id, state FROM runs WHERE state NOT IN ('done','failed')")"
running=$(q "SELECT COUNT(*) FROM attempts WHERE state = 'running'")
[ "$running" -eq 0 ] || fail "$running attempts still 'running'"
unexplained=$(q "SELECT COUNT(*) FROM runs r WHERE r.state = 'failed' AND NOT EXISTS
  (SELECT 1 FROM attempts a WHERE a.run = r.id AND a.state = 'failed' AND COALESCE(a.reason, '') <> '')")
[ "$unexplained" -eq 0 ] || fail "$unexplained failed runs without a reason"
duplicated=$(q "SELECT COUNT(*) FROM (SELECT run FROM attempts WHERE state = 'ok' GROUP BY run HAVING COUNT(*) > 1)")
[ "$duplicated" -eq 0 ] || fail "$duplicated runs trained to the end twice"
no_result=$(q "SELECT COUNT(*) FROM runs r WHERE r.state = 'done' AND NOT EXISTS (SELECT 1 FROM results s WHERE s.run = r.id)")
[ "$no_result" -eq 0 ] || fail "$no_result done runs without a result"
snapshot > "$work/results.final"
lost=$(sort -u "$work/results.seen" | comm -23 - <(sort -u "$work/results.final") | wc -l)
[ "$lost" -eq 0 ] || fail "$lost stored results were lost or changed"
truncated=0
while IFS='|' read -r path want; do
  [ -n "$path" ] || continue
  size=$(stat -c %s "$path" 2>/dev/null || echo -1)
  [ "$size" -eq "$want" ] || { echo "truncated weights: $path ($size of $want bytes)"; truncated=$((truncated + 1)); }
done < <(q "SELECT a.path, json_extract(r.config, '$.schedule.weights_bytes') FROM artifacts a
            JOIN runs r ON r.id = a.run WHERE a.kind = 'weights'")
for ck in "$runs_dir"/*/checkpoint.json; do
  [ -e "$ck" ] || continue
  grep -q '"iteration"' "$ck" || { echo "truncated checkpoint: $ck"; truncated=$((truncated + 1)); }
done
[ "$truncated" -eq 0 ] || fail "$truncated truncated weights or checkpoint files"
disk_full=$(grep -l "No space left" "$runs_dir"/*/attempt-*.log 2>/dev/null | wc -l || true)
reasons=$(q "SELECT group_concat(n || 'x ' || r, '; ') FROM (SELECT COUNT(*) AS n, CASE WHEN instr(reason, ':') > 0
  AND reason LIKE 'could not start%' THEN 'could not start the trainer: ' || substr(reason, instr(reason, 'No space'))
  ELSE reason END AS r FROM attempts WHERE state = 'failed' GROUP BY r)")
echo "{\"runs\": $total, \"done\": $done_runs, \"failed\": $failed, \"coordinator_kills\": $killed," \
     "\"attempts\": $(q "SELECT COUNT(*) FROM attempts"), \"disk\": \"$disk\", \"disk_full_attempts\": $disk_full," \
     "\"lost\": $lost, \"duplicated\": $duplicated, \"truncated\": $truncated, \"integrity\": \"$integrity\"}"
echo "failure reasons seen: $reasons"
