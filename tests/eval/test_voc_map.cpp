// Tests of darknet's mAP (validate_detector_map) on hand-computed cases: area under the curve, 11 and 101
// recall points, no fall-back to a second ground truth, crowd boxes as "difficult", classes without objects.
#include <gtest/gtest.h>

#include "core/eval/voc_map.h"
#include "core/util/error.h"

namespace {

ds::GtAnnotation gt_box(int64_t id, int64_t cat, double x, double y, double w, double h, bool crowd = false) {
  ds::GtAnnotation g;
  g.id = id;
  g.image_id = 1;
  g.category_id = cat;
  g.bbox = {x, y, w, h};
  g.area = w * h;
  g.iscrowd = crowd;
  return g;
}

ds::DtAnnotation dt_box(int64_t cat, double x, double y, double w, double h, double score) {
  ds::DtAnnotation d;
  d.image_id = 1;
  d.category_id = cat;
  d.bbox = {x, y, w, h};
  d.score = score;
  return d;
}

ds::CocoGroundTruth two_classes(std::vector<ds::GtAnnotation> anns) {
  ds::CocoGroundTruth gt;
  gt.image_ids = {1};
  gt.category_ids = {1, 2};
  gt.category_names = {"a", "b"};
  gt.annotations = std::move(anns);
  return gt;
}

// Class 1: three objects; detections TP (0.9), FP (0.8), TP (0.7): precision 1, 1/2, 2/3; recall 1/3, 1/3, 2/3.
// Class 2: no objects, one detection.
ds::CocoGroundTruth tp_fp_tp_gt() {
  return two_classes({gt_box(1, 1, 0, 0, 10, 10), gt_box(2, 1, 20, 0, 10, 10), gt_box(3, 1, 40, 0, 10, 10)});
}

std::vector<ds::DtAnnotation> tp_fp_tp_dt() {
  return {dt_box(1, 0, 0, 10, 10, 0.9), dt_box(1, 100, 100, 10, 10, 0.8), dt_box(1, 20, 0, 10, 10, 0.7),
          dt_box(2, 0, 0, 10, 10, 0.6)};
}

}  // namespace

TEST(DarknetMapEval, AreaUnderCurveByHand) {
  // Backwards: delta 1/3 at envelope 2/3, delta 0, then the remaining 1/3 from recall 0 at precision 1:
  // 2/9 + 1/3 = 5/9. Class 2 has no objects: AP 0, still counted in the mean.
  const ds::DarknetMapResult r = ds::darknet_map(tp_fp_tp_gt(), tp_fp_tp_dt());
  ASSERT_EQ(r.ap.size(), 2u);
  EXPECT_NEAR(r.ap[0], 5.0 / 9.0, 1e-15);
  EXPECT_EQ(r.ap[1], 0.0);
  EXPECT_NEAR(r.map, 5.0 / 18.0, 1e-15);
  EXPECT_EQ(r.num_gt[0], 3);
  EXPECT_EQ(r.num_tp[0], 2);
  EXPECT_EQ(r.num_dt[1], 1);
}

TEST(DarknetMapEval, RecallPointsByHand) {
  // 11 points: recall 0, .1, .2, .3 -> 1; .4, .5, .6 -> 2/3; above 2/3 -> 0: (4 + 2) / 11.
  ds::DarknetMapParams eleven;
  eleven.map_points = 11;
  EXPECT_NEAR(ds::darknet_map(tp_fp_tp_gt(), tp_fp_tp_dt(), eleven).ap[0], 6.0 / 11.0, 1e-15);
  // 101 points: .00-.33 -> 1 (34 points), .34-.66 -> 2/3 (33 points): (34 + 22) / 101.
  ds::DarknetMapParams coco;
  coco.map_points = 101;
  EXPECT_NEAR(ds::darknet_map(tp_fp_tp_gt(), tp_fp_tp_dt(), coco).ap[0], 56.0 / 101.0, 1e-15);
  EXPECT_THROW(ds::darknet_average_precision({1.0}, {1.0}, 1), ds::InputError);
}

TEST(DarknetMapEval, ADetectionDoesNotFallBackToItsSecondBestObject) {
  // Both detections' best object is A (IoU .667 ties with B for the first: the first wins; .818 for the second),
  // so the second is a false positive although it overlaps B by .538 (COCOeval would match it to B).
  const ds::CocoGroundTruth gt = two_classes({gt_box(1, 1, 0, 0, 10, 10), gt_box(2, 1, 4, 0, 10, 10)});
  const ds::DarknetMapResult r =
      ds::darknet_map(gt, {dt_box(1, 2, 0, 10, 10, 0.9), dt_box(1, 1, 0, 10, 10, 0.8)});
  EXPECT_EQ(r.num_tp[0], 1);
  EXPECT_NEAR(r.ap[0], 0.5, 1e-15);  // precision 1, 1/2 at recall 1/2, 1/2
}

TEST(DarknetMapEval, CrowdBoxesActAsDifficult) {
  // A detection on a crowd box (IoU .64) is dropped; the crowd box is not an object to find.
  const ds::CocoGroundTruth gt = two_classes({gt_box(1, 1, 0, 0, 10, 10), gt_box(2, 1, 50, 50, 100, 100, true)});
  const ds::DarknetMapResult r =
      ds::darknet_map(gt, {dt_box(1, 60, 60, 80, 80, 0.95), dt_box(1, 0, 0, 10, 10, 0.9)});
  EXPECT_EQ(r.num_gt[0], 1);
  EXPECT_EQ(r.num_dt[0], 1);
  EXPECT_EQ(r.ap[0], 1.0);
}

TEST(DarknetMapEval, IouMustExceedTheThreshold) {
  // IoU exactly 0.5 is not a match in darknet (current_iou > iou_thresh).
  const ds::CocoGroundTruth gt = two_classes({gt_box(1, 1, 0, 0, 10, 10)});
  const ds::DarknetMapResult r = ds::darknet_map(gt, {dt_box(1, 0, 0, 10, 20, 0.9)});
  EXPECT_EQ(r.num_tp[0], 0);
  EXPECT_EQ(r.ap[0], 0.0);
}
