// The synthetic data generator: draws shapes, backgrounds and clutter with OpenCV, one seeded cv::RNG per image
// (so images can be drawn on any number of threads and still come out bit-identical), and writes the data set.
#include "core/data/synth.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace ds {

namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kShift = 4;  // fillPoly fractional bits: sub-pixel vertices keep small shapes' boxes exact
const char* const kNames[] = {"disc", "square", "triangle", "cross", "ring", "star", "hexagon", "arrow"};
constexpr int kMaxClasses = int(sizeof(kNames) / sizeof(kNames[0]));

// splitmix64: decorrelates the per-image seeds derived from (seed, split, index).
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

using Contour = std::vector<cv::Point2d>;
using Shape = std::vector<Contour>;  // contours filled together (even-odd: a ring is two circles)

Contour regular(int n, double radius, double phase) {
  Contour c;
  for (int i = 0; i < n; ++i) {
    double a = phase + 2 * kPi * i / n;
    c.push_back({radius * std::cos(a), radius * std::sin(a)});
  }
  return c;
}

// Each class as contours in the unit square [-1, 1]² (before aspect, scale and rotation).
Shape unit_shape(int cls, cv::RNG& rng) {
  switch (cls) {
    case 0: return {regular(64, 1, 0)};                                               // disc
    case 1: return {{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}}};                            // square
    case 2: return {{{0, -1}, {1, 1}, {-1, 1}}};                                      // triangle
    case 3: {                                                                          // cross
      double t = rng.uniform(0.22, 0.4);
      return {{{-t, -1}, {t, -1}, {t, -t}, {1, -t}, {1, t}, {t, t}, {t, 1}, {-t, 1}, {-t, t}, {-1, t}, {-1, -t}, {-t, -t}}};
    }
    case 4: return {regular(64, 1, 0), regular(64, rng.uniform(0.45, 0.7), 0)};      // ring
    case 5: {                                                                          // star
      Contour c;
      double inner = rng.uniform(0.38, 0.5);
      for (int i = 0; i < 10; ++i) {
        double a = -kPi / 2 + kPi * i / 5, r = i % 2 ? inner : 1.0;
        c.push_back({r * std::cos(a), r * std::sin(a)});
      }
      return {c};
    }
    case 6: return {regular(6, 1, 0)};                                                // hexagon
    default: {                                                                         // arrow (pointing right)
      double t = rng.uniform(0.25, 0.4), head = rng.uniform(0.0, 0.3);
      return {{{-1, -t}, {head, -t}, {head, -1}, {1, 0}, {head, 1}, {head, t}, {-1, t}}};
    }
  }
}

// Scales to w × h, rotates by `angle` and moves to the origin-centred frame; returns the shape.
Shape place_shape(Shape s, double w, double h, double angle) {
  const double c = std::cos(angle), sn = std::sin(angle);
  for (Contour& contour : s)
    for (cv::Point2d& p : contour) {
      double x = p.x * w / 2, y = p.y * h / 2;
      p = {x * c - y * sn, x * sn + y * c};
    }
  return s;
}

cv::Rect2d extent(const Shape& s) {
  double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
  for (const Contour& c : s)
    for (const cv::Point2d& p : c) x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
  return {x0, y0, x1 - x0, y1 - y0};
}

void fill_shape(cv::Mat& img, const Shape& s, cv::Point2d at, const cv::Scalar& colour) {
  std::vector<std::vector<cv::Point>> pts;
  for (const Contour& c : s) {
    pts.emplace_back();
    for (const cv::Point2d& p : c)
      pts.back().push_back({int(std::lround((p.x + at.x) * (1 << kShift))), int(std::lround((p.y + at.y) * (1 << kShift)))});
  }
  cv::fillPoly(img, pts, colour, cv::LINE_AA, kShift);
}

// What a difficulty level draws. Counts are half-open ranges [lo, hi) for cv::RNG::uniform; "hard" is the
// generator as it always was (its images stay bit-identical).
struct Look {
  int grid_hi;                  // background colour field: a grid of 2..grid_hi-1 random colours, upscaled
  double stripes, blobs;        // probability of blended stripes, of soft discs (which look like the disc class)
  int clutter_under[2], clutter_over[2];              // detection: strokes drawn before and after the objects
  int classify_under[2], classify_over[2];            // classification: the same
  double noise_max;             // uniform sensor noise amplitude in 2..noise_max
  double min_side, max_side;    // detection object side, a fraction of the image, log-uniform
};

