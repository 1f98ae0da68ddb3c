// COCO bbox evaluation (AP@[.50:.95], AP50, AP75, APs/m/l, AR1/10/100, ARs/m/l) reproducing pycocotools'
// COCOeval (iouType "bbox", default parameters) to the last bit where possible.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ds {

// A box as COCO stores it: top-left corner, width, height (pixels).
struct BBox {
  double x = 0, y = 0, w = 0, h = 0;
};

// One ground-truth annotation of a COCO instances file.
struct GtAnnotation {
  int64_t id = 0;           // an id of 0 can never produce a true positive (pycocotools tests "matched id != 0")
  int64_t image_id = 0;
  int64_t category_id = 0;
  BBox bbox;
  double area = 0;          // the annotation's `area` field: area ranges test this, not bbox.w * bbox.h
  bool iscrowd = false;     // crowd: matched with intersection / detection area, never a TP or FP
};

// One detection of a COCO results list.
struct DtAnnotation {
  int64_t image_id = 0;
  int64_t category_id = 0;
  BBox bbox;
  double score = 0;
};

// What the evaluator needs from a COCO instances file.
struct CocoGroundTruth {
  std::vector<int64_t> image_ids;        // as listed (duplicates allowed; the evaluator sorts and de-duplicates)
  std::vector<int64_t> category_ids;     // as listed
  std::vector<std::string> category_names;  // parallel to category_ids ("" when the file has none)
  std::vector<GtAnnotation> annotations;    // in file order
};

// COCOeval's Params for iouType "bbox" (pycocotools Params.setDetParams).
struct CocoEvalParams {
  std::vector<double> iou_thresholds;     // numpy linspace(.5, .95, 10)
  std::vector<double> recall_thresholds;  // numpy linspace(0, 1, 101)
  std::vector<int> max_dets{1, 10, 100};
  std::vector<std::array<double, 2>> area_ranges;  // all, small, medium, large (inclusive)
  std::vector<std::string> area_labels{"all", "small", "medium", "large"};
  static CocoEvalParams bbox_defaults();
};

// The 12 numbers COCOeval.summarize() prints, in its order.
inline constexpr std::array<const char*, 12> kCocoStatNames = {"AP",  "AP50", "AP75", "APs",  "APm", "APl",
                                                               "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};

// COCOeval.eval plus the summary. -1 marks "no ground truth to measure against", as in pycocotools.
struct CocoEvalResult {
  CocoEvalParams params;
  std::vector<int64_t> category_ids;  // sorted, unique: the K axis
  std::array<double, 12> stats{};     // COCOeval.stats
  std::vector<double> per_category_ap;  // AP@[.50:.95], area all, maxDets 100, per category_ids entry
  std::vector<double> per_category_ap50;
  // precision[t][r][k][a][m] and recall[t][k][a][m], flattened in that (C) order, as COCOeval.accumulate.
  std::vector<double> precision;
  std::vector<double> recall;
  size_t num_detections_used = 0;      // detections whose category is one of the ground truth's
  size_t num_detections_skipped = 0;   // detections of categories the ground truth does not list (ignored)
};

// COCOeval.evaluate() + accumulate() + summarize() for iouType "bbox". Detections get ids 1..N in list order
// (COCO.loadRes); their area is w * h. Throws InputError when a detection names an image the ground truth lacks
// (pycocotools asserts the same).
CocoEvalResult evaluate_coco(const CocoGroundTruth& gt, const std::vector<DtAnnotation>& dt,
                             const CocoEvalParams& params = CocoEvalParams::bbox_defaults());

// numpy.linspace(start, stop, num) with endpoint: start + i * step, the last value forced to stop.
std::vector<double> numpy_linspace(double start, double stop, int num);

// numpy.mean over the entries > -1 (pairwise summation like numpy's add.reduce), or -1 when there are none.
double mean_of_valid(const std::vector<double>& values);

// The pycocotools summary table, one line per stat, e.g.
// " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.455".
std::string format_coco_summary(const CocoEvalResult& result);

}  // namespace ds
