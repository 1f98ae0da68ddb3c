// fp16 conversion kernels (half.h).
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

}  // namespace ds::cuda
