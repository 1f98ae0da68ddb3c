// Whole networks on the GPU (cuda::Network: native ops and the host fallback) against the same networks on the
// CPU reference, from the same parameters, input, truths and random numbers; skips without a GPU.
// Per layer: ‖gpu − cpu‖/‖cpu‖ of the outputs ≤ 2e-4 (fp32 cuDNN algorithms sum in other orders, Winograd/FFT
// round differently), of the deltas reaching the input and of the parameter gradients ≤ 2e-3 (sums over the
// batch), and of the parameters after one SGD step ≤ 1e-5. In tf32 and mixed precision (10-bit mantissas in the
// convolutions' products and fp16 inputs) the bounds are 5e-3, 3e-2 and 1e-4.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/cuda/cuda_network.h"
#include "core/layers/yolo.h"
#include "core/nn/network.h"
#include "core/nn/sgd.h"
#include "tests/support/relative_l2.h"

using namespace ds;

namespace {

struct Tolerances {
  double forward, backward, step;
};
constexpr Tolerances kFp32{2e-4, 2e-3, 1e-5}, kReduced{5e-3, 3e-2, 1e-4};

std::vector<float> uniform(size_t n, float lo, float hi, Rng& rng) {
  std::vector<float> v(n);
  for (float& e : v) e = rng.uniform(lo, hi);
  return v;
}

std::vector<float> host_copy(const Tensor& t) {
  std::vector<float> v(t.size());
  DS_CUDA_CHECK(cudaMemcpy(v.data(), t.data, t.size() * sizeof(float), cudaMemcpyDeviceToHost));
  return v;
}

std::vector<float> host_copy(const float* p, size_t n) { return std::vector<float>(p, p + n); }

// The same cfg built twice from the same parameters; the second runs on the GPU.
struct NetworkPair {
  std::unique_ptr<Network> cpu, gpu;
  cuda::Network* device = nullptr;

  Tolerances tol;

  explicit NetworkPair(const Cfg& cfg, cuda::Precision precision = cuda::Precision::fp32)
      : cpu(std::make_unique<Network>(cfg)),
        gpu(std::make_unique<Network>(cfg)),
        tol(precision == cuda::Precision::fp32 ? kFp32 : kReduced) {
    Rng init(7);
    cpu->init_params(init);
    for (size_t i = 0; i < cpu->num_params(); ++i)  // rolling statistics away from 0 / 1, so inference tests them
      if (cpu->params()[i] == 0.f) cpu->params()[i] = 0.01f * float(i % 7);
    std::copy(cpu->params(), cpu->params() + cpu->num_params(), gpu->params());
    auto d = std::make_unique<cuda::Network>(*gpu, precision);
    device = d.get();
    gpu->attach(std::move(d));
  }

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
  for (size_t i = 0; i < p.cpu->num_layers(); ++i) {
    const Tensor want = p.cpu->output(i);
    EXPECT_LE(test::relative_l2(host_copy(p.device->output(i)), host_copy(want.data, want.size())), p.tol.forward)
        << what << ": output of layer " << i << " [" << p.cpu->layer(i).type() << "]";
  }
}

// One training pass (forward, deltas, backward, SGD) and an inference pass, compared layer by layer.
void expect_gpu_matches_cpu(const Cfg& cfg, cuda::Precision precision = cuda::Precision::fp32) {
  NetworkPair p(cfg, precision);
  const int subdivision = 0;
  const int n = p.cpu->mini_batch();
  const size_t in_size = size_t(n) * p.cpu->input_shape().size();
  Rng data(11);
  const std::vector<float> x = uniform(in_size, 0.f, 1.f, data);
  const auto truths = random_truths(n, 2, data);
  const auto* t = p.has_loss() ? &truths : nullptr;

  Rng rng_cpu(5), rng_gpu(5);  // dropout draws its masks from these (on the host, for both)
  p.cpu->forward(x.data(), true, &rng_cpu, 10, t, 0.01f, subdivision);
  p.gpu->forward(x.data(), true, &rng_gpu, 10, t, 0.01f, subdivision);
  expect_outputs_match(p, "training forward");

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
  EXPECT_LE(test::relative_l2(dx_gpu, dx_cpu), p.tol.backward) << "delta of the network input";
  p.gpu->sync_to_host();
  for (const ParamSlot& s : p.cpu->param_slots())
    EXPECT_LE(test::relative_l2(p.gpu->grads() + s.offset, p.cpu->grads() + s.offset, s.block.count),
              p.tol.backward)
        << "gradient of layer " << s.layer << " [" << p.cpu->layer(size_t(s.layer)).type() << "] " << s.block.name;

  sgd_step(*p.cpu, 0.01f);
  sgd_step(*p.gpu, 0.01f);
  p.gpu->sync_to_host();
  EXPECT_LE(test::relative_l2(p.gpu->params(), p.cpu->params(), p.cpu->num_params()), p.tol.step)
      << "parameters after one SGD step";

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
[convolutional]
batch_normalize=1
filters=6
size=3
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
  expect_gpu_matches_cpu(from_text(kConvolutions), cuda::Precision::tf32);
  expect_gpu_matches_cpu(from_text(kConvolutions), cuda::Precision::mixed);
}

TEST(GpuNetwork, SmokeDetectorInMixedPrecisionMatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  Cfg cfg = parse_cfg_file(std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg");
  apply_overrides(cfg, {"net.width=96", "net.height=64", "net.batch=2", "net.subdivisions=1", "net.loss_scale=128"});
  expect_gpu_matches_cpu(cfg, cuda::Precision::mixed);
}

TEST(GpuNetwork, CmbnSecondMiniBatchMatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  std::string text = kConvolutions;
  for (size_t at = text.find("batch_normalize=1"); at != std::string::npos; at = text.find("batch_normalize=1", at))
    text.replace(at, 17, "batch_normalize=2");
  Cfg cfg = from_text(text);
  NetworkPair p(cfg);
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
  Cfg cfg = parse_cfg_file(std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg");
  apply_overrides(cfg, {"net.width=96", "net.height=64", "net.batch=2", "net.subdivisions=1"});
  expect_gpu_matches_cpu(cfg);
}

TEST(GpuNetwork, ReportsWhichLayersRunOnTheHost) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  NetworkPair p(parse_cfg_file(std::string(DS_SOURCE_DIR) + "/tests/data/every_layer.cfg"));
  for (size_t i : p.device->host_layers()) EXPECT_NE(p.cpu->layer(i).type(), "convolutional") << i;
}
