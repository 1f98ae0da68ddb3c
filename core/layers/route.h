// [route] layer: concatenation along channels of the outputs of earlier layers (darknet's
// forward_route_layer / backward_route_layer); with groups=G, group_id=g each input contributes only
// its g-th of G equal channel slices (CSP / yolov4-tiny).
//
// forward   out[b] = concat over inputs k of x_k[b, g*c_k/G .. (g+1)*c_k/G)
// backward  dx_k[b, that slice] += the matching channels of dout[b]
#pragma once
#include <vector>

#include "core/layer.h"

namespace ds {

class RouteLayer : public Layer {
 public:
  std::string_view type() const override { return "route"; }
  int groups = 1, group_id = 0;
  std::vector<size_t> sizes;  // per-image output size of each input

  // Calls f(input k, length, offset in input k's image, offset in the output's image) for each input's slice.
  template <typename F>
  void for_each_part(F&& f) const {
    size_t offset = 0;
    for (size_t k = 0; k < sizes.size(); ++k) {
      size_t part = sizes[k] / size_t(groups);
      f(k, part, part * size_t(group_id), offset);
      offset += part;
    }
  }

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;
};

}  // namespace ds
