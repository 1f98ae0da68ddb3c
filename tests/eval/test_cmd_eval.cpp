// End-to-end tests of `sweep eval` through the real binary: the summary table, the JSON file, and exit code 2
// with the file and JSON path for malformed input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "tests/support/run_command.h"

using ds::test::run_command;

namespace {

const std::string kSweep = DS_SWEEP_EXE;
const std::string kCase = std::string(DS_SHARED_DIR) + "/fixtures/coco_eval/edge_tp_fp_tp";

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ds_eval_" + std::to_string(getpid()) + "_" + name)).string();
}

}  // namespace

TEST(E2eEval, PrintsTheSummaryAndWritesJson) {
  const std::string out = temp_path("out.json");
  auto r = run_command(kSweep + " eval --gt " + kCase + "/gt.json --dt " + kCase + "/dt.json --json " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.554"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("darknet mAP@0.50"), std::string::npos) << r.output;
  std::ifstream in(out);
  const nlohmann::json got = nlohmann::json::parse(in);
  std::ifstream expected_in(kCase + "/expected.json");
  const nlohmann::json expected = nlohmann::json::parse(expected_in);
  EXPECT_NEAR(got["stats"]["AP"].get<double>(), expected["stats"]["AP"].get<double>(), 1e-12);
  EXPECT_NEAR(got["stats"]["AR1"].get<double>(), expected["stats"]["AR1"].get<double>(), 1e-12);
  EXPECT_NEAR(got["darknet"]["mAP"].get<double>(), 5.0 / 9.0, 1e-12);
  std::filesystem::remove(out);
}

TEST(E2eEval, MalformedInputExitsTwoNamingFileAndPath) {
  const std::string dt = temp_path("bad_dt.json");
  std::ofstream(dt) << R"([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "score": 0.5}])";
  auto r = run_command(kSweep + " eval --gt " + kCase + "/gt.json --dt " + dt);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(dt + ": [0].bbox: expected 4 numbers"), std::string::npos) << r.output;
  auto missing = run_command(kSweep + " eval --dt " + dt);
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  std::filesystem::remove(dt);
}
