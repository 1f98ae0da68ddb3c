#!/bin/bash
# A Slurm batch script for a whole sweep: one MPI rank per GPU, rank 0 coordinating (and training on its
# own GPU). Before the time limit or a preemption Slurm sends USR1 to this script (--signal=B:USR1@300);
# it passes the signal to mpirun, which forwards it to every rank: the trainers checkpoint and exit 4,
# `sweep run` exits 4, and the job requeues itself. The next start resumes from the database and the
# checkpoints. mpirun's own SIGTERM is no way to stop it: mpirun kills its ranks 1 s after forwarding it.
#   sbatch --export=ALL,SPEC=experiments/table4.json,DB=/shared/darksweep/table4.db cluster/slurm-sweep.sh
#SBATCH --job-name=darksweep
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=8
#SBATCH --gpus-per-node=8
#SBATCH --cpus-per-task=12
#SBATCH --time=24:00:00
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --signal=B:USR1@300
#SBATCH --output=darksweep-%j.out

SPEC=${SPEC:?set SPEC to the sweep spec}
DB=${DB:?set DB to the sweep database (on a shared file system)}
SWEEP=${SWEEP:-$PWD/build/sweep/sweep}  # the same path on every node
SWEEP_ARGS=${SWEEP_ARGS:-}               # more `sweep run` options, e.g. "--retries 3 --heartbeat 600"

mpirun -np "$SLURM_NTASKS" --map-by "ppr:$SLURM_NTASKS_PER_NODE:node" \
  "$SWEEP" run "$SPEC" --db "$DB" --device cuda --gpus-per-node "${GPUS_PER_NODE:-8}" $SWEEP_ARGS &
pid=$!
trap 'echo "slurm-sweep: USR1: preempting"; kill -USR1 "$pid"' USR1
wait "$pid"; status=$?
# The trap interrupts `wait` (status > 128) while mpirun is still stopping the trainers: wait again.
while [ "$status" -gt 128 ] && kill -0 "$pid" 2>/dev/null; do wait "$pid"; status=$?; done
if [ "$status" -eq 4 ]; then
  echo "slurm-sweep: preempted; requeueing job $SLURM_JOB_ID"
  scontrol requeue "$SLURM_JOB_ID"
fi
exit "$status"
