// The host fallback (op.h): a layer without a native CUDA op runs its CPU implementation on host copies. Host
// staging is the CPU network's own output and delta buffers (the layer's and its inputs'), so a layer's state
// between its forward and backward (argmax, dropout masks, [yolo] losses) stays in the CPU layer as on the CPU.
#include <algorithm>

#include "core/cuda/cuda_check.h"
#include "core/cuda/cuda_network.h"
#include "core/cuda/op.h"

namespace ds::cuda {
namespace {

// A tensor's values between its host and device copies; a view without data (an unwanted delta) is skipped.
void download(Tensor host, const Tensor& device) {
  if (host.data && device.data) copy_to_host(host.data, device.data, device.size());
}

void upload(const Tensor& device, const Tensor& host) {
  if (host.data && device.data) copy_to_device(device.data, host.data, host.size());
}

class HostFallbackOp : public Op {
 public:
  HostFallbackOp(Network& net, size_t layer) : net_(net), index_(layer) {
    for (const ParamBlock& b : host().layer(index_).param_blocks()) param_count_ += b.count;
    for (const ParamSlot& s : host().param_slots())
      if (size_t(s.layer) == index_) {
        host_offset_ = s.offset;
        break;
      }
  }

  bool native() const override { return false; }
  void bind_params(float* params, float* grads) override { params_ = params, grads_ = grads; }

  void forward(const ForwardArgs& a) override {
    Layer& l = host().layer(index_);
    copy_params(cudaMemcpyDeviceToHost);  // the device's SGD moved them
    ForwardArgs h = a;
    h.in = host_views(l, false);
    for (size_t k = 0; k < h.in.size(); ++k)
      if (l.inputs[k] >= 0) download(h.in[k], a.in[k]);
    h.out = host().output(index_);
    h.out_delta = host().delta(index_);
    const bool writes_delta = a.train || a.truths;  // loss layers write their delta in forward
    if (writes_delta) std::fill(h.out_delta.data, h.out_delta.data + h.out_delta.size(), 0.f);
    l.forward(h);
    upload(a.out, h.out);
    if (writes_delta) upload(a.out_delta, h.out_delta);
  }

  void backward(const BackwardArgs& a) override {
    Layer& l = host().layer(index_);
    BackwardArgs h;
    h.in = host_views(l, false);  // still the copies forward took
    h.in_delta = host_views(l, true);
    h.out = host().output(index_);
    h.out_delta = host().delta(index_);
    download(h.out_delta, a.out_delta);
    for (size_t k = 0; k < h.in_delta.size(); ++k) {
      if (!a.in_delta[k].data) h.in_delta[k].data = nullptr;
      download(h.in_delta[k], a.in_delta[k]);  // backward accumulates into what the device holds
    }
    copy_grads(cudaMemcpyDeviceToHost);
    l.backward(h);
    for (size_t k = 0; k < h.in_delta.size(); ++k) upload(a.in_delta[k], h.in_delta[k]);
    copy_grads(cudaMemcpyHostToDevice);
  }

 private:
  ds::Network& host() { return net_.host(); }

  // Host tensors of the layer's inputs (outputs or deltas); the network input is the caller's host input, and
  // its delta a staging buffer of this op.
  std::vector<Tensor> host_views(const Layer& l, bool deltas) {
    std::vector<Tensor> v;
    for (int i : l.inputs) {
      if (i >= 0) {
        v.push_back(deltas ? host().delta(size_t(i)) : host().output(size_t(i)));
        continue;
      }
      Shape s = host().input_shape();
      s.n = host().mini_batch();
      if (!deltas) {
        v.push_back(Tensor{const_cast<float*>(net_.host_input()), s, Device::cpu});
      } else {
        input_delta_.resize(s.size());
        v.push_back(input_delta_.view(s));
      }
    }
    return v;
  }

  void copy_params(cudaMemcpyKind kind) { copy_slice(host().params() + host_offset_, params_, kind); }
  void copy_grads(cudaMemcpyKind kind) { copy_slice(host().grads() + host_offset_, grads_, kind); }
  void copy_slice(float* host_slice, float* device_slice, cudaMemcpyKind kind) {
    if (kind == cudaMemcpyDeviceToHost)
      copy_to_host(host_slice, device_slice, param_count_);
    else
      copy_to_device(device_slice, host_slice, param_count_);
  }

  Network& net_;
  size_t index_;
  size_t param_count_ = 0, host_offset_ = 0;
  float *params_ = nullptr, *grads_ = nullptr;
  Buffer input_delta_;
};

}  // namespace

std::unique_ptr<Op> make_host_fallback(Network& net, size_t layer) { return std::make_unique<HostFallbackOp>(net, layer); }

}  // namespace ds::cuda
