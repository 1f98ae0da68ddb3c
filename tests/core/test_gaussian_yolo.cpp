// [Gaussian_yolo] (core/layers/yolo.h, core/nn/yolo_loss.h, core/nn/detections.h): the forward activations,
// the box deltas against finite differences of the stated negative log-likelihood, the uncertainty lowering
// the detection score, and cfg errors naming file:line.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/layers/yolo.h"
#include "core/nn/detections.h"
#include "core/nn/gradcheck.h"
#include "core/nn/network.h"
#include "core/nn/yolo_loss.h"
#include "core/util/error.h"
#include "tests/support/error_of.h"

using namespace ds;
using ds::test::error_of;

namespace {

constexpr int kClasses = 2, kEntries = 8 + 1 + kClasses, kW = 3, kH = 3, kPlane = kW * kH;

YoloLossParams gaussian_head() {
  YoloLossParams p;
  p.classes = kClasses;
  p.mask = {0};
  p.anchors = {12, 10};
  p.gaussian = true;
  p.iou_normalizer = 0.5f;
  p.uc_normalizer = 0.7f;
  return p;
}

// One image, one anchor, 3x3 cells: activated-looking values (σ in (0.1, 0.9), μx, μy in (0, 1)).
std::vector<float> head_output() {
  std::vector<float> out(size_t(kEntries) * kPlane);
  Rng rng(3);
  for (int e = 0; e < kEntries; ++e)
    for (int i = 0; i < kPlane; ++i) {
      float v = e == 4 || e == 6 ? rng.uniform(-0.5f, 0.5f) : rng.uniform(0.1f, 0.9f);
      out[size_t(e * kPlane + i)] = v;
    }
  return out;
}

// The stated box loss of one coordinate (yolo_loss.h): ½·scale·(d²/(2σ²) + log(σ + 0.3)).
double nll(double target, double mu, double sigma, double scale) {
  const double d = target - mu;
  return 0.5 * scale * (d * d / (2 * sigma * sigma) + std::log(sigma + 0.3));
}

std::string build_error(const std::string& head, int filters) {
  const std::string text = "[net]\nwidth=32\nheight=32\nchannels=3\n[convolutional]\nfilters=" +
                           std::to_string(filters) + "\nsize=1\nactivation=linear\n[Gaussian_yolo]\n" + head;
  return error_of([&] { Network net(parse_cfg_text(text, "g.cfg")); });
}

}  // namespace

// μx, σx, μy, σy, σw, σh, objectness and classes go through the logistic (then scale_x_y on μx, μy); μw, μh
// stay raw.
TEST(GaussianYolo, ForwardActivations) {
  LayerHarness h = LayerHarness::build("[Gaussian_yolo]\nmask=0\nanchors=10,14\nclasses=2\nnum=1\nscale_x_y=1.2\n",
                                       {1, 3, 8, 8}, {Shape{1, kEntries, 1, 2}}, 1);
  EXPECT_EQ(h.layer->type(), "Gaussian_yolo");
  h.forward(false);
  for (int e = 0; e < kEntries; ++e)
    for (int i = 0; i < 2; ++i) {
      const float x = h.in[0][size_t(e * 2 + i)], y = h.out[size_t(e * 2 + i)];
      const float sig = 1.f / (1.f + std::exp(-x));
      const float want = e == 4 || e == 6 ? x : e == 0 || e == 2 ? sig * 1.2f - 0.1f : sig;
      EXPECT_NEAR(y, want, 1e-6) << "entry " << e;
    }
}

// The μ and σ deltas of the cell that learns the truth are −iou_normalizer·∂L/∂μ and −uc_normalizer·∂L/∂σ of
// the stated loss (central differences), and the σ deltas push σ towards |d| (the maximum-likelihood σ).
TEST(GaussianYolo, BoxDeltasAreTheNegativeGradientOfTheNegativeLogLikelihood) {
  const YoloLossParams p = gaussian_head();
  std::vector<float> out = head_output();
  const int net_w = 24, net_h = 24;
  const TruthBox t{0.45f, 0.6f, 0.4f, 0.35f, 1};  // centre in cell (1, 1)
  std::vector<float> delta(out.size(), 0.f);
  YoloLossReport rep = yolo_deltas(p, Tensor{out.data(), Shape{1, kEntries, kH, kW}, Device::cpu}, net_w, net_h,
                                   {{t}}, delta.data());
  EXPECT_EQ(rep.count, 1);
  EXPECT_GT(rep.box, 0);
  const int loc = 1 * kW + 1;
  const double scale = 2 - t.w * t.h;
  const double target[4] = {t.x * kW - 1, t.y * kH - 1, std::log(t.w * net_w / 12.0), std::log(t.h * net_h / 10.0)};
  const double eps = 1e-4;
  for (int k = 0; k < 4; ++k) {
    const double mu = out[size_t(2 * k * kPlane + loc)], sigma = out[size_t((2 * k + 1) * kPlane + loc)];
    const double d_mu = -(nll(target[k], mu + eps, sigma, scale) - nll(target[k], mu - eps, sigma, scale)) / (2 * eps);
    const double d_sigma =
        -(nll(target[k], mu, sigma + eps, scale) - nll(target[k], mu, sigma - eps, scale)) / (2 * eps);
    EXPECT_NEAR(delta[size_t(2 * k * kPlane + loc)], p.iou_normalizer * d_mu, 1e-3 * (1 + std::fabs(d_mu)))
        << "mean of coordinate " << k;
    EXPECT_NEAR(delta[size_t((2 * k + 1) * kPlane + loc)], p.uc_normalizer * d_sigma, 1e-3 * (1 + std::fabs(d_sigma)))
        << "sigma of coordinate " << k;
    const double d = std::fabs(target[k] - mu);
    EXPECT_EQ(delta[size_t((2 * k + 1) * kPlane + loc)] > 0, d * d / (sigma * sigma * sigma) > 1 / (sigma + 0.3))
        << "coordinate " << k;
  }
  // No other cell gets box deltas.
  for (int e = 0; e < 8; ++e)
    for (int i = 0; i < kPlane; ++i)
      if (i != loc) {
        EXPECT_EQ(delta[size_t(e * kPlane + i)], 0.f) << "entry " << e << " cell " << i;
      }
}

