// [scale_channels] on the GPU (core/layers/scale_channels.h): each element of the `from` layer times its channel's
// (or, with scale_wh, its pixel's) scale, then the activation.
#include "core/cuda/activation_step.h"
#include "core/cuda/cuda_network.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/layers/scale_channels.h"

namespace ds::cuda {
namespace {

class ScaleChannelsOp : public Op {
 public:
  ScaleChannelsOp(Network& net, size_t index)
      : layer_(dynamic_cast<ScaleChannelsLayer&>(net.host().layer(index))) {}

  void forward(const ForwardArgs& a) override {
    scale_channels_forward(geometry(a.out), a.in[0].data, a.in[1].data, a.out.data);
    act_.forward(layer_.act.kind, a.out);
  }

  void backward(const BackwardArgs& a) override {
    act_.backward(layer_.act.kind, a.out, a.out_delta);
    scale_channels_backward(geometry(a.out), a.out_delta.data, a.in[0].data, a.in[1].data, a.in_delta[0].data,
                            a.in_delta[1].data);
  }

 private:
  ScaleGeometry geometry(const Tensor& out) const {
    return {out.shape.n, out.shape.c, out.shape.hw(), layer_.scale_wh};
  }

  ScaleChannelsLayer& layer_;
  ActivationStep act_;
};

}  // namespace

std::unique_ptr<Op> make_scale_channels_op(Network& net, size_t layer) {
  return std::make_unique<ScaleChannelsOp>(net, layer);
}

}  // namespace ds::cuda
