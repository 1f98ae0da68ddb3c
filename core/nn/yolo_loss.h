// The [yolo] layer's training signal, as darknet computes it in forward_yolo_layer (yolo_layer.c):
// deltas (target − output, passed unchanged to the layer below) for box, objectness and classes.
//
// For each cell (i, j) and anchor n of the head, with σ outputs already applied to x, y, obj, classes:
//   obj delta  = obj_normalizer·(0 − σ(obj)); zeroed when the predicted box's best IoU with a truth
//                exceeds ignore_thresh while some class probability exceeds 0.25 (darknet's class match).
// For each truth: the best anchor by shape IoU over ALL anchors of all heads; if it is one of this head's
// (mask), the cell holding the truth's centre gets
//   box delta  (mse) (2 − w·h)·iou_normalizer·(t − x) on tx, ty, tw = log(w·W/anchor_w), th
//              (iou variants) iou_normalizer·d(IoU variant)/d(x, y, w, h), w and h times exp(tw|th),
//              NaN/Inf → 0, clipped to ±max_delta; accumulated over truths
//   obj delta  obj_normalizer·(1 − σ(obj))
//   cls delta  y_k − σ(cls_k) with y smoothed as y·(1 − ε) + 0.5·ε
// IT (iou_thresh < 1): the same for every other anchor of this head whose shape IoU (iou_thresh_kind)
// with the truth exceeds iou_thresh; box deltas of a cell are then averaged over its assigned classes.
#pragma once
#include <cfloat>
#include <vector>

#include "core/nn/box.h"
#include "core/tensor.h"

namespace ds {

struct YoloLossParams {
  int classes = 0;
  std::vector<int> mask;       // this head's anchors (indices into anchors)
  std::vector<float> anchors;  // every anchor of the network, in pixels: w0, h0, w1, h1, ...
  float ignore_thresh = 0.5f;
  float truth_thresh = 1.f;
  float iou_thresh = 1.f;      // 1 = IT off
  IouLoss iou_thresh_kind = IouLoss::iou;
  IouLoss iou_loss = IouLoss::mse;
  float iou_normalizer = 0.75f;
  float obj_normalizer = 1.f;
  float cls_normalizer = 1.f;
  float label_smooth_eps = 0.f;
  float max_delta = FLT_MAX;
  bool objectness_smooth = false;
};

// Loss terms of one head over a mini-batch (sums over images; divide by the batch for per-image values).
struct YoloLossReport {
  double box = 0;     // mse: Σ box delta²; iou variants: iou_normalizer·Σ(1 − IoU variant)
  double obj = 0;     // Σ objectness delta²
  double cls = 0;     // Σ class delta²
  int count = 0;      // truth-anchor assignments
  double iou_sum = 0; // Σ IoU of assigned predictions with a finite IoU
  int undefined_iou = 0; // assignments whose predicted box overflowed (IoU NaN/Inf): no box loss, zero deltas
  double total() const { return box + obj + cls; }
};

// output: the head's activated output, n × (|mask|·(5 + classes)) × h × w. delta: same size, zeroed by
// the caller; written here. truths[b]: the boxes of image b, normalised to the network input.
YoloLossReport yolo_deltas(const YoloLossParams& p, Tensor output, int net_w, int net_h,
                           const std::vector<std::vector<TruthBox>>& truths, float* delta);

// The predicted box of anchor `anchor` at cell (i, j) (darknet's get_yolo_box), normalised.
Box yolo_box(const float* output, size_t box_index, size_t stride, int i, int j, int lw, int lh, float anchor_w,
             float anchor_h, int net_w, int net_h);

}  // namespace ds
