// [avgpool] layer: global average pooling to c x 1 x 1 (darknet's forward_avgpool_layer / backward_avgpool_layer).
//
// forward   out[b,k] = (1/(h*w)) * sum over i,j of x[b,k,i,j]   (the sum in double, in row-major order)
// backward  dx[b,k,i,j] += dout[b,k] / (h*w)
#pragma once
#include "core/layer.h"

namespace ds {

class AvgpoolLayer : public Layer {
 public:
  std::string_view type() const override { return "avgpool"; }
  Shape in;  // per image

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;
};

}  // namespace ds
