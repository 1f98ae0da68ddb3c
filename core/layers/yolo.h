// [yolo] layer: the detection head's options (every key darknet's parse_yolo reads, with its defaults)
// and the layer itself (darknet's forward_yolo_layer, activation part; backward_yolo_layer).
//
// Channel layout per anchor n of the mask (C = classes): [x, y, w, h, objectness, class_0 .. class_{C-1}].
// forward   out = x, then per anchor: x, y, objectness, classes <- logistic (skipped when new_coords=1, where
//           the convolution below already applied it); then x, y <- s*x - (s-1)/2 with s = scale_x_y;
//           w, h stay raw.
// backward  dx += dout (darknet adds l.delta to net.delta unchanged: the delta the loss writes is already
//           taken w.r.t. the layer's input, no logistic derivative applied).
//
// [Gaussian_yolo] (darknet's gaussian_yolo_layer.c) is the same layer with options.gaussian: per anchor
// [μx, σx, μy, σy, μw, σw, μh, σh, objectness, classes]; forward applies the logistic to everything but μw and
// μh, and scale_x_y to μx and μy; its box loss and detection score are in yolo_loss.h and detections.h.
// Extra options: uc_normalizer (1), yolo_point (only the default center is supported).
#pragma once
#include <cfloat>
#include <vector>

#include "core/layer.h"
#include "core/nn/box.h"
#include "core/nn/detections.h"
#include "core/nn/yolo_loss.h"

namespace ds {

struct YoloOptions {
  int classes = 20;
  int num = 1;                  // anchors of the whole network (`num`)
  std::vector<int> mask;        // this head's anchors: indices into anchors (default 0..num-1)
  std::vector<float> anchors;   // 2*num values, pixels: w0, h0, w1, h1, ...
  int max_boxes = 200;          // `max`
  float jitter = 0.2f;
  float resize = 1.f;
  float random = 0.f;           // random training shapes (DM); darknet reads a float, != 0 = on
  float ignore_thresh = 0.5f;
  float truth_thresh = 1.f;
  float iou_thresh = 1.f;       // 1 = IT off
  IouLoss iou_thresh_kind = IouLoss::iou;
  float scale_x_y = 1.f;
  float iou_normalizer = 0.75f;
  float obj_normalizer = 1.f;
  float cls_normalizer = 1.f;
  float delta_normalizer = 1.f;
  IouLoss iou_loss = IouLoss::mse;
  float beta_nms = 0.6f;
  NmsKind nms_kind = NmsKind::default_nms;
  float label_smooth_eps = 0.f;
  float max_delta = FLT_MAX;
  std::vector<float> classes_multipliers;  // from counters_per_class (darknet's get_classes_multipliers); empty = off
  bool objectness_smooth = false;
  bool new_coords = false;
  bool focal_loss = false;
  int show_details = 1;
  bool gaussian = false;        // [Gaussian_yolo]
  float uc_normalizer = 1.f;    // [Gaussian_yolo]: weight of the uncertainty deltas
  // Tracking options (read so that cfgs using them are accepted; no effect on training here).
  int track_history_size = 5;
  float sim_thresh = 0.8f;
  int dets_for_track = 1;
  int dets_for_show = 1;
  float track_ciou_norm = 0.01f;
};

// Reads and validates every [yolo] option (no shape checks). Errors name file:line.
YoloOptions parse_yolo_options(const CfgSection& s);

// When ForwardArgs::truths are given (training) forward also writes darknet's deltas into the layer's own
// delta (core/nn/yolo_loss.h) and keeps the loss terms in last_loss.
class YoloLayer : public Layer {
 public:
  std::string_view type() const override { return options.gaussian ? "Gaussian_yolo" : "yolo"; }
  YoloOptions options;
  int net_w = 0, net_h = 0;      // the network input size the boxes are relative to
  YoloLossReport last_loss;      // of the last training forward pass

  YoloLossParams loss_params() const;

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;
};

}  // namespace ds
