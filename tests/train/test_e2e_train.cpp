// `sweep train` on the smoke cfgs: a classifier cfg is recognised, trains and evaluates top-1 and top-5 into
// metrics.json, the detector gets AP; both resume from a checkpoint to bit-identical final weights.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/read_file.h"
#include "tests/support/run_command.h"

using ds::test::read_file;
using ds::test::run_command;
namespace fs = std::filesystem;

namespace {

const std::string kSweep = DS_SWEEP_EXE;

// A synthetic data set in a temporary folder and `sweep train` runs on it.
class E2eTrain : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(dir_); }
  void make_data(const std::string& synth_args) {
    dir_ = fs::temp_directory_path() / ("ds_e2e_train_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    auto r = run_command(kSweep + " data synth --out " + (dir_ / "data").string() + " --threads 1 " + synth_args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  // sweep train on experiments/cfg/CFG for `batches` iterations into dir_/OUT.
  ds::test::CommandResult train(const std::string& cfg, const std::string& out, int batches, const std::string& extra) {
    return run_command(kSweep + " train --cfg " + std::string(DS_SOURCE_DIR) + "/experiments/cfg/" + cfg +
                       " --train " + (dir_ / "data/train.txt").string() + " --val " + (dir_ / "data/val.txt").string() +
                       " --out " + (dir_ / out).string() + " --max-batches " + std::to_string(batches) + " " + extra +
                       " 2>&1");
  }
  // Trains 2k iterations into a/ (checkpoint every k, evaluation every k), then resumes a copy of the
  // checkpoint of iteration k in b/: the final weights must be the same bytes. Returns a/metrics.json.
  nlohmann::json train_and_resume(const std::string& cfg, int k, const std::string& extra) {
    const std::string every = " --eval-every " + std::to_string(k) + " --checkpoint-every " + std::to_string(k) + " ";
    auto r = train(cfg, "a", 2 * k, every + extra);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    first_output_ = r.output;
    EXPECT_NE(r.output.find("\"event\":\"eval\""), std::string::npos) << r.output;
    EXPECT_TRUE(fs::exists(dir_ / "a/final.weights"));
    fs::create_directories(dir_ / "b");
    fs::copy_file(dir_ / "a/checkpoint.ckpt", dir_ / "b/checkpoint.ckpt");
    auto resumed = train(cfg, "b", 2 * k, every + extra);
    EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_NE(resumed.output.find("\"event\":\"resume\",\"iteration\":" + std::to_string(k)), std::string::npos)
        << resumed.output;
    EXPECT_EQ(read_file(dir_ / "a/final.weights"), read_file(dir_ / "b/final.weights"));
    return nlohmann::json::parse(read_file(dir_ / "a/metrics.json"));
  }
  fs::path dir_;
  std::string first_output_;  // of train_and_resume's uninterrupted run
};

const std::string kClassifierArgs = "--precise-bn 2 net.batch=8 net.mixup=1 net.label_smooth_eps=0.1";
const std::string kClassifierData = "--train 48 --val 24 --size 64 --classes 8 --classify";

TEST_F(E2eTrain, ClassifierTrainsWritesTop1AndTop5AndResumes) {
  make_data(kClassifierData);
  const nlohmann::json m = train_and_resume("smoke-classifier.cfg", 5, kClassifierArgs);
  ASSERT_TRUE(m.contains("top1") && m.contains("top5")) << m.dump();
  EXPECT_GE(m["top1"].get<double>(), 0.0);
  EXPECT_LE(m["top1"].get<double>(), m["top5"].get<double>());
  EXPECT_LE(m["top5"].get<double>(), 1.0);
  EXPECT_EQ(m["images"], 24);
  EXPECT_EQ(m["iterations"], 10);
}

TEST_F(E2eTrain, DetectorTrainsWritesApAndResumes) {
  make_data("--train 16 --val 4 --size 128 --classes 4");
  const nlohmann::json m = train_and_resume("smoke-csp-spp-pan.cfg", 2, "net.batch=4 --precise-bn 1");
  EXPECT_TRUE(m.contains("AP") && m.contains("AP50")) << m.dump();
  EXPECT_EQ(m["iterations"], 4);
}

// SAT (net.adversarial_lr) from iteration 1: its coin flips come from the checkpointed Rng, so the resumed run
// makes the same adversarial images; the "iter" events say on how many mini-batches it ran (some must be after
// the checkpoint, in the part the resumed run repeats).
TEST_F(E2eTrain, DetectorWithSelfAdversarialTrainingResumes) {
  make_data("--train 16 --val 4 --size 128 --classes 4");
  train_and_resume("smoke-csp-spp-pan.cfg", 2, "net.batch=4 net.subdivisions=2 net.burn_in=0 net.adversarial_lr=0.5 --precise-bn 1");
  int sat = 0;
  std::istringstream lines(first_output_);
  for (std::string line; std::getline(lines, line);) {
    const auto e = nlohmann::json::parse(line, nullptr, false);
    if (e.is_object() && e.value("event", "") == "iter" && e.at("iteration").get<int>() > 2) sat += e.at("sat").get<int>();
  }
  EXPECT_GT(sat, 0) << first_output_;
}

TEST_F(E2eTrain, BadClassifierLabelsExitTwoNamingTheFile) {
  // A label class outside the softmax's 8 outputs: read_darknet_list names the label file and line.
  make_data(kClassifierData);
  fs::path image;
  for (const auto& e : fs::directory_iterator(dir_ / "data/images"))
    if (e.path().filename().string().rfind("train_000002_", 0) == 0 && e.path().extension() == ".txt") image = e.path();
  ASSERT_FALSE(image.empty());
  std::ofstream(image) << "9 0.5 0.5 0.5 0.5\n";
  auto r = train("smoke-classifier.cfg", "bad", 2, kClassifierArgs);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(image.string() + ":1"), std::string::npos) << r.output;
}

}  // namespace
