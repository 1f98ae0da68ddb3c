// AllReduce: the collective sums of the k processes of a data-parallel run (core/train/data_parallel.h). An
// interface, so that core has no MPI or NCCL: scheduler/mpi_all_reduce.h implements it over MPI_COMM_WORLD (host
// memory), core/cuda/nccl_all_reduce.h over NCCL (float sums of device memory; double sums through MPI).
#pragma once
#include <cstddef>

namespace ds {

// Every process calls each operation in the same order, with the same n.
class AllReduce {
 public:
  virtual ~AllReduce() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // True when sum(float*) takes the device memory of the accelerator the network computes on
  // (Accelerator::device_grads()), false when it takes host memory.
  virtual bool device_memory() const { return false; }
  // In place: data[i] becomes the sum over processes of their data[i]. Float data is in device memory when
  // device_memory(), else in host memory; double data (loss terms, counts, flags) is always in host memory.
  virtual void sum(float* data, size_t n) = 0;
  virtual void sum(double* data, size_t n) = 0;
};

}  // namespace ds
