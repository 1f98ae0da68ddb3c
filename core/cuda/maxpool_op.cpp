// [maxpool] on the GPU: MaxpoolLayer's window scan (core/layers/maxpool.h) one thread per output, keeping the
// winning input index of every output for backward as the CPU layer does.
#include <stdexcept>

#include "core/cuda/cuda_network.h"
#include "core/cuda/device_array.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/layers/maxpool.h"

namespace ds::cuda {
namespace {

class MaxpoolOp : public Op {
 public:
  MaxpoolOp(Network& net, size_t index) : layer_(dynamic_cast<MaxpoolLayer&>(net.host().layer(index))) {}

  void forward(const ForwardArgs& a) override {
    const Shape &in = layer_.in, &out = layer_.out_shape;
    MaxpoolGeometry g;
    g.batch = a.out.shape.n;
    g.in_c = in.c, g.in_h = in.h, g.in_w = in.w;
    g.out_c = out.c, g.out_h = out.h, g.out_w = out.w;
    g.size = layer_.size, g.stride_x = layer_.stride_x, g.stride_y = layer_.stride_y, g.padding = layer_.padding;
    g.depth = layer_.depth;
    argmax_.reserve(g.outputs());
    argmax_count_ = g.outputs();
    maxpool_forward(g, a.in[0].data, a.out.data, argmax_.data());
  }

  void backward(const BackwardArgs& a) override {
    if (a.in_delta.empty() || !a.in_delta[0].data) return;
    if (argmax_count_ != a.out_delta.size()) throw std::logic_error("[maxpool] op: backward without its forward");
    maxpool_backward(a.out_delta.size(), a.out_delta.data, argmax_.data(), a.in_delta[0].data);
  }

 private:
  MaxpoolLayer& layer_;
  DeviceArray<long long> argmax_;  // of the last forward: argmax_count_ entries
  size_t argmax_count_ = 0;
};

}  // namespace

std::unique_ptr<Op> make_maxpool_op(Network& net, size_t layer) { return std::make_unique<MaxpoolOp>(net, layer); }

}  // namespace ds::cuda
