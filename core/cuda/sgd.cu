// The SGD update kernel (sgd.h), one thread per parameter.
#include "core/cuda/cuda_check.h"
#include "core/cuda/launch.h"
#include "core/cuda/sgd.h"

namespace ds::cuda {
namespace {

__global__ void sgd_kernel(float* w, float* g, size_t n, float lr, float decay, float momentum) {
  const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  float gi = g[i];
  if (decay != 0.f) gi += -decay * w[i];
  w[i] += lr * gi;
  g[i] = gi * momentum;
}

}  // namespace

void sgd_update(float* w, float* g, size_t n, float lr, float decay, float momentum) {
  if (n == 0) return;
  sgd_kernel<<<blocks_for(n), kThreadsPerBlock>>>(w, g, n, lr, decay, momentum);
  DS_CUDA_CHECK_LAUNCH();
}

}  // namespace ds::cuda
