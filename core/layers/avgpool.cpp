// [avgpool] layer on the CPU reference backend (formulas: core/layers/avgpool.h).
#include "core/layers/avgpool.h"

#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {

void AvgpoolLayer::forward(const ForwardArgs& a) {
  size_t hw = in.hw();
  size_t planes = size_t(a.out.shape.n) * in.c;
  for (size_t p = 0; p < planes; ++p) {
    const float* x = a.in[0].data + p * hw;
    double sum = 0;
    for (size_t i = 0; i < hw; ++i) sum += x[i];
    a.out.data[p] = float(sum / double(hw));
  }
}

void AvgpoolLayer::backward(const BackwardArgs& a) {
  float* dx = a.in_delta[0].data;
  if (!dx) return;
  size_t hw = in.hw();
  size_t planes = size_t(a.out.shape.n) * in.c;
  for (size_t p = 0; p < planes; ++p) {
    float g = a.out_delta.data[p] / float(hw);
    for (size_t i = 0; i < hw; ++i) dx[p * hw + i] += g;
  }
}

std::unique_ptr<Layer> make_avgpool(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<AvgpoolLayer>();  // darknet's parse_avgpool reads no options
  l->in = previous_image(s, ctx);
  l->inputs = {ctx.index - 1};
  l->out_shape = Shape{1, l->in.c, 1, 1};
  return l;
}

}  // namespace ds
