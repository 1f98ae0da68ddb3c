// [upsample] layer on the CPU reference backend (formulas: core/layers/upsample.h).
#include "core/layers/upsample.h"

#include <algorithm>

#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {

template <typename F>
void UpsampleLayer::for_each_pair(int n, F&& f) const {
  const Shape& small = reverse ? out_shape : in;
  int lw = small.w * stride, lh = small.h * stride;
  for (int b = 0; b < n; ++b)
    for (int k = 0; k < small.c; ++k) {
      size_t small_plane = (size_t(b) * small.c + k) * small.hw();
      size_t large_plane = (size_t(b) * small.c + k) * size_t(lw) * lh;
      for (int y = 0; y < lh; ++y)
        for (int x = 0; x < lw; ++x)
          f(small_plane + size_t(y / stride) * small.w + x / stride, large_plane + size_t(y) * lw + x);
    }
}

void UpsampleLayer::forward(const ForwardArgs& a) {
  const float* x = a.in[0].data;
  float* y = a.out.data;
  int n = a.out.shape.n;
  if (reverse) {
    std::fill(y, y + a.out.size(), 0.f);
    for_each_pair(n, [&](size_t s, size_t l) { y[s] += scale * x[l]; });
  } else {
    for_each_pair(n, [&](size_t s, size_t l) { y[l] = scale * x[s]; });
  }
}

void UpsampleLayer::backward(const BackwardArgs& a) {
  float* dx = a.in_delta[0].data;
  if (!dx) return;
  const float* dy = a.out_delta.data;
  int n = a.out.shape.n;
  if (reverse)
    for_each_pair(n, [&](size_t s, size_t l) { dx[l] += scale * dy[s]; });
  else
    for_each_pair(n, [&](size_t s, size_t l) { dx[s] += scale * dy[l]; });
}

std::unique_ptr<Layer> make_upsample(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<UpsampleLayer>();
  // darknet's parse_upsample / make_upsample_layer.
  int stride = s.get_int("stride", 2);
  l->scale = s.get_float("scale", 1.f);
  if (stride == 0) s.fail("stride", "must not be 0 (> 0 upsamples, < 0 downsamples)");
  l->reverse = stride < 0;
  l->stride = stride < 0 ? -stride : stride;
  l->in = previous_image(s, ctx);
  l->inputs = {ctx.index - 1};
  if (l->reverse) {
    if (l->in.w % l->stride != 0 || l->in.h % l->stride != 0)
      s.fail("stride", "downsampling by " + std::to_string(l->stride) + " needs a height and width divisible by it, got " +
                           std::to_string(l->in.h) + "x" + std::to_string(l->in.w));
    l->out_shape = Shape{1, l->in.c, l->in.h / l->stride, l->in.w / l->stride};
  } else {
    l->out_shape = Shape{1, l->in.c, l->in.h * l->stride, l->in.w * l->stride};
  }
  return l;
}

}  // namespace ds
