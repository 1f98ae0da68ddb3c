// [avgpool] layer: global average pooling to c x 1 x 1 (darknet's forward_avgpool_layer / backward_avgpool_layer).
//
// forward   out[b,k] = (1/(h*w)) * sum over i,j of x[b,k,i,j]
// backward  dx[b,k,i,j] += dout[b,k] / (h*w)
#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {
namespace {

class AvgpoolLayer : public Layer {
 public:
  std::string_view type() const override { return "avgpool"; }
  Shape in;

  void forward(const ForwardArgs& a) override {
    size_t hw = in.hw();
    size_t planes = size_t(a.out.shape.n) * in.c;
    for (size_t p = 0; p < planes; ++p) {
      const float* x = a.in[0].data + p * hw;
      double sum = 0;
      for (size_t i = 0; i < hw; ++i) sum += x[i];
      a.out.data[p] = float(sum / double(hw));
    }
  }

  void backward(const BackwardArgs& a) override {
    float* dx = a.in_delta[0].data;
    if (!dx) return;
    size_t hw = in.hw();
    size_t planes = size_t(a.out.shape.n) * in.c;
    for (size_t p = 0; p < planes; ++p) {
      float g = a.out_delta.data[p] / float(hw);
      for (size_t i = 0; i < hw; ++i) dx[p * hw + i] += g;
    }
  }
};

}  // namespace

std::unique_ptr<Layer> make_avgpool(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<AvgpoolLayer>();  // darknet's parse_avgpool reads no options
  l->in = previous_image(s, ctx);
  l->inputs = {ctx.index - 1};
  l->out_shape = Shape{1, l->in.c, 1, 1};
  return l;
}

}  // namespace ds
