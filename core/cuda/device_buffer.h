// DeviceBuffer: owning, move-only GPU memory (cudaMalloc/cudaFree), with checked host<->device copies.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

#include "core/cuda/cuda_check.h"
#include "core/tensor.h"

namespace ds::cuda {

// True when a CUDA device is usable (GPU tests skip themselves otherwise).
bool device_available();

// Checked copies of n floats between host and device memory (n = 0: nothing).
inline void copy_to_device(float* device, const float* host, size_t n) {
  if (n) DS_CUDA_CHECK(cudaMemcpy(device, host, n * sizeof(float), cudaMemcpyHostToDevice));
}
inline void copy_to_host(float* host, const float* device, size_t n) {
  if (n) DS_CUDA_CHECK(cudaMemcpy(host, device, n * sizeof(float), cudaMemcpyDeviceToHost));
}

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n) : n_(n) {
    if (n_) DS_CUDA_CHECK(cudaMalloc(&p_, n_ * sizeof(float)));
  }
  ~DeviceBuffer() {
    if (p_) cudaFree(p_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }

  float* data() { return p_; }
  size_t size() const { return n_; }
  Tensor view(Shape s) { return Tensor{p_, s, Device::cuda}; }

  void upload(const float* host, size_t n) { copy_to_device(p_, host, n); }
  std::vector<float> download() const {
    std::vector<float> h(n_);
    copy_to_host(h.data(), p_, n_);
    return h;
  }

 private:
  float* p_ = nullptr;
  size_t n_ = 0;
};

}  // namespace ds::cuda
