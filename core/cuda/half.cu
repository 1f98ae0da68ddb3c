// fp16 conversion kernels and HalfBuffer (half.h).
#include <utility>

#include "core/cuda/cuda_check.h"
#include "core/cuda/half.h"
#include "core/cuda/launch.h"

namespace ds::cuda {
namespace {

__global__ void to_half_kernel(const float* x, __half* y, size_t n, float scale) {
  const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i < n) y[i] = __float2half_rn(scale * x[i]);
}

__global__ void from_half_kernel(const __half* x, float* y, size_t n, float scale, bool accumulate) {
  const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float v = scale * __half2float(x[i]);
  y[i] = accumulate ? y[i] + v : v;
}

}  // namespace

void to_half(const float* x, __half* y, size_t n, float scale) {
  if (n == 0) return;
  to_half_kernel<<<blocks_for(n), kThreadsPerBlock>>>(x, y, n, scale);
  DS_CUDA_CHECK_LAUNCH();
}

void from_half(const __half* x, float* y, size_t n, float scale, bool accumulate) {
  if (n == 0) return;
  from_half_kernel<<<blocks_for(n), kThreadsPerBlock>>>(x, y, n, scale, accumulate);
  DS_CUDA_CHECK_LAUNCH();
}

HalfBuffer::HalfBuffer(size_t n) : n_(n) {
  if (n_) DS_CUDA_CHECK(cudaMalloc(&p_, n_ * sizeof(__half)));
}

HalfBuffer::~HalfBuffer() {
  if (p_) cudaFree(p_);
}

HalfBuffer::HalfBuffer(HalfBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}

HalfBuffer& HalfBuffer::operator=(HalfBuffer&& o) noexcept {
  std::swap(p_, o.p_);
  std::swap(n_, o.n_);
  return *this;
}

__half* HalfBuffer::reserve(size_t n) {
  if (n > n_) *this = HalfBuffer(n);
  return p_;
}

}  // namespace ds::cuda
