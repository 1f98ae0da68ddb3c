// Tests of the classifier data (classify.h): MixUp, CutMix and Mosaic mix the targets as they mix the
// pixels (darknet's load_data_augment), Blur changes one image in four and no target, label smoothing,
// darknet's random-resized crop, and labels read with errors naming the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <unistd.h>

#include "core/data/classify.h"
#include "core/data/synth.h"
#include "core/nn/classifier_loss.h"
#include "core/util/error.h"

namespace ds {
namespace {

namespace fs = std::filesystem;

// A w x h image of one grey value with the one-hot target of `cls` among 4 classes.
ClassSample constant_sample(float value, int cls, int w = 40, int h = 30) {
  return {Image(w, h, 3, value), smoothed_targets(cls, 4, 0.f)};
}

// Fraction of pixels of `im` equal to `value`.
double share_of(const Image& im, float value) {
  size_t n = 0;
  for (float v : im.data) n += v == value;
  return double(n) / double(im.data.size());
}

TEST(ClassifierAugment, MixUpAveragesPixelsAndTargets) {
  ClassSample a = constant_sample(0.2f, 0), b = constant_sample(0.8f, 2);
  mix_mixup(a, b);
  for (float v : a.image.data) EXPECT_FLOAT_EQ(v, 0.5f);
  EXPECT_EQ(a.target, (std::vector<float>{0.5f, 0.f, 0.5f, 0.f}));
}

TEST(ClassifierAugment, CutMixPastesARectangleAndMixesTargetsByItsArea) {
  Rng rng(5);
  for (int trial = 0; trial < 50; ++trial) {
    ClassSample a = constant_sample(0.f, 1), b = constant_sample(1.f, 3);
    mix_cutmix(a, b, rng);
    const double alpha = share_of(a.image, 1.f);
    EXPECT_GE(alpha, 0.3 * 0.3 - 0.05);  // darknet: sides in [0.3, 0.8] of the image (truncated to pixels)
    EXPECT_LE(alpha, 0.8 * 0.8 + 1e-9);
    EXPECT_NEAR(a.target[3], alpha, 1e-6);
    EXPECT_NEAR(a.target[1], 1 - alpha, 1e-6);
    EXPECT_NEAR(std::accumulate(a.target.begin(), a.target.end(), 0.0), 1.0, 1e-6);
  }
}

TEST(ClassifierAugment, MosaicTakesEachQuadrantFromOneImageAndWeighsTargetsByArea) {
  Rng rng(9);
  for (int trial = 0; trial < 30; ++trial) {
    ClassSample a = constant_sample(0.1f, 0), b = constant_sample(0.2f, 1), c = constant_sample(0.3f, 2),
                d = constant_sample(0.4f, 3);
    mix_mosaic(a, b, c, d, rng);
    EXPECT_FLOAT_EQ(a.image.at(0, 0, 0), 0.1f);                          // top-left from a
    EXPECT_FLOAT_EQ(a.image.at(a.image.w - 1, 0, 1), 0.2f);              // top-right from b
    EXPECT_FLOAT_EQ(a.image.at(0, a.image.h - 1, 2), 0.3f);              // bottom-left from c
    EXPECT_FLOAT_EQ(a.image.at(a.image.w - 1, a.image.h - 1, 0), 0.4f);  // bottom-right from d
    const float values[4] = {0.1f, 0.2f, 0.3f, 0.4f};
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(a.target[size_t(k)], share_of(a.image, values[k]), 1e-6) << k;
    EXPECT_GE(share_of(a.image, 0.1f), 0.2 * 0.2 - 0.05);  // cut point in [0.2, 0.8] of each side
  }
}

TEST(ClassifierAugment, BlurChangesAboutOneImageInFourAndNoTarget) {
  Rng rng(2);
  int blurred = 0;
  for (int trial = 0; trial < 400; ++trial) {
    ClassSample s = constant_sample(0.f, 2, 32, 32);
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x)
        for (int ch = 0; ch < 3; ++ch) s.image.at(x, y, ch) = float((x / 4 + y / 4) % 2);  // checkerboard
    const std::vector<float> before = s.image.data, target = s.target;
    maybe_blur(s, 1, rng);
    EXPECT_EQ(s.target, target);
    if (s.image.data != before) {
      ++blurred;
      EXPECT_GT(s.image.at(3, 3, 0), 0.f);  // a dark square next to bright ones picks up their light
    }
  }
  EXPECT_GT(blurred, 400 / 4 - 40);
  EXPECT_LT(blurred, 400 / 4 + 40);
}

TEST(ClassifierAugment, FullCropWithoutColourChangesReturnsTheImage) {
  // min_crop = max_crop = w on a w x w source: scale 1, no shift, the crop is the whole image.
  Image src(48, 48, 3);
  for (size_t i = 0; i < src.data.size(); ++i) src.data[i] = float(i % 97) / 97.f;
  ClassifierAugment a;
  a.min_crop = a.max_crop = 48;
  a.flip = false;
  Rng rng(1);
  const Image same = augment_classifier_image(src, a, 48, 48, rng);
  EXPECT_EQ(same.data, src.data);
  a.max_crop = 96;  // scaled up to 48..96 px: a random window of at least half the side, resized back
  bool changed = false;
  for (int k = 0; k < 5; ++k) changed |= augment_classifier_image(src, a, 48, 48, rng).data != src.data;
  EXPECT_TRUE(changed);
}

class ClassifierData : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ds_classify_" + std::to_string(getpid()));
    SynthOptions o;
    o.out_dir = dir_.string();
    o.train = 12;
    o.val = 1;
    o.size = 32;
    o.classes = 4;
    o.classify = true;
    o.threads = 1;
    write_synth_dataset(o);
    data_ = read_darknet_list((dir_ / "train.txt").string(), 4);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  Dataset data_;
};

