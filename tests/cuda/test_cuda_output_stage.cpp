// The convolution's output stage on the GPU (core/cuda/output_stage.h: batch norm, biases and activation, forward
// and backward each fused into two launches) against the CPU's steps in ConvolutionalLayer's order
// (batchnorm_forward, add_channel_bias, activate; activation_backward, backward_channel_bias, batchnorm_backward),
// on a shape that fills no block evenly; skips without a GPU. Every activation kind (one channel-wise), without
// batch norm, with it in training, with the rolling statistics, and CmBN's second mini-batch (its statistics pooled
// with the first's). ‖gpu − cpu‖/‖cpu‖ of the output and the rolling statistics within 1e-6, of the delta and the
// bias and scale gradients within 2e-5: the block sums add in another order than the CPU's sequential float sums,
// and the fused backward takes the scales out of darknet's sums.
#include <gtest/gtest.h>

#include <vector>

#include "core/cuda/activations.h"
#include "core/cuda/device_buffer.h"
#include "core/cuda/output_stage.h"
#include "core/util/rng.h"
#include "tests/support/relative_l2.h"

using namespace ds;

namespace {

enum class Norm { none, train, rolling, cmbn };

const char* norm_name(Norm n) {
  switch (n) {
    case Norm::none: return "no batch norm";
    case Norm::train: return "training";
    case Norm::rolling: return "rolling statistics";
    case Norm::cmbn: return "CmBN, second mini-batch";
  }
  return "";
}

std::vector<float> uniform(size_t n, float lo, float hi, Rng& rng) {
  std::vector<float> v(n);
  for (float& e : v) e = rng.uniform(lo, hi);
  return v;
}

void expect_gpu_matches_cpu(Activation a, Norm norm) {
  const ChannelShape s{3, 5, 7 * 11};
  const size_t n = s.size(), c = size_t(s.channels);
  const ChannelLayout layout{s.channels, size_t(s.spatial)};
  Rng rng(7);
  const std::vector<float> first = uniform(n, -2.f, 4.f, rng), conv = uniform(n, -3.f, 3.f, rng);
  const std::vector<float> upstream = uniform(n, -1.f, 1.f, rng);
  const std::vector<float> biases = uniform(c, -.5f, .5f, rng), scales = uniform(c, .5f, 1.5f, rng);
  const std::vector<float> rolling_mean = uniform(c, -.2f, .2f, rng), rolling_variance = uniform(c, .5f, 2.f, rng);
  const std::vector<float> bias_start(c, .25f), scale_start(c, -.25f);
  const bool bn = norm != Norm::none, train = norm == Norm::train || norm == Norm::cmbn;

  // CPU: (CmBN: a first mini-batch's batch norm) batch norm, biases, activation; then the backward.
  std::vector<float> cpu = conv, cpu_rm = rolling_mean, cpu_rv = rolling_variance;
  BatchNormState st;
  if (norm == Norm::cmbn) {
    std::vector<float> x1 = first;
    ds::batchnorm_forward(x1.data(), s, true, scales.data(), cpu_rm.data(), cpu_rv.data(), .01f, st, 1);
  }
  if (bn)
    ds::batchnorm_forward(cpu.data(), s, train, scales.data(), cpu_rm.data(), cpu_rv.data(), .01f, st,
                          norm == Norm::cmbn ? 2 : 0);
  add_channel_bias(cpu.data(), biases.data(), s);
  const std::vector<float> pre = cpu;
  ds::activate(a, cpu.data(), n, layout);
  std::vector<float> delta = upstream, bias_grads = bias_start, scale_grads = scale_start;
  ds::activation_backward(a, pre.data(), cpu.data(), delta.data(), n, layout);
  ds::backward_channel_bias(bias_grads.data(), delta.data(), s);
  if (bn) ds::batchnorm_backward(delta.data(), s, scales.data(), cpu_rv.data(), scale_grads.data(), st);

  // GPU: the same passes through the fused stage.
  cuda::DeviceBuffer out(n), pre_act(n), d(n), g_biases(c), g_scales(c), rm(c), rv(c), bias_g(c), scale_g(c);
  d.upload(upstream.data(), n);
  g_biases.upload(biases.data(), c);
  g_scales.upload(scales.data(), c);
  rm.upload(rolling_mean.data(), c);
  rv.upload(rolling_variance.data(), c);
  bias_g.upload(bias_start.data(), c);
  scale_g.upload(scale_start.data(), c);
  cuda::BatchNormDeviceState gst;
  cuda::BatchNorm g_bn{g_scales.data(), rm.data(), rv.data(), scale_g.data(), gst};
  g_bn.train = train;
  if (norm == Norm::cmbn) {
    out.upload(first.data(), n);
    g_bn.cmbn_index = 1;
    cuda::output_stage_forward(a, out.data(), s, g_biases.data(), pre_act.data(), &g_bn);
    g_bn.cmbn_index = 2;
  }
  out.upload(conv.data(), n);
  cuda::output_stage_forward(a, out.data(), s, g_biases.data(), pre_act.data(), bn ? &g_bn : nullptr);
  cuda::output_stage_backward(a, pre_act.data(), out.data(), d.data(), s, bias_g.data(), bn ? &g_bn : nullptr);

  const std::string what = std::string(activation_name(a)) + ", " + norm_name(norm);
  EXPECT_LE(test::relative_l2(out.download(), cpu), 1e-6) << "output, " << what;
  EXPECT_LE(test::relative_l2(rm.download(), cpu_rm), 1e-6) << "rolling mean, " << what;
  EXPECT_LE(test::relative_l2(rv.download(), cpu_rv), 1e-6) << "rolling variance, " << what;
  EXPECT_LE(test::relative_l2(d.download(), delta), 2e-5) << "delta, " << what;
  EXPECT_LE(test::relative_l2(bias_g.download(), bias_grads), 2e-5) << "bias gradients, " << what;
  EXPECT_LE(test::relative_l2(scale_g.download(), scale_grads), 2e-5) << "scale gradients, " << what;
}

}  // namespace

TEST(GpuOutputStage, ForwardAndBackwardMatchCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  for (Norm norm : {Norm::none, Norm::train, Norm::rolling, Norm::cmbn})
    for (Activation a : {Activation::linear, Activation::leaky, Activation::relu, Activation::logistic,
                         Activation::tanh, Activation::swish, Activation::mish, Activation::hard_mish,
                         Activation::normalize_channels_softmax})
      expect_gpu_matches_cpu(a, norm);
}
