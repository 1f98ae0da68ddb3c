// Data parallelism over the k processes of one run (issue #7): each process trains its share of every
// iteration's mini-batches, the processes' gradients are summed before the SGD update, and every process
// applies the same update, so k processes follow one process with the same batch (up to the order of float
// additions). core has no MPI: the communicator is the AllReduce interface (scheduler/mpi_all_reduce.h
// implements it over MPI_COMM_WORLD; NCCL will on GPUs).
//
// Per iteration of a batch of S mini-batches (subdivisions) on k processes (k must divide S):
//   process r trains mini-batches r·S/k .. (r+1)·S/k - 1 of the batch (the same images the single process would
//     load for them: the loader's positions are those of the single process);
//   the flat gradient buffer, which between iterations holds darknet's momentum-scaled update m, becomes
//     m + sum over processes of their accumulated -dL/dparam (begin: m kept aside and the buffer zeroed;
//     end: all-reduce sum, then + m);
//   batch-norm rolling statistics, which each process moves with its own mini-batches, are averaged over the
//     processes (darknet's multi-GPU training does not synchronise them at all), so the processes stay identical;
//   the loss terms and image counts are summed, so divergence stops every process at once;
//   CmBN (batch_normalize=2) pools the statistics of the process's own mini-batches only, as darknet per GPU.
// Only process 0 reports (events, progress line), writes checkpoints and evaluates; a stop request on any
// process stops all of them at the same iteration.
#pragma once
#include <cstddef>
#include <vector>

#include "core/nn/network.h"

namespace ds {

// The processes' collective sums. Every process calls each operation in the same order.
class AllReduce {
 public:
  virtual ~AllReduce() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In place: data[i] becomes the sum over processes of their data[i].
  virtual void sum(float* data, size_t n) = 0;
  virtual void sum(double* data, size_t n) = 0;
};

class DataParallel {
 public:
  explicit DataParallel(AllReduce* comm = nullptr) : comm_(comm) {}
  int rank() const { return comm_ ? comm_->rank() : 0; }
  int size() const { return comm_ ? comm_->size() : 1; }
  bool leader() const { return rank() == 0; }
  // This process's mini-batches of a batch: [first, first + count). InputError (naming `where`) when the
  // process count does not divide the subdivisions.
  struct Share {
    int first = 0, count = 1;
  };
  Share share(int subdivisions, const std::string& where) const;
  // Before the iteration's first backward: the momentum part of the gradient buffer is kept and the buffer zeroed.
  void begin_iteration(Network& net);
  // After the last backward, before the update: gradients summed over the processes plus the kept momentum,
  // rolling statistics averaged, and `sums` (loss terms, image counts) summed in place.
  void end_iteration(Network& net, std::vector<double>& sums);
  // True on every process when `flag` is true on any.
  bool any(bool flag);

 private:
  AllReduce* comm_;
  std::vector<float> momentum_;
};

}  // namespace ds
