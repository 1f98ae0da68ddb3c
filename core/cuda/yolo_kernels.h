// Kernels of the [yolo] / [Gaussian_yolo] op (core/cuda/yolo_op.cpp), on plain device pointers so that
// yolo_kernels.cu (host code C++17) needs no layer header. The head's layout: YoloHeadShape
// (core/nn/yolo_prediction.h).
#pragma once
#include <cstddef>

#include "core/nn/box.h"
#include "core/nn/yolo_prediction.h"

namespace ds::cuda {

// YoloLayer::forward's activation (core/layers/yolo.h): out = in, then logistic on x, y, objectness and classes
// (not with new_coords), for [Gaussian_yolo] on everything but μw and μh; then x, y (μx, μy) <- s·v − (s − 1)/2
// with s = scale_x_y. One thread per element.
void yolo_activate(const YoloHeadShape& g, bool gaussian, bool new_coords, float scale_x_y, const float* in,
                   float* out);

// Phase 1 (yolo_objectness), one thread per prediction: writes every prediction's objectness delta and appends
// those whose best IoU exceeds truth_thresh to positives (in any order; *positive_count, zeroed by the caller,
// counts them; positives must hold g.predictions() records). truths[truth_offsets[b] .. truth_offsets[b + 1]) are
// image b's; anchors: w, h (pixels) of each slot.
struct YoloObjectnessArgs {
  YoloHeadShape g;
  YoloObjectnessParams p;
  float truth_thresh = 1.f;
};
void yolo_objectness_deltas(const YoloObjectnessArgs& a, const float* out, const float* anchors,
                            const TruthBox* truths, const int* truth_offsets, float* delta, YoloPositive* positives,
                            int* positive_count);

// Cells (one prediction's `entries` values, `stride` apart, from src[bases[k]]) to a contiguous buffer of
// cells x entries, and back (dst[bases[k] + e·stride] = src[k·entries + e]). One thread per value.
void yolo_gather(size_t cells, size_t entries, size_t stride, const long long* bases, const float* src, float* dst);
void yolo_scatter(size_t cells, size_t entries, size_t stride, const long long* bases, const float* src, float* dst);

// Phase 4's sums of squared deltas (in double): box = Σ over the box entries (all of them with iou_loss=mse, else
// only [Gaussian_yolo]'s σ entries, the odd ones), obj, cls. scratch: 3·kYoloSumBlocks doubles of device memory.
struct YoloSums {
  double box = 0, obj = 0, cls = 0;
};
constexpr unsigned kYoloSumBlocks = 240;
YoloSums yolo_loss_sums(const YoloHeadShape& g, bool box_is_mse, bool gaussian, const float* delta, double* scratch);

}  // namespace ds::cuda
