// Classifier data: labels, darknet's classifier augmentation and the batch mixes (see classify.h).
#include "core/data/classify.h"

#include <algorithm>
#include <cmath>

#include "core/data/augment.h"
#include "core/nn/classifier_loss.h"
#include "core/util/error.h"

namespace ds {
namespace {

// darknet's rand_int: inclusive, bounds truncated to int.
int rand_int(Rng& rng, float lo, float hi) {
  int a = int(lo), b = int(hi);
  if (b < a) std::swap(a, b);
  return rng.uniform_int(a, b);
}

// Copies the pixels of rectangle [x0, x1) x [y0, y1) of `from` into `to` (same size).
void paste(Image& to, const Image& from, int x0, int y0, int x1, int y1) {
  for (int c = 0; c < to.c; ++c)
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) to.at(x, y, c) = from.at(x, y, c);
}

ClassSample load_sample(const Dataset& data, const std::vector<int>& classes, int num_classes,
                        const ClassifierAugment& a, size_t index, int w, int h, Rng& rng) {
  ClassSample s;
  s.image = augment_classifier_image(load_image(data.images[index]), a, w, h, rng);
  s.target = smoothed_targets(classes[index], num_classes, a.label_smooth_eps);
  return s;
}

}  // namespace

ClassifierAugment classifier_augment(const NetOptions& n, const std::string& cfg_path) {
  if (n.angle != 0.f) throw InputError(cfg_path + ": [net] angle: rotation is not supported by darksweep (only 0)");
  ClassifierAugment a;
  a.min_crop = n.min_crop;
  a.max_crop = n.max_crop;
  a.aspect = n.aspect;
  a.flip = n.flip != 0;
  a.hue = n.hue;
  a.saturation = n.saturation;
  a.exposure = n.exposure;
  a.blur = n.blur;
  a.label_smooth_eps = n.label_smooth_eps;
  if (n.mosaic && n.cutmix) a.mix = ClassMix::cutmix_or_mosaic;
  else if (n.cutmix) a.mix = ClassMix::cutmix;
  else if (n.mosaic) a.mix = ClassMix::mosaic;
  else if (n.mixup) a.mix = ClassMix::mixup;
  return a;
}

std::vector<int> image_classes(const Dataset& data) {
  std::vector<int> out;
  out.reserve(data.images.size());
  for (size_t i = 0; i < data.images.size(); ++i) {
    if (data.labels[i].size() != 1)
      throw InputError(label_path_for(data.images[i]) + ": a classification label file holds exactly one line " +
                       "\"class cx cy w h\", found " + std::to_string(data.labels[i].size()) + " (listed in " +
                       data.source + ":" + std::to_string(i + 1) + ")");
    out.push_back(data.labels[i][0].cls);
  }
  return out;
}

Image augment_classifier_image(const Image& src, const ClassifierAugment& a, int w, int h, Rng& rng) {
  // random_augment_image with angle 0: scale s so that the shorter side (width × aspect) becomes r.
  const int size = std::max(w, h);
  const float aspect = rand_scale(rng, a.aspect);
  const int r = rand_int(rng, float(a.min_crop), float(a.max_crop));
  const float shorter = std::min(float(src.h), float(src.w) * aspect);
  const float s = float(r) / shorter;
  float dx = std::max(0.f, (float(src.w) * s / aspect - float(size)) / 2.f);
  float dy = std::max(0.f, (float(src.h) * s - float(size)) / 2.f);
  dx = rng.uniform(-dx, dx);
  dy = rng.uniform(-dy, dy);
  // rotate_crop_image samples source x = cx + (x - size/2 + dx)·aspect/s, y = cy + (y - size/2 + dy)/s.
  const float sw = float(size) * aspect / s, sh = float(size) / s;
  const float left = float(src.w) / 2.f + (dx - float(size) / 2.f) * aspect / s;
  const float top = float(src.h) / 2.f + (dy - float(size) / 2.f) / s;
  Image out = crop_and_resize(src, int(std::lround(left)), int(std::lround(top)), int(std::lround(sw)),
                              int(std::lround(sh)), w, h);
  if (a.flip && rng.uniform_int(0, 1)) flip_horizontal(out);
  // random_distort_image: hue uniform in [-hue, hue], saturation and exposure by rand_scale.
  const float dhue = rng.uniform(-a.hue, a.hue);
  const float dsat = rand_scale(rng, a.saturation);
  const float dexp = rand_scale(rng, a.exposure);
  distort_hsv(out, dhue, dsat, dexp);
  return out;
}

