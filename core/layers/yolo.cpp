// [yolo] layer: option parsing and validation (darknet's parse_yolo) and the activation part of
// darknet's forward_yolo_layer; formulas in yolo.h. The training deltas are computed elsewhere (yolo_loss).
#include "core/layers/yolo.h"

#include <algorithm>

#include "core/layers/factories.h"
#include "core/layers/layer_util.h"
#include "core/nn/activations.h"

namespace ds {
namespace {

IouLoss iou_kind(const std::string& name) {
  return name == "mse" ? IouLoss::mse : name == "giou" ? IouLoss::giou : name == "diou" ? IouLoss::diou
         : name == "ciou" ? IouLoss::ciou : IouLoss::iou;
}

}  // namespace

YoloOptions parse_yolo_options(const CfgSection& s) {
  YoloOptions o;
  o.classes = s.get_int("classes", 20);
  o.num = s.get_int("num", 1);
  o.mask = s.get_int_list("mask");
  o.anchors = s.get_float_list("anchors");
  o.max_boxes = s.get_int("max", 200);
  o.show_details = s.get_int("show_details", 1);
  o.max_delta = s.get_float("max_delta", FLT_MAX);
  std::vector<int> counters = s.get_int_list("counters_per_class");
  o.label_smooth_eps = s.get_float("label_smooth_eps", 0.f);
  o.scale_x_y = s.get_float("scale_x_y", 1.f);
  o.objectness_smooth = s.get_int("objectness_smooth", 0) != 0;
  o.new_coords = s.get_int("new_coords", 0) != 0;
  o.iou_normalizer = s.get_float("iou_normalizer", 0.75f);
  o.obj_normalizer = s.get_float("obj_normalizer", 1.f);
  o.cls_normalizer = s.get_float("cls_normalizer", 1.f);
  o.delta_normalizer = s.get_float("delta_normalizer", 1.f);
  o.iou_loss = iou_kind(s.get_choice("iou_loss", "mse", {"mse", "iou", "giou", "diou", "ciou"}));
  o.iou_thresh_kind = iou_kind(s.get_choice("iou_thresh_kind", "iou", {"iou", "giou", "diou", "ciou"}));
  o.beta_nms = s.get_float("beta_nms", 0.6f);
  std::string nms = s.get_choice("nms_kind", "default", {"default", "greedynms", "diounms"});
  o.nms_kind = nms == "greedynms" ? NmsKind::greedynms : nms == "diounms" ? NmsKind::diounms : NmsKind::default_nms;
  o.jitter = s.get_float("jitter", 0.2f);
  o.resize = s.get_float("resize", 1.f);
  o.focal_loss = s.get_int("focal_loss", 0) != 0;
  o.ignore_thresh = s.get_float("ignore_thresh", 0.5f);
  o.truth_thresh = s.get_float("truth_thresh", 1.f);
  o.iou_thresh = s.get_float("iou_thresh", 1.f);
  o.random = s.get_float("random", 0.f);
  o.track_history_size = s.get_int("track_history_size", 5);
  o.sim_thresh = s.get_float("sim_thresh", 0.8f);
  o.dets_for_track = s.get_int("dets_for_track", 1);
  o.dets_for_show = s.get_int("dets_for_show", 1);
  o.track_ciou_norm = s.get_float("track_ciou_norm", 0.01f);
  if (s.get_int("embedding_layer", 999999) != 999999)
    s.fail("embedding_layer", "tracking embeddings are not supported by darksweep");
  if (!s.get_string("map", "").empty()) s.fail("map", "class maps (map=) are not supported by darksweep");

  if (o.classes < 1) s.fail("classes", "must be >= 1");
  if (o.num < 1) s.fail("num", "must be >= 1");
  if (o.mask.empty())
    for (int i = 0; i < o.num; ++i) o.mask.push_back(i);  // darknet's make_yolo_layer without mask=
  for (int m : o.mask)
    if (m < 0 || m >= o.num)
      s.fail("mask", "entry " + std::to_string(m) + " is not an anchor index 0.." + std::to_string(o.num - 1) +
                         " (num=" + std::to_string(o.num) + ")");
  if (o.anchors.size() != size_t(2 * o.num))
    s.fail("anchors", "expected " + std::to_string(2 * o.num) + " values (w,h for each of num=" + std::to_string(o.num) +
                          " anchors), got " + std::to_string(o.anchors.size()));
  for (float a : o.anchors)
    if (!(a > 0.f)) s.fail("anchors", "anchor sizes must be > 0");
  if (o.scale_x_y <= 0.f) s.fail("scale_x_y", "must be > 0");
  if (o.label_smooth_eps < 0.f || o.label_smooth_eps > 1.f) s.fail("label_smooth_eps", "must be in [0, 1]");
  if (o.max_delta <= 0.f) s.fail("max_delta", "must be > 0");
  if (!counters.empty()) {
    if (counters.size() != size_t(o.classes))
      s.fail("counters_per_class", "expected " + std::to_string(o.classes) + " values (classes=" +
                                       std::to_string(o.classes) + "), got " + std::to_string(counters.size()));
    // darknet's get_classes_multipliers: max_count / count_k (counts below 1 count as 1), capped at max_delta.
    int max_count = 1;
    for (int& c : counters) max_count = std::max(max_count, c = std::max(c, 1));
    for (int c : counters) o.classes_multipliers.push_back(std::min(float(max_count) / float(c), o.max_delta));
  }
  return o;
}

namespace {

// [yolo] and [Gaussian_yolo] (darknet's parse_yolo / parse_gaussian_yolo).
std::unique_ptr<Layer> make_head(const CfgSection& s, const BuildContext& ctx, bool gaussian) {
  auto l = std::make_unique<YoloLayer>();
  l->options = parse_yolo_options(s);
  l->options.gaussian = gaussian;
  if (gaussian) {
    l->options.uc_normalizer = s.get_float("uc_normalizer", 1.f);
    if (s.get_choice("yolo_point", "center", {"center", "left_top", "right_bottom"}) != "center")
      s.fail("yolo_point", "only yolo_point=center is supported by darksweep");
  }
  const int entries = l->options.classes + box_coords(l->loss_params()) + 1;
  Shape prev = previous_image(s, ctx);
  int expected = int(l->options.mask.size()) * entries;
  if (prev.c != expected)
    s.fail("classes", describe_layer(ctx, ctx.index - 1) + " has " + std::to_string(prev.c) + " channels; " +
                          std::to_string(l->options.mask.size()) + " anchors in mask x (classes " +
                          std::to_string(l->options.classes) + " + " + std::to_string(entries - l->options.classes) +
                          ") needs " + std::to_string(expected) + " (set filters=" + std::to_string(expected) +
                          " in the layer before)");
  l->inputs = {ctx.index - 1};
  l->out_shape = prev;
  l->net_w = ctx.net.width;
  l->net_h = ctx.net.height;
  if (!l->options.classes_multipliers.empty() || l->options.focal_loss || l->options.new_coords)
    s.fail("counters_per_class", "counters_per_class, focal_loss and new_coords are parsed but darksweep does not "
                                 "train with them yet");
  return l;
}

}  // namespace

std::unique_ptr<Layer> make_yolo(const CfgSection& s, const BuildContext& ctx) { return make_head(s, ctx, false); }
std::unique_ptr<Layer> make_gaussian_yolo(const CfgSection& s, const BuildContext& ctx) {
  return make_head(s, ctx, true);
}

YoloLossParams YoloLayer::loss_params() const {
  YoloLossParams p;
  p.classes = options.classes;
  p.mask = options.mask;
  p.anchors = options.anchors;
  p.ignore_thresh = options.ignore_thresh;
  p.truth_thresh = options.truth_thresh;
  p.iou_thresh = options.iou_thresh;
  p.iou_thresh_kind = options.iou_thresh_kind;
  p.iou_loss = options.iou_loss;
  p.iou_normalizer = options.iou_normalizer;
  p.obj_normalizer = options.obj_normalizer;
  p.cls_normalizer = options.cls_normalizer;
  p.label_smooth_eps = options.label_smooth_eps;
  p.max_delta = options.max_delta;
  p.objectness_smooth = options.objectness_smooth;
  p.gaussian = options.gaussian;
  p.uc_normalizer = options.uc_normalizer;
  return p;
}

void YoloLayer::forward(const ForwardArgs& a) {
  std::copy(a.in[0].data, a.in[0].data + a.out.size(), a.out.data);
  const size_t hw = out_shape.hw();
  const size_t coords = size_t(box_coords(loss_params()));
  const size_t per_anchor = (size_t(options.classes + 1) + coords) * hw;
  const float s = options.scale_x_y;
  auto scale_xy = [&](float* p) {  // darknet's scal_add_cpu
    for (size_t i = 0; i < hw; ++i) p[i] = p[i] * s - 0.5f * (s - 1.f);
  };
  for (int b = 0; b < a.out.shape.n; ++b)
    for (size_t n = 0; n < options.mask.size(); ++n) {
      float* p = a.out.data + size_t(b) * out_shape.chw() + n * per_anchor;
      if (options.gaussian) {  // forward_gaussian_yolo_layer: μx σx μy σy, σw, σh, objectness and classes
        activate(Activation::logistic, p, 4 * hw);
        activate(Activation::logistic, p + 5 * hw, hw);
        activate(Activation::logistic, p + 7 * hw, size_t(options.classes + 2) * hw);
        scale_xy(p);
        scale_xy(p + 2 * hw);
        continue;
      }
      if (!options.new_coords) {
        activate(Activation::logistic, p, 2 * hw);                                        // x, y
        activate(Activation::logistic, p + 4 * hw, size_t(options.classes + 1) * hw);     // objectness, classes
      }
      scale_xy(p);
      scale_xy(p + hw);
    }
  last_loss = {};
  if (a.truths && a.out_delta)  // training, or `sweep inspect --deltas` in inference mode
    last_loss = yolo_deltas(loss_params(), a.out, net_w, net_h, *a.truths, a.out_delta.data);
}

void YoloLayer::backward(const BackwardArgs& a) {
  copy_blocks(1, a.out_delta.size(), a.out_delta.data, 0, 0, a.in_delta[0].data, 0, 0, true);
}

}  // namespace ds
