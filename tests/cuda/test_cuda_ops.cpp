// The native CUDA ops of [maxpool], [avgpool], [route], [shortcut], [upsample], [sam], [scale_channels], [softmax],
// [cost] and [dropout] against their CPU layers, one small network per form, on awkward shapes (odd sizes, strides that do not
// divide them, inputs of different channel counts); skips without a GPU.
//
// Each op reads the network input, or layers that are exact copies of it (maxpool size=1, maxpool_depth, route),
// so the op under test sees bit-identical inputs on both devices and is compared on its own. Every layer's output
// (training and inference pass), every layer's delta after backward, the network input's delta, the parameter
// gradients and the parameters after one SGD step are compared with ‖gpu − cpu‖/‖cpu‖ (tests/support/relative_l2.h):
//   outputs of copies and maxima (route, maxpool, upsampling): exact (0);
//   outputs that are sums or products (shortcut, downsampling, avgpool, sam, scale_channels, softmax) and every delta:
//     ≤ 1e-5 (other summation orders and fused multiply-adds; maxpool's backward adds with atomics in any order;
//     the device's expf/tanhf round differently);
//   the shortcut's weight gradients, sums over the whole batch (a tree on the device): ≤ 1e-4;
//   parameters after one SGD step: ≤ 1e-5.
// The maxpool inputs are quantised to multiples of 0.25 in [-1, 1], so windows hold ties (the argmax must be the
// first in scan order, or the deltas go elsewhere) and negative maxima next to the padding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/cuda/cuda_network.h"
#include "core/nn/network.h"
#include "core/nn/sgd.h"
#include "tests/support/cuda_twins.h"
#include "tests/support/relative_l2.h"

using namespace ds;

namespace {

struct Tolerances {
  double output = 0;         // of every layer, training and inference
  double delta = 1e-5;       // of every layer and the network input
  double gradient = 1e-4;    // of the parameters
  double step = 1e-5;        // of the parameters after one SGD step
};
constexpr Tolerances kExact{0, 1e-5, 1e-4, 1e-5};
constexpr Tolerances kSums{1e-5, 1e-5, 1e-4, 1e-5};

enum class Input { uniform, quantised };  // quantised: multiples of 0.25 in [-1, 1] (ties)

std::vector<float> random_values(size_t n, Input kind, Rng& rng) {
  std::vector<float> v(n);
  for (float& e : v) {
    e = rng.uniform(-1.f, 1.f);
    if (kind == Input::quantised) e = std::round(e * 4.f) / 4.f;
  }
  return v;
}

using test::download;
using test::values;

// The CPU network and its twin on the GPU, from the same parameters: U(-1, 1), so that relu normalisation zeroes
// some shortcut weights.
struct Twins : test::CudaTwins {
  explicit Twins(const std::string& cfg_text)
      : CudaTwins(parse_cfg_text(cfg_text, "ops.cfg"), [](Network& cpu) {
          Rng rng(7);
          for (size_t i = 0; i < cpu.num_params(); ++i) cpu.params()[i] = rng.uniform(-1.f, 1.f);
        }) {}

  std::string name(size_t i) const { return "layer " + std::to_string(i) + " [" + std::string(cpu->layer(i).type()) + "]"; }

