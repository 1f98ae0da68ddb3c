// Tests of the synthetic data generator: same seed -> same bytes (whatever the thread count), labels that
// round-trip through both readers, COCO small/medium/large all present, the difficulty levels, and the --classify
// layout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/core.hpp>

#include "core/data/dataset.h"
#include "core/data/image.h"
#include "core/data/synth.h"
#include "core/util/error.h"
#include "tests/support/run_command.h"

namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("ds_synth_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(p);
  return p;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file under `dir`, by relative path, with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read_bytes(e.path());
  return files;
}

ds::SynthOptions small_set(const fs::path& dir, int threads) {
  ds::SynthOptions o;
  o.out_dir = dir.string();
  o.train = 10, o.val = 4, o.size = 128, o.seed = 7, o.threads = threads;
  return o;
}

TEST(SynthTest, SameSeedSameBytesWhateverTheThreads) {
  const fs::path a = temp_dir("a"), b = temp_dir("b"), c = temp_dir("c");
  ds::write_synth_dataset(small_set(a, 1));
  ds::write_synth_dataset(small_set(b, 3));
  ds::SynthOptions other = small_set(c, 2);
  other.seed = 8;
  ds::write_synth_dataset(other);
  const auto fa = snapshot(a), fb = snapshot(b), fc = snapshot(c);
  EXPECT_EQ(fa.size(), 2u * 14 + 5);  // png + txt per image, 2 lists, 2 JSON, classes.names
  EXPECT_TRUE(fa == fb);
  EXPECT_NE(fa.at("images/train_000001.png"), fc.at("images/train_000001.png"));
  EXPECT_NE(fa.at("images/train_000001.png"), fa.at("images/val_000001.png"));  // splits draw different images
  for (const auto& p : {a, b, c}) fs::remove_all(p);
}

TEST(SynthTest, LabelsRoundTripThroughDarknetAndCocoReaders) {
  const fs::path dir = temp_dir("roundtrip");
  ds::SynthOptions o = small_set(dir, 2);
  o.classes = 6;
  ds::write_synth_dataset(o);
  for (const std::string split : {"train", "val"}) {
    const ds::Dataset dk = ds::read_darknet_list((dir / (split + ".txt")).string(), o.classes);
    const ds::Dataset co = ds::read_coco((dir / ("instances_" + split + ".json")).string(), (dir / "images").string());
    ASSERT_EQ(dk.images.size(), size_t(split == "train" ? o.train : o.val));
    ASSERT_EQ(dk.images.size(), co.images.size());
    EXPECT_EQ(dk.image_ids, co.image_ids);
    EXPECT_EQ(dk.category_ids, co.category_ids);
    EXPECT_EQ(dk.class_names, co.class_names);
    EXPECT_EQ(dk.class_names[5], "star");
    for (size_t i = 0; i < dk.images.size(); ++i) {
      EXPECT_EQ(fs::path(dk.images[i]), fs::path(co.images[i]));
      ASSERT_EQ(dk.labels[i].size(), co.labels[i].size());
      EXPECT_GE(dk.labels[i].size(), 1u);
      EXPECT_LE(dk.labels[i].size(), 6u);
      for (size_t j = 0; j < dk.labels[i].size(); ++j) {
        const ds::TruthBox &p = dk.labels[i][j], &q = co.labels[i][j];
        EXPECT_EQ(p.cls, q.cls);
        EXPECT_NEAR(p.x, q.x, 2e-6);
        EXPECT_NEAR(p.y, q.y, 2e-6);
        EXPECT_NEAR(p.w, q.w, 2e-6);
        EXPECT_NEAR(p.h, q.h, 2e-6);
      }
    }
  }
  const ds::Image im = ds::load_image((dir / "images/train_000001.png").string());
  EXPECT_EQ(im.w, 128);
  EXPECT_EQ(im.h, 128);
  fs::remove_all(dir);
}

TEST(SynthTest, SizesCoverCocoSmallMediumAndLarge) {
  int small = 0, medium = 0, large = 0, images = 0;
  for (uint64_t seed = 1; seed <= 150; ++seed, ++images) {
    const ds::SynthImage im = ds::synth_image(256, 4, false, seed * 7919);
    ASSERT_GE(im.objects.size(), 1u);
    for (const ds::SynthObject& o : im.objects) {
      EXPECT_GE(o.x, 0);
      EXPECT_LE(o.x + o.w, 256);
      EXPECT_GE(o.y, 0);
      EXPECT_LE(o.y + o.h, 256);
      const double area = o.w * o.h;
      (area < 32 * 32 ? small : area > 96 * 96 ? large : medium)++;
    }
  }
  const double total = small + medium + large;
  EXPECT_GT(total / images, 2.0);  // 1-6 per image
  EXPECT_GT(small / total, 0.15) << small << " " << medium << " " << large;
  EXPECT_GT(medium / total, 0.15) << small << " " << medium << " " << large;
  EXPECT_GT(large / total, 0.10) << small << " " << medium << " " << large;
}

