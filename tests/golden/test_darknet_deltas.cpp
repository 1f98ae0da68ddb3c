// Golden test: the [yolo] deltas darksweep computes from darknet's own [yolo] outputs equal darknet's
// deltas (../shared/fixtures/darknet_golden/deltas_*), relative L2 error <= 1e-3 as its README asks.
// Layer 14: GIoU loss + scale_x_y; layer 19: DIoU loss + iou_thresh (IT) + label smoothing.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/nn/yolo_loss.h"
#include "core/util/npy.h"
#include "tests/support/relative_l2.h"

using namespace ds;

namespace {

const std::string kDir = std::string(DS_SHARED_DIR) + "/fixtures/darknet_golden";
const std::vector<float> kAnchors = {8, 10, 14, 12, 12, 24, 26, 20, 34, 44, 64, 56};

std::vector<std::vector<TruthBox>> read_labels(int batch) {
  std::vector<std::vector<TruthBox>> truths(static_cast<size_t>(batch));
  std::ifstream f(kDir + "/labels.txt");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream is(line);
    int image = 0;
    TruthBox t;
    if (is >> image >> t.cls >> t.x >> t.y >> t.w >> t.h) truths.at(size_t(image)).push_back(t);
  }
  return truths;
}

YoloLossParams head(int layer) {
  YoloLossParams p;
  p.classes = 2;
  p.anchors = kAnchors;
  if (layer == 14) {
    p.mask = {3, 4, 5};
    p.iou_loss = IouLoss::giou;
    p.iou_normalizer = 0.5f;
    p.ignore_thresh = 0.6f;
  } else {
    p.mask = {0, 1, 2};
    p.iou_loss = IouLoss::diou;
    p.iou_normalizer = 0.07f;
    p.iou_thresh = 0.3f;
    p.label_smooth_eps = 0.05f;
    p.ignore_thresh = 0.5f;
  }
  return p;
}

void check(const std::string& mode, int layer) {
  char name[32];
  std::snprintf(name, sizeof name, "_%03d.npy", layer);
  NpyArray out = read_npy(kDir + "/" + mode + "/layer" + name);
  NpyArray want = read_npy(kDir + "/" + mode + "/delta" + name);
  ASSERT_EQ(out.shape.size(), 4u);
  Shape s{int(out.shape[0]), int(out.shape[1]), int(out.shape[2]), int(out.shape[3])};
  std::vector<float> delta(out.data.size(), 0.f);
  YoloLossReport rep = yolo_deltas(head(layer), Tensor{out.data.data(), s, Device::cpu}, 80, 96, read_labels(s.n),
                                   delta.data());
  EXPECT_GT(rep.count, 0);
  EXPECT_LE(test::relative_l2(delta, want.data), 1e-3) << mode << " layer " << layer;
  // Each part of the signal on its own, so a failure says which one is off.
  const size_t stride = size_t(s.h) * s.w;
  for (int part = 0; part < 3; ++part) {
    std::vector<float> a, b;
    for (size_t i = 0; i < delta.size(); ++i) {
      size_t entry = (i / stride) % 7;  // 5 + 2 classes per anchor
      int kind = entry < 4 ? 0 : (entry == 4 ? 1 : 2);
      if (kind != part) continue;
      a.push_back(delta[i]);
      b.push_back(want.data[i]);
    }
    EXPECT_LE(test::relative_l2(a, b), 1e-3) << mode << " layer " << layer << " part " << (part == 0 ? "box" : part == 1 ? "obj" : "cls");
  }
}

}  // namespace

TEST(GoldenDarknet, YoloDeltasGiouScaleXY_TrainBn) { check("deltas_train_bn", 14); }
TEST(GoldenDarknet, YoloDeltasDiouIouThreshLabelSmooth_TrainBn) { check("deltas_train_bn", 19); }
TEST(GoldenDarknet, YoloDeltasGiouScaleXY_InferenceBn) { check("deltas_inference_bn", 14); }
TEST(GoldenDarknet, YoloDeltasDiouIouThreshLabelSmooth_InferenceBn) { check("deltas_inference_bn", 19); }
