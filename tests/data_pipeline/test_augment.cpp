// Tests of single-image augmentation (augment.h): boxes follow the pixels through crops, letterbox and flips,
// are clipped and dropped like darknet's correct_boxes/fill_truth_detection; HSV and blur leave boxes alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/data/augment.h"
#include "core/data/loader.h"

namespace ds {
namespace {

// A black image with one red rectangle [x0, x1) x [y0, y1) and its label.
SourceImage red_rect_image(int w, int h, int x0, int y0, int x1, int y1) {
  SourceImage s;
  s.image = Image(w, h, 3, 0.f);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) s.image.at(x, y, 0) = 1.f;
  s.labels.push_back({(x0 + x1) / 2.f / w, (y0 + y1) / 2.f / h, float(x1 - x0) / w, float(y1 - y0) / h, 2});
  return s;
}

struct PixelBox {
  float left, top, right, bot;
  bool empty;
};

// Extent of the pixels that are mostly red (bilinear edges cross 0.5 at the true boundary).
PixelBox red_extent(const Image& im) {
  PixelBox b{1e9f, 1e9f, -1e9f, -1e9f, true};
  for (int y = 0; y < im.h; ++y)
    for (int x = 0; x < im.w; ++x)
      if (im.at(x, y, 0) > 0.5f && im.at(x, y, 1) < 0.3f) {
        b.left = std::min(b.left, float(x));
        b.right = std::max(b.right, float(x + 1));
        b.top = std::min(b.top, float(y));
        b.bot = std::max(b.bot, float(y + 1));
        b.empty = false;
      }
  return b;
}

void expect_box_on_red(const Image& im, const TruthBox& t, float tol = 1.5f) {
  const PixelBox red = red_extent(im);
  ASSERT_FALSE(red.empty);
  EXPECT_NEAR((t.x - t.w / 2) * im.w, red.left, tol);
  EXPECT_NEAR((t.x + t.w / 2) * im.w, red.right, tol);
  EXPECT_NEAR((t.y - t.h / 2) * im.h, red.top, tol);
  EXPECT_NEAR((t.y + t.h / 2) * im.h, red.bot, tol);
}

AugmentOptions no_colour_options(float jitter) {
  AugmentOptions o;
  o.jitter = jitter;
  o.hue = 0, o.saturation = 1, o.exposure = 1;
  return o;
}

TEST(AugmentBoxes, PlainResizeKeepsBox) {
  const SourceImage s = red_rect_image(100, 50, 10, 10, 30, 20);
  Rng rng(1);
  const Sample out = apply_augment_plan(s, AugmentPlan{}, 64, 64, rng);
  ASSERT_EQ(out.boxes.size(), 1u);
  EXPECT_EQ(out.boxes[0].cls, 2);
  expect_box_on_red(out.image, out.boxes[0]);
}

TEST(AugmentBoxes, FlipMirrorsBox) {
  const SourceImage s = red_rect_image(100, 50, 10, 10, 30, 20);
  AugmentPlan p;
  p.flip = true;
  Rng rng(1);
  const Sample out = apply_augment_plan(s, p, 100, 50, rng);
  ASSERT_EQ(out.boxes.size(), 1u);
  EXPECT_NEAR(out.boxes[0].x, 0.8f, 1e-5);
  EXPECT_NEAR(out.boxes[0].y, 0.3f, 1e-5);
  expect_box_on_red(out.image, out.boxes[0], 0.5f);
}

TEST(AugmentBoxes, CropAndPadFollowPixels) {
  const SourceImage s = red_rect_image(100, 100, 40, 30, 70, 60);
  AugmentPlan p;
  p.pleft = 20, p.ptop = 10, p.pright = -10, p.pbot = 0;  // crop left and top, pad right
  Rng rng(1);
  const Sample out = apply_augment_plan(s, p, 90, 90, rng);
  ASSERT_EQ(out.boxes.size(), 1u);
  // crop 90 x 90 starting at (20, 10): the rectangle lands at [20, 50) x [20, 50).
  EXPECT_NEAR(out.boxes[0].x, 35.f / 90, 1e-5);
  EXPECT_NEAR(out.boxes[0].w, 30.f / 90, 1e-5);
  expect_box_on_red(out.image, out.boxes[0], 0.5f);
}

TEST(AugmentBoxes, BoxClippedAtCropEdge) {
  const SourceImage s = red_rect_image(100, 100, 5, 40, 35, 60);
  AugmentPlan p;
  p.pleft = 20;  // the crop cuts the rectangle at x = 20
  Rng rng(1);
  const Sample out = apply_augment_plan(s, p, 80, 100, rng);
  ASSERT_EQ(out.boxes.size(), 1u);
  EXPECT_NEAR((out.boxes[0].x - out.boxes[0].w / 2) * 80, 0.f, 1e-4);
  EXPECT_NEAR((out.boxes[0].x + out.boxes[0].w / 2) * 80, 15.f, 1e-4);
  expect_box_on_red(out.image, out.boxes[0], 0.5f);
}

TEST(AugmentBoxes, BoxOutsideCropOrTooSmallDropped) {
  SourceImage s = red_rect_image(100, 100, 5, 40, 15, 60);  // wholly left of the crop below
  s.labels.push_back({0.5f, 0.5f, 0.004f, 0.3f, 1});          // 0.4 source px wide: < 1 network px
  s.labels.push_back({0.f, 0.f, 0.2f, 0.2f, 1});              // at (0, 0): darknet's "wrong annotation"
  s.labels.push_back({0.7f, 0.7f, 0.1f, 0.1f, 3});            // a normal one that survives
  AugmentPlan p;
  p.pleft = 20;
  Rng rng(1);
  const Sample out = apply_augment_plan(s, p, 80, 100, rng);
  ASSERT_EQ(out.boxes.size(), 1u);
  EXPECT_EQ(out.boxes[0].cls, 3);
}

TEST(AugmentBoxes, TruthsCappedAtDarknetMax) {
  SourceImage s;
  s.image = Image(64, 64, 3, 0.f);
  for (int i = 0; i < 300; ++i) s.labels.push_back({0.5f, 0.5f, 0.2f, 0.2f, i});
  Rng rng(3);
  const Sample out = apply_augment_plan(s, AugmentPlan{}, 64, 64, rng);
  EXPECT_EQ(out.boxes.size(), size_t(kMaxTruths));
}

TEST(AugmentBoxes, LetterboxKeepsAspectWhileTraining) {
  const SourceImage s = red_rect_image(200, 100, 20, 20, 60, 40);
  AugmentOptions o = no_colour_options(0.f);
  o.letter_box = true;
  o.flip = false;
  Rng rng(5);
  const AugmentPlan p = draw_augment_plan(rng, o, 200, 100, 100, 100);
  EXPECT_EQ(p.ptop, -50);  // the 2:1 image is padded to 200 x 200
  EXPECT_EQ(p.pbot, -50);
  const Sample out = apply_augment_plan(s, p, 100, 100, rng);
  ASSERT_EQ(out.boxes.size(), 1u);
  EXPECT_NEAR(out.boxes[0].w / out.boxes[0].h, 2.f, 1e-4);  // 40 x 20 source pixels stay 2:1
  expect_box_on_red(out.image, out.boxes[0], 0.5f);
}

TEST(AugmentBoxes, RandomJitterFlipAndLetterboxFollowPixels) {
  for (int letter_box = 0; letter_box < 2; ++letter_box)
    for (uint64_t seed = 0; seed < 60; ++seed) {
      const SourceImage s = red_rect_image(120, 90, 30, 20, 80, 60);
      AugmentOptions o = no_colour_options(0.3f);
      o.letter_box = letter_box;
      Rng rng(seed);
      const Sample out = augment_single(s, o, 96, 64, rng);
      SCOPED_TRACE("seed " + std::to_string(seed) + " letter_box " + std::to_string(letter_box));
      ASSERT_EQ(out.boxes.size(), 1u);  // the rectangle is central: a 30 % jitter cannot cut it out
      expect_box_on_red(out.image, out.boxes[0], 1.6f);
    }
}

TEST(AugmentPlanDraw, JitterAndColourRanges) {
  AugmentOptions o;
  o.jitter = 0.25f, o.hue = 0.1f, o.saturation = 1.5f, o.exposure = 1.5f;
  int flips = 0;
  for (uint64_t seed = 0; seed < 500; ++seed) {
    Rng rng(seed);
    const AugmentPlan p = draw_augment_plan(rng, o, 200, 100, 64, 64);
    for (int v : {p.pleft, p.pright}) EXPECT_LE(std::abs(v), 50);
    for (int v : {p.ptop, p.pbot}) EXPECT_LE(std::abs(v), 25);
    EXPECT_LE(std::abs(p.dhue), 0.1f);
    EXPECT_GE(p.dsat, 1 / 1.5f - 1e-6);
    EXPECT_LE(p.dsat, 1.5f + 1e-6);
    EXPECT_GE(p.dexp, 1 / 1.5f - 1e-6);
    EXPECT_LE(p.dexp, 1.5f + 1e-6);
    EXPECT_EQ(p.blur, 0);
    flips += p.flip;
  }
  EXPECT_GT(flips, 200);  // probability 1/2
  EXPECT_LT(flips, 300);
}

TEST(AugmentColour, HsvChangesColoursNotBoxes) {
  const SourceImage s = red_rect_image(80, 80, 20, 20, 50, 40);
  AugmentPlan plain;
  AugmentPlan coloured = plain;
  coloured.dhue = 0.2f, coloured.dsat = 0.6f, coloured.dexp = 1.3f;
  Rng r1(9), r2(9);
  const Sample a = apply_augment_plan(s, plain, 80, 80, r1);
  const Sample b = apply_augment_plan(s, coloured, 80, 80, r2);
  ASSERT_EQ(a.boxes.size(), b.boxes.size());
  EXPECT_EQ(a.boxes[0].x, b.boxes[0].x);
  EXPECT_EQ(a.boxes[0].w, b.boxes[0].w);
  // The red rectangle is no longer pure red: hue moved by 72 degrees, saturation down.
  const float r = b.image.at(30, 30, 0), g = b.image.at(30, 30, 1), bl = b.image.at(30, 30, 2);
  EXPECT_GT(std::abs(r - 1.f) + g + bl, 0.3f);
  for (float v : b.image.data) {
    EXPECT_GE(v, 0.f);
    EXPECT_LE(v, 1.f + 1e-5f);
  }
}

TEST(AugmentColour, ExposureScalesValue) {
  Image im(4, 4, 3, 0.4f);
  distort_hsv(im, 0.f, 1.f, 1.5f);
  for (float v : im.data) EXPECT_NEAR(v, 0.6f, 1e-4);
  distort_hsv(im, 0.f, 1.f, 2.f);
  for (float v : im.data) EXPECT_NEAR(v, 1.f, 1e-4);  // clipped like darknet's 8-bit HSV
}

TEST(AugmentBlur, BackgroundBlurKeepsBoxesSharp) {
  Image im(64, 64, 3);
  Rng noise(4);
  for (float& v : im.data) v = noise.uniform();
  const Image sharp = im;
  const std::vector<TruthBox> boxes{{0.5f, 0.5f, 0.25f, 0.25f, 0}};
  apply_blur(im, 1, boxes);
  for (int y = 24; y < 40; ++y)
    for (int x = 24; x < 40; ++x) EXPECT_EQ(im.at(x, y, 1), sharp.at(x, y, 1));
  double changed = 0;
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 64; ++x) changed += std::abs(im.at(x, y, 1) - sharp.at(x, y, 1));
  EXPECT_GT(changed / (16 * 64), 0.1);
}

