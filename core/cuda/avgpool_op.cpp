// [avgpool] on the GPU: AvgpoolLayer's global average (core/layers/avgpool.h), summed in double per plane.
#include "core/cuda/cuda_network.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/layers/avgpool.h"

namespace ds::cuda {
namespace {

class AvgpoolOp : public Op {
 public:
  AvgpoolOp(Network& net, size_t index) : layer_(dynamic_cast<AvgpoolLayer&>(net.host().layer(index))) {}

  void forward(const ForwardArgs& a) override {
    avgpool_forward(planes(a.out), layer_.in.hw(), a.in[0].data, a.out.data);
  }

  void backward(const BackwardArgs& a) override {
    if (a.in_delta.empty() || !a.in_delta[0].data) return;
    avgpool_backward(planes(a.out), layer_.in.hw(), a.out_delta.data, a.in_delta[0].data);
  }

 private:
  size_t planes(const Tensor& out) const { return size_t(out.shape.n) * size_t(layer_.in.c); }

  AvgpoolLayer& layer_;
};

}  // namespace

std::unique_ptr<Op> make_avgpool_op(Network& net, size_t layer) { return std::make_unique<AvgpoolOp>(net, layer); }

}  // namespace ds::cuda