Look look_of(SynthDifficulty d) {
  switch (d) {
    case SynthDifficulty::easy: return {3, 0.0, 0.0, {0, 1}, {0, 1}, {0, 1}, {0, 1}, 4.0, 0.10, 0.6};
    case SynthDifficulty::medium: return {4, 0.25, 0.0, {0, 3}, {0, 2}, {0, 3}, {0, 2}, 8.0, 0.06, 0.7};
    case SynthDifficulty::hard: break;
  }
  return {7, 0.5, 0.5, {2, 7}, {1, 5}, {1, 5}, {0, 3}, 14.0, 0.04, 0.7};
}

cv::Scalar random_colour(cv::RNG& rng) { return {double(rng.uniform(0, 256)), double(rng.uniform(0, 256)), double(rng.uniform(0, 256))}; }

// Background: a smooth random colour field (gradients and large blobs) with, sometimes, stripes and soft discs.
cv::Mat background(int size, const Look& look, cv::RNG& rng) {
  const int grid = rng.uniform(2, look.grid_hi);
  cv::Mat small(grid, grid, CV_8UC3);
  rng.fill(small, cv::RNG::UNIFORM, 0, 256);
  cv::Mat img;
  cv::resize(small, img, {size, size}, 0, 0, cv::INTER_CUBIC);
  if (rng.uniform(0.0, 1.0) < look.stripes) {  // stripes at a random angle, blended in
    cv::Mat over = img.clone();
    const double angle = rng.uniform(0.0, kPi), period = rng.uniform(6.0, size / 4.0);
    const cv::Scalar colour = random_colour(rng);
    const int thickness = std::max(1, int(period * rng.uniform(0.2, 0.5)));
    const cv::Point2d dir(std::cos(angle), std::sin(angle)), normal(-dir.y, dir.x);
    for (double t = -size; t < 2 * size; t += period) {
      cv::Point2d c = cv::Point2d(size / 2.0, size / 2.0) + normal * (t - size / 2.0);
      cv::line(over, c - dir * (2.0 * size), c + dir * (2.0 * size), colour, thickness, cv::LINE_8);
    }
    const double alpha = rng.uniform(0.2, 0.5);
    cv::addWeighted(img, 1.0 - alpha, over, alpha, 0.0, img);
  }
  if (rng.uniform(0.0, 1.0) < look.blobs) {  // soft blobs
    cv::Mat over = img.clone();
    for (int i = rng.uniform(4, 12); i > 0; --i) {
      const cv::Point centre{rng.uniform(0, size), rng.uniform(0, size)};
      const int radius = rng.uniform(size / 16, size / 4 + 1);
      cv::circle(over, centre, radius, random_colour(rng), cv::FILLED, cv::LINE_AA);
    }
    cv::addWeighted(img, 0.65, over, 0.35, 0.0, img);
  }
  return img;
}

// Unlabelled distractor strokes: line segments, short polylines and open arcs (never closed shapes).
void clutter(cv::Mat& img, int count, cv::RNG& rng) {
  const int size = img.cols;
  for (int i = 0; i < count; ++i) {
    const cv::Scalar colour = random_colour(rng);
    const int thickness = rng.uniform(1, 4);
    const cv::Point start{rng.uniform(0, size), rng.uniform(0, size)};
    switch (rng.uniform(0, 3)) {
      case 0:
        cv::line(img, start, {rng.uniform(0, size), rng.uniform(0, size)}, colour, thickness, cv::LINE_AA);
        break;
      case 1: {
        std::vector<cv::Point> poly{start};
        for (int k = rng.uniform(2, 5); k > 0; --k)
          poly.push_back(poly.back() + cv::Point{rng.uniform(-size / 5, size / 5 + 1), rng.uniform(-size / 5, size / 5 + 1)});
        cv::polylines(img, poly, false, colour, thickness, cv::LINE_AA);
        break;
      }
      default: {
        const cv::Size axes{rng.uniform(4, size / 5 + 5), rng.uniform(4, size / 5 + 5)};
        const double tilt = rng.uniform(0.0, 180.0), from = rng.uniform(0.0, 360.0), span = rng.uniform(30.0, 150.0);
        cv::ellipse(img, start, axes, tilt, from, from + span, colour, thickness, cv::LINE_AA);
      }
    }
  }
}

