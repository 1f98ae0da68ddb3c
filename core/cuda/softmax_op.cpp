// [softmax] on the GPU (core/layers/softmax.h): the groups' softmax; backward passes the delta through, as the CPU
// layer (the delta reaching it already is the cross-entropy's, core/nn/classifier_loss.h).
#include "core/cuda/cuda_network.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/layers/softmax.h"

namespace ds::cuda {
namespace {

class SoftmaxOp : public Op {
 public:
  SoftmaxOp(Network& net, size_t index) : layer_(dynamic_cast<SoftmaxLayer&>(net.host().layer(index))) {}

  void forward(const ForwardArgs& a) override {
    const size_t group_size = layer_.out_shape.size() / size_t(layer_.groups);
    softmax_forward(a.out.size() / group_size, group_size, layer_.temperature, a.in[0].data, a.out.data);
  }

  void backward(const BackwardArgs& a) override {
    if (float* dx = a.in_delta[0].data) copy_blocks(1, a.out_delta.size(), a.out_delta.data, 0, 0, dx, 0, 0, true);
  }

 private:
  SoftmaxLayer& layer_;
};

}  // namespace

std::unique_ptr<Op> make_softmax_op(Network& net, size_t layer) { return std::make_unique<SoftmaxOp>(net, layer); }

}  // namespace ds::cuda
