// [cost]: core/layers/cost.h.
#include "core/layers/cost.h"

#include <algorithm>

#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {

void CostLayer::forward(const ForwardArgs& a) { std::copy(a.in[0].data, a.in[0].data + a.out.size(), a.out.data); }

void CostLayer::backward(const BackwardArgs& a) {
  if (!a.in_delta[0].data) return;
  for (size_t i = 0; i < a.out_delta.size(); ++i) a.in_delta[0].data[i] += scale * a.out_delta.data[i];
}

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
