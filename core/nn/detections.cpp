// Decoding [yolo] outputs and non-maximum suppression (darknet's yolo_layer.c and box.c).
#include "core/nn/detections.h"

#include <algorithm>

namespace ds {

std::vector<Detection> yolo_detections(const YoloLossParams& head, Tensor out, int b, int net_w, int net_h,
                                       int img_w, int img_h, bool letterbox, float thresh) {
  const int lw = out.shape.w, lh = out.shape.h, classes = head.classes, coords = box_coords(head);
  const size_t stride = size_t(lw) * lh, per_anchor = stride * size_t(coords + 1 + classes);
  const size_t box_step = stride * size_t(coords / 4);
  const float* o = out.data + size_t(b) * out.shape.chw();
  std::vector<Detection> dets;
  for (size_t loc = 0; loc < stride; ++loc) {
    const int row = int(loc / lw), col = int(loc % lw);
    for (size_t n = 0; n < head.mask.size(); ++n) {
      const size_t base = n * per_anchor + loc;
      const float objectness = o[base + size_t(coords) * stride];
      if (!(objectness > thresh)) continue;  // also drops NaN, as darknet's comparison does
      const int a = head.mask[n];
      Detection d;
      d.box = yolo_box(o, base, box_step, col, row, lw, lh, head.anchors[2 * a], head.anchors[2 * a + 1], net_w, net_h);
      d.objectness = objectness;
      d.prob.resize(size_t(classes));
      float certainty = 1.f;
      if (head.gaussian)
        certainty = float(1.0 - (o[base + stride] + o[base + 3 * stride] + o[base + 5 * stride] + o[base + 7 * stride]) / 4.0);
      for (int k = 0; k < classes; ++k) {
        const float p = objectness * o[base + size_t(coords + 1 + k) * stride] * certainty;
        d.prob[size_t(k)] = p > thresh ? p : 0.f;
      }
      dets.push_back(std::move(d));
    }
  }
  // correct_yolo_boxes: map from the (letterboxed) network input back to the image.
  int new_w = net_w, new_h = net_h;
  if (letterbox) {
    if (float(net_w) / img_w < float(net_h) / img_h) {
      new_w = net_w;
      new_h = img_h * net_w / img_w;
    } else {
      new_h = net_h;
      new_w = img_w * net_h / img_h;
    }
  }
  const float ratio_w = float(new_w) / net_w, ratio_h = float(new_h) / net_h;
  const float shift_w = float(net_w - new_w) / 2.f / net_w, shift_h = float(net_h - new_h) / 2.f / net_h;
  for (Detection& d : dets) {
    d.box.x = (d.box.x - shift_w) / ratio_w;
    d.box.y = (d.box.y - shift_h) / ratio_h;
    d.box.w /= ratio_w;
    d.box.h /= ratio_h;
  }
  return dets;
}

void nms(std::vector<Detection>& dets, int classes, float thresh, NmsKind kind, float beta) {
  // Boxes with zero objectness take no part (darknet moves them to the end).
  std::stable_partition(dets.begin(), dets.end(), [](const Detection& d) { return d.objectness != 0; });
  const size_t total = size_t(std::count_if(dets.begin(), dets.end(), [](const Detection& d) { return d.objectness != 0; }));
  for (int k = 0; k < classes; ++k) {
    std::stable_sort(dets.begin(), dets.begin() + long(total),
                     [k](const Detection& a, const Detection& b) { return a.prob[size_t(k)] > b.prob[size_t(k)]; });
    for (size_t i = 0; i < total; ++i) {
      if (dets[i].prob[size_t(k)] == 0) continue;
      for (size_t j = i + 1; j < total; ++j) {
        const float overlap = kind == NmsKind::diounms ? box_diou_nms(dets[i].box, dets[j].box, beta)
                                                    : box_iou(dets[i].box, dets[j].box);
        if (overlap > thresh) dets[j].prob[size_t(k)] = 0;
      }
    }
  }
}

}  // namespace ds
