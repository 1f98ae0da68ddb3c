// k-means anchors with IoU distance (darknet's calc_anchors / do_kmeans), written from their description.
#include "core/data/anchors.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/util/error.h"
#include "core/util/rng.h"

namespace ds {

namespace {

// Index of the centre with the highest IoU (lowest 1 − IoU); ties go to the lower index, as in darknet.
int nearest_centre(const BoxSize& box, const std::vector<BoxSize>& centres, float* best_iou = nullptr) {
  int best = 0;
  float best_value = -1.f;
  for (size_t j = 0; j < centres.size(); ++j) {
    float iou = shape_iou(box, centres[j]);
    if (iou > best_value) best_value = iou, best = int(j);
  }
  if (best_iou) *best_iou = best_value;
  return best;
}

// darknet's smart_centers: the first centre a random box, each next one a box drawn with probability
// proportional to its distance (1 − IoU, not squared) to the nearest centre chosen so far.
std::vector<BoxSize> seed_centres(const std::vector<BoxSize>& boxes, int k, Rng& rng) {
  std::vector<BoxSize> centres{boxes[size_t(rng.uniform_int(0, int(boxes.size()) - 1))]};
  std::vector<double> weight(boxes.size());
  while (int(centres.size()) < k) {
    double sum = 0;
    for (size_t i = 0; i < boxes.size(); ++i) {
      float iou = 0;
      nearest_centre(boxes[i], centres, &iou);
      weight[i] = 1.0 - iou;
      sum += weight[i];
    }
    size_t pick = boxes.size() - 1;
    if (sum > 0) {
      double r = sum * rng.uniform();
      for (size_t i = 0; i < boxes.size(); ++i)
        if ((r -= weight[i]) <= 0) {
          pick = i;
          break;
        }
    } else {
      pick = size_t(rng.uniform_int(0, int(boxes.size()) - 1));  // every box already is a centre's shape
    }
    centres.push_back(boxes[pick]);
  }
  return centres;
}

// darknet's kmeans_expectation: returns true when no assignment changed.
bool assign(const std::vector<BoxSize>& boxes, const std::vector<BoxSize>& centres, std::vector<int>& assignment) {
  bool converged = true;
  for (size_t i = 0; i < boxes.size(); ++i) {
    int c = nearest_centre(boxes[i], centres);
    if (c != assignment[i]) converged = false;
    assignment[i] = c;
  }
  return converged;
}

// darknet's kmeans_maximization: each centre becomes the mean w, h of its boxes. An empty cluster keeps
// its centre (darknet would zero it, which no box can ever be assigned to again).
void update_centres(const std::vector<BoxSize>& boxes, const std::vector<int>& assignment,
                    std::vector<BoxSize>& centres) {
  std::vector<double> sw(centres.size(), 0), sh(centres.size(), 0);
  std::vector<int> count(centres.size(), 0);
  for (size_t i = 0; i < boxes.size(); ++i) {
    sw[size_t(assignment[i])] += boxes[i].w;
    sh[size_t(assignment[i])] += boxes[i].h;
    ++count[size_t(assignment[i])];
  }
  for (size_t j = 0; j < centres.size(); ++j)
    if (count[j] > 0) centres[j] = {float(sw[j] / count[j]), float(sh[j] / count[j])};
}

AnchorResult kmeans_once(const std::vector<BoxSize>& boxes, int k, Rng& rng) {
  AnchorResult r;
  r.boxes = int(boxes.size());
  r.anchors = seed_centres(boxes, k, rng);
  std::vector<int> assignment(boxes.size(), -1);
  const int max_iterations = 1000;  // Lloyd converges long before on real data; a bound keeps it finite
  while (!assign(boxes, r.anchors, assignment) && r.iterations < max_iterations) {
    update_centres(boxes, assignment, r.anchors);
    ++r.iterations;
  }
  std::stable_sort(r.anchors.begin(), r.anchors.end(),
                   [](const BoxSize& a, const BoxSize& b) { return a.w * a.h < b.w * b.h; });
  r.mean_iou = mean_best_iou(boxes, r.anchors);
  return r;
}

}  // namespace

float shape_iou(const BoxSize& a, const BoxSize& b) {
  float inter = std::min(a.w, b.w) * std::min(a.h, b.h);
  float uni = a.w * a.h + b.w * b.h - inter;
  return uni > 0 ? inter / uni : 0.f;
}

std::vector<BoxSize> box_sizes(const Dataset& data, int width, int height) {
  std::vector<BoxSize> out;
  for (const auto& image : data.labels)
    for (const TruthBox& t : image) out.push_back({t.w * float(width), t.h * float(height)});
  return out;
}

float mean_best_iou(const std::vector<BoxSize>& boxes, const std::vector<BoxSize>& anchors) {
  if (boxes.empty() || anchors.empty()) return 0.f;
  double sum = 0;
  for (const BoxSize& b : boxes) {
    float iou = 0;
    nearest_centre(b, anchors, &iou);
    sum += iou;
  }
  return float(sum / double(boxes.size()));
}

AnchorResult kmeans_anchors(const std::vector<BoxSize>& boxes, int k, uint64_t seed, int attempts) {
  if (k <= 0) throw InputError("anchors: the number of anchors must be > 0, got " + std::to_string(k));
  if (boxes.size() < size_t(k))
    throw InputError("anchors: need at least " + std::to_string(k) + " boxes for " + std::to_string(k) +
                     " anchors, got " + std::to_string(boxes.size()));
  Rng rng(seed);
  AnchorResult best;
  for (int a = 0; a < std::max(1, attempts); ++a) {
    AnchorResult r = kmeans_once(boxes, k, rng);
    if (a == 0 || r.mean_iou > best.mean_iou) best = r;
  }
  return best;
}

std::vector<BoxSize> round_anchors(const std::vector<BoxSize>& anchors) {
  std::vector<BoxSize> out;
  for (const BoxSize& a : anchors) out.push_back({std::max(1.f, std::round(a.w)), std::max(1.f, std::round(a.h))});
  return out;
}

std::string format_anchors(const std::vector<BoxSize>& anchors) {
  std::ostringstream s;
  for (size_t i = 0; i < anchors.size(); ++i)
    s << (i ? ", " : "") << long(std::lround(anchors[i].w)) << "," << long(std::lround(anchors[i].h));
  return s.str();
}

std::vector<BoxSize> parse_anchors(const std::string& text, const std::string& what) {
  std::vector<float> v;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    item = item.substr(b, e - b + 1);
    try {
      size_t used = 0;
      v.push_back(std::stof(item, &used));
      if (used != item.size() || v.back() <= 0) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw InputError(what + ": expected positive numbers 'w,h, w,h, ...', got '" + item + "'");
    }
  }
  if (v.empty() || v.size() % 2) throw InputError(what + ": expected pairs 'w,h, w,h, ...', got '" + text + "'");
  std::vector<BoxSize> out;
  for (size_t i = 0; i < v.size(); i += 2) out.push_back({v[i], v[i + 1]});
  return out;
}

std::vector<BoxSize> yolov3_default_anchors() {
  return {{10, 13}, {16, 30}, {33, 23}, {30, 61}, {62, 45}, {59, 119}, {116, 90}, {156, 198}, {373, 326}};
}

}  // namespace ds
