// The network input's overlapped upload (core/cuda/input_upload.h): passes that follow one another on new inputs,
// as a trainer's mini-batches do, each compute from their own input: forward and backward while the next input is
// already on its way, and a second forward before the first's backward. Gradients (which read the input in the
// first layer's weight gradient) and outputs are compared with the CPU's at the fp32 bounds of test_cuda_network.
// On the CUDA emulation the upload's copies run only when waited for, so a pass that did not wait reads stale
// data and fails here. Skips without a GPU.
#include <gtest/gtest.h>

#include "core/cfg/cfg.h"
#include "core/cuda/cuda_network.h"
#include "tests/support/cuda_twins.h"
#include "tests/support/relative_l2.h"

using namespace ds;

namespace {

const char* kTwoConvolutions = R"(
[net]
batch=2
width=9
height=7
channels=3
[convolutional]
filters=4
size=3
pad=1
activation=leaky
[convolutional]
batch_normalize=1
filters=5
size=3
stride=2
pad=1
activation=mish
)";

std::vector<float> uniform(size_t n, Rng& rng) {
  std::vector<float> v(n);
  for (float& e : v) e = rng.uniform(-1.f, 1.f);
  return v;
}

struct Twins : test::CudaTwins {
  Twins()
      : CudaTwins(parse_cfg_text(kTwoConvolutions, "test.cfg"), [](Network& n) {
          Rng init(3);
          n.init_params(init);
        }) {}
  size_t input_size() const { return size_t(cpu->mini_batch()) * cpu->input_shape().size(); }
  void forward(const std::vector<float>& x) {
    cpu->forward(x.data(), true, nullptr, 0, nullptr, 0.01f, 0);
    gpu->forward(x.data(), true, nullptr, 0, nullptr, 0.01f, 0);
    const size_t last = cpu->num_layers() - 1;
    EXPECT_LE(test::relative_l2(test::download(device->output(last)), test::values(cpu->output(last))), 2e-4);
  }
  // The same upstream delta on both; backward accumulates into the gradients as over a batch's mini-batches.
  void backward(const std::vector<float>& x, Rng& rng) {
    const size_t last = cpu->num_layers() - 1;
    const std::vector<float> upstream = uniform(cpu->delta(last).size(), rng);
    std::copy(upstream.begin(), upstream.end(), cpu->delta(last).data);
    DS_CUDA_CHECK(cudaMemcpy(device->delta(last).data, upstream.data(), upstream.size() * sizeof(float),
                             cudaMemcpyHostToDevice));
    cpu->backward(x.data());
    gpu->backward(x.data());
  }
  void expect_same_gradients(const std::string& what) {
    gpu->sync_to_host();
    EXPECT_LE(test::relative_l2(gpu->grads(), cpu->grads(), cpu->num_params()), 2e-3) << what;
  }
};

}  // namespace

TEST(GpuInputUpload, EachPassComputesFromItsOwnInput) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  Twins t;
  Rng data(17);
  for (int pass = 0; pass < 5; ++pass) {  // more passes than buffers: each is reused
    const std::vector<float> x = uniform(t.input_size(), data);
    t.forward(x);
    t.backward(x, data);
    t.expect_same_gradients("after pass " + std::to_string(pass));
  }
}

TEST(GpuInputUpload, ABackwardReadsItsOwnForwardsInput) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  Twins t;
  Rng data(19);
  const std::vector<float> first = uniform(t.input_size(), data), second = uniform(t.input_size(), data);
  t.forward(first);
  t.forward(second);  // the first pass is dropped: the backward is the second's
  t.backward(second, data);
  t.expect_same_gradients("backward after two forwards");
  const std::vector<float> third = uniform(t.input_size(), data);
  t.forward(third);  // writes the buffer the first forward used
  t.backward(third, data);
  t.expect_same_gradients("backward of the third forward");
}
