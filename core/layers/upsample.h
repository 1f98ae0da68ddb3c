// [upsample] layer: nearest-neighbour upsampling by an integer stride, or (stride < 0) darknet's
// "reverse" form that sums stride x stride blocks (darknet's forward_upsample_layer / upsample_cpu).
//
// up (s > 0)    forward  out[b,k,i,j] = scale * x[b,k,i/s,j/s]
//               backward dx[b,k,i,j] += scale * sum over the s x s block of dout
// down (s < 0)  forward  out[b,k,i,j] = scale * sum over the |s| x |s| block of x at (i*|s|, j*|s|)
//               backward dx[b,k,y,x] += scale * dout[b,k,y/|s|,x/|s|]
// The sums run over the block in row-major order (y, then x), as upsample_cpu.
#pragma once
#include "core/layer.h"

namespace ds {

class UpsampleLayer : public Layer {
 public:
  std::string_view type() const override { return "upsample"; }
  Shape in;           // per image
  int stride = 2;     // |stride| of the cfg
  bool reverse = false;  // cfg stride < 0: downsample by summing blocks
  float scale = 1.f;

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;

 private:
  // Visits every (small, large) index pair: the large map is stride x the small one.
  template <typename F>
  void for_each_pair(int n, F&& f) const;
};

}  // namespace ds
