// Which GPU this process computes on, for the processes of a data-parallel run on one node: each needs its own
// (NCCL refuses two ranks on one GPU), whether mpirun gave each process only its GPU (CUDA_VISIBLE_DEVICES, as the
// scheduler does) or every process sees them all (a plain `mpirun -np K sweep train ... --data-parallel`).
#pragma once
#include <cstdint>
#include <string>

namespace ds::cuda {

// Makes device local_rank % (the devices this process sees) current (cudaSetDevice), before any other CUDA call
// of the process; returns its index. local_rank < 0 (unknown): device 0.
int select_process_device(int local_rank);

// The current device (cudaGetDevice).
int current_device();

// Which physical GPU device `device` (an index among those this process sees) is, whatever CUDA_VISIBLE_DEVICES
// renumbered: a hash of its UUID below 2^52, so that it travels exactly as a double through AllReduce::sum.
uint64_t device_identity(int device);

// What computes on `device`, for the record a run's metrics keep (core/backend/device.h, compute_environment):
// its name and compute capability, and the cuDNN library's version, e.g. "NVIDIA H200 (sm_90), cuDNN 90300".
std::string device_description(int device);

}  // namespace ds::cuda
