// Each Table 4 detector switch changes the training signal or the data the way ABLATIONS.md says.
// (M is tested in tests/data_pipeline/test_mosaic.cpp, OA in test_anchors.cpp, CA in tests/core/test_sgd.cpp.)
#include <gtest/gtest.h>

#include <cmath>

#include "core/layers/yolo.h"
#include "core/nn/gradcheck.h"
#include "core/nn/yolo_loss.h"
#include "core/train/random_shape.h"

using namespace ds;

namespace {

// One head on a 4x4 grid of a 64x64 network, 2 classes. Every activated output (x, y, objectness,
// classes) is 0.5 and w, h are 0 (predicted size = anchor). ignore_thresh is set past 1 so that the
// "good enough prediction" rule does not hide the assignments these tests look at.
struct Head {
  YoloLossParams p;
  std::vector<float> out, delta;
  Shape shape;
  explicit Head(int anchors_in_mask) {
    p.classes = 2;
    p.anchors = {16, 16, 20, 20, 40, 40};
    p.ignore_thresh = 1.1f;
    for (int i = 0; i < anchors_in_mask; ++i) p.mask.push_back(i);
    shape = Shape{1, anchors_in_mask * 7, 4, 4};
    out.assign(shape.size(), 0.5f);
    for (int n = 0; n < anchors_in_mask; ++n)
      for (int e = 2; e < 4; ++e) std::fill_n(out.begin() + (n * 7 + e) * 16, 16, 0.f);
    delta.assign(shape.size(), 0.f);
  }
  YoloLossReport run(const std::vector<TruthBox>& truths) {
    std::fill(delta.begin(), delta.end(), 0.f);
    return yolo_deltas(p, Tensor{out.data(), shape, Device::cpu}, 64, 64, {truths}, delta.data());
  }
  // Entry e of anchor slot n at cell (i, j).
  float& d(int n, int e, int i, int j) { return delta[size_t(n) * 7 * 16 + size_t(e) * 16 + size_t(j) * 4 + i]; }
};

}  // namespace

TEST(Table4Switches, S_ScaleXYLetsCentresReachCellBorders) {
  // S: x' = s·σ(tx) − (s−1)/2. With s = 1 the offset stays inside (0, 1); with s = 1.2 it reaches past both
  // borders, so a truth centred on a cell border is reachable with a finite tx.
  auto offsets = [](float s) {
    std::string cfg = "[yolo]\nmask=0\nanchors=10,14\nclasses=1\nnum=1\nscale_x_y=" + std::to_string(s) + "\n";
    LayerHarness h = LayerHarness::build(cfg, Shape{1, 3, 32, 32}, {Shape{1, 6, 2, 2}}, 1);
    for (size_t i = 0; i < h.in[0].size(); ++i) h.in[0][i] = i < 4 ? 8.f : -8.f;  // x channel: σ ≈ 1; y: σ ≈ 0
    h.forward(false);
    return std::pair<float, float>{h.out[0], h.out[4]};
  };
  auto [x1, y1] = offsets(1.f);
  auto [x2, y2] = offsets(1.2f);
  EXPECT_LT(x1, 1.f);
  EXPECT_GT(y1, 0.f);
  EXPECT_GT(x2, 1.f);   // 1.2·0.99966 − 0.1 ≈ 1.0996
  EXPECT_LT(y2, 0.f);
  EXPECT_NEAR(x2, 1.2f / (1.f + std::exp(-8.f)) - 0.1f, 1e-6);
}