TEST(AugmentBlur, BlurOnTwoLoadsInThree) {
  AugmentOptions o;
  o.blur = true;
  int blurred = 0;
  for (uint64_t seed = 0; seed < 600; ++seed) {
    Rng rng(seed);
    blurred += draw_augment_plan(rng, o, 64, 64, 64, 64).blur == 1;
  }
  EXPECT_NEAR(blurred / 600.0, 2.0 / 3.0, 0.07);
}

TEST(AugmentMixup, BlendsImagesAndKeepsBothBoxSets) {
  SourceImage a = red_rect_image(64, 64, 8, 8, 24, 24);
  SourceImage b;
  b.image = Image(64, 64, 3, 1.f);
  b.labels.push_back({0.75f, 0.75f, 0.25f, 0.25f, 5});
  AugmentOptions o = no_colour_options(0.f);
  o.flip = false;
  Rng rng(2);
  const Sample m = augment_mixup(a, b, o, 64, 64, rng);
  ASSERT_EQ(m.boxes.size(), 2u);
  EXPECT_EQ(m.boxes[0].cls, 2);
  EXPECT_EQ(m.boxes[1].cls, 5);
  EXPECT_NEAR(m.image.at(40, 40, 1), 0.5f, 1e-4);  // black and white
  EXPECT_NEAR(m.image.at(16, 16, 0), 1.f, 1e-4);   // red and white
  EXPECT_NEAR(m.image.at(16, 16, 1), 0.5f, 1e-4);
}

