// [sam]: core/layers/sam.h.
#include "core/layers/sam.h"

#include "core/layers/factories.h"

namespace ds {

void SamLayer::forward(const ForwardArgs& a) {
  const float *x = a.in[0].data, *s = a.in[1].data;
  for (size_t i = 0; i < a.out.size(); ++i) a.out.data[i] = x[i] * s[i];
  act.forward(a.out);
}

void SamLayer::backward(const BackwardArgs& a) {
  act.backward(a.out, a.out_delta);
  const float *x = a.in[0].data, *s = a.in[1].data, *d = a.out_delta.data;
  float *dx = a.in_delta[0].data, *ds = a.in_delta[1].data;
  for (size_t i = 0; i < a.out_delta.size(); ++i) {
    if (dx) dx[i] += d[i] * s[i];
    if (ds) ds[i] += d[i] * x[i];
  }
}

std::unique_ptr<Layer> make_sam(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<SamLayer>();
  // darknet's parse_sam: from, activation (default linear).
  int from = resolve_one(s, ctx, "from");
  l->act.kind = parse_activation(s, "activation", "linear");
  Shape prev = previous_image(s, ctx);
  if (!(ctx.shape_of(from) == prev))
    s.fail("from", describe_layer(ctx, from) + " must have the shape of the previous layer, " +
                       describe_layer(ctx, ctx.index - 1));
  l->inputs = {ctx.index - 1, from};
  l->out_shape = prev;
  return l;
}

}  // namespace ds
