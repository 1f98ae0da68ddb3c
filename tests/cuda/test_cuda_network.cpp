// Whole networks on the GPU (cuda::Network: one op per layer) against the same networks on the
// CPU reference, from the same parameters, input, truths and random numbers; skips without a GPU.
// Per layer: ‖gpu − cpu‖/‖cpu‖ of the outputs ≤ 2e-4 (fp32 cuDNN algorithms sum in other orders, Winograd/FFT
// round differently), of the deltas reaching the input and of the parameter gradients ≤ 2e-3 (sums over the
// batch), and of the parameters after an SGD step ≤ 1e-5. In tf32 and mixed precision (10-bit mantissas in the
// convolutions' products and fp16 inputs) the bounds are 5e-3, 1e-1 and 1e-4: on an emulation with tf32/fp16
// rounding the eight-layer network's forward was within 1e-3, its input delta within 4.2e-2 and its worst gradient
// (layer 0's biases: a sum over the batch whose terms cancel) within 5.2e-2.
// The smoke detector's backward is compared at 1e-1: its deepest maps hold a dozen values per channel, so one
// leaky input that changes sign between two correct implementations changes a whole channel's batch-norm
// delta (measured on the CPU alone: a 1e-6 change of the input moves the input delta by 2.9e-2 and the gradients
// by 4.6e-2). In mixed precision it is compared forward only (fp16 rounding over 70 layers: up to 4.8e-2, measured
// on an fp16 emulation) and its gradients must be finite; not at inference, where this test's made-up rolling
// statistics push activations past fp16's 65504 (as they would on any fp16 hardware).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "core/cuda/cuda_network.h"
#include "core/layers/yolo.h"
#include "core/nn/network.h"
#include "core/nn/sgd.h"
#include "tests/support/cuda_twins.h"
#include "tests/support/relative_l2.h"

using namespace ds;

namespace {

struct Tolerances {
  double forward, backward, step;
};
constexpr Tolerances kFp32{2e-4, 2e-3, 1e-5}, kReduced{5e-3, 1e-1, 1e-4};

std::vector<float> uniform(size_t n, float lo, float hi, Rng& rng) {
  std::vector<float> v(n);
  for (float& e : v) e = rng.uniform(lo, hi);
  return v;
}

// darknet's initialisation, with the zero rolling statistics moved away from 0 so that inference tests them.
void initialise(Network& cpu) {
  Rng init(7);
  cpu.init_params(init);
  for (size_t i = 0; i < cpu.num_params(); ++i)
    if (cpu.params()[i] == 0.f) cpu.params()[i] = 0.01f * float(i % 7);
}

// The same cfg on the CPU and on the GPU from the same parameters, with the bounds of the comparison.
struct NetworkPair : test::CudaTwins {
  Tolerances tol;
  NetworkPair(const Cfg& cfg, cuda::Precision precision, Tolerances t)
      : CudaTwins(cfg, initialise, precision), tol(t) {}

