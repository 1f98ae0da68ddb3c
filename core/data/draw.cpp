// Box and label drawing on Images; see draw.h.
#include "core/data/draw.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "core/data/augment.h"

namespace ds {

namespace {

cv::Scalar to_scalar(const Rgb& c) { return cv::Scalar(c[0], c[1], c[2]); }  // the mats here are RGB

constexpr double kFontScale = 0.35;
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

}  // namespace

Rgb class_colour(int cls) {
  // Hues 0.618 apart around the circle keep neighbouring class ids far apart in colour.
  const float hue = std::fmod(0.13f + 0.618034f * float(std::max(0, cls)), 1.f) * 6.f;
  const int sector = int(hue) % 6;
  const float f = hue - std::floor(hue), q = 1.f - f;
  switch (sector) {
    case 0: return {1.f, f, 0.f};
    case 1: return {q, 1.f, 0.f};
    case 2: return {0.f, 1.f, f};
    case 3: return {0.f, q, 1.f};
    case 4: return {f, 0.f, 1.f};
    default: return {1.f, 0.f, q};
  }
}

namespace {

void box_on_mat(cv::Mat& m, const TruthBox& b, const Rgb& colour, int thickness) {
  const int left = int(std::lround((b.x - b.w / 2) * m.cols)), right = int(std::lround((b.x + b.w / 2) * m.cols)) - 1;
  const int top = int(std::lround((b.y - b.h / 2) * m.rows)), bot = int(std::lround((b.y + b.h / 2) * m.rows)) - 1;
  cv::rectangle(m, cv::Point(left, top), cv::Point(std::max(left, right), std::max(top, bot)), to_scalar(colour),
                thickness);
}

void label_on_mat(cv::Mat& m, int x, int y, const std::string& text, const Rgb& colour) {
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, kFont, kFontScale, 1, &baseline);
  const int tab_w = size.width + 2, tab_h = size.height + baseline + 2;
  x = std::clamp(x, 0, std::max(0, m.cols - tab_w));
  y = std::clamp(y, 0, std::max(0, m.rows - tab_h));
  cv::rectangle(m, cv::Rect(x, y, tab_w, tab_h), to_scalar(colour), cv::FILLED);
  // Dark ink on light tabs, white on dark ones.
  const float luma = 0.299f * colour[0] + 0.587f * colour[1] + 0.114f * colour[2];
  const cv::Scalar ink = luma > 0.5f ? cv::Scalar(0, 0, 0) : cv::Scalar(1, 1, 1);
  cv::putText(m, text, cv::Point(x + 1, y + 1 + size.height), kFont, kFontScale, ink, 1, cv::LINE_AA);
}

int tab_height() {
  int baseline = 0;
  return cv::getTextSize("0", kFont, kFontScale, 1, &baseline).height + baseline + 2;
}

}  // namespace

void draw_box(Image& image, const TruthBox& b, const Rgb& colour, int thickness) {
  cv::Mat m = image_to_mat(image);
  box_on_mat(m, b, colour, thickness);
  image = mat_to_image(m);
}

void draw_label(Image& image, int x, int y, const std::string& text, const Rgb& colour) {
  cv::Mat m = image_to_mat(image);
  label_on_mat(m, x, y, text, colour);
  image = mat_to_image(m);
}

void draw_truths(Image& image, const std::vector<TruthBox>& boxes) {
  cv::Mat m = image_to_mat(image);
  for (const TruthBox& b : boxes) box_on_mat(m, b, class_colour(b.cls), 1);
  // Labels after all frames so that no frame crosses a label; a tab sits just above its box when there is
  // room, else inside the box's top edge.
  for (const TruthBox& b : boxes) {
    const int left = int(std::lround((b.x - b.w / 2) * m.cols)), top = int(std::lround((b.y - b.h / 2) * m.rows));
    label_on_mat(m, left, top >= tab_height() ? top - tab_height() : top, std::to_string(b.cls), class_colour(b.cls));
  }
  image = mat_to_image(m);
}

}  // namespace ds
