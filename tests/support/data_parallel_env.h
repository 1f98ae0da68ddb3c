// Test support for the data-parallel tests (tests/train/test_mpi_data_parallel.cpp, tests/sweep/
// test_mpi_data_parallel_sweep.cpp): the environment their mpirun jobs need and their small data set.
#pragma once
#include <cstdlib>
#include <string>

#include "tests/support/run_command.h"

namespace ds::test {

inline void set_data_parallel_env() {
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);  // CI runs as root
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  // mpirun binds each process to one core, where OpenBLAS runs one thread; the single process does too, so
  // that both sum each matrix product in the same order (the training is sensitive enough to show it).
  setenv("OPENBLAS_NUM_THREADS", "1", 1);
}

// 24 training and 4 validation images of 128x128 with 4 classes in OUT (train.txt, val.txt).
inline CommandResult synth_data_parallel_data(const std::string& out) {
  return run_command(std::string(DS_SWEEP_EXE) + " data synth --out " + out +
                     " --train 24 --val 4 --size 128 --classes 4 --threads 1");
}

}  // namespace ds::test
