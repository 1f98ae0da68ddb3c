// darknet's `detector map` metric (AlexeyAB darknet, validate_detector_map): per-class AP at one IoU threshold
// and their mean, computed from COCO-format ground truth and detections.
//
// What darknet does, and so what this does:
// - Each detection is matched once, before ranking, to the ground truth of its class in its image with the
//   highest IoU strictly above the threshold (first one on ties). After sorting all detections by score
//   (descending), a detection whose ground truth is still free is a TP and takes it; otherwise it is a FP
//   (it does not fall back to its second-best ground truth, unlike COCOeval).
// - precision = tp / (tp + fp), recall = tp / (number of ground truths of the class).
// - map_points = 0 (darknet's default for `detector map` and the only mode `detector train -map` uses):
//   area under the precision envelope, walking ranks backwards (PascalVOC 2010-2012 / ImageNet style), plus
//   the remaining area from recall 0 to the first rank's recall.
//   map_points = N > 0 (`-points 11` for VOC2007, `-points 101` for COCO): mean over recall points i / (N - 1)
//   of the highest precision at recall >= the point.
// - mAP is the mean over every class, including classes with no ground truth (whose AP is 0).
// Mapping from COCO input: classes are the ground truth's categories; crowd ground truths play darknet's
// "difficult" boxes (an unmatched detection overlapping one of its class by more than the threshold is
// dropped, and they do not count as objects); the `area` field is not used. Differences from darknet: IoU
// is computed in double (darknet: float) on [x, y, w, h] boxes, and ties in score keep the list order
// (darknet's qsort leaves them unspecified).
#pragma once
#include <cstdint>
#include <vector>

#include "core/eval/coco_eval.h"

namespace ds {

struct DarknetMapParams {
  double iou_threshold = 0.5;  // darknet's -iou_thresh (default .5)
  int map_points = 0;          // darknet's -points (default 0: area under the curve)
};

struct DarknetMapResult {
  DarknetMapParams params;
  std::vector<int64_t> category_ids;  // sorted, unique: the classes
  std::vector<double> ap;             // per class
  std::vector<int> num_gt;            // non-crowd ground truths per class
  std::vector<int> num_dt;            // detections kept per class
  std::vector<int> num_tp;            // true positives per class (at any score)
  double map = 0;                     // mean of ap over every class
};

// validate_detector_map's matching, PR curve and AP, on COCO-format inputs. Detections of categories the
// ground truth does not list, or of images it does not list, are ignored.
DarknetMapResult darknet_map(const CocoGroundTruth& gt, const std::vector<DtAnnotation>& dt,
                             const DarknetMapParams& params = {});

// The AP of one class from its PR curve (precision and recall per rank, best score first), as
// validate_detector_map computes it for the given map_points.
double darknet_average_precision(const std::vector<double>& precision, const std::vector<double>& recall,
                                 int map_points);

}  // namespace ds
