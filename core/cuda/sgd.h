// The SGD update of core/nn/sgd.h on one device block of parameters w and their accumulated negative gradients g:
//   g += -decay · w (decay = 0 for biases and scales);   w += lr · g;   g *= momentum
#pragma once
#include <cstddef>

namespace ds::cuda {

void sgd_update(float* w, float* g, size_t n, float lr, float decay, float momentum);

}  // namespace ds::cuda
