// DeviceArray<T>: owning, move-less GPU memory of trivially copyable T (DeviceBuffer holds floats), grown on
// demand, with checked copies to and from host vectors.
#pragma once
#include <cstddef>
#include <type_traits>
#include <vector>

#include "core/cuda/cuda_check.h"

namespace ds::cuda {

template <typename T>
class DeviceArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  DeviceArray() = default;
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() {
    if (p_) cudaFree(p_);
  }

  // Room for n elements (the contents are lost when it grows); returns data().
  T* reserve(size_t n) {
    if (n <= capacity_) return p_;
    if (p_) DS_CUDA_CHECK(cudaFree(p_));
    p_ = nullptr, capacity_ = 0;
    DS_CUDA_CHECK(cudaMalloc(&p_, n * sizeof(T)));
    capacity_ = n;
    return p_;
  }
  void upload(const std::vector<T>& v) {
    reserve(v.size());
    if (!v.empty()) DS_CUDA_CHECK(cudaMemcpy(p_, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download(size_t n) const {
    std::vector<T> v(n);
    if (n) DS_CUDA_CHECK(cudaMemcpy(v.data(), p_, n * sizeof(T), cudaMemcpyDeviceToHost));
    return v;
  }
  T* data() { return p_; }
  size_t capacity() const { return capacity_; }

 private:
  T* p_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace ds::cuda
