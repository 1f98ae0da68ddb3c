// The native CUDA [yolo] / [Gaussian_yolo] op (core/cuda/yolo_op.cpp) against the CPU layer (core/layers/yolo.h,
// core/nn/yolo_loss.h), on a 13x11 head of 3 anchors out of 9, classes 1 and 7, every loss option; skips without a
// GPU. The head reads a maxpool of size 1 and stride 4 of the 52x44 network input (an exact copy of every 4th cell,
// so both devices' heads see the same values, and the boxes are relative to a network input 4 times the head).
// Truths per image: none, one, many (two and three in one cell, a duplicate, on cell borders and the image's edges,
// tiny and whole-image boxes); a second round of other truths reuses the op's buffers.
//
// Compared with ‖gpu − cpu‖/‖cpu‖ (tests/support/relative_l2.h), per training pass (forward with truths, backward):
//   the head's activated output ≤ 1e-5 (the device's expf rounds differently: ~1e-7);
//   the head's delta, the maxpool's delta and the network input's delta ≤ 1e-5 (the same host code on outputs
//     that differ by rounding; a prediction whose IoU lies within rounding of ignore_thresh or truth_thresh would
//     flip and fail this: with these fixed inputs none does, unless the device's rounding puts one there);
//   last_loss: box, obj, cls and iou_sum within 1e-4 relative (device sums in double, in another order), count and
//     undefined_iou exactly.
// Then a pass with truths outside training (sweep inspect --deltas) and an inference pass (output only).
// The Cpu/YoloCaseCoverage suite (no GPU needed) checks that each case exercises what it is named for.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/cuda/cuda_network.h"
#include "core/layers/yolo.h"
#include "core/nn/network.h"
#include "tests/support/cuda_twins.h"
#include "tests/support/relative_l2.h"

using namespace ds;

