// The device a network computes on: "cpu" (the reference) or "cuda" (core/cuda/cuda_network.h, when this build
// has the CUDA backend), and on cuda the convolutions' precision: "fp32" (default), "tf32" or "mixed"
// (cuda::Precision). use_device attaches the device's accelerator to a network that is fully set up
// (parameters initialised, loaded or copied): from then on its passes and SGD steps run there. For the processes
// of a data-parallel run: each process's GPU, and the all-reduce that sums device memory (NCCL, when this build has
// it; core/train/data_parallel.h).
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/nn/network.h"
#include "core/train/all_reduce.h"

namespace ds {

// The devices this build can use ("cpu", and "cuda" when built with CUDA).
std::vector<std::string> available_devices();
// InputError naming `where` and the valid choices for an unknown or unavailable device, or a precision the
// device does not have (the CPU computes in fp32 only).
void check_device(const std::string& device, const std::string& where, const std::string& precision = "fp32");
void use_device(Network& net, const std::string& device, const std::string& precision = "fp32");
// The device `net` computes on.
std::string device_of(const Network& net);
// What `net` computes on, as a run's metrics record it ("environment") so that `sweep reproduce` can tell a
// reproduction on other hardware from a bug: {"device", "blas" (the BLAS build), "blas_kernels" (the kernel set
// it chose for this CPU)} and on cuda "gpu" (name, compute capability, cuDNN version). Runs are bit-identical
// only where all of these agree.
nlohmann::json compute_environment(const Network& net);

// A data-parallel process's device, before its first use: on cuda, the process with node-local index
// `local_rank` computes on GPU local_rank % (the GPUs it sees); nothing on cpu.
void select_process_device(const std::string& device, int local_rank);
// Whether any two of the processes that `host` joins compute on one physical GPU (their devices as
// select_process_device left them): NCCL takes one process per GPU ("invalid usage" for two on one), so such a
// run sums through `host`. A collective: every process calls it and all get the same answer. False on cpu.
bool processes_share_a_gpu(const std::string& device, AllReduce& host);
// Whether this build sums device memory on `device` (cuda built with NCCL). Otherwise a data-parallel run there
// sums through the host AllReduce.
bool has_device_all_reduce(const std::string& device);
// The id the processes of one run share to join one device all-reduce: one process makes it, every process is
// given it. std::logic_error unless has_device_all_reduce(device).
std::string new_device_all_reduce_id(const std::string& device);
// Process `rank` of `size` joins the device all-reduce named by `id`, on its current device (every process calls
// it: a collective); `host` (which must outlive it) sums the doubles. std::logic_error unless
// has_device_all_reduce(device).
std::unique_ptr<AllReduce> make_device_all_reduce(const std::string& device, int rank, int size, const std::string& id,
                                                  AllReduce& host);

}  // namespace ds
