// What only the emulation can count: the kernel launches of the fused CUDA steps (emu::kernel_launches), so that a
// change that splits a fused pass again fails here. The convolution's output stage (core/cuda/output_stage.h):
// one launch each way without batch norm; with it two each way in training (plain or CmBN), and one forward, two
// backward with the rolling statistics. Unfused, the training forward took five or six kernels and two to four
// copies, the backward seven kernels. A channel-wise activation adds a pass of its own each way.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/cfg/cfg.h"
#include "core/cuda/cuda_network.h"
#include "core/cuda/device_buffer.h"
#include "core/cuda/output_stage.h"
#include "core/layers/convolutional.h"
#include "core/nn/network.h"
#include "core/nn/sgd.h"
#include "core/util/rng.h"

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
  const size_t start = emu::work().kernels;
  cuda::output_stage_forward(a, out.data(), s, biases.data(), pre.data(), maybe);
  const size_t forward = emu::work().kernels - start;
  cuda::output_stage_backward(a, pre.data(), out.data(), delta.data(), s, bias_grads.data(), maybe);
  return {forward, emu::work().kernels - start - forward};
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

// One training mini-batch of YOLOv4 (experiments/cfg/paper/cspdarknet53-panet-spp.cfg, one 64x64 image, fp32) after
// a first batch (cuDNN's algorithm choice, buffers) and a first mini-batch of the second (after an SGD step each
// [shortcut] fetches its weights and uploads their normalised copy, once): the device work of its forward, backward
// and the SGD step after it, printed
// for the record (what CUDA graphs could save: the launches, and the copies to the host, each of which drains the
// device's queue). Bounded so that a change that multiplies launches fails: our kernels at most 2 per layer each
// way, one cuDNN convolution per convolutional layer forward and two backward (data and filter gradients; layer 0
// has no data gradient), a few host copies per [yolo] head in the forward only, and one launch for the SGD step.
TEST(EmulatedLaunches, YoloV4TrainingPassIsBoundedPerLayer) {
  Cfg cfg = parse_cfg_file(std::string(DS_SOURCE_DIR) + "/experiments/cfg/paper/cspdarknet53-panet-spp.cfg");
  apply_overrides(cfg, {"net.width=64", "net.height=64", "net.batch=1", "net.subdivisions=1"});
  Network net(cfg);
  Rng init(7);
  net.init_params(init);
  net.attach(std::make_unique<cuda::Network>(net, cuda::Precision::fp32));
  size_t convolutions = 0, heads = 0;
  for (size_t i = 0; i < net.num_layers(); ++i) {
    convolutions += dynamic_cast<const ConvolutionalLayer*>(&net.layer(i)) != nullptr;
    heads += std::string(net.layer(i).type()) == "yolo";
  }
  Rng data(11);
  std::vector<float> x(net.input_shape().size());
  for (float& v : x) v = data.uniform(0.f, 1.f);
  const std::vector<std::vector<TruthBox>> truths = {{{.3f, .4f, .2f, .3f, 1}, {.7f, .6f, .4f, .2f, 5}}};
  Rng rng(5);
  net.forward(x.data(), true, &rng, 10, &truths, .01f, 0);
  net.backward(x.data());
  sgd_step(net, 0.001f);
  net.forward(x.data(), true, &rng, 11, &truths, .01f, 0);  // the [shortcut]s' weights, once per SGD step
  net.backward(x.data());

  const emu::WorkCounts start = emu::work();
  net.forward(x.data(), true, &rng, 11, &truths, .01f, 1);
  const emu::WorkCounts forward = emu::work();
  net.backward(x.data());
  const emu::WorkCounts backward = emu::work();
  sgd_step(net, 0.001f);
  const emu::WorkCounts step = emu::work();
  auto print = [](const char* what, const emu::WorkCounts& a, const emu::WorkCounts& b) {
    std::printf("%-9s kernels %4zu  cuDNN convolutions %4zu  copies to device %3zu, to host %3zu, on device %3zu\n",
                what, b.kernels - a.kernels, b.cudnn_convolutions - a.cudnn_convolutions,
                b.copies_to_device - a.copies_to_device, b.copies_to_host - a.copies_to_host,
                b.copies_on_device - a.copies_on_device);
  };
  std::printf("YOLOv4 (%zu layers, %zu convolutional, %zu [yolo] heads), one training mini-batch:\n", net.num_layers(),
              convolutions, heads);
  print("forward", start, forward);
  print("backward", forward, backward);
  print("SGD step", backward, step);
  const size_t layers = net.num_layers();
  EXPECT_LE(forward.kernels - start.kernels, 2 * layers);
  EXPECT_LE(backward.kernels - forward.kernels, 2 * layers);
  EXPECT_EQ(forward.cudnn_convolutions - start.cudnn_convolutions, convolutions);
  EXPECT_EQ(backward.cudnn_convolutions - forward.cudnn_convolutions, 2 * convolutions - 1);
  EXPECT_LE(forward.copies_to_host - start.copies_to_host, 4 * heads);
  EXPECT_LE(forward.copies_to_device - start.copies_to_device, 4 * heads);
  EXPECT_EQ(backward.copies_to_device - forward.copies_to_device, 0u);
  EXPECT_EQ(backward.copies_to_host - forward.copies_to_host, 0u);
  EXPECT_EQ(step.kernels - backward.kernels, 1u);
}
