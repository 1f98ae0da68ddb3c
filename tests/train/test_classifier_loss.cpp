// The classifier's training signal: darknet's smoothed targets, the softmax cross-entropy (and [cost] sse)
// deltas against finite differences through a real Network, and top-k accuracy.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "core/nn/classifier_loss.h"
#include "core/nn/gradcheck.h"
#include "core/util/error.h"
#include "core/train/classifier_trainer.h"

using namespace ds;

TEST(ClassifierLoss, SmoothedTargetsAreDarknetsFillTruthSmooth) {
  // fill_truth_smooth: 1 - eps for the true class, eps / (K - 1) for the others.
  const std::vector<float> t = smoothed_targets(2, 5, 0.1f);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_FLOAT_EQ(t[2], 0.9f);
  for (int c : {0, 1, 3, 4}) EXPECT_FLOAT_EQ(t[size_t(c)], 0.025f);
  EXPECT_NEAR(std::accumulate(t.begin(), t.end(), 0.0), 1.0, 1e-6);
  const std::vector<float> one_hot = smoothed_targets(0, 3, 0.f);
  EXPECT_EQ(one_hot, (std::vector<float>{1.f, 0.f, 0.f}));
}

TEST(ClassifierLoss, CrossEntropyHandValues) {
  const float p[3] = {0.7f, 0.2f, 0.1f}, t[3] = {0.9f, 0.05f, 0.05f};
  float d[3];
  const double loss = softmax_cross_entropy(p, t, d, 1, 3);
  EXPECT_NEAR(loss, -(0.9 * std::log(0.7) + 0.05 * std::log(0.2) + 0.05 * std::log(0.1)), 1e-6);
  EXPECT_FLOAT_EQ(d[0], 0.2f);
  EXPECT_FLOAT_EQ(d[1], -0.15f);
  EXPECT_FLOAT_EQ(d[2], -0.05f);
  const double sse = sum_squared_error(p, t, d, 1, 3);
  EXPECT_NEAR(sse, 0.04 + 0.0225 + 0.0025, 1e-6);
  EXPECT_FLOAT_EQ(d[1], -0.15f);
}

namespace {

// A linear 1x1 convolution on a 1x1x3 input giving 4 logits, then [softmax] (and [cost] when `cost`).
// Loss for fixed inputs and soft targets; parameter gradient from classifier_loss_deltas + backward.
struct TinyClassifier {
  Cfg cfg;
  std::unique_ptr<Network> net;
  ClassifierHead head;
  std::vector<float> x = {0.3f, -0.8f, 0.5f, -0.2f, 0.9f, 0.1f};  // 2 images
  std::vector<float> t;

  explicit TinyClassifier(bool cost) {
    std::string text =
        "[net]\nbatch=2\nwidth=1\nheight=1\nchannels=3\n"
        "[convolutional]\nfilters=4\nsize=1\nstride=1\nactivation=linear\n"
        "[softmax]\ngroups=1\n";
    if (cost) text += "[cost]\ntype=sse\n";
    cfg = parse_cfg_text(text, "tiny.cfg");
    net = std::make_unique<Network>(cfg);
    Rng rng(3);
    net->init_params(rng);
    head = classifier_head(cfg);
    t = smoothed_targets(1, 4, 0.1f);
    const std::vector<float> t2 = smoothed_targets(3, 4, 0.1f);
    t.insert(t.end(), t2.begin(), t2.end());
  }
  // The loss as the trainer computes it (sum over images), after a training forward.
  double loss() {
    net->forward(x.data(), true);
    return classifier_loss_deltas(*net, head, t.data(), 2);
  }
};

// Largest |analytic - numeric| over the parameters; analytic gradient = -grads (darknet's updates).
double worst_gradient_error(TinyClassifier& m) {
  std::fill(m.net->grads(), m.net->grads() + m.net->num_params(), 0.f);
  m.loss();
  m.net->backward(m.x.data());
  std::vector<float> analytic(m.net->grads(), m.net->grads() + m.net->num_params());
  double worst = 0;
  const float eps = 1e-3f;
  for (size_t i = 0; i < m.net->num_params(); ++i) {
    float& w = m.net->params()[i];
    const float keep = w;
    w = keep + eps;
    const double up = m.loss();
    w = keep - eps;
    const double down = m.loss();
    w = keep;
    const double numeric = (up - down) / (2 * eps);
    worst = std::max(worst, std::abs(double(-analytic[i]) - numeric));
  }
  return worst;
}

}  // namespace

TEST(ClassifierLoss, SoftmaxCrossEntropyDeltaIsTheNegativeGradient) {
  TinyClassifier m(false);
  ASSERT_EQ(m.head.softmax, 1);
  ASSERT_EQ(m.head.cost, -1);
  EXPECT_LT(worst_gradient_error(m), 2e-3);
}

