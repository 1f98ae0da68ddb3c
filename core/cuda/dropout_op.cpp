// [dropout] on the GPU (core/layers/dropout.h): a training pass draws its mask on the host with the CPU layer's own
// code from the same random stream (so a GPU run drops what the CPU run would), uploads it and multiplies on the
// device; inference copies. Only the mask crosses from the host; the activations and deltas stay on the device.
#include "core/cuda/cuda_network.h"
#include "core/cuda/device_buffer.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/layers/dropout.h"

namespace ds::cuda {
namespace {

class DropoutOp : public Op {
 public:
  DropoutOp(Network& net, size_t index) : layer_(dynamic_cast<DropoutLayer&>(net.host().layer(index))) {}

  void forward(const ForwardArgs& a) override {
    masked_ = a.train;
    if (!masked_) {
      DS_CUDA_CHECK(cudaMemcpy(a.out.data, a.in[0].data, a.out.size() * sizeof(float), cudaMemcpyDeviceToDevice));
      return;
    }
    layer_.make_mask(a);
    if (mask_.size() != layer_.mask.size()) mask_ = DeviceBuffer(layer_.mask.size());
    mask_.upload(layer_.mask.data(), layer_.mask.size());
    product_forward(a.out.size(), a.in[0].data, mask_.data(), a.out.data);
  }

  void backward(const BackwardArgs& a) override {
    float* dx = a.in_delta[0].data;
    if (!dx) return;
    if (masked_) product_backward(a.out_delta.size(), a.out_delta.data, nullptr, mask_.data(), dx, nullptr);
    else copy_blocks(1, a.out_delta.size(), a.out_delta.data, 0, 0, dx, 0, 0, true);
  }

 private:
  DropoutLayer& layer_;
  DeviceBuffer mask_;    // the last training pass's mask
  bool masked_ = false;  // whether the last pass was a training pass
};

}  // namespace

std::unique_ptr<Op> make_dropout_op(Network& net, size_t layer) { return std::make_unique<DropoutOp>(net, layer); }

}  // namespace ds::cuda
