// [upsample] on the GPU (core/layers/upsample.h): upsampling spreads each input cell over its block and its
// backward gathers the blocks' deltas; the reverse (stride < 0) form gathers in forward and spreads in backward.
#include "core/cuda/cuda_network.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/layers/upsample.h"

namespace ds::cuda {
namespace {

class UpsampleOp : public Op {
 public:
  UpsampleOp(Network& net, size_t index) : layer_(dynamic_cast<UpsampleLayer&>(net.host().layer(index))) {}

  void forward(const ForwardArgs& a) override {
    const Shape& s = small();
    const size_t planes = size_t(a.out.shape.n) * size_t(s.c);
    if (layer_.reverse)
      upsample_gather(planes, s.h, s.w, layer_.stride, layer_.scale, a.in[0].data, a.out.data, false);
    else
      upsample_spread(planes, s.h, s.w, layer_.stride, layer_.scale, a.in[0].data, a.out.data, false);
  }

  void backward(const BackwardArgs& a) override {
    if (a.in_delta.empty() || !a.in_delta[0].data) return;
    const Shape& s = small();
    const size_t planes = size_t(a.out.shape.n) * size_t(s.c);
    if (layer_.reverse)
      upsample_spread(planes, s.h, s.w, layer_.stride, layer_.scale, a.out_delta.data, a.in_delta[0].data, true);
    else
      upsample_gather(planes, s.h, s.w, layer_.stride, layer_.scale, a.out_delta.data, a.in_delta[0].data, true);
  }

 private:
  const Shape& small() const { return layer_.reverse ? layer_.out_shape : layer_.in; }  // the per-image small map

  UpsampleLayer& layer_;
};

}  // namespace

std::unique_ptr<Op> make_upsample_op(Network& net, size_t layer) { return std::make_unique<UpsampleOp>(net, layer); }

}  // namespace ds::cuda