TEST(ClassifierLoss, CostLayerAddsItsSseDeltaIntoTheSoftmaxsAsDarknet) {
  // darknet: softmax delta t - p, plus backward_cost_layer's axpy of (t - p): the update is twice the
  // cross-entropy gradient (itself checked against finite differences above).
  TinyClassifier with_cost(true);
  ASSERT_EQ(with_cost.head.softmax, 1);
  ASSERT_EQ(with_cost.head.cost, 2);
  std::fill(with_cost.net->grads(), with_cost.net->grads() + with_cost.net->num_params(), 0.f);
  with_cost.net->forward(with_cost.x.data(), true);
  classifier_loss_deltas(*with_cost.net, with_cost.head, with_cost.t.data(), 2);
  with_cost.net->backward(with_cost.x.data());
  std::vector<float> both(with_cost.net->grads(), with_cost.net->grads() + with_cost.net->num_params());

  TinyClassifier plain(false);
  std::fill(plain.net->grads(), plain.net->grads() + plain.net->num_params(), 0.f);
  plain.loss();
  plain.net->backward(plain.x.data());
  for (size_t i = 0; i < plain.net->num_params(); ++i) EXPECT_NEAR(both[i], 2 * plain.net->grads()[i], 1e-5) << i;
}

TEST(ClassifierLoss, ClassifierHeadRecognisesClassifierCfgs) {
  EXPECT_FALSE(is_classifier_cfg(parse_cfg_text("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=2\n", "a")));
  EXPECT_TRUE(is_classifier_cfg(parse_cfg_text("[net]\n[convolutional]\nfilters=2\n[softmax]\n", "b")));
  EXPECT_TRUE(is_classifier_cfg(parse_cfg_text("[net]\n[convolutional]\nfilters=2\n[softmax]\n[cost]\n", "c")));
  EXPECT_FALSE(is_classifier_cfg(parse_cfg_text("[net]\n[softmax]\n[yolo]\n", "d")));
}

TEST(ClassifierAccuracy, TopKCountsClassesRankedAboveTheTrueOne) {
  const float s[6] = {0.1f, 0.3f, 0.05f, 0.25f, 0.2f, 0.1f};
  EXPECT_TRUE(in_top_k(s, 6, 1, 1));
  EXPECT_FALSE(in_top_k(s, 6, 3, 1));
  EXPECT_TRUE(in_top_k(s, 6, 3, 2));
  EXPECT_TRUE(in_top_k(s, 6, 0, 4));   // 0.1 ties with class 5; the lower index ranks first
  EXPECT_FALSE(in_top_k(s, 6, 5, 4));  // class 5 is 5th
  EXPECT_TRUE(in_top_k(s, 6, 5, 5));
  EXPECT_FALSE(in_top_k(s, 6, 2, 5));  // the lowest score is 6th
  EXPECT_TRUE(in_top_k(s, 6, 2, 6));
}

TEST(GradcheckCost, IdentityForwardAndScaledDeltaBackward) {
  // scale 1: backward is the gradient of the identity forward.
  LayerHarness h = LayerHarness::build("[cost]\ntype=sse\n", Shape{1, 6, 1, 1}, {Shape{1, 6, 1, 1}}, 2);
  const GradcheckResult g = gradcheck(h);
  EXPECT_TRUE(g.ok(1e-3)) << g.worst;
  h.forward(true);
  for (size_t i = 0; i < h.out.size(); ++i) EXPECT_EQ(h.out[i], h.in[0][i]);
  // scale s: darknet's axpy(scale, delta, net.delta) adds s · delta (a weight, not the forward's gradient).
  LayerHarness s = LayerHarness::build("[cost]\ntype=sse\nscale=0.5\n", Shape{1, 6, 1, 1}, {Shape{1, 6, 1, 1}}, 2);
  Buffer in_delta(s.in[0].size(), 1.f);
  for (size_t i = 0; i < s.out_delta.size(); ++i) s.out_delta[i] = float(i);
  BackwardArgs b{s.input_views(), {Tensor{in_delta.data(), Shape{2, 6, 1, 1}, Device::cpu}},
                 Tensor{s.out.data(), Shape{2, 6, 1, 1}, Device::cpu},
                 Tensor{s.out_delta.data(), Shape{2, 6, 1, 1}, Device::cpu}};
  s.layer->backward(b);
  for (size_t i = 0; i < in_delta.size(); ++i) EXPECT_FLOAT_EQ(in_delta[i], 1.f + 0.5f * float(i));
  EXPECT_THROW(LayerHarness::build("[cost]\ntype=smooth\n", Shape{1, 6, 1, 1}, {Shape{1, 6, 1, 1}}, 1), InputError);
}
