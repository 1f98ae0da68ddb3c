// Single-image training augmentation with darknet's semantics; see augment.h.
#include "core/data/augment.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace ds {

cv::Mat image_to_mat(const Image& im) {
  std::vector<cv::Mat> planes;
  for (int ch = 0; ch < im.c; ++ch)
    planes.emplace_back(im.h, im.w, CV_32F, const_cast<float*>(&im.data[size_t(ch) * im.h * im.w]));
  cv::Mat out;
  cv::merge(planes, out);  // copies: the result owns its pixels
  return out;
}

Image mat_to_image(const cv::Mat& m) {
  Image im(m.cols, m.rows, m.channels());
  std::vector<cv::Mat> planes;
  cv::split(m, planes);
  for (int ch = 0; ch < im.c; ++ch) {
    cv::Mat dst(im.h, im.w, CV_32F, &im.data[size_t(ch) * im.h * im.w]);
    planes[size_t(ch)].copyTo(dst);  // same size and type: copies into the image's plane
  }
  return im;
}

float rand_scale(Rng& rng, float s) {
  // darknet's rand_scale: rand_uniform_strong(1, s), inverted on a coin flip.
  const float lo = std::min(1.f, s), hi = std::max(1.f, s);
  const float scale = rng.uniform(lo, hi);
  return rng.uniform_int(0, 1) ? scale : 1.f / scale;
}

namespace {

// darknet's rand_precalc_random: min + r·(max − min), truncated to int by the caller's assignment.
int precalc_random(int lo, int hi, float r) {
  if (hi < lo) std::swap(lo, hi);
  return int(r * float(hi - lo) + float(lo));
}

// letter_box in load_data_detection: widen the crop on the short side so that it has the network's aspect
// ratio (the extra area is padding, filled with the mean colour like any out-of-image crop).
void letterbox_plan(AugmentPlan& p, int ow, int oh, int w, int h) {
  const float img_ar = float(ow) / float(oh), net_ar = float(w) / float(h);
  if (img_ar / net_ar > 1.f) {
    const float delta_h = (float(ow) / net_ar - float(oh)) / 2.f;
    p.ptop = int(float(p.ptop) - delta_h);
    p.pbot = int(float(p.pbot) - delta_h);
  } else {
    const float delta_w = (float(oh) * net_ar - float(ow)) / 2.f;
    p.pleft = int(float(p.pleft) - delta_w);
    p.pright = int(float(p.pright) - delta_w);
  }
}

float clamp01(float v) { return std::min(1.f, std::max(0.f, v)); }

}  // namespace

AugmentPlan draw_augment_plan(Rng& rng, const AugmentOptions& o, int ow, int oh, int w, int h) {
  AugmentPlan p;
  const int dw = int(float(ow) * o.jitter), dh = int(float(oh) * o.jitter);
  const float r1 = rng.uniform(), r2 = rng.uniform(), r3 = rng.uniform(), r4 = rng.uniform();
  p.flip = o.flip && rng.uniform_int(0, 1) == 1;
  p.dhue = o.hue > 0 ? rng.uniform(-o.hue, o.hue) : 0.f;
  p.dsat = rand_scale(rng, o.saturation);
  p.dexp = rand_scale(rng, o.exposure);
  // blur=1: rand_int(0, 2) picks none / background / "use_blur", and use_blur is 1 too, so two loads in
  // three get the background blur.
  if (o.blur) p.blur = rng.uniform_int(0, 2) == 0 ? 0 : 1;
  p.pleft = precalc_random(-dw, dw, r1);
  p.pright = precalc_random(-dw, dw, r2);
  p.ptop = precalc_random(-dh, dh, r3);
  p.pbot = precalc_random(-dh, dh, r4);
  if (o.letter_box) letterbox_plan(p, ow, oh, w, h);
  return p;
}

