// [maxpool] layer on the CPU reference backend (formulas: core/layers/maxpool.h).
#include "core/layers/maxpool.h"

#include <cfloat>

#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {

void MaxpoolLayer::forward(const ForwardArgs& a) {
  const float* x = a.in[0].data;
  float* y = a.out.data;
  int n = a.out.shape.n;
  argmax.assign(a.out.size(), -1);
  const Shape& o = out_shape;
  for (int b = 0; b < n; ++b)
    for (int k = 0; k < o.c; ++k)
      for (int i = 0; i < o.h; ++i)
        for (int j = 0; j < o.w; ++j) {
          size_t out_index = ((size_t(b) * o.c + k) * o.h + i) * o.w + j;
          float best = -FLT_MAX;
          long best_i = -1;
          auto consider = [&](int kk, int yy, int xx) {
            if (yy < 0 || yy >= in.h || xx < 0 || xx >= in.w) return;
            long idx = long(((size_t(b) * in.c + kk) * in.h + yy) * in.w + xx);
            if (x[idx] > best || best_i < 0) best = x[idx], best_i = idx;
          };
          if (depth) {
            for (int kk = k; kk < in.c; kk += o.c) consider(kk, i, j);
          } else {
            for (int dy = 0; dy < size; ++dy)
              for (int dx = 0; dx < size; ++dx)
                consider(k, i * stride_y + dy - padding / 2, j * stride_x + dx - padding / 2);
          }
          y[out_index] = best_i < 0 ? 0.f : best;
          argmax[out_index] = best_i;
        }
}

void MaxpoolLayer::backward(const BackwardArgs& a) {
  float* dx = a.in_delta[0].data;
  if (!dx) return;
  const float* dy = a.out_delta.data;
  for (size_t i = 0; i < a.out_delta.size(); ++i)
    if (argmax[i] >= 0) dx[argmax[i]] += dy[i];
}

std::unique_ptr<Layer> make_maxpool(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<MaxpoolLayer>();
  // darknet's parse_maxpool, same keys and defaults.
  int stride = s.get_int("stride", 1);
  l->stride_x = s.get_int("stride_x", stride);
  l->stride_y = s.get_int("stride_y", stride);
  l->size = s.get_int("size", stride);
  l->padding = s.get_int("padding", l->size - 1);
  l->depth = s.get_int("maxpool_depth", 0) != 0;
  int out_channels = s.get_int("out_channels", 1);
  if (s.get_int("antialiasing", 0) != 0) s.fail("antialiasing", "not supported by darksweep (only 0 is accepted)");
  if (s.get_int("maxpool_zero_nonmax", 0) != 0)
    s.fail("maxpool_zero_nonmax", "not supported by darksweep (only 0 is accepted)");
  if (l->size < 1) s.fail("size", "must be >= 1");
  if (l->stride_x < 1) s.fail(s.has("stride_x") ? "stride_x" : "stride", "must be >= 1");
  if (l->stride_y < 1) s.fail(s.has("stride_y") ? "stride_y" : "stride", "must be >= 1");
  if (l->padding < 0) s.fail("padding", "must be >= 0");

  l->in = previous_image(s, ctx);
  l->inputs = {ctx.index - 1};
  if (l->depth) {
    if (out_channels < 1 || out_channels > l->in.c)
      s.fail("out_channels", "must be in 1.." + std::to_string(l->in.c) + " (the input's channels)");
    l->out_shape = Shape{1, out_channels, l->in.h, l->in.w};
  } else {
    int ow = (l->in.w + l->padding - l->size) / l->stride_x + 1;
    int oh = (l->in.h + l->padding - l->size) / l->stride_y + 1;
    if (ow < 1 || oh < 1 || l->in.w + l->padding < l->size || l->in.h + l->padding < l->size)
      s.fail("size", "a window of " + std::to_string(l->size) + " with padding " + std::to_string(l->padding) +
                         " does not fit the " + std::to_string(l->in.h) + "x" + std::to_string(l->in.w) + " input");
    l->out_shape = Shape{1, l->in.c, oh, ow};
  }
  return l;
}

}  // namespace ds
