// Boxes (centre x, y, width, height, normalised to the network input) and darknet's overlap measures
// (box.c): IoU, GIoU, DIoU (with darknet's (d²/c²)^0.6 penalty), CIoU, the DIoU used by diounms, and
// dx_box_iou: the gradient of the IoU variant w.r.t. the predicted box that darknet uses as box delta.
#pragma once

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

float box_iou(const Box& a, const Box& b);
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
