// NcclAllReduce: the AllReduce (core/train/all_reduce.h) of a data-parallel run on GPUs, one GPU per process. Its
// float sums take device memory (ncclAllReduce in place, ncclFloat, ncclSum, on the stream the network's kernels run
// on: the default stream), so that the gradients never visit the host; its double sums (loss terms, counts, stop
// flags: a few host values per iteration) go through the processes' host AllReduce (MPI). Should cuda::Network
// queue its kernels on a stream of its own, that stream must be the one given here. Every NCCL call is
// checked, with the call and its file:line. Built when CMake finds NCCL (DARKSWEEP_HAVE_NCCL).
#pragma once
#include <cuda_runtime.h>
#include <nccl.h>

#include <memory>
#include <string>

#include "core/train/all_reduce.h"

namespace ds::cuda {

// A new NCCL unique id (ncclGetUniqueId), the NCCL_UNIQUE_ID_BYTES (128) bytes as a string: one process makes it,
// every process of the run is given it (an MPI broadcast) to join the same communicator.
std::string nccl_unique_id();

class NcclAllReduce : public AllReduce {
 public:
  // Joins the communicator of `size` processes named by `unique_id` as `rank` on the current CUDA device
  // (ncclCommInitRank: every process calls it, each on its own GPU). `host` sums the doubles; nullptr: none are
  // summed (a double sum is then a logic_error). A failing NCCL call throws std::runtime_error naming it.
  NcclAllReduce(int rank, int size, const std::string& unique_id, AllReduce* host, cudaStream_t stream = nullptr);

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool device_memory() const override { return true; }
  // Device memory, in place; queued on the stream (later work on it sees the sums).
  void sum(float* device_data, size_t n) override;
  // Host memory, through `host`.
  void sum(double* data, size_t n) override;

 private:
  struct CommDeleter {
    void operator()(ncclComm* c) const;  // ncclCommDestroy
  };
  int rank_, size_;
  AllReduce* host_;
  cudaStream_t stream_;
  std::unique_ptr<ncclComm, CommDeleter> comm_;
};

}  // namespace ds::cuda
