// SAT (`[net] adversarial_lr`, core/train/self_adversarial.h) on a small CmBN detector and real synthetic images:
// the adversarial step lowers the objectness the network sees and keeps pixels in [0, 1]; the adversarial pass
// leaves parameters, gradients, rolling statistics and the CmBN accumulators exactly as they were; with
// adversarial_lr = 0 or during burn-in training is bit-identical to training without SAT.
// (Resuming a SAT run bit-identically: tests/train/test_e2e_train.cpp.)
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/data/loader.h"
#include "core/data/synth.h"
#include "core/nn/sgd.h"
#include "core/train/classifier_trainer.h"
#include "core/train/self_adversarial.h"
#include "core/train/trainer.h"
#include "core/train/yolo_heads.h"
#include "tests/support/read_file.h"
#include "tests/support/tiny_detector.h"

using namespace ds;
using ds::test::read_file;
namespace fs = std::filesystem;

namespace {

// 8 training and 2 validation images of `size` px, 4 classes (one object each when `classify`).
void synth(const fs::path& out, int size, bool classify) {
  SynthOptions so;
  so.out_dir = out.string();
  so.train = 8;
  so.val = 2;
  so.size = size;
  so.classify = classify;
  so.threads = 1;
  write_synth_dataset(so);
}

// Counts the mini-batches SAT ran on over a run's "iter" events.
int sat_batches(const std::string& events) {
  int sat = 0;
  std::istringstream lines(events);
  for (std::string line; std::getline(lines, line);) {
    const auto e = nlohmann::json::parse(line, nullptr, false);
    if (e.is_object() && e.value("event", "") == "iter") sat += e.at("sat").get<int>();
  }
  return sat;
}

// Two CmBN convolutions over 2 mini-batches of 2 and one [yolo] head (3 anchors, 4 classes) at 64x64.
const std::string kCfg = ds::test::tiny_cmbn_detector_cfg(27, "[yolo]");

// A synthetic detection set (64 px, 4 classes) made once for the suite.
class SelfAdversarial : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ds_sat_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    synth(dir_ / "data", 64, false);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // The network of kCfg initialised as darknet does (seed 3).
  static std::unique_ptr<Network> network() {
    auto net = std::make_unique<Network>(parse_cfg_text(kCfg, "sat.cfg"));
    Rng init(3);
    net->init_params(init);
    return net;
  }
  // The first `count` mini-batches of the training images, unaugmented.
  static std::vector<Batch> batches(int count) {
    const Dataset train = read_darknet_list((dir_ / "data/train.txt").string(), 4);
    AugmentOptions plain;
    plain.train = false;
    Loader loader(train, plain, 1, 1);
    std::vector<Batch> out;
    for (int i = 0; i < count; ++i) out.push_back(loader.next(2, 64, 64));
    return out;
  }
  // train_detector on kCfg plus `overrides` into dir_/out; returns its stdout (the progress events).
  static std::string train(const std::string& out, const std::vector<std::string>& overrides) {
    TrainConfig c;
    c.cfg_path = "sat.cfg";
    c.cfg_text = kCfg;
    c.overrides = overrides;
    c.train_list = (dir_ / "data/train.txt").string();
    c.loader_threads = 1;
    c.out_dir = (dir_ / out).string();
    testing::internal::CaptureStdout();
    const int code = train_detector(c);
    std::string events = testing::internal::GetCapturedStdout();
    EXPECT_EQ(code, 0) << events;
    return events;
  }
  static fs::path dir_;
};

fs::path SelfAdversarial::dir_;

