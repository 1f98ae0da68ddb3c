// Element-wise product kernels (layer_kernels.h) of [sam] and [dropout]: one thread per element.
#include "core/cuda/kernels.cuh"
#include "core/cuda/layer_kernels.h"

namespace ds::cuda {

void product_forward(size_t n, const float* x, const float* a, float* y) {
  elementwise(n, [=] __device__(size_t i) { y[i] = x[i] * a[i]; });
}

void product_backward(size_t n, const float* d, const float* x, const float* a, float* dx, float* da) {
  elementwise(n, [=] __device__(size_t i) {
    if (dx) dx[i] += d[i] * a[i];
    if (da) da[i] += d[i] * x[i];
  });
}

}  // namespace ds::cuda
