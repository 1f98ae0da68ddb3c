// One element's activation and its derivative on the device (formulas in core/nn/activations.h), for the kernels
// that apply them inside a pass of their own (activations.cu; the convolution's output stage, output_stage.cu).
// Include from .cu files only. Channel-wise activations are not per element: their own kernels run them.
#pragma once
#include <cuda_runtime.h>

#include "core/nn/activations.h"

namespace ds::cuda {

__device__ inline float softplus(float x) { return x > 20.f ? x : log1pf(expf(x)); }  // darknet's threshold
__device__ inline float sigmoid(float x) { return 1.f / (1.f + expf(-x)); }

__device__ inline float activate_one(Activation a, float x) {
  switch (a) {
    case Activation::linear: return x;
    case Activation::leaky: return x > 0 ? x : 0.1f * x;
    case Activation::relu: return x > 0 ? x : 0.f;
    case Activation::logistic: return sigmoid(x);
    case Activation::tanh: return tanhf(x);
    case Activation::swish: return x * sigmoid(x);
    case Activation::mish: return x * tanhf(softplus(x));
    case Activation::hard_mish: return x >= 0 ? x : (x > -2.f ? x * (0.5f * x + 1.f) : 0.f);
    default: return x;  // channel-wise: channel_softmax_kernel
  }
}

__device__ inline float activation_derivative(Activation a, float x, float y) {
  switch (a) {
    case Activation::linear: return 1.f;
    case Activation::leaky: return x > 0 ? 1.f : 0.1f;
    case Activation::relu: return x > 0 ? 1.f : 0.f;
    case Activation::logistic: return y * (1.f - y);
    case Activation::tanh: return 1.f - y * y;
    case Activation::swish: {
      float s = sigmoid(x);
      return s + x * s * (1.f - s);
    }
    case Activation::mish: {
      float sp = softplus(x), t = tanhf(sp);
      return t + x * (1.f - t * t) * sigmoid(x);
    }
    case Activation::hard_mish: return x >= 0 ? 1.f : (x > -2.f ? x + 1.f : 0.f);
    default: return 1.f;  // channel-wise: channel_softmax_backward_kernel
  }
}

}  // namespace ds::cuda
