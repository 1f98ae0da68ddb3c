// Tests of the COCO JSON readers: well-formed files load, malformed ones are InputErrors naming file and JSON path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "core/eval/coco_json.h"
#include "core/util/error.h"

namespace {

using nlohmann::json;

// The message of the InputError that `f` throws ("" when it throws none).
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const ds::InputError& e) {
    return e.what();
  }
  return "";
}

std::string results_error(const std::string& text) {
  return error_of([&] { ds::parse_coco_results(json::parse(text), "dt.json"); });
}

std::string instances_error(const std::string& text) {
  return error_of([&] { ds::parse_coco_instances(json::parse(text), "gt.json"); });
}

const char* kGoodAnnotation = R"({"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100})";

std::string instances_with(const std::string& annotation) {
  return R"({"images": [{"id": 1}], "categories": [{"id": 1, "name": "cat"}], "annotations": [)" +
         std::string(kGoodAnnotation) + ", " + annotation + "]}";
}

}  // namespace

TEST(CocoEvalJson, ReadsInstancesAndResults) {
  const ds::CocoGroundTruth gt = ds::parse_coco_instances(
      json::parse(instances_with(R"({"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4],
                                      "area": 7.5, "iscrowd": 1, "ignore": 0})")),
      "gt.json");
  ASSERT_EQ(gt.annotations.size(), 2u);
  EXPECT_EQ(gt.category_names[0], "cat");
  EXPECT_TRUE(gt.annotations[1].iscrowd);
  EXPECT_EQ(gt.annotations[1].area, 7.5);
  EXPECT_EQ(gt.annotations[1].bbox.h, 4);
  EXPECT_FALSE(gt.annotations[0].iscrowd);

  const std::vector<ds::DtAnnotation> dt = ds::parse_coco_results(
      json::parse(R"([{"image_id": 1, "category_id": 1, "bbox": [1.5, 2, 3, 4], "score": 0.25, "id": 99}])"),
      "dt.json");
  ASSERT_EQ(dt.size(), 1u);
  EXPECT_EQ(dt[0].bbox.x, 1.5);
  EXPECT_EQ(dt[0].score, 0.25);
}

TEST(CocoEvalJson, MalformedResultsNameTheJsonPath) {
  const std::string ok = R"({"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5})";
  EXPECT_EQ(results_error("[" + ok + R"(, {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "score": 0.5}])"),
            "dt.json: [1].bbox: expected 4 numbers [x, y, width, height]");
  EXPECT_EQ(results_error(R"([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, "a"], "score": 0.5}])"),
            "dt.json: [0].bbox: expected 4 numbers [x, y, width, height]");
  EXPECT_EQ(results_error(R"([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}])"),
            "dt.json: [0]: missing \"score\"");
  EXPECT_EQ(results_error(R"([{"image_id": "a", "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}])"),
            "dt.json: [0].image_id: expected an integer id, got string");
  EXPECT_EQ(results_error(R"([{"image_id": 1.5, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}])"),
            "dt.json: [0].image_id: expected an integer id, got 1.5");
  // Beyond int64 (converting 4e52 to it is undefined behaviour; the coco fuzz target found it) or uint64 overflow.
  EXPECT_EQ(results_error(R"([{"image_id": 4.4e52, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}])"),
            "dt.json: [0].image_id: expected an integer id, got 4.4e+52");
  EXPECT_EQ(results_error(R"([{"image_id": 18446744073709551615, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}])"),
            "dt.json: [0].image_id: expected an integer id, got 18446744073709551615");
  EXPECT_EQ(results_error(R"([{"image_id": 1, "category_id": 1, "bbox": [0, 0, -1, 1], "score": 1}])"),
            "dt.json: [0].bbox: width and height must be >= 0, got [0,0,-1,1]");
  EXPECT_EQ(results_error(R"([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": "high"}])"),
            "dt.json: [0].score: expected a number, got string");
  EXPECT_EQ(results_error("[" + ok + ", 3]"), "dt.json: [1]: expected an object, got number");
  EXPECT_NE(results_error(R"({"annotations": []})").find("dt.json: expected a COCO results list"), std::string::npos);
}

TEST(CocoEvalJson, MalformedInstancesNameTheJsonPath) {
  EXPECT_EQ(instances_error(instances_with(R"({"id": 2, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]})")),
            "gt.json: annotations[1]: missing \"area\"");
  EXPECT_EQ(instances_error(instances_with(R"({"id": 2, "image_id": 1, "category_id": 1, "bbox": {}, "area": 1})")),
            "gt.json: annotations[1].bbox: expected 4 numbers [x, y, width, height]");
  EXPECT_EQ(instances_error(instances_with(R"({"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1})")),
            "gt.json: annotations[1]: missing \"id\"");
  EXPECT_EQ(instances_error(R"({"images": [{"id": 1}], "annotations": []})"), "gt.json: missing \"categories\"");
  EXPECT_EQ(instances_error(R"({"images": {}, "categories": [], "annotations": []})"),
            "gt.json: images: expected an array, got object");
  EXPECT_EQ(instances_error(R"({"images": [{"id": 1}, {"file_name": "a.jpg"}], "categories": [], "annotations": []})"),
            "gt.json: images[1]: missing \"id\"");
  EXPECT_EQ(instances_error("[]").find("gt.json: expected a COCO instances object"), 0u);
}

TEST(CocoEvalJson, UnreadableFilesNameTheFile) {
  const std::string missing = "/nonexistent/dir/gt.json";
  EXPECT_EQ(error_of([&] { ds::read_coco_instances(missing); }), missing + ": cannot open (missing or unreadable)");
  const std::string path =
      (std::filesystem::temp_directory_path() / ("ds_eval_bad_" + std::to_string(getpid()) + ".json")).string();
  std::ofstream(path) << "[{\"image_id\": 1,";
  const std::string message = error_of([&] { ds::read_coco_results(path); });
  EXPECT_EQ(message.rfind(path + ": not valid JSON: ", 0), 0u) << message;
  std::filesystem::remove(path);
}