TEST(Table4Switches, IT_AssignsEveryAnchorAboveTheThresholdAndAveragesBoxDeltas) {
  // Truth 18x18 px: best anchor is 20x20 (slot 1); 16x16 (slot 0) also has IoU (16²/18²) = 0.79.
  const std::vector<TruthBox> truth = {{0.4f, 0.4f, 18.f / 64, 18.f / 64, 1}};
  Head off(3), on(3);
  on.p.iou_thresh = 0.213f;
  YoloLossReport r_off = off.run(truth), r_on = on.run(truth);
  EXPECT_EQ(r_off.count, 1);
  EXPECT_EQ(r_on.count, 2);  // 40x40 has IoU 0.2025 < 0.213: not assigned
  // Slot 0 at the truth's cell (1, 1) becomes a positive only with IT.
  EXPECT_FLOAT_EQ(off.d(0, 4, 1, 1), -0.5f);  // obj delta 0 − 0.5
  EXPECT_FLOAT_EQ(on.d(0, 4, 1, 1), 0.5f);    // obj delta 1 − 0.5
  EXPECT_FLOAT_EQ(on.d(2, 4, 1, 1), -0.5f);
  // One truth per cell: averaging divides by the one positive class, so slot 1's box delta is unchanged.
  EXPECT_FLOAT_EQ(on.d(1, 0, 1, 1), off.d(1, 0, 1, 1));
}

TEST(Table4Switches, IT_AveragesBoxDeltasOfACellWithTwoTruthClasses) {
  // Two truths of different classes in the same cell and anchor: box deltas are summed, then divided by 2.
  Head h(1);
  h.p.anchors = {16, 16};
  h.p.iou_thresh = 0.5f;
  const TruthBox a{0.30f, 0.30f, 0.25f, 0.25f, 0}, b{0.32f, 0.33f, 0.25f, 0.25f, 1};
  h.run({a});
  const float da = h.d(0, 0, 1, 1);
  h.run({b});
  const float db = h.d(0, 0, 1, 1);
  h.run({a, b});
  EXPECT_NEAR(h.d(0, 0, 1, 1), (da + db) / 2, 1e-6);
}

TEST(Table4Switches, LS_SmoothsEveryClassTarget) {
  // LS: targets y·(1−ε) + 0.5·ε for every class (sigmoid outputs): 0.95 and 0.05 with ε = 0.1.
  const std::vector<TruthBox> truth = {{0.4f, 0.4f, 0.3f, 0.3f, 1}};
  Head plain(1), smooth(1);
  plain.p.anchors = smooth.p.anchors = {20, 20};
  smooth.p.label_smooth_eps = 0.1f;
  plain.run(truth);
  smooth.run(truth);
  EXPECT_FLOAT_EQ(plain.d(0, 6, 1, 1), 1.f - 0.5f);   // true class: 1 − 0.5
  EXPECT_FLOAT_EQ(plain.d(0, 5, 1, 1), 0.f - 0.5f);
  EXPECT_FLOAT_EQ(smooth.d(0, 6, 1, 1), 0.95f - 0.5f);
  EXPECT_FLOAT_EQ(smooth.d(0, 5, 1, 1), 0.05f - 0.5f);
}

TEST(Table4Switches, LossVariantsGiveDifferentBoxSignalsThatImproveTheirMeasure) {
  // MSE: (2 − w·h)·iou_normalizer·(t − x) on the raw coordinates. IoU variants: a step along the delta
  // (x, y directly; w, h through exp) increases that variant's measure.
  const TruthBox t{0.45f, 0.40f, 0.30f, 0.20f, 0};
  std::vector<std::array<float, 4>> signals;
  for (IouLoss kind : {IouLoss::mse, IouLoss::giou, IouLoss::diou, IouLoss::ciou}) {
    Head h(1);
    h.p.anchors = {16, 16};
    h.p.iou_loss = kind;
    h.out[0 * 16 + 5] = 0.2f;   // x offset at cell (1, 1): pred centre (1.2/4, 1.3/4)
    h.out[1 * 16 + 5] = 0.3f;
    h.run({t});
    std::array<float, 4> d = {h.d(0, 0, 1, 1), h.d(0, 1, 1, 1), h.d(0, 2, 1, 1), h.d(0, 3, 1, 1)};
    signals.push_back(d);
    if (kind == IouLoss::mse) {
      const float scale = (2 - t.w * t.h) * 0.75f;
      EXPECT_NEAR(d[0], scale * (t.x * 4 - 1 - 0.2f), 1e-5);
      EXPECT_NEAR(d[2], scale * std::log(t.w * 64 / 16), 1e-5);
      continue;
    }
    auto measure = [&](float ox, float oy, float ow, float oh) {
      Box pred{(1 + ox) / 4, (1 + oy) / 4, std::exp(ow) * 16 / 64, std::exp(oh) * 16 / 64};
      return box_iou_kind(pred, Box{t.x, t.y, t.w, t.h}, kind);
    };
    const float step = 1e-2f;
    EXPECT_GT(measure(0.2f + step * d[0], 0.3f + step * d[1], step * d[2], step * d[3]), measure(0.2f, 0.3f, 0, 0))
        << int(kind);
  }
  for (size_t a = 0; a < signals.size(); ++a)
    for (size_t b = a + 1; b < signals.size(); ++b) EXPECT_NE(signals[a], signals[b]) << a << " vs " << b;
}