  void expect_outputs_match(double tolerance, const std::string& pass) {
    for (size_t i = 0; i < cpu->num_layers(); ++i)
      EXPECT_LE(test::relative_l2(download(device->output(i)), values(cpu->output(i))), tolerance)
          << pass << ": output of " << name(i);
  }
};

// The training pass's iteration: past DropBlock's ramp when the cfg sets max_batches=100.
constexpr int kIteration = 90;

// A training pass (forward, the same random delta on the last layer, backward into the network input, one SGD
// step) and an inference pass, every layer compared.
void expect_gpu_matches_cpu(const std::string& cfg_text, Tolerances tol, Input input = Input::uniform,
                            bool want_input_delta = true) {
  Twins t(cfg_text);
  const size_t in_size = size_t(t.cpu->mini_batch()) * t.cpu->input_shape().size();
  Rng data(11);
  const std::vector<float> x = random_values(in_size, input, data);

  Rng cpu_draws(5), gpu_draws(5);  // [dropout]'s: the same stream on both
  t.cpu->forward(x.data(), true, &cpu_draws, kIteration);
  t.gpu->forward(x.data(), true, &gpu_draws, kIteration);
  t.expect_outputs_match(tol.output, "training forward");

  const size_t last = t.cpu->num_layers() - 1;
  const Tensor d = t.cpu->delta(last);
  const std::vector<float> upstream = random_values(d.size(), Input::uniform, data);
  std::copy(upstream.begin(), upstream.end(), d.data);
  DS_CUDA_CHECK(cudaMemcpy(t.device->delta(last).data, upstream.data(), upstream.size() * sizeof(float),
                           cudaMemcpyHostToDevice));
  std::vector<float> dx_cpu(in_size, 0.f), dx_gpu(in_size, 0.f);
  t.cpu->backward(x.data(), want_input_delta ? dx_cpu.data() : nullptr);
  t.gpu->backward(x.data(), want_input_delta ? dx_gpu.data() : nullptr);
  for (size_t i = 0; i < t.cpu->num_layers(); ++i)
    EXPECT_LE(test::relative_l2(download(t.device->delta(i)), values(t.cpu->delta(i))), tol.delta)
        << "delta of " << t.name(i);
  if (want_input_delta) {
    EXPECT_LE(test::relative_l2(dx_gpu, dx_cpu), tol.delta) << "delta of the network input";
  }

  t.gpu->sync_to_host();
  for (const ParamSlot& s : t.cpu->param_slots())
    EXPECT_LE(test::relative_l2(t.gpu->grads() + s.offset, t.cpu->grads() + s.offset, s.block.count), tol.gradient)
        << "gradient of " << t.name(size_t(s.layer)) << " " << s.block.name;
  sgd_step(*t.cpu, 0.01f);
  sgd_step(*t.gpu, 0.01f);
  t.gpu->sync_to_host();
  EXPECT_LE(test::relative_l2(t.gpu->params(), t.cpu->params(), t.cpu->num_params()), tol.step)
      << "parameters after one SGD step";

  t.cpu->forward(x.data(), false);
  t.gpu->forward(x.data(), false);
  t.expect_outputs_match(tol.output, "inference");
}

// [net] of batch 3, 13 high, 11 wide, with `channels` input channels, then `layers`.
std::string network(int channels, const std::string& layers) {
  return "[net]\nbatch=3\nheight=13\nwidth=11\nchannels=" + std::to_string(channels) + "\n" + layers;
}

// Three inputs of 6, 4 and 2 channels, exact copies of the network input: 0 = the input, 1 = maxpool_depth to 4,
// 2 = maxpool_depth to 2 (of 1).
const char* kCopies = R"(
[maxpool]
size=1
stride=1
[maxpool]
maxpool_depth=1
out_channels=4
[maxpool]
maxpool_depth=1
out_channels=2
)";

std::string section_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name;
  for (char c : info.param)
    if (std::isalnum(static_cast<unsigned char>(c))) name += c;
  return name.empty() ? "plain" : name;
}

}  // namespace

// [maxpool]: each form reads the 4x13x11 network input directly.
class GpuMaxpool : public ::testing::TestWithParam<std::string> {};

TEST_P(GpuMaxpool, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  const std::string cfg = network(4, "[maxpool]\n" + GetParam());
  expect_gpu_matches_cpu(cfg, kExact, Input::quantised);
  expect_gpu_matches_cpu(cfg, kExact, Input::uniform);
}

