// [dropout]: core/layers/dropout.h.
#include "core/layers/dropout.h"

#include <algorithm>

#include "core/layers/factories.h"
#include "core/layers/layer_util.h"
#include "core/util/error.h"

namespace ds {

void DropoutLayer::forward(const ForwardArgs& a) {
  size_t total = a.out.size();
  if (!a.train) {
    mask = Buffer();
    std::copy(a.in[0].data, a.in[0].data + total, a.out.data);
    return;
  }
  make_mask(a);
  for (size_t i = 0; i < total; ++i) a.out.data[i] = a.in[0].data[i] * mask[i];
}

void DropoutLayer::make_mask(const ForwardArgs& a) {
  if (!a.rng) throw std::logic_error("[dropout] forward in training mode needs an Rng");
  const size_t total = a.out.size();
  mask.resize(total);
  if (dropblock) make_dropblock_mask(a);
  else
    for (size_t i = 0; i < total; ++i) mask[i] = a.rng->uniform() < probability ? 0.f : 1.f / (1.f - probability);
}

void DropoutLayer::backward(const BackwardArgs& a) {
  float* dx = a.in_delta[0].data;
  if (!dx) return;
  for (size_t i = 0; i < a.out_delta.size(); ++i) dx[i] += a.out_delta.data[i] * (mask.size() ? mask[i] : 1.f);
}

void DropoutLayer::make_dropblock_mask(const ForwardArgs& a) {
  const Shape& s = out_shape;
  float ramp = 1.f;  // darknet: the comparison in double, the division in float by (float)(max_batches*0.85)
  if (a.iteration < a.max_batches * 0.85) ramp = float(a.iteration) / float(a.max_batches * 0.85);
  float cur_prob = probability * ramp;
  int bw = int(size_abs * ramp), bh = int(size_abs * ramp);
  if (size_rel != 0.f) bw = int(size_rel * s.w * ramp), bh = int(size_rel * s.h * ramp);
  bw = std::min(s.w, std::max(1, bw));
  bh = std::min(s.h, std::max(1, bh));
  int bs = std::min(bw, bh);
  float block_prob = cur_prob / float(bs * bs);
  size_t hw = s.hw(), outputs = s.size();
  std::fill(mask.data(), mask.data() + mask.size(), 1.f);
  for (int b = 0; b < a.out.shape.n; ++b) {
    size_t dropped = 0;
    for (int k = 0; k < s.c; ++k) {
      float* m = mask.data() + size_t(b) * outputs + size_t(k) * hw;
      float lowest = 2.f;
      long chosen = -1;
      for (size_t i = 0; i < hw; ++i) {
        float r = a.rng->uniform();
        if (r < block_prob && r < lowest) lowest = r, chosen = long(i);
      }
      if (chosen < 0) continue;
      int x0 = int(chosen % s.w), y0 = int(chosen / s.w);
      if (x0 > s.w - bs) x0 -= s.w - bs;
      if (y0 > s.h - bs) y0 -= s.h - bs;
      x0 = std::clamp(x0, 0, s.w - bs);
      y0 = std::clamp(y0, 0, s.h - bs);
      for (int y = y0; y < y0 + bs; ++y)
        for (int x = x0; x < x0 + bs; ++x) m[size_t(y) * s.w + x] = 0.f;
      dropped += size_t(bs) * bs;
    }
    float scale = 1.f / (1.f - float(dropped) / float(outputs));
    float* m = mask.data() + size_t(b) * outputs;
    for (size_t i = 0; i < outputs; ++i)
      if (m[i] != 0.f) m[i] = scale;
  }
}

std::unique_ptr<Layer> make_dropout(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<DropoutLayer>();
  // darknet's parse_dropout, same keys, defaults and fix-ups of the block size.
  Shape prev = ctx.shape_of(ctx.index - 1);
  l->probability = s.get_float("probability", 0.2f);
  l->dropblock = s.get_int("dropblock", 0) != 0;
  l->size_rel = s.get_float("dropblock_size_rel", 0.f);
  l->size_abs = int(s.get_float("dropblock_size_abs", 0.f));
  if (l->probability < 0.f || l->probability >= 1.f) s.fail("probability", "must be in [0, 1)");
  if (l->size_abs < 0) s.fail("dropblock_size_abs", "must be >= 0");
  if (l->size_rel < 0.f || l->size_rel > 1.f) s.fail("dropblock_size_rel", "must be in [0, 1]");
  if (l->size_abs > prev.w || l->size_abs > prev.h) l->size_abs = std::min(prev.w, prev.h);
  if (l->dropblock && l->size_rel == 0.f && l->size_abs == 0) l->size_abs = 7;
  if (l->size_rel != 0.f && l->size_abs != 0) l->size_rel = 0.f;
  if (l->dropblock && (prev.h <= 0 || prev.w <= 0 || prev.c <= 0))
    s.fail("dropblock", "DropBlock needs an image input, got " + prev.str());
  l->inputs = {ctx.index - 1};
  l->out_shape = prev;
  return l;
}

}  // namespace ds