  bool has_loss() const {
    for (size_t i = 0; i < cpu->num_layers(); ++i)
      if (dynamic_cast<const YoloLayer*>(&cpu->layer(i))) return true;
    return false;
  }
};

std::vector<std::vector<TruthBox>> random_truths(int images, int classes, Rng& rng) {
  std::vector<std::vector<TruthBox>> t(static_cast<size_t>(images));
  for (auto& boxes : t)
    for (int k = 0; k < 3; ++k)
      boxes.push_back(TruthBox{rng.uniform(0.2f, 0.8f), rng.uniform(0.2f, 0.8f), rng.uniform(0.1f, 0.5f),
                               rng.uniform(0.1f, 0.5f), rng.uniform_int(0, classes - 1)});
  return t;
}

void expect_outputs_match(NetworkPair& p, const std::string& what) {
  for (size_t i = 0; i < p.cpu->num_layers(); ++i)
    EXPECT_LE(test::relative_l2(test::download(p.device->output(i)), test::values(p.cpu->output(i))), p.tol.forward)
        << what << ": output of layer " << i << " [" << p.cpu->layer(i).type() << "]";
}

// `iterations` training iterations (forward, deltas, backward, SGD at `learning_rate`; a second step applies the
// first's momentum) and an inference pass, compared layer by layer.
void expect_gpu_matches_cpu(const Cfg& cfg, cuda::Precision precision = cuda::Precision::fp32,
                            Tolerances tol = kFp32, float learning_rate = 0.01f, int iterations = 2) {
  NetworkPair p(cfg, precision, tol);
  const int n = p.cpu->mini_batch();
  const size_t in_size = size_t(n) * p.cpu->input_shape().size();
  Rng data(11);
  const std::vector<float> x = uniform(in_size, 0.f, 1.f, data);
  const auto truths = random_truths(n, 2, data);
  const auto* t = p.has_loss() ? &truths : nullptr;
  Rng rng_cpu(5), rng_gpu(5);  // dropout draws its masks from these (on the host, for both)

  for (int step = 0; step < iterations; ++step) {
    const std::string at = " (iteration " + std::to_string(step) + ")";
    p.cpu->forward(x.data(), true, &rng_cpu, 10, t, 0.01f, 0);
    p.gpu->forward(x.data(), true, &rng_gpu, 10, t, 0.01f, 0);
    expect_outputs_match(p, "training forward" + at);
    const size_t last = p.cpu->num_layers() - 1;
    if (!t) {  // no loss layer: the same upstream delta on the last layer of both
      const Tensor d = p.cpu->delta(last);
      const std::vector<float> upstream = uniform(d.size(), -1.f, 1.f, data);
      std::copy(upstream.begin(), upstream.end(), d.data);
      DS_CUDA_CHECK(cudaMemcpy(p.device->delta(last).data, upstream.data(), upstream.size() * sizeof(float),
                               cudaMemcpyHostToDevice));
    }
    std::vector<float> dx_cpu(in_size, 0.f), dx_gpu(in_size, 0.f);
    p.cpu->backward(x.data(), dx_cpu.data());
    p.gpu->backward(x.data(), dx_gpu.data());
    EXPECT_LE(test::relative_l2(dx_gpu, dx_cpu), p.tol.backward) << "delta of the network input" << at;
    p.gpu->sync_to_host();
    for (const ParamSlot& s : p.cpu->param_slots())
      EXPECT_LE(test::relative_l2(p.gpu->grads() + s.offset, p.cpu->grads() + s.offset, s.block.count),
                p.tol.backward)
          << "gradient of layer " << s.layer << " [" << p.cpu->layer(size_t(s.layer)).type() << "] " << s.block.name
          << at;
    sgd_step(*p.cpu, learning_rate);
    sgd_step(*p.gpu, learning_rate);
    p.gpu->sync_to_host();
    EXPECT_LE(test::relative_l2(p.gpu->params(), p.cpu->params(), p.cpu->num_params()), p.tol.step)
        << "parameters after the SGD step" << at;
    EXPECT_LE(test::relative_l2(p.gpu->grads(), p.cpu->grads(), p.cpu->num_params()), p.tol.backward)
        << "momentum after the SGD step" << at;
  }
  p.cpu->forward(x.data(), false);
  p.gpu->forward(x.data(), false);
  expect_outputs_match(p, "inference");
}

Cfg from_text(const std::string& text) { return parse_cfg_text(text, "test.cfg"); }

// Convolutions on awkward shapes: odd sizes, strides, groups, dilation, padding 0 and 2, with and without batch
// norm, every element-wise activation.
const char* kConvolutions = R"(
[net]
batch=3
width=11
height=13
channels=3
loss_scale=128
[convolutional]
batch_normalize=1
filters=6
size=3
pad=1
activation=leaky
[convolutional]
filters=6
size=3
stride_x=2
stride_y=1
pad=1
activation=leaky
[convolutional]
batch_normalize=1
filters=6
size=3
stride=2
pad=1
groups=3
activation=mish
[convolutional]
batch_normalize=1
filters=9
size=3
pad=1
dilation=2
activation=swish
[convolutional]
filters=4
size=1
activation=logistic
[convolutional]
batch_normalize=1
filters=5
size=5
padding=2
activation=hard_mish
[convolutional]
filters=7
size=3
pad=0
activation=tanh
[convolutional]
filters=3
size=2
stride=2
activation=relu
)";

}  // namespace

TEST(GpuNetwork, ConvolutionsMatchCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(from_text(kConvolutions));
}

TEST(GpuNetwork, ConvolutionsInTf32AndMixedPrecisionMatchCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(from_text(kConvolutions), cuda::Precision::tf32, kReduced);
  expect_gpu_matches_cpu(from_text(kConvolutions), cuda::Precision::mixed, kReduced);
}

