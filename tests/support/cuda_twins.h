// Test support for the CUDA suites: a CPU network and its twin on the GPU, built from one cfg with the same
// parameters, and host copies of device and host tensors for comparing them.
#pragma once
#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

#include "core/cuda/cuda_network.h"
#include "core/nn/network.h"

namespace ds::test {

inline std::vector<float> download(const Tensor& device) {
  std::vector<float> v(device.size());
  DS_CUDA_CHECK(cudaMemcpy(v.data(), device.data, v.size() * sizeof(float), cudaMemcpyDeviceToHost));
  return v;
}

inline std::vector<float> values(const Tensor& host) { return std::vector<float>(host.data, host.data + host.size()); }

struct CudaTwins {
  std::unique_ptr<Network> cpu, gpu;
  cuda::Network* device = nullptr;

  // `init` sets the CPU network's parameters; the GPU's twin starts from a copy and computes at `precision`.
  explicit CudaTwins(const Cfg& cfg, const std::function<void(Network&)>& init = {},
                     cuda::Precision precision = cuda::Precision::fp32)
      : cpu(std::make_unique<Network>(cfg)), gpu(std::make_unique<Network>(cfg)) {
    if (init) init(*cpu);
    std::copy(cpu->params(), cpu->params() + cpu->num_params(), gpu->params());
    auto d = std::make_unique<cuda::Network>(*gpu, precision);
    device = d.get();
    gpu->attach(std::move(d));
  }
};

}  // namespace ds::test