// What the network sees in `x` with an empty truth, in training mode with frozen statistics (the adversarial
// pass's own view): the summed squared objectness (the [yolo] obj loss: every objectness delta is 0 - obj) and
// the mean objectness.
struct Seen {
  double obj_loss = 0, mean_obj = 0;
};
Seen seen_without_objects(Network& net, const float* x) {
  const std::vector<std::vector<TruthBox>> none(size_t(net.mini_batch()));
  Rng rng(1);
  net.freeze_statistics(true);
  net.forward(x, true, &rng, 4, &none);
  net.freeze_statistics(false);
  Seen s;
  size_t cells = 0;
  for (const YoloHead& h : yolo_heads(net)) {
    s.obj_loss += h.yolo->last_loss.obj;
    const Tensor out = net.output(h.layer);
    const size_t hw = size_t(out.shape.h) * out.shape.w, per_anchor = size_t(5 + h.yolo->options.classes) * hw;
    for (int b = 0; b < out.shape.n; ++b)
      for (size_t n = 0; n < h.yolo->options.mask.size(); ++n) {
        const float* obj = out.data + size_t(b) * out.shape.c * hw + n * per_anchor + 4 * hw;
        for (size_t i = 0; i < hw; ++i) s.mean_obj += obj[i];
        cells += hw;
      }
  }
  s.mean_obj /= double(cells);
  return s;
}

// The adversarial pass on x in sub-batch `sub`, as train_detector runs it.
void adversarial(Network& net, std::vector<float>& x, float step, int sub) {
  const std::vector<std::vector<TruthBox>> none(size_t(net.mini_batch()));
  Rng rng(11);
  self_adversarial_pass(net, x.data(), step, [&](const float* in) { net.forward(in, true, &rng, 4, &none, 0.01f, sub); });
}

std::vector<float> copy_of(const float* p, size_t n) { return std::vector<float>(p, p + n); }

}  // namespace

TEST_F(SelfAdversarial, StepLowersObjectnessAndKeepsPixelsInRange) {
  auto net = network();
  Batch b = batches(1).front();
  std::vector<float> x = b.x;
  const Seen before = seen_without_objects(*net, x.data());
  adversarial(*net, x, 0.05f, 0);  // adversarial_lr 0.1 halfway through the training
  const Seen after = seen_without_objects(*net, x.data());
  size_t changed = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_GE(x[i], 0.f) << i;
    ASSERT_LE(x[i], 1.f) << i;
    changed += x[i] != b.x[i];
  }
  EXPECT_GT(changed, x.size() / 2);
  EXPECT_LT(after.obj_loss, before.obj_loss);
  EXPECT_LT(after.mean_obj, before.mean_obj);
  std::printf("[ SAT      ] step 0.05: empty-truth obj loss %.6f -> %.6f (%.3f %%), mean objectness %.6f -> %.6f, "
              "%zu of %zu pixels changed\n",
              before.obj_loss, after.obj_loss, 100.0 * (after.obj_loss - before.obj_loss) / before.obj_loss,
              before.mean_obj, after.mean_obj, changed, x.size());
  // A larger step lowers it further.
  std::vector<float> x2 = b.x;
  adversarial(*net, x2, 0.5f, 0);
  const Seen after2 = seen_without_objects(*net, x2.data());
  EXPECT_LT(after2.obj_loss, after.obj_loss);
  std::printf("[ SAT      ] step 0.5: empty-truth obj loss %.6f -> %.6f, mean objectness %.6f -> %.6f\n",
              before.obj_loss, after2.obj_loss, before.mean_obj, after2.mean_obj);
}

