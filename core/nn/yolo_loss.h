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
//
// [Gaussian_yolo] (gaussian = true; darknet's gaussian_yolo_layer.c): per anchor 8 box entries, the mean μ
// and the uncertainty σ (logistic) of x, y, w, h interleaved [μx, σx, μy, σy, μw, σw, μh, σh], then
// objectness and classes. The box term of coordinate k with target t_k, d = t_k − μ_k, is the negative
// log-likelihood of the truth under N(μ_k, σ_k) with darknet's σ + 0.3 in the normaliser,
//   L_k = ½·(2 − w·h)·(d²/(2σ²) + log(σ + 0.3))  (+ const)
// and darknet's delta_gaussian_yolo_box writes its negative gradient, times N/(N + 1e-9) with N the density
// (so that deltas vanish where the density underflows):
//   μ delta  iou_normalizer·½(2 − w·h)·d/σ²              (iou_loss=mse; the IoU variants replace it as above)
//   σ delta  uc_normalizer ·½(2 − w·h)·(d²/σ³ − 1/(σ + 0.3))
// NaN/Inf → 0, clipped to ±max_delta; a cell's 8 box deltas are averaged over its assigned classes always
// (not only with IT), as averages_gaussian_yolo_deltas.
//
// yolo_deltas runs in phases, per image: (1) every prediction's objectness delta (yolo_objectness,
// core/nn/yolo_prediction.h) and, past truth_thresh, its positive deltas (yolo_positive_deltas); (2) each truth's
// assignments (yolo_assignments: which anchor slots at which cell, known from the truths and anchors alone) get
// box, objectness and class deltas; (3) the IT / Gaussian averaging of the cells' box deltas; then (4) the loss
// sums over the final deltas. Phases 2-3 (and the positives) touch only a few cells, known before they run
// (yolo_touched_cells): yolo_cell_deltas runs them on those cells gathered, so that the CUDA [yolo] op, which runs
// phases 1 and 4 on the device, runs them on the host over just those cells.
#pragma once
#include <cfloat>
#include <vector>

#include "core/nn/box.h"
#include "core/nn/yolo_prediction.h"
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
  bool gaussian = false;       // [Gaussian_yolo] layout and box loss (above)
  float uc_normalizer = 1.f;   // [Gaussian_yolo]: weight of the σ deltas
};

// Box entries per anchor before objectness: 4 ([yolo]) or 8 ([Gaussian_yolo]); the step between the entries
// of x, y, w, h (the means) is the plane size times box_coords / 4.
inline int box_coords(const YoloLossParams& p) { return p.gaussian ? 8 : 4; }

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

// output: the head's activated output, n × (|mask|·(box_coords + 1 + classes)) × h × w. delta: same size, zeroed by
// the caller; written here. truths[b]: the boxes of image b, normalised to the network input.
YoloLossReport yolo_deltas(const YoloLossParams& p, Tensor output, int net_w, int net_h,
                           const std::vector<std::vector<TruthBox>>& truths, float* delta);

YoloObjectnessParams objectness_params(const YoloLossParams& p);
// The head of `output` (n x |mask|·entries x h x w).
YoloHeadShape yolo_head(const YoloLossParams& p, const Shape& output, int net_w, int net_h);

// Phase 2's assignments of one image, in the order they apply: for each truth, its best anchor by shape over all
// anchors if that is one of this head's, then (IT) every other anchor of the head whose shape IoU (iou_thresh_kind)
// exceeds iou_thresh; all at the cell (i, j) holding the truth's centre, loc = j·w + i.
struct YoloAssignment {
  size_t truth = 0;  // index into the image's truths
  int anchor = 0;    // into p.anchors
  int slot = 0;      // into p.mask
  int i = 0, j = 0, loc = 0;
};
std::vector<YoloAssignment> yolo_assignments(const YoloLossParams& p, const YoloHeadShape& g,
                                             const std::vector<TruthBox>& truths);

// The predictions that phase 1's positives and phase 2's assignments touch, by the flat index of their entry 0
// (YoloHeadShape::index), sorted, each once; and each image's assignments.
struct YoloTouchedCells {
  std::vector<long long> bases;
  std::vector<std::vector<YoloAssignment>> assignments;  // per image
};
YoloTouchedCells yolo_touched_cells(const YoloLossParams& p, const YoloHeadShape& g,
                                    const std::vector<std::vector<TruthBox>>& truths,
                                    const std::vector<YoloPositive>& positives);

// The rest of phase 1 (the positives: objectness 1, or best IoU² with objectness_smooth, and class and box deltas
// as an assignment's, not counted in the report), then phases 2 and 3, on the touched cells gathered: cell k
// (cells.bases[k]) has entry e at out[k·entries + e] and its delta, holding phase 1's objectness delta, at
// delta[k·entries + e]. Adds count, iou_sum, undefined_iou and the IoU variants' box loss to rep.
void yolo_cell_deltas(const YoloLossParams& p, const YoloHeadShape& g, const std::vector<std::vector<TruthBox>>& truths,
                      const std::vector<YoloPositive>& positives, const YoloTouchedCells& cells, const float* out,
                      float* delta, YoloLossReport& rep);

}  // namespace ds