namespace {

constexpr double kOutputTolerance = 1e-5, kDeltaTolerance = 1e-5, kLossTolerance = 1e-4;
constexpr int kBatch = 3, kNetW = 52, kNetH = 44, kStride = 4;  // head 13 x 11
constexpr size_t kHead = 1;                                     // layer 0: the maxpool
const char* const kAnchors = "2,3, 4,6, 8,5, 7,13, 14,10, 12,24, 24,18, 30,38, 48,40";
constexpr float kAnchorSizes[] = {2, 3, 4, 6, 8, 5, 7, 13, 14, 10, 12, 24, 24, 18, 30, 38, 48, 40};

struct YoloCase {
  std::string name;
  std::string section;  // "yolo" | "Gaussian_yolo"
  int classes = 7;
  std::string mask = "3,4,5";
  std::string options;  // more [yolo] lines
  bool positives = false;  // truth_thresh < 1: some predictions must become positives
  bool overflow = false;   // the raw w (and for one truth h) of every anchor at two truths' cells = 90: exp overflows
};

int coords(const YoloCase& c) { return c.section == "Gaussian_yolo" ? 8 : 4; }
int entries(const YoloCase& c) { return coords(c) + 1 + c.classes; }

std::string cfg_text(const YoloCase& c) {
  return "[net]\nbatch=" + std::to_string(kBatch) + "\nwidth=" + std::to_string(kNetW) + "\nheight=" +
         std::to_string(kNetH) + "\nchannels=" + std::to_string(3 * entries(c)) + "\n[maxpool]\nsize=1\nstride=" +
         std::to_string(kStride) + "\n[" + c.section + "]\nmask=" + c.mask +
         "\nanchors=" + kAnchors + "\nnum=9\nclasses=" +
         std::to_string(c.classes) + "\n" + c.options;
}

// Image 0 none, image 1 one, image 2 many; the one and some of the many of the shape of the head's second anchor.
std::vector<std::vector<TruthBox>> make_truths(const YoloCase& c, Rng& rng) {
  const int classes = c.classes;
  const int anchor = std::stoi(c.mask) + 1;
  const float aw = kAnchorSizes[2 * anchor] / kNetW, ah = kAnchorSizes[2 * anchor + 1] / kNetH;
  std::vector<std::vector<TruthBox>> t(kBatch);
  auto cls = [&] { return rng.uniform_int(0, classes - 1); };
  t[1].push_back({rng.uniform(0.1f, 0.9f), rng.uniform(0.1f, 0.9f), aw, ah, cls()});
  std::vector<TruthBox>& m = t[2];
  const float x = (float(rng.uniform_int(1, 11)) + 0.3f) / 13, y = (float(rng.uniform_int(1, 9)) + 0.4f) / 11;
  m.push_back({x, y, aw * 1.1f, ah * 0.9f, 0});                   // two of the head's shape in one cell,
  m.push_back({x + 0.01f, y, aw * 0.9f, ah * 1.1f, classes - 1});  // of two classes (with classes > 1)
  for (int k = 0; k < 30; ++k)
    m.push_back({rng.uniform(0.02f, 0.98f), rng.uniform(0.02f, 0.98f), rng.uniform(0.08f, 0.45f),
                 rng.uniform(0.1f, 0.6f), cls()});
  for (int k = 0; k < 8; ++k)  // small: for the small anchors
    m.push_back({rng.uniform(0.f, 1.f), rng.uniform(0.f, 1.f), rng.uniform(0.02f, 0.12f), rng.uniform(0.03f, 0.15f),
                 cls()});
  m.push_back(m[0]);                                                    // a duplicate: same cell, same class
  m.push_back({m[1].x, m[1].y, 0.15f, 0.5f, (m[1].cls + 1) % classes});  // m[1]'s cell, another shape and class
  m.push_back({m[2].x, m[2].y, m[2].w * 0.95f, m[2].h * 1.05f, (m[2].cls + 1) % classes});  // m[2]'s anchor, too
  m.push_back({m[1].x, m[1].y, 0.3f, 0.2f, m[1].cls});                  // and a third, m[1]'s class
  m.push_back({5.f / 13, 3.f / 11, 0.21f, 0.3f, cls()});                 // on the corner of four cells
  m.push_back({7.f / 13, 0.5f, 0.25f, 0.3f, cls()});                     // on a border between columns
  m.push_back({1.f, 1.f, 0.25f, 0.3f, cls()});                           // on the far corner: the last cell
  m.push_back({0.f, 0.f, 0.2f, 0.2f, cls()});                            // on the near corner
  m.push_back({0.3f, 0.6f, 0.003f, 0.004f, cls()});                      // tiny
  m.push_back({0.5f, 0.5f, 1.f, 1.f, cls()});                            // the whole image
  m.push_back({0.7f, 0.2f, 0.9f, 0.95f, cls()});                         // huge
  return t;
}

// The network input U(-2, 2); with overflow, 90 at the raw w of every slot at the cells of image 2's truths 0 and 2
// (the h too for truth 0).
std::vector<float> make_input(const YoloCase& c, const std::vector<std::vector<TruthBox>>& truths, Rng& rng) {
  const int channels = 3 * entries(c);
  std::vector<float> x(size_t(kBatch) * size_t(channels) * kNetH * kNetW);
  for (float& v : x) v = rng.uniform(-2.f, 2.f);
  if (c.overflow)
    for (int k : {0, 2}) {
      const TruthBox& t = truths[2][size_t(k)];
      const int i = std::min(12, int(t.x * 13)), j = std::min(10, int(t.y * 11));
      for (int slot = 0; slot < 3; ++slot)
        for (int e : {coords(c) / 2, k == 0 ? 3 * coords(c) / 4 : -1}) {  // w (μw), h (μh)
          if (e < 0) continue;
          const size_t ch = size_t(slot * entries(c) + e);
          x[((size_t(2) * size_t(channels) + ch) * kNetH + size_t(kStride * j)) * kNetW + size_t(kStride * i)] = 90.f;
        }
    }
  return x;
}

using test::download;
using test::values;

const YoloLayer& head(const Network& n) { return dynamic_cast<const YoloLayer&>(n.layer(kHead)); }

void expect_loss_near(const YoloLossReport& got, const YoloLossReport& want, const std::string& what) {
  auto tolerance = [](double w) { return kLossTolerance * std::max(std::abs(w), 1e-6); };
  EXPECT_NEAR(got.box, want.box, tolerance(want.box)) << what << ": box";
  EXPECT_NEAR(got.obj, want.obj, tolerance(want.obj)) << what << ": obj";
  EXPECT_NEAR(got.cls, want.cls, tolerance(want.cls)) << what << ": cls";
  EXPECT_NEAR(got.iou_sum, want.iou_sum, tolerance(want.iou_sum)) << what << ": iou_sum";
  EXPECT_EQ(got.count, want.count) << what << ": count";
  EXPECT_EQ(got.undefined_iou, want.undefined_iou) << what << ": undefined_iou";
}

// The CPU network and its twin on the GPU (neither layer has parameters).
struct Twins : test::CudaTwins {
  explicit Twins(const std::string& text) : CudaTwins(parse_cfg_text(text, "yolo.cfg")) {}