// An object colour that stands out (L1 distance in RGB) from the mean of the background under it.
cv::Scalar contrasting_colour(const cv::Mat& img, const cv::Rect& box, cv::RNG& rng) {
  const cv::Rect inside = box & cv::Rect(0, 0, img.cols, img.rows);
  const cv::Scalar under = cv::mean(inside.area() > 0 ? img(inside) : img);
  cv::Scalar c;
  for (int attempt = 0; attempt < 16; ++attempt) {
    c = random_colour(rng);
    if (std::abs(c[0] - under[0]) + std::abs(c[1] - under[1]) + std::abs(c[2] - under[2]) > 120) break;
  }
  return c;
}

double overlap(const cv::Rect2d& a, const cv::Rect2d& b) { return (a & b).area(); }

struct Placed {
  cv::Rect2d box;
  double covered = 0;  // fraction of the box under objects drawn later (an over-estimate: overlaps add up)
};

// Tries to place a new object's box so that no earlier object ends up more than half hidden.
bool fits(const cv::Rect2d& box, std::vector<Placed>& placed) {
  for (const Placed& p : placed)
    if (p.covered + overlap(box, p.box) / p.box.area() > 0.5) return false;
  for (Placed& p : placed) p.covered += overlap(box, p.box) / p.box.area();
  placed.push_back({box, 0});
  return true;
}

// Draws one object of class `cls` with a box of about w × h, placed so it lies inside the image;
// returns false when no place keeps the earlier objects visible enough.
bool draw_object(cv::Mat& img, int cls, double w, double h, double max_angle, std::vector<Placed>& placed,
                 std::vector<SynthObject>& objects, cv::RNG& rng) {
  const int size = img.cols;
  Shape unit = unit_shape(cls, rng);  // (separate statements: argument evaluation order is unspecified)
  Shape s = place_shape(std::move(unit), w, h, rng.uniform(-max_angle, max_angle));
  cv::Rect2d e = extent(s);
  if (e.width > size - 2 || e.height > size - 2) return false;
  for (int attempt = 0; attempt < 20; ++attempt) {
    const cv::Point2d at{rng.uniform(1 - e.x, size - 1 - e.x - e.width), rng.uniform(1 - e.y, size - 1 - e.y - e.height)};
    cv::Rect2d box(e.x + at.x, e.y + at.y, e.width, e.height);
    if (!fits(box, placed)) continue;
    fill_shape(img, s, at, contrasting_colour(img, cv::Rect(box), rng));
    // Pixel boxes to 1/100 px: the darknet and COCO labels are then written from the very same numbers.
    auto r2 = [](double v) { return std::round(v * 100) / 100; };
    objects.push_back({cls, r2(box.x), r2(box.y), r2(box.width), r2(box.height)});
    return true;
  }
  return false;
}

// Detection: 1–6 objects with sizes log-uniform from min_side to max_side of the image (hard: 4 % to 70 %, COCO
// small, medium and large at 256²), aspect 0.6–1.6, rotated up to ±30°, some clutter drawn over them.
std::vector<SynthObject> draw_detection(cv::Mat& img, int classes, const Look& look, cv::RNG& rng) {
  const int size = img.cols;
  std::vector<SynthObject> objects;
  std::vector<Placed> placed;
  clutter(img, rng.uniform(look.clutter_under[0], look.clutter_under[1]), rng);
  const int wanted = rng.uniform(1, 7);
  for (int tries = 0; int(objects.size()) < wanted && tries < 4 * wanted; ++tries) {
    const double side = size * std::exp(rng.uniform(std::log(look.min_side), std::log(look.max_side)));
    const double aspect = std::exp(rng.uniform(std::log(0.6), std::log(1.6)));
    draw_object(img, rng.uniform(0, classes), side * std::sqrt(aspect), side / std::sqrt(aspect), kPi / 6, placed,
                objects, rng);
  }
  clutter(img, rng.uniform(look.clutter_over[0], look.clutter_over[1]), rng);
  return objects;
}

