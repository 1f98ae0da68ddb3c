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
#pragma once
#include <cstddef>
#include <string>

#include "core/cfg/cfg.h"

namespace ds {

enum class Activation { linear, leaky, relu, logistic, tanh, swish, mish, hard_mish };

// Reads `key` of `s` (darknet default `fallback`); an unknown name is an InputError listing the valid ones.
Activation parse_activation(const CfgSection& s, const std::string& key, const std::string& fallback);
const char* activation_name(Activation a);

// y = f(x), in place on x (x becomes y).
void activate(Activation a, float* x, size_t n);
// delta *= f'(x). `pre` is the input x of the activation, `post` its output y (both length n).
void activation_backward(Activation a, const float* pre, const float* post, float* delta, size_t n);

}  // namespace ds
