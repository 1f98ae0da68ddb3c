// [softmax] layer: softmax with temperature over `groups` equal contiguous slices of each image
// (darknet's forward_softmax_layer / softmax_cpu, backward_softmax_layer).
//
// forward   out = e^(x/T - max/T) / sum e^(x/T - max/T), per group of c*h*w/groups elements
// backward  dx += dout (unchanged, as darknet): the delta reaching a softmax is darknet's cross-entropy
//           delta (truth - p), which already is the negative gradient w.r.t. the softmax input.
#pragma once
#include "core/layer.h"

namespace ds {

class SoftmaxLayer : public Layer {
 public:
  std::string_view type() const override { return "softmax"; }
  int groups = 1;
  float temperature = 1.f;
  bool noloss = false;  // darknet: the layer computes no cost (read for the loss code)

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;
};

}  // namespace ds
