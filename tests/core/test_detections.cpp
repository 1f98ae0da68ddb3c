// Post-processing: decoding [yolo] outputs with letterbox undo, and the three NMS kinds.
#include <gtest/gtest.h>

#include <cmath>

#include "core/nn/detections.h"

using namespace ds;

namespace {

Detection det(float x, float y, float w, float h, float p) {
  Detection d;
  d.box = {x, y, w, h};
  d.objectness = p;
  d.prob = {p};
  return d;
}

}  // namespace

TEST(Detections, DecodesOneConfidentCellAndUndoesTheLetterbox) {
  // One head, 2x2 cells, one anchor of 16x8 px, 1 class; network 32x32.
  YoloLossParams head;
  head.classes = 1;
  head.mask = {0};
  head.anchors = {16, 8};
  std::vector<float> out(6 * 4, 0.f);
  const size_t s = 4;
  const size_t loc = 1 * 2 + 0;  // row 1, column 0
  out[0 * s + loc] = 0.5f;       // x offset (already logistic)
  out[1 * s + loc] = 0.25f;
  out[2 * s + loc] = std::log(2.f);  // w = 2 * anchor
  out[3 * s + loc] = 0.f;
  out[4 * s + loc] = 0.9f;       // objectness
  out[5 * s + loc] = 0.8f;       // class probability
  Tensor t{out.data(), Shape{1, 6, 2, 2}, Device::cpu};

  auto stretched = yolo_detections(head, t, 0, 32, 32, 64, 32, false, 0.5f);
  ASSERT_EQ(stretched.size(), 1u);
  EXPECT_FLOAT_EQ(stretched[0].box.x, 0.25f);   // (0 + 0.5) / 2
  EXPECT_FLOAT_EQ(stretched[0].box.y, 0.625f);  // (1 + 0.25) / 2
  EXPECT_FLOAT_EQ(stretched[0].box.w, 1.f);     // 2 * 16 / 32
  EXPECT_FLOAT_EQ(stretched[0].box.h, 0.25f);
  EXPECT_FLOAT_EQ(stretched[0].prob[0], 0.72f);

  // A 64x32 image letterboxed into 32x32 occupies rows 8..24: y and h are stretched back by 2.
  auto boxed = yolo_detections(head, t, 0, 32, 32, 64, 32, true, 0.5f);
  ASSERT_EQ(boxed.size(), 1u);
  EXPECT_FLOAT_EQ(boxed[0].box.x, 0.25f);
  EXPECT_FLOAT_EQ(boxed[0].box.y, (0.625f - 0.25f) / 0.5f);
  EXPECT_FLOAT_EQ(boxed[0].box.h, 0.5f);

  EXPECT_TRUE(yolo_detections(head, t, 0, 32, 32, 64, 32, false, 0.95f).empty());
}

TEST(Detections, NmsKeepsTheBestOfOverlappingBoxesPerClass) {
  std::vector<Detection> d = {det(0.5f, 0.5f, 0.2f, 0.2f, 0.6f), det(0.51f, 0.5f, 0.2f, 0.2f, 0.9f),
                              det(0.1f, 0.1f, 0.1f, 0.1f, 0.5f)};
  nms(d, 1, 0.45f, NmsKind::default_nms);
  int kept = 0;
  for (const auto& x : d) kept += x.prob[0] > 0;
  EXPECT_EQ(kept, 2);
  EXPECT_FLOAT_EQ(d[0].prob[0], 0.9f);  // sorted by probability
  EXPECT_FLOAT_EQ(d[1].prob[0], 0.f);   // suppressed by the better overlapping box
}

TEST(Detections, DiouNmsKeepsOverlappingBoxesWithDistantCentres) {
  // Nested boxes with the same centre vs shifted centres: DIoU penalises centre distance.
  auto run = [](NmsKind kind) {
    std::vector<Detection> d = {det(0.5f, 0.5f, 0.4f, 0.4f, 0.9f), det(0.62f, 0.5f, 0.4f, 0.4f, 0.8f)};
    nms(d, 1, 0.5f, kind, 0.6f);
    return d[1].prob[0] > 0;
  };
  // IoU of the two is 0.538 > 0.5: suppressed by IoU-NMS; DIoU subtracts (d²/c²)^0.6 and keeps it.
  EXPECT_FALSE(run(NmsKind::default_nms));
  EXPECT_FALSE(run(NmsKind::greedynms));
  EXPECT_TRUE(run(NmsKind::diounms));
}
