// `sweep train` on the smoke classifier cfg: a classifier cfg is recognised, trains, evaluates top-1 and
// top-5 into metrics.json, and resumes from a checkpoint to bit-identical final weights.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.h"

using ds::test::run_command;
namespace fs = std::filesystem;

namespace {

const std::string kSweep = DS_SWEEP_EXE;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class E2eClassifier : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ds_e2e_classifier_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    auto r = run_command(kSweep + " data synth --out " + (dir_ / "data").string() +
                         " --train 48 --val 24 --size 64 --classes 8 --classify --threads 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  void TearDown() override { fs::remove_all(dir_); }
  // sweep train on the smoke classifier at mini-batch 8 for `batches` iterations, into dir_/out.
  ds::test::CommandResult train(const std::string& out, int batches, const std::string& extra = "") {
    return run_command(kSweep + " train --cfg " + std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-classifier.cfg" +
                       " --train " + (dir_ / "data/train.txt").string() + " --val " + (dir_ / "data/val.txt").string() +
                       " --out " + (dir_ / out).string() + " --max-batches " + std::to_string(batches) +
                       " --precise-bn 2 net.batch=8 net.mixup=1 net.label_smooth_eps=0.1 " + extra + " 2>&1");
  }
  fs::path dir_;
};

TEST_F(E2eClassifier, TrainsAndWritesTop1AndTop5) {
  auto r = train("a", 10, "--eval-every 5 --checkpoint-every 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"event\":\"eval\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[eval 5] top-1"), std::string::npos) << r.output;
  const nlohmann::json m = nlohmann::json::parse(slurp(dir_ / "a/metrics.json"));
  ASSERT_TRUE(m.contains("top1") && m.contains("top5")) << m.dump();
  EXPECT_GE(m["top1"].get<double>(), 0.0);
  EXPECT_LE(m["top1"].get<double>(), m["top5"].get<double>());
  EXPECT_LE(m["top5"].get<double>(), 1.0);
  EXPECT_EQ(m["images"], 24);
  EXPECT_EQ(m["iterations"], 10);
  EXPECT_TRUE(fs::exists(dir_ / "a/final.weights"));

  // Resume: the checkpoint of iteration 5 in a fresh folder finishes with the same final weights.
  fs::create_directories(dir_ / "b");
  fs::copy_file(dir_ / "a/checkpoint.ckpt", dir_ / "b/checkpoint.ckpt");
  auto resumed = train("b", 10);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("\"event\":\"resume\",\"iteration\":5"), std::string::npos) << resumed.output;
  EXPECT_EQ(slurp(dir_ / "a/final.weights"), slurp(dir_ / "b/final.weights"));
}

TEST_F(E2eClassifier, BadClassifierInputsExitTwoNamingTheFile) {
  // A label class outside the softmax's 8 outputs: read_darknet_list names the label file and line.
  fs::path image;
  for (const auto& e : fs::directory_iterator(dir_ / "data/images"))
    if (e.path().filename().string().rfind("train_000002_", 0) == 0 && e.path().extension() == ".txt") image = e.path();
  ASSERT_FALSE(image.empty());
  std::ofstream(image) << "9 0.5 0.5 0.5 0.5\n";
  auto r = train("bad", 2);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(image.string() + ":1"), std::string::npos) << r.output;
}

}  // namespace
