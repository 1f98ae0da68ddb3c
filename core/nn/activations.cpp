// Activations of darknet's CPU layers (activations.c / activations.h of the AlexeyAB fork): forward in
// place and backward as delta *= f'(x), with darknet's formulas (tanh as 2/(1+e^-2x)-1, softplus cut
// at |x| > 20, the mish derivative of gradient_array_mish).
#include "core/nn/activations.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/util/error.h"

namespace ds {
namespace {

struct Named {
  Activation a;
  const char* name;
};
constexpr Named kNames[] = {
    {Activation::linear, "linear"}, {Activation::leaky, "leaky"}, {Activation::relu, "relu"},
    {Activation::logistic, "logistic"}, {Activation::tanh, "tanh"}, {Activation::swish, "swish"},
    {Activation::mish, "mish"}, {Activation::hard_mish, "hard_mish"},
    {Activation::normalize_channels_softmax, "normalize_channels_softmax"},
    {Activation::normalize_channels_softmax_maxval, "normalize_channels_softmax_maxval"},
};

constexpr float kMishThreshold = 20.f;

inline float logistic(float x) { return 1.f / (1.f + std::exp(-x)); }     // logistic_activate
inline float tanh_d(float x) { return 2.f / (1.f + std::exp(-2.f * x)) - 1.f; }  // tanh_activate
inline float softplus(float x, float t) {                                 // softplus_activate
  if (x > t) return x;
  if (x < -t) return std::exp(x);
  return std::log(std::exp(x) + 1.f);
}

inline float forward_one(Activation a, float x) {
  switch (a) {
    case Activation::linear: return x;
    case Activation::leaky: return x > 0 ? x : .1f * x;
    case Activation::relu: return x * float(x > 0);
    case Activation::logistic: return logistic(x);
    case Activation::tanh: return tanh_d(x);
    case Activation::swish: return x * logistic(x);                        // activate_array_swish
    case Activation::mish: return x * tanh_d(softplus(x, kMishThreshold)); // activate_array_mish
    case Activation::hard_mish:                                            // hard_mish_yashas
      if (x > 0) return x;
      if (x > -2) return x * x / 2 + x;
      return 0.f;
    default: return x;  // channel-wise: not element-wise, see channel_softmax
  }
}

// darknet computes these from the activation's output y (gradient_array), except swish, mish and
// hard_mish, which use the input x (gradient_array_swish / _mish / _hard_mish).
inline float derivative(Activation a, float x, float y) {
  switch (a) {
    case Activation::linear: return 1.f;
    case Activation::leaky: return y > 0 ? 1.f : .1f;
    case Activation::relu: return float(y > 0);
    case Activation::logistic: return (1 - y) * y;
    case Activation::tanh: return 1 - y * y;
    case Activation::swish: {
      const float s = logistic(x);
      return y + s * (1 - y);
    }
    case Activation::mish: {  // gradient_array_mish: C's exp/tanh (double) on float values
      const float sp = softplus(x, kMishThreshold);
      const float grad_sp = float(1 - std::exp(-double(sp)));
      const float tsp = float(std::tanh(double(sp)));
      const float grad_tsp = (1 - tsp * tsp) * grad_sp;
      return x * grad_tsp + tsp;
    }
    case Activation::hard_mish:  // hard_mish_yashas_grad
      if (x > 0) return 1.f;
      if (x > -2) return x + 1;
      return 0.f;
    default: return 1.f;  // channel-wise: see channel_softmax_backward
  }
}

// Calls f(first, stride) for every pixel of every image: its channel values are first[k * stride], k < channels.
template <class F>
void for_each_pixel(float* x, size_t n, ChannelLayout l, F f) {
  if (l.channels <= 0 || l.spatial == 0 || n % (size_t(l.channels) * l.spatial) != 0)
    throw std::logic_error("a channel-wise activation needs the layout of its values");
  const size_t plane = size_t(l.channels) * l.spatial;
  for (size_t b = 0; b < n / plane; ++b)
    for (size_t i = 0; i < l.spatial; ++i) f(x + b * plane + i, l.spatial);
}

// activate_array_normalize_channels_softmax, one pixel.
void channel_softmax(float* x, size_t stride, int channels, bool use_max) {
  float m = 0;
  if (use_max) {
    m = x[0];
    for (int k = 1; k < channels; ++k) m = std::max(m, x[k * stride]);
  }
  float sum = 0.0001f;
  for (int k = 0; k < channels; ++k) sum += std::exp(x[k * stride] - m);
  for (int k = 0; k < channels; ++k) x[k * stride] = std::exp(x[k * stride] - m) / sum;
}

}  // namespace

Activation parse_activation(const CfgSection& s, const std::string& key, const std::string& fallback) {
  const std::string v = s.get_string(key, fallback);
  for (const Named& n : kNames)
    if (v == n.name) return n.a;
  std::string valid;
  for (const Named& n : kNames) valid += (valid.empty() ? "" : ", ") + std::string(n.name);
  s.fail(key, "unknown activation '" + v + "'; valid: " + valid +
                  " (darknet's other activations, e.g. relu6, elu, selu, gelu, normalize_channels, are not supported)");
}

const char* activation_name(Activation a) {
  for (const Named& n : kNames)
    if (n.a == a) return n.name;
  return "?";
}

bool is_channel_wise(Activation a) {
  return a == Activation::normalize_channels_softmax || a == Activation::normalize_channels_softmax_maxval;
}

void activate(Activation a, float* x, size_t n, ChannelLayout layout) {
  if (a == Activation::linear) return;
  if (is_channel_wise(a)) {
    const bool use_max = a == Activation::normalize_channels_softmax_maxval;
    for_each_pixel(x, n, layout, [&](float* p, size_t stride) { channel_softmax(p, stride, layout.channels, use_max); });
    return;
  }
  for (size_t i = 0; i < n; ++i) x[i] = forward_one(a, x[i]);
}

void activation_backward(Activation a, const float* pre, const float* post, float* delta, size_t n,
                         ChannelLayout layout) {
  if (a == Activation::linear) return;
  if (is_channel_wise(a)) {
    for_each_pixel(delta, n, layout, [&](float* d, size_t stride) {
      const float* y = post + (d - delta);
      float dot = 0;
      for (int k = 0; k < layout.channels; ++k) dot += y[k * stride] * d[k * stride];
      for (int k = 0; k < layout.channels; ++k) d[k * stride] = y[k * stride] * (d[k * stride] - dot);
    });
    return;
  }
  for (size_t i = 0; i < n; ++i) delta[i] *= derivative(a, pre[i], post[i]);
}

}  // namespace ds
