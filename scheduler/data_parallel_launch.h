// How the scheduler starts one run on K slots (a spec's "processes": K): its child is a nested
// `mpirun -np K TRAINER train ... --data-parallel` (core/train/data_parallel.h), with the environment an
// enclosing MPI job gave the coordinator or worker removed, so that the nested job is a job of its own.
#pragma once
#include <string>
#include <vector>

namespace ds {

// The mpirun the nested jobs use: $DS_MPIRUN, else the one found at configure time, else `mpirun` on PATH.
// InputError (naming the run that needs it) when none is executable.
std::string find_mpirun(const std::string& needed_by);

// The child's argv: `trainer_argv` (TRAINER train --run ... --out ...) on K = max(processes, gpus.size())
// processes with --data-parallel. With GPUs (one per process) each process is its own app context that sees
// only its GPU (`-x CUDA_VISIBLE_DEVICES=G`); stdin goes to no process, and processes are not bound to cores
// (the slots, not mpirun, share the machine out).
std::vector<std::string> data_parallel_argv(const std::string& mpirun, int processes, const std::vector<std::string>& gpus,
                                            const std::vector<std::string>& trainer_argv);

// An inherited "NAME=VALUE" that belongs to an enclosing MPI launch (OMPI_*, PMIX_*, PMI_*), which a nested
// mpirun must not see; OMPI_ALLOW_RUN_AS_ROOT* are the user's and stay.
bool is_mpi_launch_variable(const std::string& name_value);

}  // namespace ds