Image crop_and_resize(const Image& src, int pleft, int ptop, int swidth, int sheight, int w, int h) {
  const cv::Mat img = image_to_mat(src);
  swidth = std::max(1, swidth);
  sheight = std::max(1, sheight);
  const cv::Rect src_rect(pleft, ptop, swidth, sheight), img_rect(0, 0, img.cols, img.rows);
  cv::Mat sized;
  if (src_rect == img_rect) {
    cv::resize(img, sized, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
    return mat_to_image(sized);
  }
  // image_data_augmentation: the crop starts as the source's mean colour; the visible part is copied in.
  cv::Mat cropped(sheight, swidth, img.type(), cv::mean(img));
  const cv::Rect visible = src_rect & img_rect;
  if (visible.area() > 0) {
    const cv::Rect dst(std::max(0, -pleft), std::max(0, -ptop), visible.width, visible.height);
    img(visible).copyTo(cropped(dst));
  }
  cv::resize(cropped, sized, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
  return mat_to_image(sized);
}

void flip_horizontal(Image& im) {
  for (int ch = 0; ch < im.c; ++ch)
    for (int y = 0; y < im.h; ++y) {
      float* row = &im.data[(size_t(ch) * im.h + y) * im.w];
      std::reverse(row, row + im.w);
    }
}

void distort_hsv(Image& im, float dhue, float dsat, float dexp) {
  if (dsat == 1.f && dexp == 1.f && dhue == 0.f) return;
  if (im.c < 3) {  // darknet scales grey images by the exposure only
    for (float& v : im.data) v = clamp01(v * dexp);
    return;
  }
  cv::Mat hsv;
  cv::cvtColor(image_to_mat(im), hsv, cv::COLOR_RGB2HSV);  // float: H in [0, 360), S and V in [0, 1]
  for (auto it = hsv.begin<cv::Vec3f>(); it != hsv.end<cv::Vec3f>(); ++it) {
    cv::Vec3f& p = *it;
    // darknet adds 179·dhue to OpenCV's 8-bit hue (half degrees): dhue is a fraction of the circle.
    float hue = p[0] + 360.f * dhue;
    hue -= 360.f * std::floor(hue / 360.f);
    p[0] = hue;
    p[1] = clamp01(p[1] * dsat);
    p[2] = clamp01(p[2] * dexp);
  }
  cv::Mat rgb;
  cv::cvtColor(hsv, rgb, cv::COLOR_HSV2RGB);
  im = mat_to_image(rgb);
}

void apply_blur(Image& im, int blur, const std::vector<TruthBox>& boxes) {
  if (blur <= 0) return;
  const cv::Mat sharp = image_to_mat(im);
  cv::Mat dst;
  const int ksize = blur == 1 ? 17 : (blur / 2) * 2 + 1;
  cv::GaussianBlur(sharp, dst, cv::Size(ksize, ksize), 0);
  if (blur == 1) {
    // Background blur: every truth box gets its sharp pixels back (same integer roi as darknet).
    const cv::Rect img_rect(0, 0, sharp.cols, sharp.rows);
    for (const TruthBox& b : boxes) {
      const cv::Rect roi(int((b.x - b.w / 2) * sharp.cols), int((b.y - b.h / 2) * sharp.rows), int(b.w * sharp.cols),
                         int(b.h * sharp.rows));
      const cv::Rect clipped = roi & img_rect;
      if (clipped.area() > 0) sharp(clipped).copyTo(dst(clipped));
    }
  }
  im = mat_to_image(dst);
}

void blend_half(Image& a, const Image& b) {
  for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = 0.5f * a.data[i] + 0.5f * b.data[i];
}

std::vector<TruthBox> transform_boxes(std::vector<TruthBox> labels, const AugmentPlan& p, int ow, int oh, int w,
                                      int h, Rng& rng) {
  // randomize_boxes: darknet swaps each box with a random one (it decides which survive the kMaxTruths cap).
  const size_t n = labels.size();
  for (size_t i = 0; i < n; ++i) std::swap(labels[i], labels[size_t(rng.next() % n)]);
  if (labels.size() > size_t(kMaxTruths)) labels.resize(kMaxTruths);

  // (at least one pixel, as crop_and_resize: a jitter >= 0.5 could otherwise close the crop)
  const float swidth = float(std::max(1, ow - p.pleft - p.pright)), sheight = float(std::max(1, oh - p.ptop - p.pbot));
  const float lowest_w = 1.f / float(w), lowest_h = 1.f / float(h);
  std::vector<TruthBox> out;
  for (const TruthBox& b : labels) {
    // correct_boxes: a label at (0, 0) or wholly outside the image is invalid.
    if (b.x == 0 && b.y == 0) continue;
    if (b.x + b.w / 2 < 0 || b.y + b.h / 2 < 0 || b.x - b.w / 2 > 1 || b.y - b.h / 2 > 1) continue;
    float left = ((b.x - b.w / 2) * ow - p.pleft) / swidth, right = ((b.x + b.w / 2) * ow - p.pleft) / swidth;
    const float top = ((b.y - b.h / 2) * oh - p.ptop) / sheight, bot = ((b.y + b.h / 2) * oh - p.ptop) / sheight;
    if (p.flip) {
      const float old_left = left;
      left = 1.f - right;
      right = 1.f - old_left;
    }
    const float l = clamp01(left), r = clamp01(right), t = clamp01(top), bo = clamp01(bot);
    TruthBox c{(l + r) / 2, (t + bo) / 2, clamp01(r - l), clamp01(bo - t), b.cls};
    // fill_truth_detection: drop boxes under one network pixel, and centres not inside (0, 1].
    if (b.cls < 0 || c.w < lowest_w || c.h < lowest_h) continue;
    if (c.x <= 0 || c.x > 1 || c.y <= 0 || c.y > 1) continue;
    out.push_back(c);
  }
  return out;
}

namespace {

// load_data_detection: "disable blur if one of the objects is too small" (only for blur > 1).
int limit_blur(int blur, const std::vector<TruthBox>& truths, int w, int h) {
  if (blur <= 1 || truths.empty()) return blur;
  int min_w_h = int(truths[0].w * w);
  for (const TruthBox& t : truths) min_w_h = std::min({min_w_h, int(t.w * w), int(t.h * h)});
  return min_w_h / 8 < blur ? min_w_h / 8 : blur;
}

}  // namespace

Sample apply_augment_plan(const SourceImage& src, const AugmentPlan& p, int w, int h, Rng& rng) {
  const int ow = src.image.w, oh = src.image.h;
  Sample s;
  s.boxes = transform_boxes(src.labels, p, ow, oh, w, h, rng);
  s.image = crop_and_resize(src.image, p.pleft, p.ptop, ow - p.pleft - p.pright, oh - p.ptop - p.pbot, w, h);
  if (p.flip) flip_horizontal(s.image);
  distort_hsv(s.image, p.dhue, p.dsat, p.dexp);
  apply_blur(s.image, limit_blur(p.blur, s.boxes, w, h), s.boxes);
  return s;
}

Sample augment_single(const SourceImage& src, const AugmentOptions& o, int w, int h, Rng& rng) {
  const AugmentPlan plan = draw_augment_plan(rng, o, src.image.w, src.image.h, w, h);
  return apply_augment_plan(src, plan, w, h, rng);
}

Sample augment_mixup(const SourceImage& a, const SourceImage& b, const AugmentOptions& o, int w, int h, Rng& rng) {
  Sample first = augment_single(a, o, w, h, rng);
  Sample second = augment_single(b, o, w, h, rng);
  blend_half(first.image, second.image);
  // blend_truth: the second image's truths are appended after the first's, up to the cap.
  for (const TruthBox& t : second.boxes)
    if (first.boxes.size() < size_t(kMaxTruths)) first.boxes.push_back(t);
  return first;
}

Sample resize_for_validation(const SourceImage& src, bool letter_box, int w, int h) {
  Sample s;
  const int ow = src.image.w, oh = src.image.h;
  if (!letter_box) {
    s.image = crop_and_resize(src.image, 0, 0, ow, oh, w, h);
    s.boxes = src.labels;
    return s;
  }
  // darknet's letterbox_image: scale to fit, centre on grey 0.5.
  int new_w = w, new_h = h;
  if (float(w) / float(ow) < float(h) / float(oh)) new_h = oh * w / ow;
  else new_w = ow * h / oh;
  new_w = std::max(1, new_w);
  new_h = std::max(1, new_h);
  const Image resized = crop_and_resize(src.image, 0, 0, ow, oh, new_w, new_h);
  const int dx = (w - new_w) / 2, dy = (h - new_h) / 2;
  s.image = Image(w, h, src.image.c, 0.5f);
  for (int ch = 0; ch < s.image.c; ++ch)
    for (int y = 0; y < new_h; ++y)
      for (int x = 0; x < new_w; ++x) s.image.at(x + dx, y + dy, ch) = resized.at(x, y, ch);
  for (const TruthBox& b : src.labels)
    s.boxes.push_back({(b.x * new_w + dx) / w, (b.y * new_h + dy) / h, b.w * new_w / w, b.h * new_h / h, b.cls});
  return s;
}

}  // namespace ds