TEST(AugmentValidation, LetterboxMapsEveryBox) {
  SourceImage s = red_rect_image(200, 100, 20, 20, 60, 40);
  s.labels.push_back({0.5f, 0.5f, 0.001f, 0.001f, 1});  // tiny: kept for validation
  const Sample lb = resize_for_validation(s, true, 100, 100);
  ASSERT_EQ(lb.boxes.size(), 2u);
  EXPECT_NEAR(lb.image.at(50, 5, 0), 0.5f, 1e-6);  // grey bars above and below
  expect_box_on_red(lb.image, lb.boxes[0], 0.6f);
  const Sample st = resize_for_validation(s, false, 100, 100);
  ASSERT_EQ(st.boxes.size(), 2u);
  EXPECT_EQ(st.boxes[0].x, s.labels[0].x);
  expect_box_on_red(st.image, st.boxes[0], 0.6f);
}

}  // namespace
}  // namespace ds

#include "core/data/draw.h"

namespace ds {
namespace {

TEST(AugmentDraw, FrameAndLabelInClassColour) {
  Image im(64, 64, 3, 0.f);
  const TruthBox b{0.5f, 0.5f, 0.5f, 0.5f, 3};
  draw_truths(im, {b});
  const Rgb c = class_colour(3);
  for (int ch = 0; ch < 3; ++ch) {
    EXPECT_NEAR(im.at(16, 40, ch), c[size_t(ch)], 1e-5) << "left edge";
    EXPECT_NEAR(im.at(47, 40, ch), c[size_t(ch)], 1e-5) << "right edge";
    EXPECT_NEAR(im.at(32, 32, ch), 0.f, 1e-5) << "inside stays untouched";
  }
  // The label tab sits just above the box's top-left corner.
  EXPECT_NEAR(im.at(17, 14, 0), c[0], 0.5f);
  EXPECT_NE(class_colour(0), class_colour(1));
}

}  // namespace
}  // namespace ds
