// [shortcut] layer: weighted sum of the previous layer's output and the outputs of `from` layers, then an
// activation (darknet's forward_shortcut_layer with shortcut_multilayer_cpu, backward_shortcut_multilayer_cpu).
//
// Inputs: x_0 = the previous layer, x_1..x_n = the `from` layers. Per image and flat index i < c*h*w:
//   forward   z[i] = v_0 * x_0[i] + sum over k >= 1 with i < size(x_k) of v_k * x_k[i];  out = act(z)
//             (an input with fewer channels adds to the first channels only, one with more contributes
//             its first c channels: darknet compares flat per-image indices)
//   weights   none: v_k = 1; per_feature: v_k = w[k]; per_channel: v_k = w[k*c + channel(i)]
//   normalize relu: v_k = relu(w_k) / (eps + sum_j relu(w_j)); softmax: v_k = e^(w_k - max) / (eps + sum_j e^(w_j - max));
//             eps = 0.0001, the sums over the n+1 weights of the same channel
//   backward  d = dout * act'(z);  dx_k[i] += v_k * d[i];  dw_k += d[i] * x_k[i]
//             dw ignores the normalisation's own derivative, exactly as darknet does (its "grad" is 1), so with
//             relu/softmax the weight update is the gradient w.r.t. v, not w.
// The sums run in the order written: z from 0 over k = 0, 1, ...; dw over k, then the batch, then i.
#pragma once
#include <vector>

#include "core/layer.h"
#include "core/layers/layer_util.h"

namespace ds {

class ShortcutLayer : public Layer {
 public:
  enum class WeightsType { none, per_feature, per_channel };
  enum class WeightsNorm { none, relu, softmax };

  std::string_view type() const override { return "shortcut"; }
  WeightsType weights_type = WeightsType::none;
  WeightsNorm norm = WeightsNorm::none;
  ActivationStep act;
  std::vector<size_t> sizes;  // per-image size of each input (inputs[0] = previous layer)
  float* weights = nullptr;
  float* weight_grads = nullptr;

  size_t nweights() const {
    size_t k = inputs.size();
    return weights_type == WeightsType::per_feature ? k
           : weights_type == WeightsType::per_channel ? k * size_t(out_shape.c) : 0;
  }
  // Weight columns per input: out_shape.c for per_channel, else 1 (weight k*layer_step() + column).
  size_t layer_step() const { return weights_type == WeightsType::per_channel ? size_t(out_shape.c) : 1; }

  std::vector<ParamBlock> param_blocks() const override;
  void bind_params(float* p, float* g) override { weights = p, weight_grads = g; }
  void init_params(Rng& rng) override;

  // v[k * layer_step() + j]: the effective (normalised) weight of input k for weight column j (0, or the
  // channel), from the raw weights w (nweights() of them, in host memory; unread for weights_type none).
  std::vector<float> effective_weights(const float* w) const;

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;

 private:
  // Calls f(k, b, i, column) for every input element that reaches the output (i: flat per-image index).
  template <typename F>
  void for_each_term(int n, F&& f) const;
};

}  // namespace ds
