// [shortcut] layer on the CPU reference backend (formulas: core/layers/shortcut.h).
#include "core/layers/shortcut.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "core/layers/factories.h"

namespace ds {

using WeightsType = ShortcutLayer::WeightsType;
using WeightsNorm = ShortcutLayer::WeightsNorm;

std::vector<ParamBlock> ShortcutLayer::param_blocks() const {
  if (weights_type == WeightsType::none) return {};
  return {ParamBlock{"weights", nweights(), ParamKind::weight}};
}

void ShortcutLayer::init_params(Rng& rng) {  // darknet's make_shortcut_layer: 1 + 0.01 * U(-1, 1)
  for (size_t i = 0; i < nweights(); ++i) weights[i] = 1.f + 0.01f * rng.uniform(-1.f, 1.f);
}

std::vector<float> ShortcutLayer::effective_weights(const float* w) const {
  size_t k_count = inputs.size(), step = layer_step();
  std::vector<float> v(k_count * step, 1.f);
  if (weights_type == WeightsType::none) return v;
  for (size_t j = 0; j < step; ++j) {
    float max_w = -FLT_MAX;
    for (size_t k = 0; k < k_count; ++k) max_w = std::max(max_w, w[k * step + j]);
    float sum = 0.0001f;
    for (size_t k = 0; k < k_count; ++k) {
      float wk = w[k * step + j];
      float e = norm == WeightsNorm::relu ? std::max(wk, 0.f) : norm == WeightsNorm::softmax ? std::exp(wk - max_w) : wk;
      v[k * step + j] = e;
      sum += e;
    }
    if (norm != WeightsNorm::none)
      for (size_t k = 0; k < k_count; ++k) v[k * step + j] /= sum;
  }
  return v;
}

template <typename F>
void ShortcutLayer::for_each_term(int n, F&& f) const {
  size_t outputs = out_shape.size(), hw = out_shape.hw();
  bool per_channel = weights_type == WeightsType::per_channel;
  for (size_t k = 0; k < inputs.size(); ++k) {
    size_t len = std::min(outputs, sizes[k]);
    for (int b = 0; b < n; ++b)
      for (size_t i = 0; i < len; ++i) f(k, size_t(b), i, per_channel ? i / hw : 0);
  }
}

void ShortcutLayer::forward(const ForwardArgs& a) {
  int n = a.out.shape.n;
  size_t outputs = out_shape.size(), step = layer_step();
  std::vector<float> v = effective_weights(weights);
  std::fill(a.out.data, a.out.data + a.out.size(), 0.f);
  for_each_term(n, [&](size_t k, size_t b, size_t i, size_t col) {
    a.out.data[b * outputs + i] += v[k * step + col] * a.in[k].data[b * sizes[k] + i];
  });
  act.forward(a.out);
}

void ShortcutLayer::backward(const BackwardArgs& a) {
  int n = a.out.shape.n;
  size_t outputs = out_shape.size(), step = layer_step();
  act.backward(a.out, a.out_delta);
  std::vector<float> v = effective_weights(weights);
  bool weighted = weights_type != WeightsType::none;
  for_each_term(n, [&](size_t k, size_t b, size_t i, size_t col) {
    float d = a.out_delta.data[b * outputs + i];
    if (float* dx = a.in_delta[k].data) dx[b * sizes[k] + i] += v[k * step + col] * d;
    if (weighted) weight_grads[k * step + col] += d * a.in[k].data[b * sizes[k] + i];
  });
}

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
