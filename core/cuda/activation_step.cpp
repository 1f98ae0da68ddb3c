#include "core/cuda/activation_step.h"

#include "core/cuda/activations.h"

namespace ds::cuda {
namespace {

ChannelLayout layout(const Tensor& out) { return {out.shape.c, out.shape.hw()}; }

}  // namespace

void ActivationStep::forward(Activation kind, const Tensor& out) {
  if (kind == Activation::linear) return;
  if (pre_.size() != out.size()) pre_ = DeviceBuffer(out.size());
  DS_CUDA_CHECK(cudaMemcpy(pre_.data(), out.data, out.size() * sizeof(float), cudaMemcpyDeviceToDevice));
  cuda::activate(kind, out.data, out.size(), layout(out));
}

void ActivationStep::backward(Activation kind, const Tensor& out, const Tensor& delta) {
  if (kind == Activation::linear) return;
  cuda::activation_backward(kind, pre_.data(), out.data, delta.data, delta.size(), layout(out));
}

}  // namespace ds::cuda