// With an IoU loss the μ deltas are [yolo]'s (the IoU gradient of the box at the means, times exp(tw|th)),
// while the σ deltas stay the negative log-likelihood's.
TEST(GaussianYolo, IouLossReplacesOnlyTheMeanDeltas) {
  YoloLossParams g = gaussian_head(), g_mse = gaussian_head();
  g.iou_loss = IouLoss::giou;
  YoloLossParams plain = g;
  plain.gaussian = false;
  const std::vector<float> out = head_output();
  constexpr int kPlainEntries = 5 + kClasses;  // [x, y, w, h, obj, classes], from the means
  std::vector<float> plain_out(size_t(kPlainEntries) * kPlane);
  for (int e = 0; e < kPlainEntries; ++e)
    for (int i = 0; i < kPlane; ++i)
      plain_out[size_t(e * kPlane + i)] = out[size_t((e < 4 ? 2 * e : e + 4) * kPlane + i)];
  const TruthBox t{0.45f, 0.6f, 0.4f, 0.35f, 1};
  auto deltas = [&](const YoloLossParams& p, std::vector<float> o, int entries) {
    std::vector<float> d(o.size(), 0.f);
    yolo_deltas(p, Tensor{o.data(), Shape{1, entries, kH, kW}, Device::cpu}, 24, 24, {{t}}, d.data());
    return d;
  };
  const std::vector<float> dg = deltas(g, out, kEntries), dm = deltas(g_mse, out, kEntries);
  const std::vector<float> dp = deltas(plain, plain_out, kPlainEntries);
  const int loc = 1 * kW + 1;
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(dg[size_t(2 * k * kPlane + loc)], dp[size_t(k * kPlane + loc)], 1e-6) << "mean " << k;
    EXPECT_NE(dg[size_t(2 * k * kPlane + loc)], dm[size_t(2 * k * kPlane + loc)]) << "mean " << k;
    EXPECT_EQ(dg[size_t((2 * k + 1) * kPlane + loc)], dm[size_t((2 * k + 1) * kPlane + loc)]) << "sigma " << k;
  }
}

// darknet's get_gaussian_yolo_detections: probability = objectness · class · (1 − mean σ); a larger σ lowers it.
TEST(GaussianYolo, LargerSigmaLowersTheDetectionScore) {
  const YoloLossParams p = gaussian_head();
  auto score = [&](float sigma) {
    std::vector<float> out(size_t(kEntries) * kPlane, 0.f);
    for (int e : {1, 3, 5, 7}) out[size_t(e * kPlane)] = sigma;
    out[size_t(8 * kPlane)] = 0.9f;  // objectness of cell 0
    out[size_t(9 * kPlane)] = 0.8f;  // class 0
    auto dets = yolo_detections(p, Tensor{out.data(), Shape{1, kEntries, kH, kW}, Device::cpu}, 0, 24, 24, 24, 24,
                                false, 0.05f);
    EXPECT_EQ(dets.size(), 1u);
    return dets.empty() ? -1.f : dets[0].prob[0];
  };
  EXPECT_NEAR(score(0.1f), 0.9f * 0.8f * 0.9f, 1e-6);
  EXPECT_NEAR(score(0.5f), 0.9f * 0.8f * 0.5f, 1e-6);
  EXPECT_LT(score(0.5f), score(0.1f));
  EXPECT_EQ(score(0.95f), 0.f);  // 0.72 · 0.05 = 0.036 is below the threshold
}

TEST(GaussianYolo, CfgErrorsNameFileLine) {
  const std::string head = "mask=0,1\nanchors=10,14, 23,27\nclasses=2\nnum=2\n";
  EXPECT_EQ(build_error(head, 2 * kEntries), "(no InputError)");
  std::string e = build_error(head, 2 * 7);  // [yolo]'s channel count
  EXPECT_NE(e.find("g.cfg:12"), std::string::npos) << e;  // the classes= line
  EXPECT_NE(e.find("filters=22"), std::string::npos) << e;
  e = build_error(head + "yolo_point=left_top\n", 2 * kEntries);
  EXPECT_NE(e.find("g.cfg:14"), std::string::npos) << e;
  EXPECT_NE(e.find("yolo_point"), std::string::npos) << e;
  e = build_error(head + "uc_normalizer=abc\n", 2 * kEntries);
  EXPECT_NE(e.find("g.cfg:14"), std::string::npos) << e;
}
