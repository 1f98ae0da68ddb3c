// What only the emulation can count: the kernel launches of the fused CUDA steps (emu::kernel_launches), so that a
// change that splits a fused pass again fails here. The convolution's output stage (core/cuda/output_stage.h):
// one launch each way without batch norm; with it two each way in training (plain or CmBN), and one forward, two
// backward with the rolling statistics. Unfused, the training forward took five or six kernels and two to four
// copies, the backward seven kernels. A channel-wise activation adds a pass of its own each way.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/cuda/device_buffer.h"
#include "core/cuda/output_stage.h"

using namespace ds;

namespace {

// The launches of one output_stage_forward and of the output_stage_backward after it, on the k-th mini-batch
// (CmBN when cmbn_index > 0, after the first).
std::pair<size_t, size_t> output_stage_launches(Activation a, bool batch_norm, bool train, int cmbn_index = 0) {
  const ChannelShape s{2, 3, 5};
  const size_t n = s.size(), c = size_t(s.channels);
  std::vector<float> values(n), ones(c, 1.f);
  for (size_t i = 0; i < n; ++i) values[i] = float(i % 7) - 3.f;
  cuda::DeviceBuffer out(n), pre(n), delta(n), scales(c), biases(c), rm(c), rv(c), bias_grads(c), scale_grads(c);
  delta.upload(values.data(), n);
  for (cuda::DeviceBuffer* b : {&scales, &biases, &rm, &rv, &bias_grads, &scale_grads}) b->upload(ones.data(), c);
  cuda::BatchNormDeviceState st;
  cuda::BatchNorm bn{scales.data(), rm.data(), rv.data(), scale_grads.data(), st};
  bn.train = train;
  for (int k = 1; k < cmbn_index; ++k) {  // the batch's earlier mini-batches
    out.upload(values.data(), n);
    bn.cmbn_index = k;
    cuda::output_stage_forward(a, out.data(), s, biases.data(), pre.data(), &bn);
  }
  bn.cmbn_index = cmbn_index;
  out.upload(values.data(), n);
  const cuda::BatchNorm* maybe = batch_norm ? &bn : nullptr;
  const size_t start = emu::kernel_launches();
  cuda::output_stage_forward(a, out.data(), s, biases.data(), pre.data(), maybe);
  const size_t forward = emu::kernel_launches() - start;
  cuda::output_stage_backward(a, pre.data(), out.data(), delta.data(), s, bias_grads.data(), maybe);
  return {forward, emu::kernel_launches() - start - forward};
}

using Launches = std::pair<size_t, size_t>;

}  // namespace

TEST(EmulatedLaunches, OutputStageIsOnePassEachWayPlusOneForBatchNorm) {
  EXPECT_EQ(output_stage_launches(Activation::leaky, false, true), Launches(1, 1));
  EXPECT_EQ(output_stage_launches(Activation::mish, true, true), Launches(2, 2));
  EXPECT_EQ(output_stage_launches(Activation::leaky, true, true, 2), Launches(2, 2));
  EXPECT_EQ(output_stage_launches(Activation::linear, true, false), Launches(1, 2));
  EXPECT_EQ(output_stage_launches(Activation::normalize_channels_softmax, true, true), Launches(3, 3));
}
