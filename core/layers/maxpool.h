// [maxpool] layer: spatial max pooling (darknet's forward_maxpool_layer / backward_maxpool_layer),
// including the stride-1 SPP form and darknet's maxpool_depth (max over channels g, g+out_c, ...).
//
// forward   out[b,k,i,j] = max over n,m < size of x[b, k, i*stride_y + n - padding/2, j*stride_x + m - padding/2],
//           cells outside the map ignored; out_w = (w + padding - size)/stride_x + 1 (likewise h);
//           maxpool_depth: out[b,g,i,j] = max over k = g, g+out_c, ... < c of x[b,k,i,j].
// backward  dx[argmax] += dout (the delta goes to the input cell that won the max; ties: the first in scan order).
// A window with no cell inside the map (only possible with padding >= 2*size - 1) outputs 0 and passes no delta,
// where darknet would output -FLT_MAX.
#pragma once
#include <vector>

#include "core/layer.h"

namespace ds {

class MaxpoolLayer : public Layer {
 public:
  std::string_view type() const override { return "maxpool"; }

  Shape in;  // per image
  int size = 1, stride_x = 1, stride_y = 1, padding = 0;
  bool depth = false;
  std::vector<long> argmax;  // per output element of the batch: flat input index, -1 = no valid cell

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;
};

}  // namespace ds
