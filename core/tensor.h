// Tensor: a non-owning NCHW float view, and Buffer: the owning, move-only storage behind views.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace ds {

// Shape of an NCHW tensor. A layer's per-image output shape has n == 1.
struct Shape {
  int n = 1, c = 1, h = 1, w = 1;
  size_t size() const { return size_t(n) * c * h * w; }
  size_t chw() const { return size_t(c) * h * w; }
  size_t hw() const { return size_t(h) * w; }
  bool operator==(const Shape& o) const { return n == o.n && c == o.c && h == o.h && w == o.w; }  // C++17: nvcc includes this
  std::string str() const;  // "2x3x96x80"
};

enum class Device { cpu, cuda };

// Non-owning view. data may be nullptr (e.g. a delta that is not wanted).
struct Tensor {
  float* data = nullptr;
  Shape shape;
  Device device = Device::cpu;
  size_t size() const { return shape.size(); }
  explicit operator bool() const { return data != nullptr; }
};

// Owning host storage; move-only so that ownership is always explicit.
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t n, float value = 0.f) : v_(n, value) {}
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&&) noexcept = default;
  Buffer& operator=(Buffer&&) noexcept = default;

  float* data() { return v_.data(); }
  const float* data() const { return v_.data(); }
  size_t size() const { return v_.size(); }
  void resize(size_t n, float value = 0.f) { v_.assign(n, value); }
  void fill(float value) { std::fill(v_.begin(), v_.end(), value); }
  float& operator[](size_t i) { return v_[i]; }
  float operator[](size_t i) const { return v_[i]; }
  Tensor view(Shape s) { return Tensor{v_.data(), s, Device::cpu}; }

 private:
  std::vector<float> v_;
};

}  // namespace ds
