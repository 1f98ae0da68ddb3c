// Single-image training augmentation with darknet's semantics (AlexeyAB data.c load_data_detection and
// image_opencv.cpp image_data_augmentation): jitter crop, resize (stretch or letterbox), flip, HSV, blur,
// mixup, and the box transforms that go with them (correct_boxes, fill_truth_detection).
#pragma once
#include <vector>

#include <opencv2/core.hpp>

#include "core/data/image.h"
#include "core/data/loader.h"
#include "core/nn/box.h"
#include "core/util/rng.h"

namespace ds {

// Image (CHW float RGB) <-> cv::Mat (HWC CV_32FC3 RGB, CV_32FC1 for one channel), for OpenCV's kernels.
cv::Mat image_to_mat(const Image& image);
Image mat_to_image(const cv::Mat& mat);

// darknet's default `[yolo] max=`: at most this many truths per training image.
inline constexpr int kMaxTruths = 200;

// An image as read from the data set, with its labels (normalised to the image).
struct SourceImage {
  Image image;
  std::vector<TruthBox> labels;
};

// The random draws for one image (darknet draws them once per image in load_data_detection).
// p* are the crop offsets in source pixels: positive crops into the image, negative pads it.
struct AugmentPlan {
  int pleft = 0, pright = 0, ptop = 0, pbot = 0;
  bool flip = false;
  float dhue = 0.f, dsat = 1.f, dexp = 1.f;
  int blur = 0;  // darknet's blur value: 0 none, 1 background blur (boxes kept sharp), >1 kernel of the whole image
};

// darknet's rand_scale: a factor in [1, s] or its inverse, each with probability 1/2.
float rand_scale(Rng& rng, float s);

// Draws the plan for a source of ow x oh going to a w x h network (with the letter_box adjustment that
// pads the shorter side so the crop has the network's aspect ratio).
AugmentPlan draw_augment_plan(Rng& rng, const AugmentOptions& options, int ow, int oh, int w, int h);

// Crop (pixels outside the source filled with its mean colour, as image_data_augmentation) and
// bilinear resize to w x h.
Image crop_and_resize(const Image& src, int pleft, int ptop, int swidth, int sheight, int w, int h);
void flip_horizontal(Image& image);
// HSV distortion: hue shifted by dhue (a fraction of the colour circle), saturation and value scaled
// by dsat and dexp and clipped to [0, 1] (the uint8 saturation of darknet's OpenCV path).
void distort_hsv(Image& image, float dhue, float dsat, float dexp);
// blur == 1: Gaussian 17x17 of the whole image, then the boxes pasted back sharp (background blur);
// blur > 1: Gaussian of the whole image with kernel (blur/2)*2+1.
void apply_blur(Image& image, int blur, const std::vector<TruthBox>& boxes);
// Mixup: a = 0.5·a + 0.5·b (darknet's blend_images_cv with alpha = beta = 0.5).
void blend_half(Image& a, const Image& b);

// correct_boxes + fill_truth_detection: source-normalised labels through the crop (and flip) to
// network-normalised truths, clipped to [0, 1]; boxes outside the crop, narrower or lower than one
// network pixel, or with an invalid class are dropped; at most kMaxTruths kept (after darknet's shuffle).
std::vector<TruthBox> transform_boxes(std::vector<TruthBox> labels, const AugmentPlan& plan, int ow, int oh, int w,
                                      int h, Rng& rng);

// One augmented image of the plan: crop/resize, flip, HSV, blur; returns the image and its truths.
Sample apply_augment_plan(const SourceImage& src, const AugmentPlan& plan, int w, int h, Rng& rng);
// draw_augment_plan + apply_augment_plan.
Sample augment_single(const SourceImage& src, const AugmentOptions& options, int w, int h, Rng& rng);
// Mixup of two sources: both augmented independently, blended 50/50, truths of both kept (first's first).
Sample augment_mixup(const SourceImage& a, const SourceImage& b, const AugmentOptions& options, int w, int h,
                     Rng& rng);

// Validation preprocessing: stretch to w x h, or letterbox (darknet's letterbox_image: aspect kept, centred
// on grey 0.5); every box kept, mapped to the network input.
Sample resize_for_validation(const SourceImage& src, bool letter_box, int w, int h);

}  // namespace ds
