// [softmax] kernel (layer_kernels.h): one thread per group, the CPU layer's loop (the sum in double).
#include "core/cuda/kernels.cuh"
#include "core/cuda/layer_kernels.h"

namespace ds::cuda {

void softmax_forward(size_t groups, size_t group_size, float temperature, const float* x, float* y) {
  elementwise(groups, [=] __device__(size_t g) {
    const float* in = x + g * group_size;
    float* out = y + g * group_size;
    float largest = in[0];
    for (size_t i = 1; i < group_size; ++i) largest = fmaxf(largest, in[i]);
    double sum = 0;
    for (size_t i = 0; i < group_size; ++i) sum += (out[i] = expf(in[i] / temperature - largest / temperature));
    for (size_t i = 0; i < group_size; ++i) out[i] = float(out[i] / sum);
  });
}

}  // namespace ds::cuda