Image validation_classifier_image(const Image& src, int w, int h) {
  const float s = float(w) / float(std::min(src.w, src.h));  // resize_min(im, w)
  const float sw = float(w) / s, sh = float(h) / s;
  return crop_and_resize(src, int(std::lround((float(src.w) - sw) / 2.f)), int(std::lround((float(src.h) - sh) / 2.f)),
                         int(std::lround(sw)), int(std::lround(sh)), w, h);
}

void mix_mixup(ClassSample& a, const ClassSample& b) {
  blend_half(a.image, b.image);
  for (size_t j = 0; j < a.target.size(); ++j) a.target[j] = (a.target[j] + b.target[j]) / 2.f;
}

void mix_cutmix(ClassSample& a, const ClassSample& b, Rng& rng) {
  const int w = a.image.w, h = a.image.h;
  const int cut_w = rand_int(rng, float(w) * 0.3f, float(w) * 0.8f);
  const int cut_h = rand_int(rng, float(h) * 0.3f, float(h) * 0.8f);
  const int cut_x = rand_int(rng, 0.f, float(w - cut_w - 1));
  const int cut_y = rand_int(rng, 0.f, float(h - cut_h - 1));
  paste(a.image, b.image, cut_x, cut_y, cut_x + cut_w, cut_y + cut_h);
  const float alpha = float(cut_w * cut_h) / float(w * h), beta = 1.f - alpha;
  for (size_t j = 0; j < a.target.size(); ++j) a.target[j] = a.target[j] * beta + b.target[j] * alpha;
}

void mix_mosaic(ClassSample& a, const ClassSample& b, const ClassSample& c, const ClassSample& d, Rng& rng) {
  const int w = a.image.w, h = a.image.h;
  const int cut_x = rand_int(rng, float(w) * 0.2f, float(w) * 0.8f);
  const int cut_y = rand_int(rng, float(h) * 0.2f, float(h) * 0.8f);
  const float area = float(w * h);
  const float s1 = float(cut_x * cut_y) / area, s2 = float((w - cut_x) * cut_y) / area;
  const float s3 = float(cut_x * (h - cut_y)) / area, s4 = float((w - cut_x) * (h - cut_y)) / area;
  paste(a.image, b.image, cut_x, 0, w, cut_y);
  paste(a.image, c.image, 0, cut_y, cut_x, h);
  paste(a.image, d.image, cut_x, cut_y, w, h);
  for (size_t j = 0; j < a.target.size(); ++j)
    a.target[j] = a.target[j] * s1 + b.target[j] * s2 + c.target[j] * s3 + d.target[j] * s4;
}

void maybe_blur(ClassSample& s, int blur, Rng& rng) {
  if (blur <= 0 || rng.uniform_int(0, 3) != 0) return;
  apply_blur(s.image, blur == 1 ? 15 : blur, {});
}

ClassBatch load_classifier_batch(const Dataset& data, const std::vector<int>& classes, int num_classes,
                                 const ClassifierAugment& a, int n, int w, int h, Rng& rng) {
  const int m = int(data.images.size());
  auto load_set = [&]() {
    std::vector<ClassSample> set;
    for (int i = 0; i < n; ++i) set.push_back(load_sample(data, classes, num_classes, a, size_t(rng.uniform_int(0, m - 1)), w, h, rng));
    return set;
  };
  std::vector<ClassSample> d = load_set();
  if (a.mix != ClassMix::none && rng.uniform_int(0, 1)) {
    const std::vector<ClassSample> d2 = load_set();
    std::vector<ClassSample> d3, d4;
    if (int(a.mix) >= 3) {
      d3 = load_set();
      d4 = load_set();
    }
    for (int i = 0; i < n; ++i) {
      ClassMix mix = a.mix == ClassMix::cutmix_or_mosaic ? ClassMix(rand_int(rng, 2, 3)) : a.mix;
      if (mix == ClassMix::mixup) mix_mixup(d[size_t(i)], d2[size_t(i)]);
      else if (mix == ClassMix::cutmix) mix_cutmix(d[size_t(i)], d2[size_t(i)], rng);
      else mix_mosaic(d[size_t(i)], d2[size_t(i)], d3[size_t(i)], d4[size_t(i)], rng);
    }
  }
  ClassBatch b{n, w, h, {}, {}};
  b.x.reserve(size_t(n) * 3 * size_t(w) * size_t(h));
  for (ClassSample& s : d) {
    maybe_blur(s, a.blur, rng);
    b.x.insert(b.x.end(), s.image.data.begin(), s.image.data.end());
    b.targets.insert(b.targets.end(), s.target.begin(), s.target.end());
  }
  return b;
}

}  // namespace ds
