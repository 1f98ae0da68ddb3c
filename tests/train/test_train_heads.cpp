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

using namespace ds;

namespace {

const char* kCfg = R"([net]
batch=4
subdivisions=2
width=64
height=64
channels=3
momentum=0.9
decay=0.0005
learning_rate=0.001
burn_in=2
max_batches=6
policy=constant

[convolutional]
batch_normalize=2
filters=8
size=3
stride=2
pad=1
activation=leaky

[convolutional]
batch_normalize=2
filters=16
size=3
stride=2
pad=1
activation=leaky

[convolutional]
filters=39
size=1
activation=linear

[Gaussian_yolo]
mask=0,1,2
anchors=8,8, 16,16, 32,32
classes=4
num=3
max_delta=5
)";

std::string read(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

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
  const auto metrics = nlohmann::json::parse(read(dir / "run/metrics.json"));
  EXPECT_EQ(metrics["iterations"], 6);
  EXPECT_TRUE(std::isfinite(metrics["final_avg_loss"].get<double>())) << metrics.dump();
  EXPECT_TRUE(metrics.contains("AP")) << metrics.dump();
  EXPECT_TRUE(std::filesystem::exists(dir / "run/final.weights"));
  std::filesystem::remove_all(dir);
}
