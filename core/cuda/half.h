// fp32 <-> fp16 conversions for the mixed-precision convolutions (device memory, one thread per element):
//   to_half:   y = half(scale · x)
//   from_half: y = scale · float(x), or y += scale · float(x) when accumulating
#pragma once
#include <cuda_fp16.h>

#include <cstddef>

namespace ds::cuda {

void to_half(const float* x, __half* y, size_t n, float scale = 1.f);
void from_half(const __half* x, float* y, size_t n, float scale = 1.f, bool accumulate = false);

// Owning, move-only fp16 device memory.
class HalfBuffer {
 public:
  HalfBuffer() = default;
  explicit HalfBuffer(size_t n);
  ~HalfBuffer();
  HalfBuffer(const HalfBuffer&) = delete;
  HalfBuffer& operator=(const HalfBuffer&) = delete;
  HalfBuffer(HalfBuffer&& o) noexcept;
  HalfBuffer& operator=(HalfBuffer&& o) noexcept;
  __half* data() { return p_; }
  size_t size() const { return n_; }
  // Grows to at least n elements (contents lost when it grows).
  __half* reserve(size_t n);

 private:
  __half* p_ = nullptr;
  size_t n_ = 0;
};

}  // namespace ds::cuda
