// [cost] layer: darknet's cost layer after a [softmax] (classifier cfgs), type sse only.
//
// forward   out = x (darknet stores the squared error in its output; nothing reads it, so the output here
//           stays the probabilities and evaluation may read the last layer)
// loss      set by the classifier trainer: out_delta = t - x (darknet's forward_cost_layer / l2_cpu)
// backward  dx += scale * dout (darknet's backward_cost_layer: axpy into the softmax's delta, which already
//           holds the softmax's own cross-entropy delta t - p, so the two add up as in darknet)
#pragma once
#include "core/layer.h"

namespace ds {

class CostLayer : public Layer {
 public:
  std::string_view type() const override { return "cost"; }
  float scale = 1.f;

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;
};

}  // namespace ds
