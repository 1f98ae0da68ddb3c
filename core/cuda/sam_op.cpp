// [sam] on the GPU (core/layers/sam.h): the element-wise product, then the activation.
#include "core/cuda/activation_step.h"
#include "core/cuda/cuda_network.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/layers/sam.h"

namespace ds::cuda {
namespace {

class SamOp : public Op {
 public:
  SamOp(Network& net, size_t index) : layer_(dynamic_cast<SamLayer&>(net.host().layer(index))) {}

  void forward(const ForwardArgs& a) override {
    product_forward(a.out.size(), a.in[0].data, a.in[1].data, a.out.data);
    act_.forward(layer_.act.kind, a.out);
  }

  void backward(const BackwardArgs& a) override {
    act_.backward(layer_.act.kind, a.out, a.out_delta);
    product_backward(a.out_delta.size(), a.out_delta.data, a.in[0].data, a.in[1].data, a.in_delta[0].data,
                     a.in_delta[1].data);
  }

 private:
  SamLayer& layer_;
  ActivationStep act_;
};

}  // namespace

std::unique_ptr<Op> make_sam_op(Network& net, size_t layer) { return std::make_unique<SamOp>(net, layer); }

}  // namespace ds::cuda