TEST_F(ClassifierData, ClassesComeFromTheLabelFilesOfSynthClassify) {
  const std::vector<int> classes = image_classes(data_);
  ASSERT_EQ(classes.size(), 12u);
  const std::vector<std::string> names = synth_class_names(4);
  for (size_t i = 0; i < classes.size(); ++i)  // the class named in the file name (darknet's convention)
    EXPECT_NE(data_.images[i].find("_" + names[size_t(classes[i])] + ".png"), std::string::npos) << data_.images[i];
}

TEST_F(ClassifierData, ALabelFileWithTwoLinesIsNamed) {
  const std::string label = data_.images[3].substr(0, data_.images[3].size() - 4) + ".txt";
  std::ofstream(label, std::ios::app) << "1 0.5 0.5 0.2 0.2\n";
  const Dataset bad = read_darknet_list((dir_ / "train.txt").string(), 4);
  try {
    image_classes(bad);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(label), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("found 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("train.txt:4"), std::string::npos) << e.what();
  }
}

TEST_F(ClassifierData, BatchesCarrySmoothedAndMixedTargets) {
  const std::vector<int> classes = image_classes(data_);
  ClassifierAugment a;
  a.min_crop = 24;
  a.max_crop = 32;
  a.label_smooth_eps = 0.1f;
  Rng rng(4);
  // Label smoothing alone: every row is 0.9 for one class and 0.1/3 for the others.
  ClassBatch plain = load_classifier_batch(data_, classes, 4, a, 6, 24, 24, rng);
  ASSERT_EQ(plain.x.size(), 6u * 3 * 24 * 24);
  ASSERT_EQ(plain.targets.size(), 6u * 4);
  for (float t : plain.targets) EXPECT_TRUE(std::abs(t - 0.9f) < 1e-6 || std::abs(t - 0.1f / 3) < 1e-6) << t;
  // MixUp on: about half of the batches mixed (rows with two classes near 0.45 + ...), rows still sum to 1.
  a.mix = ClassMix::mixup;
  int mixed_batches = 0;
  for (int k = 0; k < 40; ++k) {
    ClassBatch b = load_classifier_batch(data_, classes, 4, a, 4, 24, 24, rng);
    bool mixed = false;
    for (int i = 0; i < 4; ++i) {
      const float* row = b.targets.data() + i * 4;
      EXPECT_NEAR(row[0] + row[1] + row[2] + row[3], 1.f, 1e-5);
      mixed |= *std::max_element(row, row + 4) < 0.9f - 1e-4f;
    }
    mixed_batches += mixed;
  }
  EXPECT_GT(mixed_batches, 8);  // ~20 of 40 have a row mixing two different classes (same-class pairs do not show)
  EXPECT_LT(mixed_batches, 32);
}

TEST(ClassifierAugment, NetOptionsPickDarknetsMixKind) {
  NetOptions n;
  EXPECT_EQ(classifier_augment(n, "a.cfg").mix, ClassMix::none);
  n.mixup = 1;
  EXPECT_EQ(classifier_augment(n, "a.cfg").mix, ClassMix::mixup);
  n.cutmix = 1;
  EXPECT_EQ(classifier_augment(n, "a.cfg").mix, ClassMix::cutmix);
  n.mosaic = 1;
  EXPECT_EQ(classifier_augment(n, "a.cfg").mix, ClassMix::cutmix_or_mosaic);
  n.cutmix = 0;
  EXPECT_EQ(classifier_augment(n, "a.cfg").mix, ClassMix::mosaic);
  n.angle = 7;
  EXPECT_THROW(classifier_augment(n, "a.cfg"), InputError);
}

}  // namespace
}  // namespace ds
