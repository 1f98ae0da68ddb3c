// The per-prediction part of the [yolo] loss (phase 1 of yolo_deltas, core/nn/yolo_loss.h): a prediction's box and
// its objectness delta. Inline and DS_HOST_DEVICE: the CPU loss and the CUDA [yolo] op's kernel (one thread per
// prediction, core/cuda/yolo_kernels.cu) run this same code.
#pragma once
#include <math.h>
#include <stddef.h>

#include "core/nn/box.h"
#include "core/util/host_device.h"

namespace ds {

// A head's shape (core/layers/yolo.h): per image, per anchor slot, entries() planes of w·h: the box entries (4, or
// 8 for [Gaussian_yolo]), objectness, classes. Boxes are relative to the net_w x net_h network input.
struct YoloHeadShape {
  int batch = 1, slots = 1, w = 1, h = 1;
  int coords = 4;
  int classes = 1;
  int net_w = 1, net_h = 1;
  DS_HOST_DEVICE size_t plane() const { return size_t(w) * size_t(h); }
  DS_HOST_DEVICE size_t entries() const { return size_t(coords + 1 + classes); }
  DS_HOST_DEVICE size_t predictions() const { return size_t(batch) * size_t(slots) * plane(); }
  DS_HOST_DEVICE size_t elements() const { return predictions() * entries(); }
  // Flat index of entry e of anchor slot `slot` at cell loc (= j·w + i) of image b.
  DS_HOST_DEVICE size_t index(int b, int slot, int loc, int e) const {
    return ((size_t(b) * size_t(slots) + size_t(slot)) * entries() + size_t(e)) * plane() + size_t(loc);
  }
  // Prediction q = (b·slots + slot)·plane + loc: the flat index of its entry 0.
  DS_HOST_DEVICE size_t base(size_t q) const { return q / plane() * entries() * plane() + q % plane(); }
};

// A prediction whose best IoU with a truth exceeds truth_thresh (phase 1's positives).
struct YoloPositive {
  long long prediction = 0;  // (b·slots + slot)·plane + loc
  int truth = 0;             // index into image b's truths
  float iou = 0;             // the best IoU
};

// The predicted box of anchor (anchor_w, anchor_h) pixels at cell (i, j) of an lw x lh head, normalised to the
// network input (darknet's get_yolo_box; get_gaussian_yolo_box with stride = 2 planes): x, y, w, h at
// output[box_index + k·stride].
DS_HOST_DEVICE inline Box yolo_box(const float* output, size_t box_index, size_t stride, int i, int j, int lw, int lh,
                                   float anchor_w, float anchor_h, int net_w, int net_h) {
  Box b;
  b.x = (i + output[box_index + 0 * stride]) / lw;
  b.y = (j + output[box_index + 1 * stride]) / lh;
  b.w = expf(output[box_index + 2 * stride]) * anchor_w / net_w;
  b.h = expf(output[box_index + 3 * stride]) * anchor_h / net_h;
  return b;
}

// What phase 1 needs of YoloLossParams (a plain struct, for kernels).
struct YoloObjectnessParams {
  int classes = 0;
  float ignore_thresh = 0.5f;
  float obj_normalizer = 1.f;
  bool objectness_smooth = false;
};

struct YoloObjectness {
  float delta = 0;     // the prediction's objectness delta
  float best_iou = 0;  // its best IoU with a truth of the image (any class)
  int best_truth = 0;  // which truth (the first of equal IoUs; 0 when there are none)
};

// Phase 1 on one prediction of box `pred`, objectness `obj` and class probabilities cls[k·stride], against the
// image's `count` truths (darknet's forward_yolo_layer, the loop over every cell and anchor):
//   delta = obj_normalizer·(0 − obj), except when the best IoU over truths, counted only if ANY class probability
//   exceeds 0.25 (darknet's compare_yolo_class), exceeds ignore_thresh: then 0, or with objectness_smooth
//   max(delta, obj_normalizer·(best IoU − obj)).
// A caller whose best_iou exceeds truth_thresh makes the prediction a positive (yolo_positive_deltas).
DS_HOST_DEVICE inline YoloObjectness yolo_objectness(const YoloObjectnessParams& p, const Box& pred, float obj,
                                                     const float* cls, size_t stride, const TruthBox* truths,
                                                     int count) {
  bool class_match = false;
  for (int k = 0; k < p.classes && !class_match; ++k) class_match = cls[size_t(k) * stride] > 0.25f;
  float best_match_iou = 0;
  YoloObjectness r;
  for (int t = 0; t < count; ++t) {
    const float iou = box_iou(pred, Box{truths[t].x, truths[t].y, truths[t].w, truths[t].h});
    if (iou > best_match_iou && class_match) best_match_iou = iou;
    if (iou > r.best_iou) {
      r.best_iou = iou;
      r.best_truth = t;
    }
  }
  r.delta = p.obj_normalizer * (0 - obj);
  if (best_match_iou > p.ignore_thresh) {
    if (p.objectness_smooth) {
      const float smooth = p.obj_normalizer * (best_match_iou - obj);
      r.delta = r.delta < smooth ? smooth : r.delta;  // std::max(delta, smooth)
    } else {
      r.delta = 0;
    }
  }
  return r;
}

}  // namespace ds
