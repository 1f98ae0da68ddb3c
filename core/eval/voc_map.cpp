// darknet's mAP (validate_detector_map in AlexeyAB darknet's src/detector.c) on COCO-format inputs; see voc_map.h
// for the rules and the mapping from COCO.
#include "core/eval/voc_map.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/util/error.h"

namespace ds {

namespace {

// darknet box_iou on [x, y, w, h] boxes: 0 when the boxes do not overlap or the union is empty.
double darknet_iou(const BBox& a, const BBox& b) {
  const double w = std::min(a.x + a.w, b.x + b.w) - std::max(a.x, b.x);
  const double h = std::min(a.y + a.h, b.y + b.h) - std::max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const double inter = w * h;
  const double uni = a.w * a.h + b.w * b.h - inter;
  return uni > 0 ? inter / uni : 0;
}

int position(const std::vector<int64_t>& sorted_ids, int64_t id) {
  auto it = std::lower_bound(sorted_ids.begin(), sorted_ids.end(), id);
  return it != sorted_ids.end() && *it == id ? int(it - sorted_ids.begin()) : -1;
}

std::vector<int64_t> sorted_unique(std::vector<int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// A kept detection: its class position, score and the ground truth it claims (annotation index, or -1).
struct Claim {
  int cls;
  double score;
  long truth;
};

// The ground truths of one (class, image): regular ones and crowd ones (darknet's "difficult").
struct Truths {
  std::vector<long> regular, crowd;
};

// validate_detector_map's per-detection matching: best IoU > threshold among the regular ground truths of the
// detection's class and image (first on ties); unmatched detections overlapping a crowd one are dropped.
bool claim_truth(const DtAnnotation& d, const Truths* truths, const CocoGroundTruth& gt, double thresh,
                 long* truth) {
  *truth = -1;
  if (!truths) return true;
  double best = 0;
  for (long j : truths->regular) {
    const double iou = darknet_iou(d.bbox, gt.annotations[size_t(j)].bbox);
    if (iou > thresh && iou > best) {
      best = iou;
      *truth = j;
    }
  }
  if (*truth >= 0) return true;
  for (long j : truths->crowd)
    if (darknet_iou(d.bbox, gt.annotations[size_t(j)].bbox) > thresh) return false;
  return true;
}

}  // namespace

double darknet_average_precision(const std::vector<double>& precision, const std::vector<double>& recall,
                                 int map_points) {
  if (map_points < 0 || map_points == 1)
    throw InputError("darknet mAP: map_points must be 0 (area under the curve) or >= 2, got " +
                     std::to_string(map_points));
  const size_t n = precision.size();
  if (n == 0) return 0;
  double ap = 0;
  if (map_points == 0) {
    double last_recall = recall[n - 1], last_precision = precision[n - 1];
    for (size_t r = n - 1; r-- > 0;) {
      const double delta_recall = last_recall - recall[r];
      last_recall = recall[r];
      if (precision[r] > last_precision) last_precision = precision[r];
      ap += delta_recall * last_precision;
    }
    return ap + (last_recall - 0) * last_precision;  // the remaining area down to recall 0
  }
  for (int point = 0; point < map_points; ++point) {
    const double cur_recall = point * 1.0 / (map_points - 1);
    double cur_precision = 0;
    for (size_t r = 0; r < n; ++r)
      if (recall[r] >= cur_recall && precision[r] > cur_precision) cur_precision = precision[r];
    ap += cur_precision;
  }
  return ap / map_points;
}

DarknetMapResult darknet_map(const CocoGroundTruth& gt, const std::vector<DtAnnotation>& dt,
                             const DarknetMapParams& params) {
  DarknetMapResult out;
  out.params = params;
  out.category_ids = sorted_unique(gt.category_ids);
  const std::vector<int64_t> images = sorted_unique(gt.image_ids);
  const size_t K = out.category_ids.size();
  out.num_gt.assign(K, 0);
  out.num_dt.assign(K, 0);
  out.num_tp.assign(K, 0);

  std::unordered_map<int64_t, Truths> truths;  // key: class position * images + image position
  for (size_t i = 0; i < gt.annotations.size(); ++i) {
    const GtAnnotation& a = gt.annotations[i];
    const int c = position(out.category_ids, a.category_id), m = position(images, a.image_id);
    if (c < 0 || m < 0) continue;
    Truths& t = truths[int64_t(c) * int64_t(images.size()) + m];
    (a.iscrowd ? t.crowd : t.regular).push_back(long(i));
    if (!a.iscrowd) ++out.num_gt[size_t(c)];
  }

  std::vector<Claim> claims;
  for (const DtAnnotation& d : dt) {
    const int c = position(out.category_ids, d.category_id), m = position(images, d.image_id);
    if (c < 0 || m < 0) continue;
    auto it = truths.find(int64_t(c) * int64_t(images.size()) + m);
    long truth = -1;
    if (claim_truth(d, it == truths.end() ? nullptr : &it->second, gt, params.iou_threshold, &truth))
      claims.push_back({c, d.score, truth});
  }
  std::stable_sort(claims.begin(), claims.end(), [](const Claim& x, const Claim& y) { return x.score > y.score; });

  // The PR curve of each class over its own ranks (darknet keeps one over all ranks; the extra points
  // repeat the previous one and change neither way of computing AP).
  std::vector<std::vector<double>> precision(K), recall(K);
  std::vector<int> fp(K, 0);
  std::vector<uint8_t> taken(gt.annotations.size(), 0);
  for (const Claim& c : claims) {
    const size_t k = size_t(c.cls);
    ++out.num_dt[k];
    if (c.truth >= 0 && !taken[size_t(c.truth)]) {
      taken[size_t(c.truth)] = 1;
      ++out.num_tp[k];
    } else {
      ++fp[k];
    }
    const int tp = out.num_tp[k];
    precision[k].push_back(double(tp) / double(tp + fp[k]));
    recall[k].push_back(out.num_gt[k] > 0 ? double(tp) / double(out.num_gt[k]) : 0);
  }
  for (size_t k = 0; k < K; ++k) {
    out.ap.push_back(darknet_average_precision(precision[k], recall[k], params.map_points));
    out.map += out.ap.back();
  }
  if (K > 0) out.map /= double(K);
  return out;
}

}  // namespace ds
