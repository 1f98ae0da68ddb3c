// [scale_channels] layer: the output of the `from` layer scaled per channel by the previous layer's
// c x 1 x 1 output (squeeze-and-excitation / ASFF), or per pixel by a 1 x h x w map when scale_wh=1
// (darknet's forward_scale_channels_layer / backward_scale_channels_layer).
//
// forward   out[b,k,i,j] = act(s[b,k] * f[b,k,i,j])     (scale_wh: s[b,0,i,j] * f[b,k,i,j])
//           s = previous layer (input 0), f = layer `from` (input 1); output shape = f's
// backward  d = dout * act'(.);  ds[b,k] += sum over i,j of d * f  (scale_wh: sum over k);  df += d * s
//           (the sums in flat output order, one element at a time)
#pragma once
#include "core/layer.h"
#include "core/layers/layer_util.h"

namespace ds {

class ScaleChannelsLayer : public Layer {
 public:
  std::string_view type() const override { return "scale_channels"; }
  ActivationStep act;
  bool scale_wh = false;

  // Index into the scale tensor of output element i (flat over the batch).
  size_t scale_index(size_t i) const {
    size_t hw = out_shape.hw(), chw = out_shape.chw();
    return scale_wh ? (i / chw) * hw + i % hw : i / hw;
  }

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;
};

}  // namespace ds
