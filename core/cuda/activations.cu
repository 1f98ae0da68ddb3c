// CUDA activation kernels, one thread per element (formulas in core/nn/activations.h).
#include "core/cuda/activations.h"
#include "core/cuda/cuda_check.h"
#include "core/cuda/device_buffer.h"

namespace ds::cuda {
namespace {

__device__ float softplus(float x) { return x > 20.f ? x : log1pf(expf(x)); }  // darknet's threshold
__device__ float sigmoid(float x) { return 1.f / (1.f + expf(-x)); }

__device__ float forward_one(Activation a, float x) {
  switch (a) {
    case Activation::linear: return x;
    case Activation::leaky: return x > 0 ? x : 0.1f * x;
    case Activation::relu: return x > 0 ? x : 0.f;
    case Activation::logistic: return sigmoid(x);
    case Activation::tanh: return tanhf(x);
    case Activation::swish: return x * sigmoid(x);
    case Activation::mish: return x * tanhf(softplus(x));
    case Activation::hard_mish: return x >= 0 ? x : (x > -2.f ? x * (0.5f * x + 1.f) : 0.f);
  }
  return x;
}

__device__ float derivative(Activation a, float x, float y) {
  switch (a) {
    case Activation::linear: return 1.f;
    case Activation::leaky: return x > 0 ? 1.f : 0.1f;
    case Activation::relu: return x > 0 ? 1.f : 0.f;
    case Activation::logistic: return y * (1.f - y);
    case Activation::tanh: return 1.f - y * y;
    case Activation::swish: {
      float s = sigmoid(x);
      return s + x * s * (1.f - s);
    }
    case Activation::mish: {
      float sp = softplus(x), t = tanhf(sp);
      return t + x * (1.f - t * t) * sigmoid(x);
    }
    case Activation::hard_mish: return x >= 0 ? 1.f : (x > -2.f ? x + 1.f : 0.f);
  }
  return 1.f;
}

__global__ void activate_kernel(Activation a, float* x, size_t n) {
  size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i < n) x[i] = forward_one(a, x[i]);
}

__global__ void backward_kernel(Activation a, const float* pre, const float* post, float* delta, size_t n) {
  size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i < n) delta[i] *= derivative(a, pre[i], post[i]);
}

unsigned blocks_for(size_t n) { return unsigned((n + 255) / 256); }

}  // namespace

bool device_available() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

void activate(Activation a, float* x, size_t n) {
  if (n == 0) return;
  activate_kernel<<<blocks_for(n), 256>>>(a, x, n);
  DS_CUDA_CHECK(cudaGetLastError());
}

void activation_backward(Activation a, const float* pre, const float* post, float* delta, size_t n) {
  if (n == 0) return;
  backward_kernel<<<blocks_for(n), 256>>>(a, pre, post, delta, n);
  DS_CUDA_CHECK(cudaGetLastError());
}

}  // namespace ds::cuda
