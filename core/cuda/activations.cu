// CUDA activation kernels, one thread per element (formulas in core/nn/activations.h).
#include "core/cuda/activations.h"
#include "core/cuda/activation_math.cuh"
#include "core/cuda/cuda_check.h"
#include "core/cuda/device_buffer.h"
#include "core/cuda/launch.h"

#include <stdexcept>

namespace ds::cuda {
namespace {

__global__ void activate_kernel(Activation a, float* x, size_t n) {
  size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i < n) x[i] = activate_one(a, x[i]);
}

__global__ void backward_kernel(Activation a, const float* pre, const float* post, float* delta, size_t n) {
  size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i < n) delta[i] *= activation_derivative(a, pre[i], post[i]);
}

// One thread per pixel: its channels are x[p0 + k * spatial], p0 = image * channels * spatial + pixel.
__device__ size_t pixel_start(size_t pixel, ChannelLayout l) {
  return (pixel / l.spatial) * l.channels * l.spatial + pixel % l.spatial;
}

__global__ void channel_softmax_kernel(float* x, size_t pixels, ChannelLayout l, bool use_max) {
  size_t p = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (p >= pixels) return;
  float* v = x + pixel_start(p, l);
  float m = use_max ? v[0] : 0.f;
  if (use_max)
    for (int k = 1; k < l.channels; ++k) m = fmaxf(m, v[k * l.spatial]);
  float sum = 0.0001f;
  for (int k = 0; k < l.channels; ++k) sum += expf(v[k * l.spatial] - m);
  for (int k = 0; k < l.channels; ++k) v[k * l.spatial] = expf(v[k * l.spatial] - m) / sum;
}

__global__ void channel_softmax_backward_kernel(const float* post, float* delta, size_t pixels, ChannelLayout l) {
  size_t p = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (p >= pixels) return;
  const size_t p0 = pixel_start(p, l);
  const float* y = post + p0;
  float* d = delta + p0;
  float dot = 0.f;
  for (int k = 0; k < l.channels; ++k) dot += y[k * l.spatial] * d[k * l.spatial];
  for (int k = 0; k < l.channels; ++k) d[k * l.spatial] = y[k * l.spatial] * (d[k * l.spatial] - dot);
}

size_t pixel_count(size_t n, ChannelLayout l) {
  if (l.channels <= 0 || l.spatial == 0 || n % (size_t(l.channels) * l.spatial) != 0)
    throw std::logic_error("a channel-wise activation needs the layout of its values");
  return n / size_t(l.channels);
}

}  // namespace

bool device_available() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

void activate(Activation a, float* x, size_t n, ChannelLayout layout) {
  if (n == 0) return;
  if (is_channel_wise(a)) {
    const size_t pixels = pixel_count(n, layout);
    channel_softmax_kernel<<<blocks_for(pixels), 256>>>(x, pixels, layout,
                                                        a == Activation::normalize_channels_softmax_maxval);
  } else {
    activate_kernel<<<blocks_for(n), 256>>>(a, x, n);
  }
  DS_CUDA_CHECK(cudaGetLastError());
}

void activation_backward(Activation a, const float* pre, const float* post, float* delta, size_t n,
                         ChannelLayout layout) {
  if (n == 0) return;
  if (is_channel_wise(a)) {
    const size_t pixels = pixel_count(n, layout);
    channel_softmax_backward_kernel<<<blocks_for(pixels), 256>>>(post, delta, pixels, layout);
  } else {
    backward_kernel<<<blocks_for(n), 256>>>(a, pre, post, delta, n);
  }
  DS_CUDA_CHECK(cudaGetLastError());
}

}  // namespace ds::cuda
