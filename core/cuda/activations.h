// CUDA versions of core/nn/activations.h (same formulas; the CPU functions are their test oracle).
#pragma once
#include <cstddef>

#include "core/nn/activations.h"

namespace ds::cuda {

// y = f(x) in place on device memory x (`layout` for the channel-wise ones, as on the CPU).
void activate(Activation a, float* x, size_t n, ChannelLayout layout = {});
// delta *= f'(x), with pre = x and post = y on the device.
void activation_backward(Activation a, const float* pre, const float* post, float* delta, size_t n,
                         ChannelLayout layout = {});

}  // namespace ds::cuda
