// GPU activations against the CPU reference on an awkward length (skips without a GPU).
#include <gtest/gtest.h>

#include <cmath>

#include "core/cuda/activations.h"
#include "core/cuda/device_buffer.h"
#include "core/util/rng.h"

using namespace ds;

TEST(GpuActivations, MatchCpuForwardAndBackward) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  const size_t n = 1000003;  // not a multiple of the block size
  Rng rng(1);
  std::vector<float> x(n), delta(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = rng.uniform(-25.f, 25.f);
    delta[i] = rng.uniform(-1.f, 1.f);
  }
  for (Activation a : {Activation::linear, Activation::leaky, Activation::relu, Activation::logistic, Activation::tanh,
                       Activation::swish, Activation::mish, Activation::hard_mish}) {
    std::vector<float> y = x, d = delta;
    ds::activate(a, y.data(), n);
    ds::activation_backward(a, x.data(), y.data(), d.data(), n);

    cuda::DeviceBuffer gx(n), gy(n), gd(n);
    gx.upload(x.data(), n);
    gy.upload(x.data(), n);
    gd.upload(delta.data(), n);
    cuda::activate(a, gy.data(), n);
    cuda::activation_backward(a, gx.data(), gy.data(), gd.data(), n);
    std::vector<float> hy = gy.download(), hd = gd.download();
    double ey = 0, ny = 0, ed = 0, nd = 0;
    for (size_t i = 0; i < n; ++i) {
      ey += double(hy[i] - y[i]) * (hy[i] - y[i]);
      ny += double(y[i]) * y[i];
      ed += double(hd[i] - d[i]) * (hd[i] - d[i]);
      nd += double(d[i]) * d[i];
    }
    EXPECT_LE(std::sqrt(ey / std::max(ny, 1e-30)), 1e-6) << activation_name(a);  // fp32: ~1 ulp per element
    EXPECT_LE(std::sqrt(ed / std::max(nd, 1e-30)), 1e-5) << activation_name(a);
  }
}

TEST(GpuActivations, ChannelSoftmaxMatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  const ChannelLayout layout{3, 7919};  // a prime number of pixels per image
  const size_t n = 5 * 3 * 7919;
  Rng rng(2);
  std::vector<float> x(n), delta(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = rng.uniform(-8.f, 8.f);
    delta[i] = rng.uniform(-1.f, 1.f);
  }
  for (Activation a : {Activation::normalize_channels_softmax, Activation::normalize_channels_softmax_maxval}) {
    std::vector<float> y = x, d = delta;
    ds::activate(a, y.data(), n, layout);
    ds::activation_backward(a, x.data(), y.data(), d.data(), n, layout);
    cuda::DeviceBuffer gx(n), gy(n), gd(n);
    gx.upload(x.data(), n);
    gy.upload(x.data(), n);
    gd.upload(delta.data(), n);
    cuda::activate(a, gy.data(), n, layout);
    cuda::activation_backward(a, gx.data(), gy.data(), gd.data(), n, layout);
    std::vector<float> hy = gy.download(), hd = gd.download();
    double ey = 0, ny = 0, ed = 0, nd = 0;
    for (size_t i = 0; i < n; ++i) {
      ey += double(hy[i] - y[i]) * (hy[i] - y[i]);
      ny += double(y[i]) * y[i];
      ed += double(hd[i] - d[i]) * (hd[i] - d[i]);
      nd += double(d[i]) * d[i];
    }
    EXPECT_LE(std::sqrt(ey / ny), 1e-6) << activation_name(a);
    EXPECT_LE(std::sqrt(ed / nd), 1e-5) << activation_name(a);
  }
}
