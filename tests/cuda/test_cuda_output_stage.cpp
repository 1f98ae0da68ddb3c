// The convolution's output stage on the GPU (core/cuda/output_stage.h: batch norm, biases and activation, forward
// and backward each fused into two launches) against the CPU's steps in ConvolutionalLayer's order
// (batchnorm_forward, add_channel_bias, activate; activation_backward, backward_channel_bias, batchnorm_backward),
// on a shape that fills no block evenly; skips without a GPU. Every activation kind (one channel-wise), without
// batch norm, with it in training, with the rolling statistics, and CmBN's second mini-batch (its statistics pooled
// with the first's). ‖gpu − cpu‖/‖cpu‖ of the output and the rolling statistics within 1e-6, of the delta and the
// bias and scale gradients within 2e-5: the block sums add in another order than the CPU's sequential float sums,
// and the fused backward takes the scales out of darknet's sums. The mini-batch statistics within 1e-6 of exact
// ones. Wide channels, split over blocks: below.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
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

// Relative L2 bounds of the comparison with the CPU: the output and rolling statistics, the delta and gradients.
struct Bounds {
  double forward = 1e-6, backward = 2e-5;
};

// The mean and the variance (N − 1) of channel c of x, in double precision.
std::pair<double, double> exact_moments(const std::vector<float>& x, ChannelShape s, int c) {
  const size_t n = size_t(s.batch) * size_t(s.spatial);
  auto at = [&](size_t j) { return double(x[(j / s.spatial * s.channels + size_t(c)) * s.spatial + j % s.spatial]); };
  double sum = 0, squares = 0;
  for (size_t j = 0; j < n; ++j) sum += at(j);
  const double mean = sum / double(n);
  for (size_t j = 0; j < n; ++j) squares += (at(j) - mean) * (at(j) - mean);
  return {mean, squares / double(n - 1)};
}

void expect_gpu_matches_cpu(Activation a, Norm norm, ChannelShape s = {3, 5, 7 * 11}, Bounds bounds = {}) {
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

  const std::string what = std::string(activation_name(a)) + ", " + norm_name(norm) + ", " +
                           std::to_string(s.batch) + "x" + std::to_string(s.channels) + "x" + std::to_string(s.spatial);
  EXPECT_LE(test::relative_l2(out.download(), cpu), bounds.forward) << "output, " << what;
  EXPECT_LE(test::relative_l2(rm.download(), cpu_rm), bounds.forward) << "rolling mean, " << what;
  EXPECT_LE(test::relative_l2(rv.download(), cpu_rv), bounds.forward) << "rolling variance, " << what;
  EXPECT_LE(test::relative_l2(d.download(), delta), bounds.backward) << "delta, " << what;
  EXPECT_LE(test::relative_l2(bias_g.download(), bias_grads), bounds.backward) << "bias gradients, " << what;
  EXPECT_LE(test::relative_l2(scale_g.download(), scale_grads), bounds.backward) << "scale gradients, " << what;
  if (bn && train) {  // the mini-batch's own statistics against exact ones
    const std::vector<float> mean = gst.batch_mean.download(), variance = gst.batch_variance.download();
    for (int ch = 0; ch < s.channels; ++ch) {
      const auto [m, v] = exact_moments(conv, s, ch);
      EXPECT_NEAR(mean[size_t(ch)], m, 1e-6 * std::sqrt(v)) << "batch mean of channel " << ch << ", " << what;
      EXPECT_NEAR(variance[size_t(ch)], v, 1e-6 * v) << "batch variance of channel " << ch << ", " << what;
    }
  }
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

// Channels wide enough that block_sums splits each over several blocks (kernels.cuh: 8 and 64 slices here), whose
// partials the last block to finish adds. Here the CPU is the less exact side: darknet's sequential float sums over
// 263,168 values put its batch variance 5.8e-5 off the exact one (the GPU's: 5e-8), and that moves everything after
// it. So the statistics are held to the exact ones within 1e-6 and the rest to the CPU within 1e-4, with smooth
// activations only: among half a million values a few lie so close to leaky's kink that the two sides' slightly
// different statistics put them on either side of it (delta 1 against 0.1 there).
TEST(GpuOutputStage, ChannelsSplitOverBlocksMatchCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  for (Norm norm : {Norm::train, Norm::cmbn})
    for (Activation a : {Activation::linear, Activation::mish}) {
      expect_gpu_matches_cpu(a, norm, {2, 3, 128 * 129}, {1e-4, 1e-4});
      expect_gpu_matches_cpu(a, norm, {4, 2, 256 * 257}, {1e-4, 1e-4});
    }
}
