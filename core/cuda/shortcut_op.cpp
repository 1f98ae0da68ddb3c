// [shortcut] on the GPU (core/layers/shortcut.h): the weighted sum one input at a time (k = 0, 1, ... as the CPU),
// then the activation (core/cuda/activation_step.h). The effective
// (normalised) weights are few: when the parameters have changed since the last pass (an SGD step or an upload:
// Network::parameters_version), the raw weights are copied to the host, normalised by the CPU layer's own
// ShortcutLayer::effective_weights and uploaded. Not on every pass: a synchronous copy makes the host wait until
// the device has done everything queued before it, and YOLOv4 has 23 [shortcut]s.
#include <algorithm>
#include <vector>

#include "core/cuda/activation_step.h"
#include "core/cuda/cuda_network.h"
#include "core/cuda/layer_kernels.h"
#include "core/cuda/op.h"
#include "core/layers/shortcut.h"

namespace ds::cuda {
namespace {

class ShortcutOp : public Op {
 public:
  ShortcutOp(Network& net, size_t index)
      : net_(net), layer_(dynamic_cast<ShortcutLayer&>(net.host().layer(index))) {}

  void bind_params(float* params, float* grads) override { weights_ = params, weight_grads_ = grads; }

  void forward(const ForwardArgs& a) override {
    const int n = a.out.shape.n;
    const size_t outputs = layer_.out_shape.size();
    upload_effective_weights();
    DS_CUDA_CHECK(cudaMemset(a.out.data, 0, a.out.size() * sizeof(float)));
    for (size_t k = 0; k < a.in.size(); ++k)
      shortcut_add(n, length(k), weights_of(k), column_span(), a.in[k].data, layer_.sizes[k], a.out.data, outputs);
    act_.forward(layer_.act.kind, a.out);
  }

  void backward(const BackwardArgs& a) override {
    const int n = a.out.shape.n;
    const size_t outputs = layer_.out_shape.size();
    act_.backward(layer_.act.kind, a.out, a.out_delta);
    upload_effective_weights();
    const bool weighted = layer_.weights_type != ShortcutLayer::WeightsType::none;
    for (size_t k = 0; k < a.in.size(); ++k) {
      if (float* dx = a.in_delta[k].data)
        shortcut_add(n, length(k), weights_of(k), column_span(), a.out_delta.data, outputs, dx, layer_.sizes[k]);
      if (weighted)
        shortcut_weight_grads(n, length(k), layer_.layer_step(), column_span(), a.out_delta.data, outputs,
                              a.in[k].data, layer_.sizes[k], weight_grads_ + k * layer_.layer_step());
    }
  }

 private:
  // Elements of input k that reach the output, per image (darknet compares flat per-image indices).
  size_t length(size_t k) const { return std::min(layer_.out_shape.size(), layer_.sizes[k]); }
  // Flat indices per weight column: a channel's h·w for per_channel, else all of them (one column).
  size_t column_span() const {
    return layer_.weights_type == ShortcutLayer::WeightsType::per_channel ? layer_.out_shape.hw()
                                                                          : layer_.out_shape.size();
  }
  const float* weights_of(size_t k) { return effective_.data() + k * layer_.layer_step(); }

  void upload_effective_weights() {
    if (effective_.data() && effective_version_ == net_.parameters_version()) return;
    effective_version_ = net_.parameters_version();
    std::vector<float> raw(layer_.nweights());
    if (!raw.empty())
      DS_CUDA_CHECK(cudaMemcpy(raw.data(), weights_, raw.size() * sizeof(float), cudaMemcpyDeviceToHost));
    const std::vector<float> v = layer_.effective_weights(raw.data());
    if (effective_.size() != v.size()) effective_ = DeviceBuffer(v.size());
    effective_.upload(v.data(), v.size());
  }

  const Network& net_;
  ShortcutLayer& layer_;
  float *weights_ = nullptr, *weight_grads_ = nullptr;
  DeviceBuffer effective_;           // layer_.effective_weights(), on the device
  uint64_t effective_version_ = 0;  // the parameters_version() it was computed at (valid once it holds data)
  ActivationStep act_;
};

}  // namespace

std::unique_ptr<Op> make_shortcut_op(Network& net, size_t layer) { return std::make_unique<ShortcutOp>(net, layer); }

}  // namespace ds::cuda
