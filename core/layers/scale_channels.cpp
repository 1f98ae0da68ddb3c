// [scale_channels] layer: the output of the `from` layer scaled per channel by the previous layer's
// c x 1 x 1 output (squeeze-and-excitation / ASFF), or per pixel by a 1 x h x w map when scale_wh=1
// (darknet's forward_scale_channels_layer / backward_scale_channels_layer).
//
// forward   out[b,k,i,j] = act(s[b,k] * f[b,k,i,j])     (scale_wh: s[b,0,i,j] * f[b,k,i,j])
//           s = previous layer (input 0), f = layer `from` (input 1); output shape = f's
// backward  d = dout * act'(.);  ds[b,k] += sum over i,j of d * f  (scale_wh: sum over k);  df += d * s
#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {
namespace {

class ScaleChannelsLayer : public Layer {
 public:
  std::string_view type() const override { return "scale_channels"; }
  ActivationStep act;
  bool scale_wh = false;

  // Index into the scale tensor of output element i (flat over the batch).
  size_t scale_index(size_t i) const {
    size_t hw = out_shape.hw(), chw = out_shape.chw();
    return scale_wh ? (i / chw) * hw + i % hw : i / hw;
  }

  void forward(const ForwardArgs& a) override {
    const float *s = a.in[0].data, *f = a.in[1].data;
    for (size_t i = 0; i < a.out.size(); ++i) a.out.data[i] = s[scale_index(i)] * f[i];
    act.forward(a.out);
  }

  void backward(const BackwardArgs& a) override {
    act.backward(a.out, a.out_delta);
    const float *s = a.in[0].data, *f = a.in[1].data, *d = a.out_delta.data;
    float *ds = a.in_delta[0].data, *df = a.in_delta[1].data;
    for (size_t i = 0; i < a.out_delta.size(); ++i) {
      size_t si = scale_index(i);
      if (ds) ds[si] += d[i] * f[i];
      if (df) df[i] += d[i] * s[si];
    }
  }
};

}  // namespace

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
