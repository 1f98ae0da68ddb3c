// Evaluation of a detector on a validation Dataset: inference at the network size, darknet's decoding and
// NMS, then COCO metrics (pycocotools-equal) and darknet's mAP@0.5, plus the COCO results list.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/dataset.h"
#include "core/eval/coco_eval.h"
#include "core/nn/network.h"

namespace ds {

struct EvalOptions {
  float thresh = 0.005f;   // detection confidence threshold
  float nms = 0.45f;       // NMS threshold (kind and beta from the cfg's [yolo] layers)
  int max_images = 0;      // 0 = all
  bool letterbox = false;  // resize like the training data ([net] letter_box)
};

struct EvalOutput {
  nlohmann::json metrics;             // {"AP":..,"AP50":..,..., "mAP50_darknet":.., "images": N}
  std::vector<DtAnnotation> results;  // COCO results (image ids = Dataset::image_ids)
  CocoGroundTruth ground_truth;
};

// Runs `net` (any mini-batch; images are fed one mini-batch at a time) over the first images of `val`.
EvalOutput evaluate_detector(Network& net, const Dataset& val, const EvalOptions& options);

// COCO results for `images` (paths): what `sweep detect` writes.
std::vector<DtAnnotation> detect_images(Network& net, const Dataset& images, const EvalOptions& options);

}  // namespace ds
