// Element-wise kernels of device data parallelism (cuda_network_data_parallel.cpp): adding the kept momentum back
// into the summed gradients, and averaging the summed rolling statistics. One thread per element.
#pragma once
#include <cstddef>

namespace ds::cuda {

// y[i] += x[i] for i < n.
void add_in_place(float* y, const float* x, size_t n);
// x[i] *= factor for i < n.
void scale_in_place(float* x, size_t n, float factor);

}  // namespace ds::cuda