INSTANTIATE_TEST_SUITE_P(Gpu, GpuMaxpool,
                         ::testing::Values("size=2\nstride=2\n",                    // odd 13x11: padding 1 to 7x6
                                           "size=3\nstride=2\n",                    //
                                           "size=5\nstride=1\n",                    // SPP
                                           "size=9\nstride=1\n",                    //
                                           "size=13\nstride=1\n",                   // larger than the width
                                           "size=2\nstride=1\n",                    // yolov3-tiny's
                                           "size=3\nstride_x=2\nstride_y=1\npadding=1\n",
                                           "size=2\nstride_x=1\nstride_y=3\n",      //
                                           "size=2\nstride=2\npadding=0\n",         // drops the last row/column
                                           "size=3\nstride=1\npadding=0\n",         //
                                           "size=1\nstride=1\npadding=2\n",         // border windows see no cell
                                           "size=4\nstride=3\npadding=5\n",         // odd padding
                                           "size=2\nstride=2\npadding=3\n",         // the last windows see no cell
                                           "maxpool_depth=1\nout_channels=3\n",     // max over channels g, g+3
                                           "maxpool_depth=1\nout_channels=1\n"),
                         section_name);

// SPP as in yolov4: three stride-1 poolings of one map, routed together with it.
TEST(GpuPooling, SppBlockMatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(network(3, R"(
[maxpool]
size=1
stride=1
[maxpool]
size=5
stride=1
[route]
layers=-2
[maxpool]
size=9
stride=1
[route]
layers=-4
[maxpool]
size=13
stride=1
[route]
layers=-1,-3,-5,-6
)"),
                         kExact, Input::quantised);
}

// The op's input is the network input, which wants no delta here: backward must skip it.
TEST(GpuPooling, NoInputDeltaWanted) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(network(4, "[maxpool]\nsize=3\nstride=2\n[upsample]\nstride=2\n[avgpool]\n"), kSums,
                         Input::quantised, false);
}

// [route]: three inputs of 6, 4 and 2 channels; groups=2 with group_id 0 and 1; one input taken twice (its delta
// receives both slices).
TEST(GpuRoute, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(network(6, std::string(kCopies) + R"(
# 3: 6 + 2 + 4 channels
[route]
layers=0,2,1
# 4: 3 + 2 + 1
[route]
layers=0,1,2
groups=2
group_id=1
# 5: 2 + 1 + 3
[route]
layers=1,2,-5
groups=2
group_id=0
# 6: a single input's second third
[route]
layers=0
groups=3
group_id=1
# 7: everything, layer 1 twice
[route]
layers=3,4,1,5,1,6
)"),
                         kExact);
}

// [shortcut]: the previous layer has 4 channels; `from` a layer of fewer (2) and of more (6) channels, each
// weights_type x weights_normalization, with activations that keep their input (mish, swish) and a channel-wise one.
class GpuShortcut : public ::testing::TestWithParam<std::string> {};

TEST_P(GpuShortcut, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(network(6, std::string(kCopies) + R"(
# 3: 4 channels, the shortcut's previous layer
[route]
layers=1
# 4
[shortcut]
from=2,0
)" + GetParam()),
                         kSums);
}

INSTANTIATE_TEST_SUITE_P(
    Gpu, GpuShortcut,
    ::testing::Values("activation=linear\n", "activation=mish\n", "activation=logistic\nweights_type=per_feature\n",
                      "activation=mish\nweights_type=per_feature\nweights_normalization=relu\n",
                      "activation=linear\nweights_type=per_feature\nweights_normalization=softmax\n",
                      "activation=leaky\nweights_type=per_channel\n",
                      "activation=mish\nweights_type=per_channel\nweights_normalization=relu\n",
                      "activation=swish\nweights_type=per_channel\nweights_normalization=softmax\n",
                      "activation=normalize_channels_softmax\nweights_type=per_channel\nweights_normalization=softmax\n",
                      "activation=hard_mish\nweights_normalization=softmax\n"),  // no weights: the normalisation is moot
    section_name);

// Two shortcuts in a row, the second from the first's input (a delta reaching one layer by two paths).
TEST(GpuShortcutChain, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(network(6, std::string(kCopies) + R"(
[shortcut]
from=1
weights_type=per_channel
weights_normalization=softmax
activation=mish
[shortcut]
from=0,2
weights_type=per_feature
activation=leaky
)"),
                         kSums);
}

