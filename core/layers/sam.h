// [sam] layer: point-wise spatial attention, the previous layer's output multiplied element-wise by the
// output of the `from` layer (darknet's forward_sam_layer / backward_sam_layer).
//
// forward   out = act(x * a), x = previous layer (input 0), a = layer `from` (input 1), same shape
// backward  d = dout * act'(.);  dx += d * a;  da += d * x
//           (darknet's CPU backward overwrites da instead of accumulating; we accumulate, as its GPU code does)
#pragma once
#include "core/layer.h"
#include "core/layers/layer_util.h"

namespace ds {

class SamLayer : public Layer {
 public:
  std::string_view type() const override { return "sam"; }
  ActivationStep act;

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;
};

}  // namespace ds
