// [avgpool] kernels (layer_kernels.h): one thread per plane sums it in double as AvgpoolLayer::forward; the
// backward is one thread per input element.
#include "core/cuda/kernels.cuh"
#include "core/cuda/layer_kernels.h"

namespace ds::cuda {

void avgpool_forward(size_t planes, size_t hw, const float* x, float* y) {
  elementwise(planes, [=] __device__(size_t p) {
    double sum = 0;
    for (size_t i = 0; i < hw; ++i) sum += x[p * hw + i];
    y[p] = float(sum / double(hw));
  });
}

void avgpool_backward(size_t planes, size_t hw, const float* dy, float* dx) {
  elementwise(planes * hw, [=] __device__(size_t e) { dx[e] += dy[e / hw] / float(hw); });
}

}  // namespace ds::cuda