// [upsample]: by 2, by 3 with a scale, then the reverse (summing) form by 3 with a scale and by 2.
TEST(GpuUpsample, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  const std::string up = R"(
[upsample]
stride=2
[upsample]
stride=3
scale=0.5
)";
  expect_gpu_matches_cpu(network(3, up), kExact);
  expect_gpu_matches_cpu(network(3, up + "[upsample]\nstride=-3\nscale=2\n[upsample]\nstride=-2\n"), kSums);
  expect_gpu_matches_cpu(network(3, "[upsample]\nstride=1\nscale=1.5\n"), kExact);
}

// [avgpool] of the 13x11 input, and after a downsampling maxpool.
TEST(GpuAvgpool, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(network(5, "[avgpool]\n"), kSums);
  expect_gpu_matches_cpu(network(5, "[maxpool]\nsize=3\nstride=2\n[avgpool]\n"), kSums, Input::quantised);
}

// [sam] as YOLOv4 uses it (a logistic 1x1 convolution of the map, times the map), with activations after the
// product: linear (darknet's default), leaky, mish.
TEST(GpuSam, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  for (const char* act : {"linear", "leaky", "mish"})
    expect_gpu_matches_cpu(network(4, std::string(R"(
[maxpool]
size=1
stride=1
[convolutional]
filters=4
size=1
activation=logistic
[sam]
from=0
activation=)") + act + "\n"), kSums);
}

// [scale_channels]: per channel by the 5x1x1 average of a copy of the input (squeeze-and-excitation), and per pixel
// (scale_wh) by a 1x13x11 map (the maximum over channels), with a linear and a logistic activation.
TEST(GpuScaleChannels, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  for (const char* act : {"linear", "logistic"}) {
    const std::string copy = "[maxpool]\nsize=1\nstride=1\n";
    expect_gpu_matches_cpu(network(5, copy + "[avgpool]\n[scale_channels]\nfrom=0\nactivation=" + act + "\n"), kSums);
    expect_gpu_matches_cpu(network(5, copy + "[maxpool]\nmaxpool_depth=1\nout_channels=1\n[scale_channels]\nfrom=0\n"
                                             "scale_wh=1\nactivation=" + act + "\n"), kSums);
  }
}

// [softmax] over the whole image, per channel (groups=5) and with a temperature; a classifier's [cost] after it.
TEST(GpuSoftmax, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(network(5, "[softmax]\n"), kSums);
  expect_gpu_matches_cpu(network(5, "[softmax]\ngroups=5\ntemperature=2\n"), kSums);
  expect_gpu_matches_cpu(network(5, "[softmax]\ngroups=5\n[cost]\nscale=0.5\n"), kSums);
}

// [dropout] and DropBlock (absolute and relative block sizes; max_batches=100, so that the training pass at iteration
// 90 is past DropBlock's ramp): the GPU drops exactly what the CPU does, from the same random stream.
TEST(GpuDropout, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  const std::string net = "[net]\nbatch=3\nheight=13\nwidth=11\nchannels=5\nmax_batches=100\n";
  expect_gpu_matches_cpu(net + "[dropout]\nprobability=0.3\n", kExact);
  expect_gpu_matches_cpu(net + "[dropout]\nprobability=0.5\ndropblock=1\ndropblock_size_abs=3\n", kExact);
  expect_gpu_matches_cpu(net + "[dropout]\nprobability=0.4\ndropblock=1\ndropblock_size_rel=0.5\n", kExact);
}

// Without a GPU: every layer type the CPU has (core/layer.h's layer_types()) has its CUDA op, and no other.
TEST(CudaOpRegistry, EveryLayerTypeHasItsCudaOp) {
  std::vector<std::string> cpu = layer_types(), gpu = cuda::op_types();
  std::sort(cpu.begin(), cpu.end());
  std::sort(gpu.begin(), gpu.end());
  EXPECT_EQ(gpu, cpu);
}
