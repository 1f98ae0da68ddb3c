// [sam] layer: point-wise spatial attention, the previous layer's output multiplied element-wise by the
// output of the `from` layer (darknet's forward_sam_layer / backward_sam_layer).
//
// forward   out = act(x * a), x = previous layer (input 0), a = layer `from` (input 1), same shape
// backward  d = dout * act'(.);  dx += d * a;  da += d * x
//           (darknet's CPU backward overwrites da instead of accumulating; we accumulate, as its GPU code does)
#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {
namespace {

class SamLayer : public Layer {
 public:
  std::string_view type() const override { return "sam"; }
  ActivationStep act;

  void forward(const ForwardArgs& a) override {
    const float *x = a.in[0].data, *s = a.in[1].data;
    for (size_t i = 0; i < a.out.size(); ++i) a.out.data[i] = x[i] * s[i];
    act.forward(a.out);
  }

  void backward(const BackwardArgs& a) override {
    act.backward(a.out, a.out_delta);
    const float *x = a.in[0].data, *s = a.in[1].data, *d = a.out_delta.data;
    float *dx = a.in_delta[0].data, *ds = a.in_delta[1].data;
    for (size_t i = 0; i < a.out_delta.size(); ++i) {
      if (dx) dx[i] += d[i] * s[i];
      if (ds) ds[i] += d[i] * x[i];
    }
  }
};

}  // namespace

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
