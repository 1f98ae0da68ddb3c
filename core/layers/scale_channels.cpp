// [scale_channels]: core/layers/scale_channels.h.
#include "core/layers/scale_channels.h"

#include "core/layers/factories.h"

namespace ds {

void ScaleChannelsLayer::forward(const ForwardArgs& a) {
  const float *s = a.in[0].data, *f = a.in[1].data;
  for (size_t i = 0; i < a.out.size(); ++i) a.out.data[i] = s[scale_index(i)] * f[i];
  act.forward(a.out);
}

void ScaleChannelsLayer::backward(const BackwardArgs& a) {
  act.backward(a.out, a.out_delta);
  const float *s = a.in[0].data, *f = a.in[1].data, *d = a.out_delta.data;
  float *ds = a.in_delta[0].data, *df = a.in_delta[1].data;
  for (size_t i = 0; i < a.out_delta.size(); ++i) {
    size_t si = scale_index(i);
    if (ds) ds[si] += d[i] * f[i];
    if (df) df[i] += d[i] * s[si];
  }
}

std::unique_ptr<Layer> make_scale_channels(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<ScaleChannelsLayer>();
  // darknet's parse_scale_channels: from, scale_wh (default 0), activation (default linear).
  int from = resolve_one(s, ctx, "from");
  l->scale_wh = s.get_int("scale_wh", 0) != 0;
  l->act.kind = parse_activation(s, "activation", "linear");
  Shape prev = ctx.shape_of(ctx.index - 1), f = ctx.shape_of(from);
  if (!l->scale_wh && !(prev.h == 1 && prev.w == 1 && prev.c == f.c))
    s.fail("from", "the previous layer must be " + std::to_string(f.c) + "x1x1 (one scale per channel of " +
                       describe_layer(ctx, from) + "), got " + describe_layer(ctx, ctx.index - 1));
  if (l->scale_wh && !(prev.c == 1 && prev.h == f.h && prev.w == f.w))
    s.fail("scale_wh", "the previous layer must be 1x" + std::to_string(f.h) + "x" + std::to_string(f.w) +
                           " (one scale per pixel of " + describe_layer(ctx, from) + "), got " +
                           describe_layer(ctx, ctx.index - 1));
  l->inputs = {ctx.index - 1, from};
  l->out_shape = f;
  return l;
}

}  // namespace ds
