// Tests of the COCO bbox evaluator: every case under shared/fixtures/coco_eval against pycocotools' numbers
// (1e-9), plus the rules the fixtures do not isolate (linspace thresholds, ground-truth id 0, maxDets, empty input).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/eval/coco_eval.h"
#include "core/eval/coco_json.h"
#include "core/util/error.h"
#include "core/util/json_file.h"

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(DS_SHARED_DIR) / "fixtures" / "coco_eval";
constexpr double kTolerance = 1e-9;

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  if (!std::filesystem::is_directory(kFixtures)) return names;
  for (const auto& entry : std::filesystem::directory_iterator(kFixtures))
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "expected.json"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class CocoEvalFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(CocoEvalFixture, MatchesPycocotools) {
  const std::filesystem::path dir = kFixtures / GetParam();
  const ds::CocoEvalResult r =
      ds::evaluate_coco(ds::read_coco_instances(dir / "gt.json"), ds::read_coco_results(dir / "dt.json"));
  const nlohmann::json expected = ds::read_json_file(dir / "expected.json");
  for (size_t i = 0; i < r.stats.size(); ++i)
    EXPECT_NEAR(r.stats[i], expected.at("stats").at(ds::kCocoStatNames[i]).get<double>(), kTolerance)
        << ds::kCocoStatNames[i];
  const nlohmann::json& per_cat = expected.at("per_category_AP");
  ASSERT_EQ(per_cat.size(), r.category_ids.size());
  for (size_t k = 0; k < r.category_ids.size(); ++k)
    EXPECT_NEAR(r.per_category_ap[k], per_cat.at(std::to_string(r.category_ids[k])).get<double>(), kTolerance)
        << "category " << r.category_ids[k];
}

INSTANTIATE_TEST_SUITE_P(GoldenCocoEval, CocoEvalFixture, ::testing::ValuesIn(fixture_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(GoldenCocoEvalFixtures, AreAllPresent) {
  const std::vector<std::string> names = fixture_names();
  EXPECT_GE(names.size(), 11u) << "expected the edge_* and random_* cases under " << kFixtures;
}

ds::GtAnnotation gt_box(int64_t id, double x, double y, double w, double h, bool crowd = false) {
  ds::GtAnnotation g;
  g.id = id;
  g.image_id = 1;
  g.category_id = 1;
  g.bbox = {x, y, w, h};
  g.area = w * h;
  g.iscrowd = crowd;
  return g;
}

ds::DtAnnotation dt_box(double x, double y, double w, double h, double score, int64_t image = 1) {
  ds::DtAnnotation d;
  d.image_id = image;
  d.category_id = 1;
  d.bbox = {x, y, w, h};
  d.score = score;
  return d;
}

ds::CocoGroundTruth one_image(std::vector<ds::GtAnnotation> anns) {
  ds::CocoGroundTruth gt;
  gt.image_ids = {1};
  gt.category_ids = {1};
  gt.category_names = {"thing"};
  gt.annotations = std::move(anns);
  return gt;
}

}  // namespace

TEST(CocoEval, ThresholdsAreBuiltLikeNumpyLinspace) {
  const ds::CocoEvalParams p = ds::CocoEvalParams::bbox_defaults();
  ASSERT_EQ(p.iou_thresholds.size(), 10u);
  ASSERT_EQ(p.recall_thresholds.size(), 101u);
  EXPECT_EQ(p.iou_thresholds[8], 0.8999999999999999);
  EXPECT_EQ(p.iou_thresholds[5], 0.75);  // summarize's iouThr=.75 must find it
  EXPECT_EQ(p.iou_thresholds[9], 0.95);
  EXPECT_EQ(p.recall_thresholds[100], 1.0);
  EXPECT_EQ(p.recall_thresholds[3], 3 * 0.01);
}

TEST(CocoEval, GroundTruthWithIdZeroIsNeverATruePositive) {
  const std::vector<ds::DtAnnotation> dt = {dt_box(0, 0, 10, 10, 0.9)};
  const ds::CocoEvalResult zero = ds::evaluate_coco(one_image({gt_box(0, 0, 0, 10, 10)}), dt);
  EXPECT_EQ(zero.stats[0], 0.0);  // the detection takes the ground truth but counts as a false positive
  EXPECT_EQ(zero.stats[8], 0.0);
  const ds::CocoEvalResult one = ds::evaluate_coco(one_image({gt_box(1, 0, 0, 10, 10)}), dt);
  EXPECT_NEAR(one.stats[0], 1.0, 1e-12);
  EXPECT_EQ(one.stats[8], 1.0);
}

TEST(CocoEval, OnlyTheBestScoringDetectionsCount) {
  // 101 detections on one image: the lowest-scoring one, the only true positive, falls past maxDets=100.
  std::vector<ds::DtAnnotation> dt;
  for (int i = 0; i < 100; ++i) dt.push_back(dt_box(500, 500, 10, 10, 0.9));
  dt.push_back(dt_box(0, 0, 10, 10, 0.1));
  const ds::CocoEvalResult r = ds::evaluate_coco(one_image({gt_box(1, 0, 0, 10, 10)}), dt);
  EXPECT_EQ(r.stats[0], 0.0);
  EXPECT_EQ(r.stats[8], 0.0);
}

TEST(CocoEval, NoDetectionsGiveZeroAndNoGroundTruthGivesMinusOne) {
  const ds::CocoEvalResult none = ds::evaluate_coco(one_image({gt_box(1, 0, 0, 10, 10)}), {});
  EXPECT_EQ(none.stats[0], 0.0);
  EXPECT_EQ(none.stats[4], -1.0);  // no medium ground truth
  const ds::CocoEvalResult empty = ds::evaluate_coco(one_image({}), {dt_box(0, 0, 10, 10, 0.5)});
  for (double s : empty.stats) EXPECT_EQ(s, -1.0);
  EXPECT_EQ(empty.per_category_ap[0], -1.0);
}

TEST(CocoEval, DetectionOfAnUnknownImageIsAnInputErrorAndUnknownCategoryIsSkipped) {
  EXPECT_THROW(ds::evaluate_coco(one_image({gt_box(1, 0, 0, 10, 10)}), {dt_box(0, 0, 10, 10, 0.5, 7)}),
               ds::InputError);
  ds::DtAnnotation other = dt_box(0, 0, 10, 10, 0.5);
  other.category_id = 9;
  const ds::CocoEvalResult r = ds::evaluate_coco(one_image({gt_box(1, 0, 0, 10, 10)}), {other});
  EXPECT_EQ(r.num_detections_skipped, 1u);
  EXPECT_EQ(r.stats[0], 0.0);
}

TEST(CocoEval, MeanOfValidSkipsMinusOne) {
  EXPECT_EQ(ds::mean_of_valid({-1, -1}), -1);
  EXPECT_EQ(ds::mean_of_valid({-1, 0.5, 1.0}), 0.75);
  std::vector<double> many(1000, 0.1);
  EXPECT_NEAR(ds::mean_of_valid(many), 0.1, 1e-15);
}

TEST(CocoEval, SummaryHasPycocotoolsLayout) {
  const ds::CocoEvalResult r = ds::evaluate_coco(one_image({gt_box(1, 0, 0, 10, 10)}), {dt_box(0, 0, 10, 10, 0.9)});
  const std::string text = ds::format_coco_summary(r);
  EXPECT_NE(text.find(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = -1.000\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 12);
}
