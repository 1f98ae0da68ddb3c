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
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {
namespace {

enum class WeightsType { none, per_feature, per_channel };
enum class WeightsNorm { none, relu, softmax };

class ShortcutLayer : public Layer {
 public:
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
  size_t layer_step() const { return weights_type == WeightsType::per_channel ? size_t(out_shape.c) : 1; }

  std::vector<ParamBlock> param_blocks() const override {
    if (weights_type == WeightsType::none) return {};
    return {ParamBlock{"weights", nweights(), ParamKind::weight}};
  }
  void bind_params(float* p, float* g) override { weights = p, weight_grads = g; }
  void init_params(Rng& rng) override {  // darknet's make_shortcut_layer: 1 + 0.01 * U(-1, 1)
    for (size_t i = 0; i < nweights(); ++i) weights[i] = 1.f + 0.01f * rng.uniform(-1.f, 1.f);
  }

  // v[k * step + j]: the effective (normalised) weight of input k for weight column j (0, or the channel).
  std::vector<float> effective_weights() const {
    size_t k_count = inputs.size(), step = layer_step();
    std::vector<float> v(k_count * step, 1.f);
    if (weights_type == WeightsType::none) return v;
    for (size_t j = 0; j < step; ++j) {
      float max_w = -FLT_MAX;
      for (size_t k = 0; k < k_count; ++k) max_w = std::max(max_w, weights[k * step + j]);
      float sum = 0.0001f;
      for (size_t k = 0; k < k_count; ++k) {
        float w = weights[k * step + j];
        float e = norm == WeightsNorm::relu ? std::max(w, 0.f) : norm == WeightsNorm::softmax ? std::exp(w - max_w) : w;
        v[k * step + j] = e;
        sum += e;
      }
      if (norm != WeightsNorm::none)
        for (size_t k = 0; k < k_count; ++k) v[k * step + j] /= sum;
    }
    return v;
  }

  // Calls f(k, b, i, column) for every input element that reaches the output (i: flat per-image index).
  template <typename F>
  void for_each_term(int n, F&& f) const {
    size_t outputs = out_shape.size(), hw = out_shape.hw();
    bool per_channel = weights_type == WeightsType::per_channel;
    for (size_t k = 0; k < inputs.size(); ++k) {
      size_t len = std::min(outputs, sizes[k]);
      for (int b = 0; b < n; ++b)
        for (size_t i = 0; i < len; ++i) f(k, size_t(b), i, per_channel ? i / hw : 0);
    }
  }

  void forward(const ForwardArgs& a) override {
    int n = a.out.shape.n;
    size_t outputs = out_shape.size(), step = layer_step();
    std::vector<float> v = effective_weights();
    std::fill(a.out.data, a.out.data + a.out.size(), 0.f);
    for_each_term(n, [&](size_t k, size_t b, size_t i, size_t col) {
      a.out.data[b * outputs + i] += v[k * step + col] * a.in[k].data[b * sizes[k] + i];
    });
    act.forward(a.out);
  }

  void backward(const BackwardArgs& a) override {
    int n = a.out.shape.n;
    size_t outputs = out_shape.size(), step = layer_step();
    act.backward(a.out, a.out_delta);
    std::vector<float> v = effective_weights();
    bool weighted = weights_type != WeightsType::none;
    for_each_term(n, [&](size_t k, size_t b, size_t i, size_t col) {
      float d = a.out_delta.data[b * outputs + i];
      if (float* dx = a.in_delta[k].data) dx[b * sizes[k] + i] += v[k * step + col] * d;
      if (weighted) weight_grads[k * step + col] += d * a.in[k].data[b * sizes[k] + i];
    });
  }
};

}  // namespace

std::unique_ptr<Layer> make_shortcut(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<ShortcutLayer>();
  // darknet's parse_shortcut, same keys and defaults ("per_layer" and "avg_relu" are darknet's aliases).
  l->act.kind = parse_activation(s, "activation", "linear");
  std::string wt = s.get_choice("weights_type", "none", {"none", "per_feature", "per_layer", "per_channel"});
  l->weights_type = wt == "none" ? WeightsType::none : wt == "per_channel" ? WeightsType::per_channel : WeightsType::per_feature;
  std::string wn = s.get_choice("weights_normalization", "none", {"none", "relu", "avg_relu", "softmax"});
  l->norm = wn == "none" ? WeightsNorm::none : wn == "softmax" ? WeightsNorm::softmax : WeightsNorm::relu;

  Shape prev = previous_image(s, ctx);
  l->inputs = {ctx.index - 1};
  for (int i : resolve_list(s, ctx, "from")) l->inputs.push_back(i);
  for (int i : l->inputs) {
    Shape p = ctx.shape_of(i);
    if (p.h != prev.h || p.w != prev.w)  // darknet asserts this; channel counts may differ
      s.fail("from", describe_layer(ctx, i) + " must have the height and width of the previous layer, " +
                         describe_layer(ctx, ctx.index - 1));
    l->sizes.push_back(p.chw());
  }
  l->out_shape = prev;
  return l;
}

}  // namespace ds
