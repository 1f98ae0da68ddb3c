// Device choice for the trainers and the benchmark (device.h). The one place that knows whether this build has the
// CUDA backend.
#include "core/backend/device.h"

#include <algorithm>
#include <stdexcept>

#include "core/nn/blas.h"
#include "core/util/error.h"

#if DARKSWEEP_HAVE_CUDA
#include "core/cuda/cuda_network.h"
#include "core/cuda/process_device.h"
#endif
#if DARKSWEEP_HAVE_NCCL
#include "core/cuda/nccl_all_reduce.h"
#endif

namespace ds {
namespace {

#if DARKSWEEP_HAVE_CUDA
void require_cuda_device() {
  if (!cuda::device_available())  // the machine's state, not the input: a failed run (exit 1), not exit 2
    throw std::runtime_error("device cuda: no usable CUDA device (check the driver and CUDA_VISIBLE_DEVICES)");
}
#endif

void require_device_all_reduce(const std::string& device) {
  if (!has_device_all_reduce(device))
    throw std::logic_error("device " + device + ": this build has no device all-reduce (NCCL) for it");
}

}  // namespace

std::vector<std::string> available_devices() {
#if DARKSWEEP_HAVE_CUDA
  return {"cpu", "cuda"};
#else
  return {"cpu"};
#endif
}

void check_device(const std::string& device, const std::string& where, const std::string& precision) {
  const std::vector<std::string> valid = available_devices();
  if (std::find(valid.begin(), valid.end(), device) == valid.end()) {
    std::string list;
    for (const std::string& d : valid) list += (list.empty() ? "" : ", ") + d;
    throw InputError(where + ": unknown or unavailable device '" + device + "' (this build has: " + list + ")");
  }
  if (device == "cpu") {
    if (precision != "fp32")
      throw InputError(where + ": precision '" + precision + "' needs the cuda device (the CPU computes in fp32)");
    return;
  }
#if DARKSWEEP_HAVE_CUDA
  cuda::parse_precision(precision, where);
#endif
}

void use_device(Network& net, const std::string& device, const std::string& precision) {
  check_device(device, "device", precision);
  if (device == "cpu" || net.accelerator()) return;
#if DARKSWEEP_HAVE_CUDA
  require_cuda_device();
  net.attach(std::make_unique<cuda::Network>(net, cuda::parse_precision(precision, "precision")));
#endif
}

std::string device_of(const Network& net) { return net.accelerator() ? net.accelerator()->device() : "cpu"; }

nlohmann::json compute_environment(const Network& net) {
  nlohmann::json env = {{"device", device_of(net)}, {"blas", blas_build()}, {"blas_kernels", blas_kernels()}};
#if DARKSWEEP_HAVE_CUDA
  if (env["device"] == "cuda") env["gpu"] = cuda::device_description(cuda::current_device());
#endif
  return env;
}

void select_process_device(const std::string& device, int local_rank) {
#if DARKSWEEP_HAVE_CUDA
  if (device != "cuda") return;
  require_cuda_device();
  cuda::select_process_device(local_rank);
#endif
}

bool processes_share_a_gpu(const std::string& device, AllReduce& host) {
  if (device == "cpu") return false;
  std::vector<double> gpus(size_t(host.size()), 0.0);  // gpus[r]: process r's GPU; the others add 0 there
#if DARKSWEEP_HAVE_CUDA
  gpus[size_t(host.rank())] = double(cuda::device_identity(cuda::current_device()));
#endif
  host.sum(gpus.data(), gpus.size());
  std::sort(gpus.begin(), gpus.end());
  return std::adjacent_find(gpus.begin(), gpus.end()) != gpus.end();
}

bool has_device_all_reduce(const std::string& device) {
#if DARKSWEEP_HAVE_NCCL
  return device == "cuda";
#else
  return false;
#endif
}

std::string new_device_all_reduce_id(const std::string& device) {
  require_device_all_reduce(device);
#if DARKSWEEP_HAVE_NCCL
  return cuda::nccl_unique_id();
#else
  return {};
#endif
}

std::unique_ptr<AllReduce> make_device_all_reduce(const std::string& device, int rank, int size, const std::string& id,
                                                  AllReduce& host) {
  require_device_all_reduce(device);
#if DARKSWEEP_HAVE_NCCL
  return std::make_unique<cuda::NcclAllReduce>(rank, size, id, &host);
#else
  return nullptr;
#endif
}

}  // namespace ds
