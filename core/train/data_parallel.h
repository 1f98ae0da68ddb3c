// Data parallelism over the k processes of one run (issue #7): each process trains its share of every
// iteration's mini-batches, the processes' gradients are summed before the SGD update, and every process
// applies the same update, so k processes follow one process with the same batch (up to the order of float
// additions). core has no MPI: the communicator is the AllReduce interface (core/train/all_reduce.h), over MPI on
// CPUs, over NCCL on GPUs.
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
// Where the sums happen: with an AllReduce over device memory (NCCL) and a network on that device, on the device
// (one all-reduce of the device's gradient buffer, the kept momentum and the averaging in device kernels:
// Accelerator::data_parallel_begin/end); otherwise on the host (a network on a GPU is synchronised to the host and
// back around the sums). The arithmetic is the same either way.
// Only process 0 reports (events, progress line), writes checkpoints and evaluates; a stop request on any
// process stops all of them at the same iteration.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "core/nn/network.h"
#include "core/train/all_reduce.h"

namespace ds {

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
  // True when the sums run on net's device (see the header comment); a device AllReduce with a network
  // elsewhere is a logic_error.
  bool on_device(const Network& net) const;

  AllReduce* comm_;
  std::vector<float> momentum_;  // the host path's kept momentum
};

}  // namespace ds