// Classification: one object filling 55–90 % of the image.
std::vector<SynthObject> draw_classification(cv::Mat& img, int classes, const Look& look, cv::RNG& rng) {
  const int size = img.cols;
  std::vector<SynthObject> objects;
  std::vector<Placed> placed;
  clutter(img, rng.uniform(look.classify_under[0], look.classify_under[1]), rng);
  const int cls = rng.uniform(0, classes);
  for (int tries = 0; objects.empty() && tries < 8; ++tries) {
    const double side = size * rng.uniform(0.55, 0.9), aspect = std::exp(rng.uniform(std::log(0.75), std::log(1.33)));
    draw_object(img, cls, side * std::sqrt(aspect), side / std::sqrt(aspect), kPi / 8, placed, objects, rng);
  }
  if (objects.empty()) draw_object(img, cls, size * 0.5, size * 0.5, 0, placed, objects, rng);
  clutter(img, rng.uniform(look.classify_over[0], look.classify_over[1]), rng);
  return objects;
}

// Sensor-like noise over everything, so that objects are textured too.
void add_noise(cv::Mat& img, const Look& look, cv::RNG& rng) {
  cv::Mat noise(img.size(), CV_16SC3);
  const double amplitude = rng.uniform(2.0, look.noise_max);  // uniform noise: cheaper to draw than Gaussian, looks alike
  rng.fill(noise, cv::RNG::UNIFORM, -amplitude, amplitude);
  cv::Mat wide;
  img.convertTo(wide, CV_16SC3);
  wide += noise;
  wide.convertTo(img, CV_8UC3);  // saturating
}

// ---------------------------------------------------------------------------------------------------
// Writing

struct SplitFiles {
  std::string name;                        // "train" or "val"
  std::vector<std::string> images;         // paths relative to out_dir
  std::vector<std::vector<SynthObject>> objects;
};

std::string file_stem(const std::string& split, int index, const std::vector<SynthObject>& objects, bool classify) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s_%06d", split.c_str(), index);
  std::string stem = buf;
  if (classify && !objects.empty()) stem += std::string("_") + kNames[objects[0].cls];
  return stem;
}

void write_plain(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) throw InputError(path.string() + ": cannot write");
}

std::string darknet_labels(const std::vector<SynthObject>& objects, int size) {
  std::string text;
  char line[128];
  for (const SynthObject& o : objects) {
    std::snprintf(line, sizeof line, "%d %.6f %.6f %.6f %.6f\n", o.cls, (o.x + o.w / 2) / size, (o.y + o.h / 2) / size,
                  o.w / size, o.h / size);
    text += line;
  }
  return text;
}

// Draws and writes the images (and their .txt labels) of one split, on `threads` threads.
SplitFiles write_split(const SynthOptions& o, const std::string& split, int count, uint64_t split_key) {
  SplitFiles f{split, std::vector<std::string>(size_t(count)), std::vector<std::vector<SynthObject>>(size_t(count))};
  const fs::path dir = fs::path(o.out_dir) / "images";
  std::atomic<int> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    for (int i; (i = next.fetch_add(1)) < count;) {
      try {
        SynthImage im = synth_image(o.size, o.classes, o.classify, mix(mix(o.seed) ^ mix(split_key * 100000000ULL + i)),
                                    o.difficulty);
        const std::string stem = file_stem(split, i + 1, im.objects, o.classify);
        write_plain(dir / (stem + ".png"), im.png);
        write_plain(dir / (stem + ".txt"), darknet_labels(im.objects, o.size));
        f.images[size_t(i)] = "images/" + stem + ".png";
        f.objects[size_t(i)] = std::move(im.objects);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;
      }
    }
  };
  const int threads = std::max(1, std::min(o.threads > 0 ? o.threads : int(std::thread::hardware_concurrency()), 16));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return f;
}

std::string coco_json(const SplitFiles& f, const SynthOptions& o) {
  nlohmann::ordered_json images = nlohmann::ordered_json::array(), annotations = nlohmann::ordered_json::array(),
                         categories = nlohmann::ordered_json::array();
  int annotation_id = 0;
  for (size_t i = 0; i < f.images.size(); ++i) {
    images.push_back({{"id", i + 1}, {"file_name", fs::path(f.images[i]).filename().string()},
                      {"width", o.size}, {"height", o.size}});
    for (const SynthObject& b : f.objects[i])
      annotations.push_back({{"id", ++annotation_id}, {"image_id", i + 1}, {"category_id", b.cls},
                             {"bbox", {b.x, b.y, b.w, b.h}}, {"area", b.w * b.h}, {"iscrowd", 0}});
  }
  for (int k = 0; k < o.classes; ++k) categories.push_back({{"id", k}, {"name", kNames[k]}, {"supercategory", "shape"}});
  nlohmann::ordered_json doc = {{"info", {{"description", "darksweep synthetic shapes"}, {"seed", o.seed},
                                          {"difficulty", synth_difficulty_name(o.difficulty)}}},
                                {"images", images},
                                {"annotations", annotations},
                                {"categories", categories}};
  return doc.dump() + "\n";
}

