// [cost] on the GPU (core/layers/cost.h): forward copies the probabilities; backward adds scale times the delta the
// classifier's loss wrote (core/train/classifier_trainer.cpp: computed on the host, sent back to the device).
#include "core/cuda/cuda_network.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/layers/cost.h"

namespace ds::cuda {
namespace {

class CostOp : public Op {
 public:
  CostOp(Network& net, size_t index) : layer_(dynamic_cast<CostLayer&>(net.host().layer(index))) {}

  void forward(const ForwardArgs& a) override {
    DS_CUDA_CHECK(cudaMemcpy(a.out.data, a.in[0].data, a.out.size() * sizeof(float), cudaMemcpyDeviceToDevice));
  }

  void backward(const BackwardArgs& a) override {
    if (float* dx = a.in_delta[0].data) cost_backward(a.out_delta.size(), layer_.scale, a.out_delta.data, dx);
  }

 private:
  CostLayer& layer_;
};

}  // namespace

std::unique_ptr<Op> make_cost_op(Network& net, size_t layer) { return std::make_unique<CostOp>(net, layer); }

}  // namespace ds::cuda
