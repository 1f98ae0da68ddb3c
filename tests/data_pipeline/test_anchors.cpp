// Tests of the optimised anchors (k-means with IoU distance, darknet's calc_anchors) and `sweep anchors`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "core/data/anchors.h"
#include "core/util/error.h"
#include "tests/support/run_command.h"

namespace fs = std::filesystem;
using ds::BoxSize;

namespace {

// Boxes drawn around three well-separated shapes (±4 % jitter), in a shuffled order.
std::vector<BoxSize> three_shapes(const std::vector<BoxSize>& shapes, int per_shape, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> jitter(0.96f, 1.04f);
  std::vector<BoxSize> boxes;
  for (const BoxSize& s : shapes)
    for (int i = 0; i < per_shape; ++i) boxes.push_back({s.w * jitter(gen), s.h * jitter(gen)});
  std::shuffle(boxes.begin(), boxes.end(), gen);
  return boxes;
}

TEST(AnchorsTest, ShapeIouAnchorsBoxesAtOneCorner) {
  EXPECT_FLOAT_EQ(ds::shape_iou({10, 10}, {10, 10}), 1.f);
  EXPECT_FLOAT_EQ(ds::shape_iou({10, 10}, {20, 20}), 0.25f);
  EXPECT_FLOAT_EQ(ds::shape_iou({10, 40}, {40, 10}), 100.f / 700.f);
}

TEST(AnchorsTest, KMeansRecoversThreeShapesAndBeatsYolov3Defaults) {
  const std::vector<BoxSize> shapes = {{18, 30}, {90, 50}, {200, 280}};  // sorted by area already
  const std::vector<BoxSize> boxes = three_shapes(shapes, 300, 5);
  for (uint64_t seed : {0, 1, 2, 3}) {
    ds::AnchorResult r = ds::kmeans_anchors(boxes, 3, seed);
    ASSERT_EQ(r.anchors.size(), 3u);
    EXPECT_EQ(r.boxes, 900);
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(r.anchors[k].w, shapes[k].w, 0.03 * shapes[k].w) << "seed " << seed << " anchor " << k;
      EXPECT_NEAR(r.anchors[k].h, shapes[k].h, 0.03 * shapes[k].h) << "seed " << seed << " anchor " << k;
    }
    const float defaults = ds::mean_best_iou(boxes, ds::yolov3_default_anchors());
    EXPECT_GT(r.mean_iou, 0.9f);
    EXPECT_GT(r.mean_iou, defaults + 0.05f) << "defaults: " << defaults;
    EXPECT_NEAR(r.mean_iou, ds::mean_best_iou(boxes, r.anchors), 1e-6);
  }
}

TEST(AnchorsTest, DeterministicForASeedAndSortedByArea) {
  std::mt19937_64 gen(3);
  std::lognormal_distribution<float> size(3.5f, 0.8f);
  std::vector<BoxSize> boxes;
  for (int i = 0; i < 2000; ++i) boxes.push_back({size(gen), size(gen)});
  const ds::AnchorResult a = ds::kmeans_anchors(boxes, 9, 42), b = ds::kmeans_anchors(boxes, 9, 42);
  ASSERT_EQ(a.anchors.size(), 9u);
  for (size_t k = 0; k < 9; ++k) {
    EXPECT_EQ(a.anchors[k].w, b.anchors[k].w);
    EXPECT_EQ(a.anchors[k].h, b.anchors[k].h);
    if (k) {
      EXPECT_LE(a.anchors[k - 1].w * a.anchors[k - 1].h, a.anchors[k].w * a.anchors[k].h);
    }
  }
  EXPECT_EQ(a.mean_iou, b.mean_iou);
  const ds::AnchorResult best = ds::kmeans_anchors(boxes, 9, 42, 4);  // more attempts never do worse
  EXPECT_GE(best.mean_iou, a.mean_iou);
}

TEST(AnchorsTest, FormatsParsesAndRejects) {
  EXPECT_EQ(ds::format_anchors(ds::round_anchors({{11.6f, 16.2f}, {0.2f, 36.5f}})), "12,16, 1,37");
  const auto parsed = ds::parse_anchors("10,13,  16,30", "--compare");
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1].h, 30.f);
  EXPECT_THROW(ds::parse_anchors("10,13, 16", "--compare"), ds::InputError);
  EXPECT_THROW(ds::parse_anchors("10,x", "--compare"), ds::InputError);
  EXPECT_THROW(ds::kmeans_anchors({{1, 1}, {2, 2}}, 3, 0), ds::InputError);
  EXPECT_THROW(ds::kmeans_anchors({{1, 1}}, 0, 0), ds::InputError);
}

TEST(AnchorsTest, ScalesNormalisedBoxesToTheNetworkSize) {
  ds::Dataset d;
  d.labels = {{{0.5f, 0.5f, 0.25f, 0.5f, 0}}, {}, {{0.1f, 0.1f, 0.1f, 0.05f, 1}}};
  const auto sizes = ds::box_sizes(d, 512, 256);
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_FLOAT_EQ(sizes[0].w, 128.f);
  EXPECT_FLOAT_EQ(sizes[0].h, 128.f);
  EXPECT_FLOAT_EQ(sizes[1].h, 12.8f);
}

TEST(AnchorsTest, CommandPrintsAnchorsMeanIouAndJson) {
  const fs::path dir = fs::temp_directory_path() / ("ds_anchors_cli_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream list(dir / "list.txt");
  const std::vector<BoxSize> shapes = {{0.05f, 0.08f}, {0.2f, 0.1f}, {0.5f, 0.6f}};
  int n = 0;
  for (const BoxSize& b : three_shapes(shapes, 40, 9)) {
    const std::string stem = "im" + std::to_string(n++);
    std::ofstream(dir / (stem + ".png")) << "";
    std::ofstream(dir / (stem + ".txt")) << "0 0.5 0.5 " << b.w << " " << b.h << "\n";
    list << stem << ".png\n";
  }
  list.close();
  const auto r = ds::test::run_command(std::string(DS_SWEEP_EXE) + " anchors --data " + (dir / "list.txt").string() +
                                       " --num 3 --size 512 --seed 1 --compare 10,13,16,30,33,23");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("anchors = ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("mean IoU = 0.9"), std::string::npos) << r.output;
  const auto json = nlohmann::json::parse(r.output.substr(r.output.rfind("\n{") + 1));
  EXPECT_EQ(json["boxes"], 120);
  ASSERT_EQ(json["anchors"].size(), 6u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(json["anchors"][2 * k].get<double>(), shapes[k].w * 512, 0.04 * shapes[k].w * 512 + 1) << r.output;
    EXPECT_NEAR(json["anchors"][2 * k + 1].get<double>(), shapes[k].h * 512, 0.04 * shapes[k].h * 512 + 1) << r.output;
  }
  EXPECT_LT(json["compare"]["mean_iou"].get<double>(), json["mean_iou"].get<double>());
  const auto bad = ds::test::run_command(std::string(DS_SWEEP_EXE) + " anchors --data " + (dir / "none.txt").string());
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  fs::remove_all(dir);
}

}  // namespace
