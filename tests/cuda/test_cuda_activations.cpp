// GPU activations against the CPU reference on awkward sizes (skips without a GPU): ‖gpu − cpu‖/‖cpu‖ of the
// outputs within 1e-6 (fp32: about an ulp per element) and of the deltas within 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/cuda/activations.h"
#include "core/cuda/device_buffer.h"
#include "core/util/rng.h"
#include "tests/support/relative_l2.h"

using namespace ds;

namespace {

// Forward and backward of `a` on x (with upstream delta) on the CPU and on the GPU.
void expect_gpu_matches_cpu(Activation a, const std::vector<float>& x, const std::vector<float>& delta,
                            ChannelLayout layout = {}) {
  const size_t n = x.size();
  std::vector<float> y = x, d = delta;
  ds::activate(a, y.data(), n, layout);
  ds::activation_backward(a, x.data(), y.data(), d.data(), n, layout);
  cuda::DeviceBuffer gx(n), gy(n), gd(n);
  gx.upload(x.data(), n);
  gy.upload(x.data(), n);
  gd.upload(delta.data(), n);
  cuda::activate(a, gy.data(), n, layout);
  cuda::activation_backward(a, gx.data(), gy.data(), gd.data(), n, layout);
  EXPECT_LE(test::relative_l2(gy.download(), y), 1e-6) << activation_name(a);
  EXPECT_LE(test::relative_l2(gd.download(), d), 1e-5) << activation_name(a);
}

std::vector<float> uniform(size_t n, float lo, float hi, Rng& rng) {
  std::vector<float> v(n);
  for (float& e : v) e = rng.uniform(lo, hi);
  return v;
}

}  // namespace

TEST(GpuActivations, MatchCpuForwardAndBackward) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  const size_t n = 1000003;  // not a multiple of the block size
  Rng rng(1);
  const std::vector<float> x = uniform(n, -25.f, 25.f, rng), delta = uniform(n, -1.f, 1.f, rng);
  for (Activation a : {Activation::linear, Activation::leaky, Activation::relu, Activation::logistic, Activation::tanh,
                       Activation::swish, Activation::mish, Activation::hard_mish})
    expect_gpu_matches_cpu(a, x, delta);
}

TEST(GpuActivations, ChannelSoftmaxMatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  const ChannelLayout layout{3, 7919};  // a prime number of pixels per image
  const size_t n = 5 * 3 * 7919;
  Rng rng(2);
  const std::vector<float> x = uniform(n, -8.f, 8.f, rng), delta = uniform(n, -1.f, 1.f, rng);
  for (Activation a : {Activation::normalize_channels_softmax, Activation::normalize_channels_softmax_maxval})
    expect_gpu_matches_cpu(a, x, delta, layout);
}
