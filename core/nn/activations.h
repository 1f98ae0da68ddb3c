// Activations of darknet's layers (activations.c): forward in place, and the backward that multiplies a
// delta by the derivative.
//
//   linear    y = x                        dy/dx = 1
//   leaky     y = x > 0 ? x : 0.1x         dy/dx = x > 0 ? 1 : 0.1
//   relu      y = max(x, 0)                dy/dx = x > 0
//   logistic  y = 1 / (1 + e^-x)           dy/dx = y (1 - y)
//   tanh      y = tanh(x)                  dy/dx = 1 - y^2
//   swish     y = x σ(x)                   dy/dx = σ(x) + x σ(x)(1 - σ(x))
//   mish      y = x tanh(softplus(x))      softplus(x) = x above 20 (darknet's threshold)
//   hard_mish y = x >= 0 ? x : (x > -2 ? x (x/2 + 1) : 0)
//   normalize_channels_softmax         y_k = e^(x_k - m) / (0.0001 + sum_j e^(x_j - m)) over the channels k of
//   normalize_channels_softmax_maxval  each pixel; m = 0, or the pixel's max over k for _maxval (darknet's
//                                      activate_array_normalize_channels_softmax). ASFF's per-pixel level weights.
//                                      dL/dx_k = y_k (dL/dy_k - sum_j y_j dL/dy_j), the softmax's derivative
//                                      (m's own dependence on x is ignored: it only scales the 0.0001).
//                                      Deliberately not darknet's gradient_array_normalize_channels_softmax,
//                                      which multiplies every dL/dy_k by sum_j y_j dL/dy_j: that is not the
//                                      derivative, and fails a gradient check.
#pragma once
#include <cstddef>
#include <string>

#include "core/cfg/cfg.h"

namespace ds {

enum class Activation {
  linear, leaky, relu, logistic, tanh, swish, mish, hard_mish,
  normalize_channels_softmax, normalize_channels_softmax_maxval
};

// Where the channels of the values are: `channels` planes of `spatial` values per image (n = images x channels x
// spatial). Only the channel-wise activations (normalize_channels_softmax*) need it.
struct ChannelLayout {
  int channels = 0;
  size_t spatial = 0;
};
bool is_channel_wise(Activation a);

// Reads `key` of `s` (darknet default `fallback`); an unknown name is an InputError listing the valid ones.
Activation parse_activation(const CfgSection& s, const std::string& key, const std::string& fallback);
const char* activation_name(Activation a);

// y = f(x), in place on x (x becomes y). A channel-wise activation without a layout is a logic error.
void activate(Activation a, float* x, size_t n, ChannelLayout layout = {});
// delta *= f'(x) (the channel-wise ones: delta = the Jacobian's product above). `pre` is the input x of the
// activation, `post` its output y (both length n).
void activation_backward(Activation a, const float* pre, const float* post, float* delta, size_t n,
                         ChannelLayout layout = {});

}  // namespace ds
