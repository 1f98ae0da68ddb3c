#!/usr/bin/env bash
# Runs cluster/slurm-sweep.sh outside Slurm (its SLURM_* variables set by hand, a stand-in `scontrol`
# that logs) over 4 oversubscribed ranks with the stand-in trainer, sends it USR1 as Slurm's
# --signal=B:USR1 would, and checks that the trainers were preempted, the script exited 4 and requeued
# the job, and that a second run finishes the sweep.
# Usage: slurm_script_test.sh SOURCE_DIR SWEEP_EXE STANDIN_EXE
set -euo pipefail
src=$1 sweep=$2 standin=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
printf '#!/bin/sh\necho "scontrol $*" >> "%s/scontrol.log"\n' "$work" > "$work/bin/scontrol"
chmod +x "$work/bin/scontrol"
rows=""
for i in 0 1 2 3 4 5 6 7; do rows+="${rows:+,}{\"name\": \"r$i\", \"overrides\": [\"schedule.sleep_ms=$((20 + i))\"]}"; done
cat > "$work/spec.json" <<JSON
{"name": "slurm-script", "base": {"cfg": "$src/tests/sweep/specs/tiny.cfg",
 "schedule": {"max_batches": 60, "sleep_ms": 20, "checkpoint_every": 5}}, "seeds": [1], "rows": [$rows]}
JSON
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export PATH="$work/bin:$PATH" SPEC="$work/spec.json" DB="$work/s.db" SWEEP="$sweep" GPUS_PER_NODE=2
export SLURM_NTASKS=4 SLURM_NTASKS_PER_NODE=4 SLURM_JOB_ID=4242 SWEEP_ARGS="--trainer $standin"
fail() { echo "FAIL: $*"; cat "$work/out.log"; exit 1; }

bash "$src/cluster/slurm-sweep.sh" > "$work/out.log" 2>&1 &
script=$!
for _ in $(seq 200); do
  running=$(sqlite3 "$work/s.db" "SELECT COUNT(*) FROM attempts WHERE state = 'running'" 2>/dev/null || echo 0)
  [ "$running" -ge 4 ] && break
  sleep 0.05
done
[ "$running" -ge 4 ] || fail "the sweep never had 4 running attempts"
kill -USR1 "$script"
status=0
wait "$script" || status=$?
[ "$status" -eq 4 ] || fail "the script exited $status, expected 4 (preempted)"
grep -q "scontrol requeue 4242" "$work/scontrol.log" || fail "the script did not requeue the job"
preempted=$(sqlite3 "$work/s.db" "SELECT COUNT(*) FROM attempts WHERE state = 'preempted'")
[ "$preempted" -ge 4 ] || fail "$preempted preempted attempts, expected >= 4"
gpus=$(sqlite3 "$work/s.db" "SELECT group_concat(DISTINCT gpu) FROM (SELECT gpu FROM attempts ORDER BY gpu)")
[ "$gpus" = "0,1" ] || fail "GPUs bound '$gpus', expected 0,1 (4 ranks, --gpus-per-node 2)"

bash "$src/cluster/slurm-sweep.sh" > "$work/out2.log" 2>&1 || fail "the relaunch exited $?: $(cat "$work/out2.log")"
done_runs=$(sqlite3 "$work/s.db" "SELECT COUNT(*) FROM runs WHERE state = 'done'")
[ "$done_runs" -eq 8 ] || fail "$done_runs of 8 runs done after the relaunch"
echo "slurm script: preempted $preempted attempts, exit 4, requeued, relaunch finished 8/8"