std::string list_text(const SplitFiles& f) {
  std::string text;
  for (const std::string& p : f.images) text += p + "\n";
  return text;
}

void count_sizes(const SplitFiles& f, SynthSummary& s) {
  s.images += int(f.images.size());
  for (const auto& objects : f.objects)
    for (const SynthObject& b : objects) {
      ++s.objects;
      const double area = b.w * b.h;
      (area < 32.0 * 32.0 ? s.small : area > 96.0 * 96.0 ? s.large : s.medium)++;
    }
}

void check_options(const SynthOptions& o) {
  if (o.out_dir.empty()) throw InputError("data synth: --out DIR is required");
  if (o.train < 0 || o.val < 0) throw InputError("data synth: --train and --val must be >= 0");
  if (o.size < 32 || o.size > 4096) throw InputError("data synth: --size must be in 32..4096, got " + std::to_string(o.size));
  synth_class_names(o.classes);
}

}  // namespace

std::vector<std::string> synth_class_names(int classes) {
  if (classes < 1 || classes > kMaxClasses)
    throw InputError("data synth: --classes must be in 1.." + std::to_string(kMaxClasses) + ", got " +
                     std::to_string(classes));
  return std::vector<std::string>(kNames, kNames + classes);
}

SynthDifficulty parse_synth_difficulty(const std::string& name) {
  for (SynthDifficulty d : {SynthDifficulty::easy, SynthDifficulty::medium, SynthDifficulty::hard})
    if (name == synth_difficulty_name(d)) return d;
  throw InputError("data synth: --difficulty '" + name + "' is not one of easy, medium, hard");
}

const char* synth_difficulty_name(SynthDifficulty d) {
  return d == SynthDifficulty::easy ? "easy" : d == SynthDifficulty::medium ? "medium" : "hard";
}

SynthImage synth_image(int size, int classes, bool classify, uint64_t seed, SynthDifficulty difficulty) {
  const Look look = look_of(difficulty);
  cv::RNG rng(seed ? seed : 1);  // cv::RNG treats 0 as a special state
  cv::Mat img = background(size, look, rng);
  SynthImage out;
  out.objects = classify ? draw_classification(img, classes, look, rng) : draw_detection(img, classes, look, rng);
  add_noise(img, look, rng);
  std::vector<uchar> bytes;
  // Huffman-only deflate: noisy pixels defeat string matching anyway; this is the fastest and the smallest.
  if (!cv::imencode(".png", img, bytes,
                    {cv::IMWRITE_PNG_COMPRESSION, 1, cv::IMWRITE_PNG_STRATEGY, cv::IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY}))
    throw std::runtime_error("data synth: PNG encoding failed");
  out.png.assign(bytes.begin(), bytes.end());
  return out;
}

SynthSummary write_synth_dataset(const SynthOptions& o) {
  check_options(o);
  const fs::path out(o.out_dir);
  std::error_code ec;
  fs::create_directories(out / "images", ec);
  if (ec) throw InputError(o.out_dir + ": cannot create the output folder: " + ec.message());
  SynthSummary summary;
  std::string names;
  for (const std::string& n : synth_class_names(o.classes)) names += n + "\n";
  write_file_atomically((out / "classes.names").string(), names);
  const SplitFiles train = write_split(o, "train", o.train, 1), val = write_split(o, "val", o.val, 2);
  for (const SplitFiles* f : {&train, &val}) {
    count_sizes(*f, summary);
    write_file_atomically((out / ("instances_" + f->name + ".json")).string(), coco_json(*f, o));
  }
  write_file_atomically((out / "val.txt").string(), list_text(val));
  write_file_atomically((out / "train.txt").string(), list_text(train));  // last: marks a complete data set
  return summary;
}

}  // namespace ds
