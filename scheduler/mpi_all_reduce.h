// core's AllReduce (core/train/data_parallel.h) over MPI_COMM_WORLD: the sums of a data-parallel run's
// processes on CPUs (`mpirun -np K sweep train ... --data-parallel`). Every MPI call is checked.
#pragma once
#include "core/train/data_parallel.h"
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

}  // namespace ds