Cfg smoke_detector() {
  Cfg cfg = parse_cfg_file(std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg");
  apply_overrides(cfg, {"net.width=96", "net.height=64", "net.batch=2", "net.subdivisions=1", "net.loss_scale=128"});
  return cfg;
}

TEST(GpuNetwork, SmokeDetectorInMixedPrecisionFollowsCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  NetworkPair p(smoke_detector(), cuda::Precision::mixed, Tolerances{1e-1, 0, 0});
  const int n = p.cpu->mini_batch();
  Rng data(11);
  const std::vector<float> x = uniform(size_t(n) * p.cpu->input_shape().size(), 0.f, 1.f, data);
  const auto truths = random_truths(n, 2, data);
  p.cpu->forward(x.data(), true, nullptr, 10, &truths);
  p.gpu->forward(x.data(), true, nullptr, 10, &truths);
  expect_outputs_match(p, "training forward");
  p.gpu->backward(x.data());
  p.gpu->sync_to_host();
  for (size_t i = 0; i < p.gpu->num_params(); ++i) ASSERT_TRUE(std::isfinite(p.gpu->grads()[i])) << "gradient " << i;
}

TEST(GpuNetwork, CmbnSecondMiniBatchMatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  std::string text = kConvolutions;
  for (size_t at = text.find("batch_normalize=1"); at != std::string::npos; at = text.find("batch_normalize=1", at))
    text.replace(at, 17, "batch_normalize=2");
  Cfg cfg = from_text(text);
  NetworkPair p(cfg, cuda::Precision::fp32, kFp32);
  const size_t in_size = size_t(p.cpu->mini_batch()) * p.cpu->input_shape().size();
  Rng data(3);
  // Mini-batch 0 then 1 of a batch: the second normalises with the pooled statistics of both.
  for (int sub = 0; sub < 2; ++sub) {
    const std::vector<float> x = uniform(in_size, 0.f, 1.f, data);
    p.cpu->forward(x.data(), true, nullptr, 0, nullptr, 0.01f, sub);
    p.gpu->forward(x.data(), true, nullptr, 0, nullptr, 0.01f, sub);
    expect_outputs_match(p, "CmBN mini-batch " + std::to_string(sub));
  }
}

TEST(GpuNetwork, EveryLayerTypeMatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(parse_cfg_file(std::string(DS_SOURCE_DIR) + "/tests/data/every_layer.cfg"));
}

TEST(GpuNetwork, SmokeDetectorMatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  // One step (after it the two differ by the backward's 1e-1, which the next forward amplifies), at a learning
  // rate that keeps it small (0.01 blows this detector's activations up to 1e6).
  expect_gpu_matches_cpu(smoke_detector(), cuda::Precision::fp32, Tolerances{2e-4, 1e-1, 1e-5}, 1e-5f, 1);
}

TEST(GpuNetwork, MixedPrecisionConvertsTheWeightsAgainAfterTheyChange) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  // The fp16 weights are cached between SGD steps and uploads: a forward after either must use the new weights.
  NetworkPair p(from_text(kConvolutions), cuda::Precision::mixed, kReduced);
  const size_t in_size = size_t(p.cpu->mini_batch()) * p.cpu->input_shape().size();
  Rng data(23);
  const std::vector<float> x = uniform(in_size, 0.f, 1.f, data);
  auto both_forward = [&](const std::string& what) {
    p.cpu->forward(x.data(), true, nullptr, 0, nullptr, 0.01f, 0);
    p.gpu->forward(x.data(), true, nullptr, 0, nullptr, 0.01f, 0);
    expect_outputs_match(p, what);
  };
  both_forward("first forward");
  for (Network* n : {p.cpu.get(), p.gpu.get()}) {  // new weights through the host copy
    n->sync_to_host();
    for (size_t i = 0; i < n->num_params(); ++i) n->params()[i] *= -0.5f;
    n->sync_to_device();
  }
  both_forward("after an upload of new weights");
  for (Network* n : {p.cpu.get(), p.gpu.get()}) {  // new weights from an SGD step on a made-up gradient
    n->sync_to_host();
    for (size_t i = 0; i < n->num_params(); ++i) n->grads()[i] = 0.2f * float(i % 5) - 0.4f;
    n->sync_to_device();
    sgd_step(*n, 3.f);
  }
  both_forward("after an upload and an SGD step");
  for (Network* n : {p.cpu.get(), p.gpu.get()}) sgd_step(*n, 3.f);  // the momentum moves them again
  both_forward("after an SGD step alone");
}
