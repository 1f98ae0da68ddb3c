// core's AllReduce (core/train/all_reduce.h) over MPI_COMM_WORLD: the sums of a data-parallel run's processes
// (`mpirun -np K sweep train ... --data-parallel`): all of them on CPUs, the host ones (loss terms, counts) on GPUs.
// And the broadcast that hands every process the id of a device all-reduce (NCCL). Every MPI call is checked.
#pragma once
#include <string>

#include "core/train/all_reduce.h"
#include "scheduler/mpi_link.h"

namespace ds {

class MpiAllReduce : public AllReduce {
 public:
  explicit MpiAllReduce(const MpiSession& session) : rank_(session.rank()), size_(session.size()) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(float* data, size_t n) override;
  void sum(double* data, size_t n) override;

 private:
  int rank_, size_;
};

// MPI_Bcast over MPI_COMM_WORLD: every process returns `root`'s bytes (the others' argument is not read).
std::string mpi_broadcast(const std::string& bytes, int root);

}  // namespace ds