TEST(SynthTest, DifficultyBoundsTheSmallestObjectAndTheClutter) {
  // The smallest object side (sqrt of the box area; rotation only enlarges a box) is min_side of the image
  // for easy (10 %) and medium (6 %), and hard goes below that; easier images are smoother (less clutter,
  // texture and noise), measured as the mean absolute difference between horizontal neighbours.
  auto measure = [](ds::SynthDifficulty d) {
    double smallest = 1e9, roughness = 0;
    for (uint64_t seed = 1; seed <= 60; ++seed) {
      const ds::SynthImage im = ds::synth_image(256, 4, false, seed * 7919, d);
      for (const ds::SynthObject& o : im.objects) smallest = std::min(smallest, std::sqrt(o.w * o.h));
      const cv::Mat img = cv::imdecode(std::vector<uchar>(im.png.begin(), im.png.end()), cv::IMREAD_COLOR);
      cv::Mat diff;
      cv::absdiff(img.colRange(1, img.cols), img.colRange(0, img.cols - 1), diff);
      roughness += cv::mean(diff)[0] / 60;
    }
    return std::pair<double, double>{smallest, roughness};
  };
  const auto [easy_min, easy_rough] = measure(ds::SynthDifficulty::easy);
  const auto [medium_min, medium_rough] = measure(ds::SynthDifficulty::medium);
  const auto [hard_min, hard_rough] = measure(ds::SynthDifficulty::hard);
  EXPECT_GE(easy_min, 0.10 * 256 - 0.5);
  EXPECT_GE(medium_min, 0.06 * 256 - 0.5);
  EXPECT_LT(hard_min, 0.06 * 256);
  EXPECT_LT(easy_rough, medium_rough);
  EXPECT_LT(medium_rough, hard_rough);
  EXPECT_EQ(ds::parse_synth_difficulty("medium"), ds::SynthDifficulty::medium);
  EXPECT_THROW(ds::parse_synth_difficulty("extreme"), ds::InputError);
}

TEST(SynthTest, ClassifyWritesOneLargeObjectWithTheClassInTheFileName) {
  const fs::path dir = temp_dir("classify");
  ds::SynthOptions o = small_set(dir, 2);
  o.classify = true;
  ds::write_synth_dataset(o);
  const ds::Dataset d = ds::read_darknet_list((dir / "train.txt").string(), o.classes);
  ASSERT_EQ(d.images.size(), 10u);
  for (size_t i = 0; i < d.images.size(); ++i) {
    ASSERT_EQ(d.labels[i].size(), 1u);
    const ds::TruthBox& t = d.labels[i][0];
    EXPECT_GT(t.w * t.h, 0.25f);
    const std::string name = fs::path(d.images[i]).filename().string();
    EXPECT_NE(name.find("_" + d.class_names[size_t(t.cls)] + ".png"), std::string::npos) << name;
  }
  fs::remove_all(dir);
}

TEST(SynthTest, RejectsBadOptions) {
  ds::SynthOptions o = small_set(temp_dir("bad"), 1);
  o.classes = 9;
  EXPECT_THROW(ds::write_synth_dataset(o), ds::InputError);
  o.classes = 4, o.size = 8;
  EXPECT_THROW(ds::write_synth_dataset(o), ds::InputError);
}

TEST(SynthTest, CommandWritesTheDataSet) {
  const fs::path dir = temp_dir("cli");
  const auto r = ds::test::run_command(std::string(DS_SWEEP_EXE) + " data synth --out " + dir.string() +
                                       " --train 3 --val 2 --size 64 --seed 3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"images\":5"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir / "train.txt"));
  EXPECT_TRUE(fs::exists(dir / "instances_val.json"));
  EXPECT_EQ(read_bytes(dir / "classes.names"), "disc\nsquare\ntriangle\ncross\n");
  const auto bad = ds::test::run_command(std::string(DS_SWEEP_EXE) + " data synth --out " + dir.string() + " --classes 0");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  const auto help = ds::test::run_command(std::string(DS_SWEEP_EXE) + " data synth --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--classify"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
