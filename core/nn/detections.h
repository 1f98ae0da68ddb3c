// Post-processing of [yolo] outputs: decoding to boxes in image coordinates (undoing the letterbox), and
// darknet's NMS kinds: default and greedynms (IoU), diounms (DIoU with exponent beta_nms).
#pragma once
#include <vector>

#include "core/nn/box.h"
#include "core/nn/yolo_loss.h"
#include "core/tensor.h"

namespace ds {

struct Detection {
  Box box;                 // normalised to the original image (centre, size)
  float objectness = 0;
  std::vector<float> prob; // objectness · class probability, 0 where not above the threshold
};

// darknet's get_yolo_detections + correct_yolo_boxes for image `b` of a head's activated output; for a
// [Gaussian_yolo] head (get_gaussian_yolo_detections) each class probability is also multiplied by
// 1 − (σx + σy + σw + σh)/4, so that uncertain boxes score lower.
// letterbox: the network input was a letterboxed image of img_w × img_h.
std::vector<Detection> yolo_detections(const YoloLossParams& head, Tensor output, int b, int net_w, int net_h,
                                       int img_w, int img_h, bool letterbox, float thresh);

// darknet's nms_kind values of [yolo]: default (IoU), greedynms (IoU), diounms (DIoU with beta_nms).
enum class NmsKind { default_nms, greedynms, diounms };

// Per class: sort by probability, zero the probability of every later box that overlaps an earlier kept one
// by more than `thresh` (IoU; DIoU with exponent `beta` for NmsKind::diounms). darknet's do_nms_sort / diounms_sort.
void nms(std::vector<Detection>& dets, int classes, float thresh, NmsKind kind, float beta = 0.6f);

}  // namespace ds