  void expect_head_matches(const std::string& what, bool deltas) {
    EXPECT_LE(test::relative_l2(download(device->output(kHead)), values(cpu->output(kHead))), kOutputTolerance)
        << what << ": activated output";
    if (!deltas) return;
    EXPECT_LE(test::relative_l2(download(device->delta(kHead)), values(cpu->delta(kHead))), kDeltaTolerance)
        << what << ": delta";
    expect_loss_near(head(*gpu).last_loss, head(*cpu).last_loss, what + ": last_loss");
  }
};

void expect_gpu_matches_cpu(const YoloCase& c) {
  Twins t(cfg_text(c));
  const size_t in_size = size_t(kBatch) * t.cpu->input_shape().size();
  Rng data(11);
  for (int round = 0; round < 2; ++round) {
    const std::string what = c.name + " round " + std::to_string(round);
    const auto truths = make_truths(c, data);
    const std::vector<float> x = make_input(c, truths, data);
    t.cpu->forward(x.data(), true, nullptr, round, &truths);
    t.gpu->forward(x.data(), true, nullptr, round, &truths);
    t.expect_head_matches(what + " training", true);

    std::vector<float> dx_cpu(in_size, 0.f), dx_gpu(in_size, 0.f);
    t.cpu->backward(x.data(), dx_cpu.data());
    t.gpu->backward(x.data(), dx_gpu.data());
    EXPECT_LE(test::relative_l2(download(t.device->delta(0)), values(t.cpu->delta(0))), kDeltaTolerance)
        << what << ": delta of the maxpool";
    EXPECT_LE(test::relative_l2(dx_gpu, dx_cpu), kDeltaTolerance) << what << ": delta of the network input";

    // Outside training with truths (sweep inspect --deltas): the same deltas.
    t.cpu->forward(x.data(), false, nullptr, 0, &truths);
    t.gpu->forward(x.data(), false, nullptr, 0, &truths);
    t.expect_head_matches(what + " inspect", true);

    t.cpu->forward(x.data(), false);
    t.gpu->forward(x.data(), false);
    t.expect_head_matches(what + " inference", false);
    EXPECT_EQ(head(*t.gpu).last_loss.count, 0) << what << ": inference leaves no loss";
  }
}

const std::vector<YoloCase>& cases() {
  static const std::vector<YoloCase> all = {
      {"mse", "yolo", 7, "3,4,5", ""},
      {"mse_one_class_small_anchors", "yolo", 1, "0,1,2", "scale_x_y=2.0\nignore_thresh=0.3\n"},
      {"giou_large_anchors", "yolo", 7, "6,7,8",
       "iou_loss=giou\niou_normalizer=0.07\nscale_x_y=1.05\nignore_thresh=0.7\n"},
      {"diou_it", "yolo", 7, "3,4,5",
       "iou_loss=diou\niou_normalizer=0.07\niou_thresh=0.213\nscale_x_y=1.1\nobj_normalizer=0.4\n"},
      {"ciou_it_giou_smoothing", "yolo", 1, "3,4,5",
       "iou_loss=ciou\niou_normalizer=0.07\niou_thresh=0.3\niou_thresh_kind=giou\nlabel_smooth_eps=0.1\nmax_delta=5\n"},
      {"objectness_smooth", "yolo", 7, "3,4,5",
       "objectness_smooth=1\nignore_thresh=0.3\niou_loss=ciou\niou_normalizer=0.07\nscale_x_y=1.2\n"},
      {"truth_thresh", "yolo", 7, "3,4,5", "truth_thresh=0.5\nignore_thresh=0.3\n", true},
      {"truth_thresh_smooth_it", "yolo", 1, "3,4,5",
       "truth_thresh=0.45\nignore_thresh=0.3\nobjectness_smooth=1\niou_thresh=0.213\niou_loss=giou\n"
       "iou_normalizer=0.5\nlabel_smooth_eps=0.05\n",
       true},
      {"gaussian_mse", "Gaussian_yolo", 7, "3,4,5", "uc_normalizer=0.5\nignore_thresh=0.4\n"},
      {"gaussian_ciou_it_truth_thresh", "Gaussian_yolo", 1, "3,4,5",
       "iou_loss=ciou\niou_normalizer=0.07\niou_thresh=0.213\ntruth_thresh=0.45\nignore_thresh=0.3\nscale_x_y=1.05\n",
       true},
      {"overflow_ciou", "yolo", 7, "3,4,5", "iou_loss=ciou\niou_normalizer=0.07\n", false, true},
      {"gaussian_overflow_giou", "Gaussian_yolo", 7, "3,4,5", "iou_loss=giou\niou_normalizer=0.07\n", false, true},
  };
  return all;
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const YoloCase& c : cases()) names.push_back(c.name);
  return names;
}

