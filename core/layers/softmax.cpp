// [softmax]: core/layers/softmax.h.
#include "core/layers/softmax.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "core/layers/factories.h"
#include "core/layers/layer_util.h"

namespace ds {

void SoftmaxLayer::forward(const ForwardArgs& a) {
  size_t group_size = out_shape.size() / size_t(groups);
  size_t count = a.out.size() / group_size;  // images x groups
  for (size_t g = 0; g < count; ++g) {
    const float* x = a.in[0].data + g * group_size;
    float* y = a.out.data + g * group_size;
    float largest = *std::max_element(x, x + group_size);
    double sum = 0;
    for (size_t i = 0; i < group_size; ++i) sum += (y[i] = std::exp(x[i] / temperature - largest / temperature));
    for (size_t i = 0; i < group_size; ++i) y[i] = float(y[i] / sum);
  }
}

void SoftmaxLayer::backward(const BackwardArgs& a) {
  copy_blocks(1, a.out_delta.size(), a.out_delta.data, 0, 0, a.in_delta[0].data, 0, 0, true);
}

std::unique_ptr<Layer> make_softmax(const CfgSection& s, const BuildContext& ctx) {
  auto l = std::make_unique<SoftmaxLayer>();
  // darknet's parse_softmax, same keys and defaults.
  l->groups = s.get_int("groups", 1);
  l->temperature = s.get_float("temperature", 1.f);
  if (!s.get_string("tree", "").empty()) s.fail("tree", "hierarchical softmax (softmax_tree) is not supported by darksweep");
  if (s.get_float("spatial", 0.f) != 0.f) s.fail("spatial", "spatial softmax is not supported by darksweep (only 0)");
  l->noloss = s.get_int("noloss", 0) != 0;
  if (l->temperature <= 0.f) s.fail("temperature", "must be > 0");

  Shape prev = ctx.shape_of(ctx.index - 1);
  l->inputs = {ctx.index - 1};
  if (l->groups < 1 || prev.chw() % size_t(l->groups) != 0)
    s.fail("groups", "must be >= 1 and divide the input size " + std::to_string(prev.chw()) + " (" + prev.str() + ")");
  l->out_shape = prev;
  return l;
}

}  // namespace ds
