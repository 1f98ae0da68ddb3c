// Classifier training data with darknet's semantics (AlexeyAB data.c load_data_augment, train_classifier):
// one class per image, soft target vectors (label smoothing), random-resized crops, flip, HSV, and the
// batch mixes of Table 2 — MixUp, CutMix, Mosaic — which mix the targets as they mix the pixels, then Blur.
//
// Labels: a darknet list whose .txt beside each image holds exactly one line "class cx cy w h" (what
// `sweep data synth --classify` writes; the box is ignored). Bad lines are errors naming file:line.
#pragma once
#include <array>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/image.h"
#include "core/nn/net_options.h"
#include "core/util/rng.h"

namespace ds {

// darknet's net->mixup: 1 MixUp, 2 CutMix, 3 Mosaic, 4 CutMix or Mosaic (per image), from mixup=1,
// cutmix=1, mosaic=1 (parse_net_options: mosaic and cutmix give 4, cutmix 2, mosaic 3, else mixup).
enum class ClassMix { none = 0, mixup = 1, cutmix = 2, mosaic = 3, cutmix_or_mosaic = 4 };

struct ClassifierAugment {
  int min_crop = 0, max_crop = 0;  // [net] min_crop / max_crop: the shorter side is scaled to rand_int(min, max)
  float aspect = 1.f;              // [net] aspect: rand_scale of the crop's aspect ratio
  bool flip = true;
  float hue = 0.f, saturation = 1.f, exposure = 1.f;
  ClassMix mix = ClassMix::none;
  int blur = 0;                    // [net] blur: a quarter of the images blurred, kernel 15 (blur=1) or blur
  float label_smooth_eps = 0.f;
};
// From [net]; `angle` != 0 (rotation) is an InputError naming the cfg.
ClassifierAugment classifier_augment(const NetOptions& net, const std::string& cfg_path);

// One training or validation image and its K soft targets.
struct ClassSample {
  Image image;
  std::vector<float> target;
};

// The class of each image of `data` (read_darknet_list with `classes`): exactly one label each, else an
// InputError naming the label file.
std::vector<int> image_classes(const Dataset& data);

// darknet's load_image_augment_paths without rotation: random_augment_image's crop of size x size
// (size = max(w, h)) after scaling the shorter side to rand_int(min_crop, max_crop), its centre shifted at
// random, resized to w x h, flipped on a coin, then random_distort_image (hue, saturation, exposure).
// Pixels outside the source take its mean colour (darknet clamps to the edge).
Image augment_classifier_image(const Image& src, const ClassifierAugment& a, int w, int h, Rng& rng);
// darknet's validate_classifier_single: shorter side scaled to w, centre crop of w x h.
Image validation_classifier_image(const Image& src, int w, int h);

// The mixes of load_data_augment, in place on `a` (all samples w x h, same K):
// MixUp: pixels and targets averaged 1/2 : 1/2.
void mix_mixup(ClassSample& a, const ClassSample& b);
// CutMix: a rand_int(0.3w, 0.8w) x rand_int(0.3h, 0.8h) rectangle of b pasted at a random place;
// targets a·(1 - α) + b·α with α the rectangle's share of the image.
void mix_cutmix(ClassSample& a, const ClassSample& b, Rng& rng);
// Mosaic: cut point (rand_int(0.2w, 0.8w), rand_int(0.2h, 0.8h)); quadrants from a (top-left), b (top-right),
// c (bottom-left), d (bottom-right); targets weighted by the quadrants' areas.
void mix_mosaic(ClassSample& a, const ClassSample& b, const ClassSample& c, const ClassSample& d, Rng& rng);
// Blur: Gaussian of kernel 15 (blur=1) or `blur` ((blur/2)*2+1) on one image in four; targets unchanged.
void maybe_blur(ClassSample& s, int blur, Rng& rng);

struct ClassBatch {
  int n = 0, w = 0, h = 0;
  std::vector<float> x;        // n x 3 x h x w
  std::vector<float> targets;  // n x K
};

// One training mini-batch of n random images (darknet's get_random_paths + load_data_augment): each image
// augmented; with a mix on, half of the batches (rand_int(0, 1)) are mixed with 1 (or 3 for Mosaic) other
// random batches, image by image; then Blur. Deterministic for the state of `rng`.
ClassBatch load_classifier_batch(const Dataset& data, const std::vector<int>& classes, int num_classes,
                                 const ClassifierAugment& a, int n, int w, int h, Rng& rng);

}  // namespace ds
