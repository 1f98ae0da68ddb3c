// [cost] kernel (layer_kernels.h): one thread per element.
#include "core/cuda/kernels.cuh"
#include "core/cuda/layer_kernels.h"

namespace ds::cuda {

void cost_backward(size_t n, float scale, const float* d, float* dx) {
  elementwise(n, [=] __device__(size_t i) { dx[i] += scale * d[i]; });
}

}  // namespace ds::cuda
