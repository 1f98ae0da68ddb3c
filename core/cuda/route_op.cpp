// [route] on the GPU: RouteLayer's slices (core/layers/route.h, RouteLayer::for_each_part) copied with the device
// copy_blocks; backward adds the output delta's slices back into the inputs' deltas.
#include "core/cuda/cuda_network.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/layers/route.h"

namespace ds::cuda {
namespace {

class RouteOp : public Op {
 public:
  RouteOp(Network& net, size_t index) : layer_(dynamic_cast<RouteLayer&>(net.host().layer(index))) {}

  void forward(const ForwardArgs& a) override {
    const int n = a.out.shape.n;
    const size_t outputs = layer_.out_shape.size();
    layer_.for_each_part([&](size_t k, size_t len, size_t in_off, size_t out_off) {
      cuda::copy_blocks(n, len, a.in[k].data, layer_.sizes[k], in_off, a.out.data, outputs, out_off, false);
    });
  }

  void backward(const BackwardArgs& a) override {
    const int n = a.out.shape.n;
    const size_t outputs = layer_.out_shape.size();
    layer_.for_each_part([&](size_t k, size_t len, size_t in_off, size_t out_off) {
      cuda::copy_blocks(n, len, a.out_delta.data, outputs, out_off, a.in_delta[k].data, layer_.sizes[k], in_off, true);
    });
  }

 private:
  RouteLayer& layer_;
};

}  // namespace

std::unique_ptr<Op> make_route_op(Network& net, size_t layer) { return std::make_unique<RouteOp>(net, layer); }

}  // namespace ds::cuda
