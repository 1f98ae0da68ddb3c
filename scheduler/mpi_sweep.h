// `mpirun -np N sweep run SPEC`: rank 0 coordinates (the only store writer, scheduler/coordinator.h) and,
// unless --coordinator-only, runs trainers on its own slots; every other rank is a worker that starts
// the trainers rank 0 hands it, one child per slot, and streams their progress and exits back to rank 0.
// Dispatch is dynamic: a slot gets its next run (longest estimated first) as soon as its last one ended.
// A worker rank that dies takes the job down (OpenMPI's default); the relaunch resumes from the store.
#pragma once
#include "scheduler/coordinator.h"

namespace ds {

// True when this process was started by mpirun/srun (OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK is set).
bool launched_by_mpi();

// Every rank calls it; every rank returns the coordinator's exit code (so mpirun's is that code too).
int run_mpi_sweep(const SweepOptions& options);

}  // namespace ds
