// Image file I/O through OpenCV (BGR uint8 on disk <-> RGB float CHW in memory).
#include "core/data/image.h"

#include <opencv2/imgcodecs.hpp>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace ds {

Image load_image(const std::string& path) {
  cv::Mat m = cv::imread(path, cv::IMREAD_COLOR);
  if (m.empty()) throw InputError(path + ": cannot read image (missing, unreadable or not an image)");
  Image img(m.cols, m.rows, 3);
  for (int y = 0; y < m.rows; ++y) {
    const uint8_t* row = m.ptr<uint8_t>(y);
    for (int x = 0; x < m.cols; ++x)
      for (int ch = 0; ch < 3; ++ch) img.at(x, y, ch) = row[3 * x + (2 - ch)] / 255.f;  // BGR -> RGB
  }
  return img;
}

void save_image(const Image& img, const std::string& path) {
  cv::Mat m(img.h, img.w, CV_8UC3);
  for (int y = 0; y < img.h; ++y) {
    uint8_t* row = m.ptr<uint8_t>(y);
    for (int x = 0; x < img.w; ++x)
      for (int ch = 0; ch < 3; ++ch) {
        float v = img.c == 1 ? img.at(x, y, 0) : img.at(x, y, ch);
        row[3 * x + (2 - ch)] = uint8_t(std::min(255.f, std::max(0.f, v * 255.f + 0.5f)));
      }
  }
  std::vector<uint8_t> bytes;
  std::string ext = path.substr(path.find_last_of('.') == std::string::npos ? path.size() : path.find_last_of('.'));
  if (ext.empty()) throw InputError(path + ": image path needs an extension (.png or .jpg)");
  if (!cv::imencode(ext, m, bytes)) throw InputError(path + ": cannot encode image as " + ext);
  write_file_atomically(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace ds
