// End to end through the trainer: a small detector with CmBN (batch_normalize=2 over 2 mini-batches) and a
// [Gaussian_yolo] head trains, evaluates and writes its weights without diverging.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/data/synth.h"
#include "core/train/trainer.h"
#include "tests/support/read_file.h"
#include "tests/support/tiny_detector.h"

using namespace ds;
using ds::test::read_file;

namespace {

const std::string kCfg = ds::test::tiny_cmbn_detector_cfg(39, "[Gaussian_yolo]\nmax_delta=5");

}  // namespace

TEST(TrainHeads, CmbnAndGaussianYoloTrainEndToEnd) {
  const auto dir = std::filesystem::temp_directory_path() / "ds_train_heads";
  std::filesystem::remove_all(dir);
  SynthOptions so;
  so.out_dir = (dir / "data").string();
  so.train = 8;
  so.val = 4;
  so.size = 64;
  so.threads = 1;
  write_synth_dataset(so);

  TrainConfig c;
  c.cfg_path = "heads.cfg";
  c.cfg_text = kCfg;
  c.train_list = (dir / "data/train.txt").string();
  c.val_list = (dir / "data/val.txt").string();
  c.loader_threads = 1;
  c.out_dir = (dir / "run").string();
  ASSERT_EQ(train_detector(c), 0);
  const auto metrics = nlohmann::json::parse(read_file(dir / "run/metrics.json"));
  EXPECT_EQ(metrics["iterations"], 6);
  EXPECT_TRUE(std::isfinite(metrics["final_avg_loss"].get<double>())) << metrics.dump();
  EXPECT_TRUE(metrics.contains("AP")) << metrics.dump();
  EXPECT_TRUE(std::filesystem::exists(dir / "run/final.weights"));
  std::filesystem::remove_all(dir);
}
