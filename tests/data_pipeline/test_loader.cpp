// Tests of the Loader (loader.h): batches identical for 0, 1 and 4 worker threads, seek(position) reproduces
// the stream, epochs are shuffled permutations, sizes may change between calls, errors reach the caller.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <unistd.h>

#include "core/data/loader.h"
#include "core/util/error.h"
#include "core/util/rng.h"

namespace ds {
namespace {

namespace fs = std::filesystem;

// A data set of `n` small noisy images with one box each, written under a fresh temp folder.
class LoaderData : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ds_loader_" + std::to_string(getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    for (int i = 0; i < 10; ++i) {
      Image im(40 + 3 * i, 30 + 2 * i, 3);
      Rng rng{uint64_t(i)};
      for (float& v : im.data) v = rng.uniform();
      const std::string path = (dir_ / ("img" + std::to_string(i) + ".png")).string();
      save_image(im, path);
      data_.images.push_back(path);
      data_.labels.push_back({{0.5f, 0.5f, 0.4f, 0.3f, i % 3}, {0.2f, 0.3f, 0.2f, 0.2f, 1}});
      data_.image_ids.push_back(i + 1);
    }
    data_.classes = 3;
    options_.jitter = 0.3f, options_.hue = 0.1f, options_.saturation = 1.5f, options_.exposure = 1.5f;
    options_.mosaic = true;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  Dataset data_;
  AugmentOptions options_;
};

void expect_same_batch(const Batch& a, const Batch& b) {
  ASSERT_EQ(a.n, b.n);
  ASSERT_EQ(a.w, b.w);
  ASSERT_EQ(a.h, b.h);
  EXPECT_EQ(a.indices, b.indices);
  ASSERT_EQ(a.x.size(), b.x.size());
  EXPECT_TRUE(a.x == b.x);
  ASSERT_EQ(a.truths.size(), b.truths.size());
  for (size_t i = 0; i < a.truths.size(); ++i) {
    ASSERT_EQ(a.truths[i].size(), b.truths[i].size());
    for (size_t j = 0; j < a.truths[i].size(); ++j) {
      EXPECT_EQ(a.truths[i][j].x, b.truths[i][j].x);
      EXPECT_EQ(a.truths[i][j].y, b.truths[i][j].y);
      EXPECT_EQ(a.truths[i][j].w, b.truths[i][j].w);
      EXPECT_EQ(a.truths[i][j].h, b.truths[i][j].h);
      EXPECT_EQ(a.truths[i][j].cls, b.truths[i][j].cls);
    }
  }
}

struct Shape {
  int n, w, h;
};
const Shape kShapes[] = {{3, 64, 64}, {3, 64, 64}, {4, 96, 64}, {2, 32, 32}, {3, 64, 64}};

TEST_F(LoaderData, SameBatchesWithOneAndFourThreads) {
  Loader inline_loader(data_, options_, 42, 0), one(data_, options_, 42, 1), four(data_, options_, 42, 4);
  for (const Shape& s : kShapes) {
    const Batch a = inline_loader.next(s.n, s.w, s.h);
    const Batch b = one.next(s.n, s.w, s.h);
    const Batch c = four.next(s.n, s.w, s.h);
    expect_same_batch(a, b);
    expect_same_batch(a, c);
  }
  EXPECT_EQ(one.position(), four.position());
}

TEST_F(LoaderData, BatchLayoutAndValues) {
  Loader loader(data_, options_, 1, 2);
  const Batch b = loader.next(4, 48, 32);
  EXPECT_EQ(b.n, 4);
  EXPECT_EQ(b.c, 3);
  EXPECT_EQ(b.x.size(), size_t(4 * 3 * 48 * 32));
  EXPECT_EQ(b.truths.size(), 4u);
  EXPECT_EQ(b.indices.size(), 4u);
  for (float v : b.x) {
    ASSERT_GE(v, 0.f);
    ASSERT_LE(v, 1.f + 1e-5f);
  }
  for (const auto& truths : b.truths)
    for (const TruthBox& t : truths) {
      EXPECT_GT(t.x, 0.f);
      EXPECT_LE(t.x, 1.f);
      EXPECT_GT(t.w, 0.f);
      EXPECT_LE(t.w, 1.f);
    }
  // Image 0 of the batch is what load_training_sample gives for its index and sample number 0.
  EXPECT_EQ(loader.position(), 4u);
}

TEST_F(LoaderData, SeekReproducesTheNextBatch) {
  Loader first(data_, options_, 7, 3);
  first.next(3, 64, 64);
  first.next(5, 64, 64);
  const uint64_t pos = first.position();
  EXPECT_EQ(pos, 8u);
  const Batch expected = first.next(4, 64, 64);
  const Batch expected_after = first.next(4, 32, 64);

  Loader resumed(data_, options_, 7, 2);
  resumed.seek(pos);
  expect_same_batch(resumed.next(4, 64, 64), expected);
  expect_same_batch(resumed.next(4, 32, 64), expected_after);

  first.seek(pos);  // backwards on the same loader
  expect_same_batch(first.next(4, 64, 64), expected);
}

TEST_F(LoaderData, EpochsAreShuffledPermutations) {
  Loader loader(data_, options_, 3, 2);
  std::vector<int> epoch0 = loader.next(10, 32, 32).indices;
  std::vector<int> epoch1 = loader.next(10, 32, 32).indices;
  std::vector<int> sorted0 = epoch0, sorted1 = epoch1, all(10);
  std::sort(sorted0.begin(), sorted0.end());
  std::sort(sorted1.begin(), sorted1.end());
  for (int i = 0; i < 10; ++i) all[size_t(i)] = i;
  EXPECT_EQ(sorted0, all);
  EXPECT_EQ(sorted1, all);
  EXPECT_NE(epoch0, epoch1);
}

TEST_F(LoaderData, SeedChangesTheStream) {
  Loader a(data_, options_, 1, 1), b(data_, options_, 2, 1);
  EXPECT_FALSE(a.next(4, 32, 32).x == b.next(4, 32, 32).x);
}

TEST_F(LoaderData, ValidationKeepsEveryBox) {
  AugmentOptions val;
  val.train = false;
  val.letter_box = true;
  Loader loader(data_, val, 5, 2);
  const Batch b = loader.next(10, 64, 64);
  for (const auto& truths : b.truths) EXPECT_EQ(truths.size(), 2u);
}

TEST_F(LoaderData, MissingImageIsAnInputError) {
  data_.images[0] = (dir_ / "missing.png").string();
  options_.mosaic = false;
  Loader loader(data_, options_, 5, 2);
  EXPECT_THROW(loader.next(10, 32, 32), InputError);  // one epoch touches every image
}

}  // namespace
}  // namespace ds