const YoloCase& case_named(const std::string& name) {
  for (const YoloCase& c : cases())
    if (c.name == name) return c;
  throw std::logic_error("no case " + name);
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace

class GpuYolo : public ::testing::TestWithParam<std::string> {};

TEST_P(GpuYolo, MatchesCpu) {
  if (!cuda::device_available()) GTEST_SKIP() << "no CUDA device";
  expect_gpu_matches_cpu(case_named(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Gpu, GpuYolo, ::testing::ValuesIn(case_names()), param_name);

// On the CPU: each case's first round trains assignments in images 1 and 2, ignores (or smooths) the objectness of
// some predictions no truth is assigned to, makes positives past truth_thresh where it sets one, and overflows
// where it means to.
class YoloCaseCoverage : public ::testing::TestWithParam<std::string> {};

TEST_P(YoloCaseCoverage, ExercisesItsOptions) {
  const YoloCase& c = case_named(GetParam());
  Network net(parse_cfg_text(cfg_text(c), "yolo.cfg"));
  Rng data(11);
  const auto truths = make_truths(c, data);
  const std::vector<float> x = make_input(c, truths, data);
  net.forward(x.data(), true, nullptr, 0, &truths);
  const YoloLayer& l = head(net);
  const YoloLossParams p = l.loss_params();
  const Tensor out = net.output(kHead), delta = net.delta(kHead);
  const YoloHeadShape g = yolo_head(p, out.shape, l.net_w, l.net_h);

  std::set<size_t> assigned;  // entry-0 indices of the cells truths are assigned to
  for (int b = 0; b < kBatch; ++b) {
    const auto as = yolo_assignments(p, g, truths[size_t(b)]);
    if (b > 0) {
      EXPECT_FALSE(as.empty()) << "image " << b << " has no assignment";
    }
    for (const YoloAssignment& a : as) assigned.insert(g.index(b, a.slot, a.loc, 0));
  }
  int changed = 0, positive = 0;
  for (int b = 0; b < kBatch; ++b)
    for (int n = 0; n < g.slots; ++n)
      for (int loc = 0; loc < int(g.plane()); ++loc) {
        if (assigned.count(g.index(b, n, loc, 0))) continue;
        const size_t obj = g.index(b, n, loc, g.coords);
        changed += delta.data[obj] != p.obj_normalizer * (0 - out.data[obj]);
        positive += delta.data[obj] > 0;
      }
  EXPECT_GT(changed, 0) << "no prediction's objectness ignored or smoothed";
  if (c.positives) {
    EXPECT_GT(positive, 0) << "no positive past truth_thresh";
  } else if (!p.objectness_smooth) {
    EXPECT_EQ(positive, 0);
  }
  EXPECT_EQ(l.last_loss.undefined_iou > 0, c.overflow) << l.last_loss.undefined_iou << " undefined IoUs";
  // Several truths in one cell: some cell holds two classes' positive deltas.
  int shared = 0;
  for (size_t base : assigned) {
    int k = 0;
    for (int e = 0; e < c.classes; ++e) k += delta.data[base + size_t(g.coords + 1 + e) * g.plane()] > 0;
    shared += k > 1;
  }
  if (c.classes > 1) {
    EXPECT_GT(shared, 0) << "no cell learns two classes";
  }
}

INSTANTIATE_TEST_SUITE_P(Cpu, YoloCaseCoverage, ::testing::ValuesIn(case_names()), param_name);

