// Optimised anchors (OA): k-means on the training boxes' widths and heights with distance 1 − IoU, as darknet's
// `detector calc_anchors` (detector.c, with do_kmeans of matrix.c), and the mean IoU that measures a set of anchors.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace ds {

// A box shape or an anchor in pixels of the network input (both anchored at the same corner for IoU).
struct BoxSize {
  float w = 0, h = 0;
};

struct AnchorResult {
  std::vector<BoxSize> anchors;  // sorted by area, smallest first (darknet's anchors_data_comparator)
  float mean_iou = 0;            // mean over boxes of the IoU with their best anchor
  int boxes = 0;
  int iterations = 0;            // Lloyd iterations of the best attempt
};

// IoU of two shapes placed at the same corner: min(w)·min(h) / union.
float shape_iou(const BoxSize& a, const BoxSize& b);

// The widths and heights of every truth of `data`, scaled to a width × height network input.
std::vector<BoxSize> box_sizes(const Dataset& data, int width, int height);

// Mean over boxes of the IoU with the best of `anchors` (darknet's "avg IoU" of calc_anchors).
float mean_best_iou(const std::vector<BoxSize>& boxes, const std::vector<BoxSize>& anchors);

// k-means with IoU distance: k-means++ seeding (darknet's smart_centers: the next centre drawn with probability
// proportional to 1 − IoU with the nearest centre), then Lloyd steps (each box to the centre of highest IoU,
// each centre to the mean w, h of its boxes) until no assignment changes. Deterministic for a seed; `attempts`
// > 1 reruns with further seeds and keeps the highest mean IoU (darknet runs once). An InputError when there
// are fewer boxes than k.
AnchorResult kmeans_anchors(const std::vector<BoxSize>& boxes, int k, uint64_t seed, int attempts = 1);

// Anchors rounded to whole pixels (at least 1), as they go into a cfg; keeps the order.
std::vector<BoxSize> round_anchors(const std::vector<BoxSize>& anchors);

// "12,16, 19,36, 40,28" (the cfg's `anchors=` syntax; whole pixels).
std::string format_anchors(const std::vector<BoxSize>& anchors);

// Parses "10,13, 16,30, ..." (an even number of numbers) into anchors; InputError naming `what` otherwise.
std::vector<BoxSize> parse_anchors(const std::string& text, const std::string& what);

// The YOLOv3 default anchors (416 × 416), the paper's baseline for OA.
std::vector<BoxSize> yolov3_default_anchors();

}  // namespace ds
