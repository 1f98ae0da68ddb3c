// [route] layer on the CPU reference backend (formulas: core/layers/route.h).
#include "core/layers/route.h"

#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {

void RouteLayer::forward(const ForwardArgs& a) {
  int n = a.out.shape.n;
  size_t outputs = out_shape.size();
  for_each_part([&](size_t k, size_t len, size_t in_off, size_t out_off) {
    copy_blocks(n, len, a.in[k].data, sizes[k], in_off, a.out.data, outputs, out_off, false);
  });
}

void RouteLayer::backward(const BackwardArgs& a) {
  int n = a.out.shape.n;
  size_t outputs = out_shape.size();
  for_each_part([&](size_t k, size_t len, size_t in_off, size_t out_off) {
    copy_blocks(n, len, a.out_delta.data, outputs, out_off, a.in_delta[k].data, sizes[k], in_off, true);
  });
}

std::unique_ptr<Layer> make_route(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<RouteLayer>();
  // darknet's parse_route, same keys and defaults (stream / wait_stream only schedule CUDA streams).
  l->inputs = resolve_list(s, ctx, "layers");
  l->groups = s.get_int("groups", 1);
  l->group_id = s.get_int("group_id", 0);
  s.get_int("stream", -1);
  s.get_int("wait_stream", -1);
  if (l->groups < 1) s.fail("groups", "must be >= 1");
  if (l->group_id < 0 || l->group_id >= l->groups)
    s.fail("group_id", "must be in 0.." + std::to_string(l->groups - 1) + " (groups=" + std::to_string(l->groups) + ")");

  Shape first = ctx.shape_of(l->inputs[0]);
  int channels = 0;
  for (int i : l->inputs) {
    Shape p = ctx.shape_of(i);
    if (p.h != first.h || p.w != first.w)
      s.fail("layers", "the inputs must have the same height and width: " + describe_layer(ctx, l->inputs[0]) +
                           " vs " + describe_layer(ctx, i));
    if (p.c % l->groups != 0)
      s.fail("groups", describe_layer(ctx, i) + " has " + std::to_string(p.c) +
                           " channels, not divisible by groups=" + std::to_string(l->groups));
    channels += p.c;
    l->sizes.push_back(p.chw());
  }
  l->out_shape = Shape{1, channels / l->groups, first.h, first.w};
  return l;
}

}  // namespace ds
