// [cost] layer: darknet's cost layer after a [softmax] (classifier cfgs), type sse only.
//
// forward   out = x (darknet stores the squared error in its output; nothing reads it, so the output here
//           stays the probabilities and evaluation may read the last layer)
// loss      set by the classifier trainer: out_delta = t - x (darknet's forward_cost_layer / l2_cpu)
// backward  dx += scale * dout (darknet's backward_cost_layer: axpy into the softmax's delta, which already
//           holds the softmax's own cross-entropy delta t - p, so the two add up as in darknet)
#include <algorithm>

#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {
namespace {

class CostLayer : public Layer {
 public:
  std::string_view type() const override { return "cost"; }
  float scale = 1.f;

  void forward(const ForwardArgs& a) override { std::copy(a.in[0].data, a.in[0].data + a.out.size(), a.out.data); }

  void backward(const BackwardArgs& a) override {
    if (!a.in_delta[0].data) return;
    for (size_t i = 0; i < a.out_delta.size(); ++i) a.in_delta[0].data[i] += scale * a.out_delta.data[i];
  }
};

}  // namespace

std::unique_ptr<Layer> make_cost(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<CostLayer>();
  // darknet's parse_cost: type (sse, masked, smooth; darksweep: sse), scale 1, ratio, noobject_scale, thresh.
  const std::string kind = s.get_string("type", "sse");
  if (kind != "sse") s.fail("type", "only type=sse is supported by darksweep, got '" + kind + "'");
  l->scale = s.get_float("scale", 1.f);
  if (s.get_float("ratio", 0.f) != 0.f) s.fail("ratio", "cost ratio (hard-example mining) is not supported");
  l->inputs = {ctx.index - 1};
  l->out_shape = ctx.shape_of(ctx.index - 1);
  return l;
}

}  // namespace ds