// One batch of 2 mini-batches (CmBN pools the second with the first). Network A runs the adversarial pass on the
// second mini-batch, then the normal pass on the image it made; network B runs only the normal passes, on the
// same images. Parameters (rolling statistics included) and gradients must be the same bits, before and after
// the SGD step: the pass changed neither them nor the CmBN accumulators the second normal pass pools with.
TEST_F(SelfAdversarial, PassLeavesParametersGradientsAndStatisticsUntouched) {
  auto a = network(), b = network();
  const std::vector<Batch> mb = batches(2);
  Rng rng_a(5), rng_b(5);
  for (Network* net : {a.get(), b.get()}) {
    Rng& rng = net == a.get() ? rng_a : rng_b;
    net->forward(mb[0].x.data(), true, &rng, 4, &mb[0].truths, 0.01f, 0);
    net->backward(mb[0].x.data());
  }
  std::vector<float> x = mb[1].x;
  const std::vector<float> params = copy_of(a->params(), a->num_params()), grads = copy_of(a->grads(), a->num_params());
  adversarial(*a, x, 0.05f, 1);
  ASSERT_NE(x, mb[1].x);
  EXPECT_EQ(0, std::memcmp(params.data(), a->params(), params.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(grads.data(), a->grads(), grads.size() * sizeof(float)));
  for (Network* net : {a.get(), b.get()}) {
    Rng& rng = net == a.get() ? rng_a : rng_b;
    net->forward(x.data(), true, &rng, 4, &mb[1].truths, 0.01f, 1);
    net->backward(x.data());
  }
  EXPECT_EQ(0, std::memcmp(a->params(), b->params(), a->num_params() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(a->grads(), b->grads(), a->num_params() * sizeof(float)));
  sgd_step(*a, 0.001f);
  sgd_step(*b, 0.001f);
  EXPECT_EQ(0, std::memcmp(a->params(), b->params(), a->num_params() * sizeof(float)));
}

// adversarial_lr = 0, or a burn-in that covers every iteration (SAT needs iteration > burn_in): the same final
// weights as without the key, and no draw taken from the trainer's Rng. With burn_in=0 SAT runs (about half of
// the 12 mini-batches) and the weights differ.
TEST_F(SelfAdversarial, OffOrDuringBurnInIsBitIdentical) {
  const std::string plain = train("plain", {"net.burn_in=6"});
  EXPECT_EQ(plain.find("\"sat\""), std::string::npos);
  train("zero", {"net.burn_in=6", "net.adversarial_lr=0"});
  const std::string burn = train("burn", {"net.burn_in=6", "net.adversarial_lr=0.5"});
  const std::string weights = read_file(dir_ / "plain/final.weights");
  ASSERT_FALSE(weights.empty());
  EXPECT_EQ(weights, read_file(dir_ / "zero/final.weights"));
  EXPECT_EQ(weights, read_file(dir_ / "burn/final.weights"));
  EXPECT_NE(burn.find("\"sat\":0"), std::string::npos) << burn;
  EXPECT_EQ(burn.find("\"sat\":1"), std::string::npos) << burn;
  EXPECT_EQ(burn.find("\"sat\":2"), std::string::npos) << burn;

  const std::string on = train("on", {"net.burn_in=0", "net.adversarial_lr=0.5"});
  const int sat = sat_batches(on);
  EXPECT_GT(sat, 0) << on;
  EXPECT_LT(sat, 12) << on;
  std::printf("[ SAT      ] burn_in=0: SAT ran on %d of 12 mini-batches\n", sat);
  EXPECT_NE(read_file(dir_ / "on/final.weights"), weights);
}

// The classifier trainer runs the same pass with an all-zero label vector.
TEST(SelfAdversarialClassifier, TrainsWithTheAdversarialStep) {
  const fs::path dir = fs::temp_directory_path() / ("ds_sat_cls_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  synth(dir / "data", 32, true);
  TrainConfig c;
  c.cfg_path = "sat-classifier.cfg";
  c.cfg_text = R"([net]
batch=4
subdivisions=2
width=32
height=32
channels=3
learning_rate=0.01
burn_in=0
max_batches=6
adversarial_lr=0.5

[convolutional]
batch_normalize=1
filters=8
size=3
stride=2
pad=1
activation=leaky

[avgpool]

[convolutional]
filters=4
size=1
activation=linear

[softmax]
)";
  c.train_list = (dir / "data/train.txt").string();
  c.out_dir = (dir / "run").string();
  testing::internal::CaptureStdout();
  const int code = train_classifier(c);
  const std::string events = testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0) << events;
  const int sat = sat_batches(events);
  EXPECT_GT(sat, 0) << events;
  EXPECT_LT(sat, 12) << events;
  std::printf("[ SAT      ] classifier: SAT ran on %d of 12 mini-batches\n", sat);
  fs::remove_all(dir);
}
