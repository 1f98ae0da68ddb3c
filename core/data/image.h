// Image: a float RGB image in darknet's layout (channel-major CHW, values in [0, 1]).
#pragma once
#include <string>
#include <vector>

namespace ds {

struct Image {
  int w = 0, h = 0, c = 3;
  std::vector<float> data;  // c planes of h rows of w values

  Image() = default;
  Image(int width, int height, int channels, float fill = 0.f)
      : w(width), h(height), c(channels), data(size_t(width) * height * channels, fill) {}
  float& at(int x, int y, int ch) { return data[(size_t(ch) * h + y) * w + x]; }
  float at(int x, int y, int ch) const { return data[(size_t(ch) * h + y) * w + x]; }
};

// Reads any image OpenCV can decode as RGB; an unreadable file is an InputError naming it.
Image load_image(const std::string& path);
// Writes PNG/JPEG (by extension), atomically.
void save_image(const Image& image, const std::string& path);

}  // namespace ds
