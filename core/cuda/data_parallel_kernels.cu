// The kernels of data_parallel_kernels.h.
#include "core/cuda/cuda_check.h"
#include "core/cuda/data_parallel_kernels.h"
#include "core/cuda/launch.h"

namespace ds::cuda {
namespace {

__global__ void add_kernel(float* y, const float* x, size_t n) {
  const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i < n) y[i] += x[i];
}

__global__ void scale_kernel(float* x, size_t n, float factor) {
  const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i < n) x[i] *= factor;
}

}  // namespace

void add_in_place(float* y, const float* x, size_t n) {
  if (n == 0) return;
  add_kernel<<<blocks_for(n), kThreadsPerBlock>>>(y, x, n);
  DS_CUDA_CHECK_LAUNCH();
}

void scale_in_place(float* x, size_t n, float factor) {
  if (n == 0) return;
  scale_kernel<<<blocks_for(n), kThreadsPerBlock>>>(x, n, factor);
  DS_CUDA_CHECK_LAUNCH();
}

}  // namespace ds::cuda
