// The device twin of ActivationStep (core/layers/layer_util.h) for the ops whose layer ends in an activation
// ([shortcut], [sam], [scale_channels]): y = f(x) in place on a layer's output, keeping x when f is not linear,
// and delta *= f'(x) in backward (channel-wise activations see the output's channels).
#pragma once
#include "core/cuda/device_buffer.h"
#include "core/nn/activations.h"
#include "core/tensor.h"

namespace ds::cuda {

class ActivationStep {
 public:
  void forward(Activation kind, const Tensor& out);                       // out = f(out)
  void backward(Activation kind, const Tensor& out, const Tensor& delta);  // delta *= f'(pre-activation)

 private:
  DeviceBuffer pre_;  // the activation's input
};

}  // namespace ds::cuda
