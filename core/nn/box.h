// Boxes (centre x, y, width, height, normalised to the network input) and darknet's overlap measures
// (box.c): IoU, GIoU, DIoU (with darknet's (d²/c²)^0.6 penalty), CIoU, the DIoU used by diounms, and
// dx_box_iou: the gradient of the IoU variant w.r.t. the predicted box that darknet uses as box delta.
// box_iou is inline and DS_HOST_DEVICE: the CUDA [yolo] op's kernels call it (core/cuda/yolo_kernels.cu).
#pragma once
#include "core/util/host_device.h"

namespace ds {

struct Box {
  float x = 0, y = 0, w = 0, h = 0;
};

// A labelled truth box of one image (normalised coordinates, as in darknet label files).
struct TruthBox {
  float x = 0, y = 0, w = 0, h = 0;
  int cls = 0;
};

enum class IouLoss { mse, iou, giou, diou, ciou };

namespace box_detail {

// Length of the overlap of two intervals given by centre and width (negative when disjoint); darknet's overlap.
// The ternaries are std::max and std::min, spelled out for device code.
DS_HOST_DEVICE inline float overlap(float x1, float w1, float x2, float w2) {
  const float l1 = x1 - w1 / 2, l2 = x2 - w2 / 2, r1 = x1 + w1 / 2, r2 = x2 + w2 / 2;
  const float left = l1 < l2 ? l2 : l1;
  const float right = r2 < r1 ? r2 : r1;
  return right - left;
}

DS_HOST_DEVICE inline float intersection(const Box& a, const Box& b) {
  float w = overlap(a.x, a.w, b.x, b.w), h = overlap(a.y, a.h, b.y, b.h);
  return (w < 0 || h < 0) ? 0.f : w * h;
}

DS_HOST_DEVICE inline float union_area(const Box& a, const Box& b) {
  return a.w * a.h + b.w * b.h - intersection(a, b);
}

}  // namespace box_detail

DS_HOST_DEVICE inline float box_iou(const Box& a, const Box& b) {
  float i = box_detail::intersection(a, b), u = box_detail::union_area(a, b);
  return (i == 0 || u == 0) ? 0.f : i / u;
}
float box_giou(const Box& a, const Box& b);
float box_diou(const Box& a, const Box& b);
float box_ciou(const Box& a, const Box& b);
// DIoU with penalty exponent beta (darknet's box_diounms, for diounms NMS).
float box_diou_nms(const Box& a, const Box& b, float beta);
// darknet's box_iou_kind: the measure named by `kind` (iou, giou, diou, ciou; mse -> iou).
float box_iou_kind(const Box& a, const Box& b, IouLoss kind);

// d(IoU variant)/d(x, y, w, h) of `pred` (darknet's dx_box_iou; the sign is that of the increase
// of the IoU, i.e. already a delta). Returns {dx, dy, dw, dh}.
Box box_iou_gradient(const Box& pred, const Box& truth, IouLoss kind);

}  // namespace ds