TEST(Table4Switches, IoULossesSkipAPredictionWhoseSizeOverflowed) {
  // A predicted w of exp(200) = Inf: GIoU's enclosing box is then Inf − Inf, NaN. darknet zeroes such deltas
  // (fix_nan_inf); the reported loss must stay finite (a NaN loss stops the run as diverged) and the
  // assignment is counted as undefined. DIoU and CIoU stay finite for this box.
  const Box truth{0.3f, 0.3f, 0.2f, 0.2f};
  const Box pred{1.2f / 4, 1.5f / 4, std::exp(200.f) * 16 / 64, 0.25f};
  ASSERT_TRUE(std::isnan(box_iou_kind(pred, truth, IouLoss::giou)));
  for (IouLoss kind : {IouLoss::giou, IouLoss::diou, IouLoss::ciou}) {
    Head h(1);
    h.p.anchors = {16, 16};
    h.p.iou_loss = kind;
    h.out[2 * 16 + 5] = 200.f;  // tw at cell (1, 1)
    const YoloLossReport r = h.run({TruthBox{truth.x, truth.y, truth.w, truth.h, 0}});
    EXPECT_TRUE(std::isfinite(r.total())) << int(kind);
    EXPECT_EQ(r.count, 1);
    EXPECT_EQ(r.undefined_iou, std::isfinite(box_iou_kind(pred, truth, kind)) ? 0 : 1) << int(kind);
    for (int e = 0; e < 4; ++e) EXPECT_TRUE(std::isfinite(h.d(0, e, 1, 1))) << e;
    EXPECT_FLOAT_EQ(h.d(0, 4, 1, 1), 1 - 0.5f);  // objectness still trained
  }
}

TEST(Table4Switches, DM_RaisesTheMiniBatchAsRandomShapesShrinkThePixels) {
  NetOptions n;
  n.width = n.height = 128;
  n.mini_batch = 16;
  n.max_batches = 1000;
  n.resize_step = 32;
  const int max_dim = 224;  // round(1.4·128/32 + 1)·32
  int smaller = 0;
  for (int it = 10; it < 800; it += 10) {
    ShapeChoice plain = random_shape(n, 1.f, it, 7);
    EXPECT_EQ(plain.mini_batch, 16);
    EXPECT_EQ(plain.w % 32, 0);
    EXPECT_LE(plain.w, max_dim);
    NetOptions dm = n;
    dm.dynamic_minibatch = 1;
    ShapeChoice d = random_shape(dm, 1.f, it, 7);
    EXPECT_EQ(d.w, plain.w);  // DM changes the batch, not the size
    const int full = 16 * max_dim * max_dim / (d.w * d.h);
    EXPECT_EQ(d.mini_batch, int(full * 0.8) > 16 ? int(full * 0.8) : full);
    smaller += d.w < max_dim;
  }
  EXPECT_GT(smaller, 10);  // sizes do vary
  EXPECT_EQ(random_shape(n, 1.f, 0, 7).w, max_dim);     // largest at the start
  EXPECT_EQ(random_shape(n, 1.f, 950, 7).w, max_dim);   // and for the last 100 iterations
}
