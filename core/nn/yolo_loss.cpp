// darknet's [yolo] deltas (process_batch, delta_yolo_box, delta_yolo_class, averages_yolo_deltas) and
// [Gaussian_yolo]'s (forward_gaussian_yolo_layer, delta_gaussian_yolo_box, averages_gaussian_yolo_deltas).
#include "core/nn/yolo_loss.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace ds {
namespace {

float finite_or_zero(float v) { return std::isnan(v) || std::isinf(v) ? 0.f : v; }
float clip(float v, float m) { return std::max(-m, std::min(m, v)); }

int index_in_mask(const std::vector<int>& mask, int n) {
  auto it = std::find(mask.begin(), mask.end(), n);
  return it == mask.end() ? -1 : int(it - mask.begin());
}

// One prediction's entries: entry e at out[e·stride], its delta at delta[e·stride].
struct YoloCell {
  const float* out = nullptr;
  float* delta = nullptr;
  size_t stride = 1;
};

// Between the x, y, w, h means of a cell.
size_t box_step(const YoloLossParams& p, const YoloCell& c) { return c.stride * size_t(box_coords(p) / 4); }

// An IoU variant's gradient as deltas on the raw box entries (darknet's delta_yolo_box): x and y as they are,
// w and h through exp(tw|th). `step`: between the x, y, w, h entries.
std::array<float, 4> iou_box_deltas(const Box& g, const float* out, size_t step) {
  return {g.x, g.y, g.w * std::exp(out[2 * step]), g.h * std::exp(out[3 * step])};
}

// A box delta scaled by its normalizer, NaN/Inf set to 0 (darknet's fix_nan_inf), clipped to ±max_delta when set.
float bounded_delta(float d, float normalizer, float max_delta) {
  d = finite_or_zero(d * normalizer);
  return max_delta != FLT_MAX ? clip(d, max_delta) : d;
}

// darknet's delta_gaussian_yolo_box past the IoU computation: the μ and σ deltas of the 4 coordinates.
void gaussian_box_delta(const YoloLossParams& p, const float target[4], float scale, YoloCell c,
                        const std::array<float, 4>* iou_deltas) {
  const size_t s = c.stride;
  const double sigma_const = 0.3, epsi = 1e-9, sqrt_2pi = std::sqrt(2.0 * 3.141592);  // darknet's M_PI
  for (int k = 0; k < 4; ++k) {
    const float mu = c.out[2 * k * s], sigma = c.out[(2 * k + 1) * s];
    const float z = (target[k] - mu) / sigma, z2 = z * z;
    const float density = float(std::exp(z2 * -0.5) / (sqrt_2pi * (sigma + sigma_const)));
    const float temp = float(0.5 / (density + epsi) * density * scale);
    const float d_mu = iou_deltas ? (*iou_deltas)[size_t(k)] : float(temp * z * (1. / sigma));
    const float d_sigma = float(temp * (z2 / sigma - 1. / (sigma + sigma_const)));
    c.delta[2 * k * s] += bounded_delta(d_mu, p.iou_normalizer, p.max_delta);
    c.delta[(2 * k + 1) * s] += bounded_delta(d_sigma, p.uc_normalizer, p.max_delta);
  }
}

// darknet's delta_yolo_box; returns the plain IoU and the IoU variant of the prediction.
std::pair<float, float> box_delta(const YoloLossParams& p, const YoloHeadShape& g, const TruthBox& t, YoloCell c,
                                  int anchor, int i, int j) {
  const size_t s = c.stride, step = box_step(p, c);
  const float aw = p.anchors[2 * anchor], ah = p.anchors[2 * anchor + 1];
  Box pred = yolo_box(c.out, 0, step, i, j, g.w, g.h, aw, ah, g.net_w, g.net_h);
  Box truth{t.x, t.y, t.w, t.h};
  const float iou = box_iou(pred, truth);
  const float variant = box_iou_kind(pred, truth, p.iou_loss == IouLoss::mse ? IouLoss::iou : p.iou_loss);
  if (pred.w == 0) pred.w = 1.0f;
  if (pred.h == 0) pred.h = 1.0f;
  const float scale = 2 - t.w * t.h;
  const float tx = t.x * g.w - i, ty = t.y * g.h - j;
  const float tw = std::log(t.w * g.net_w / aw), th = std::log(t.h * g.net_h / ah);
  if (p.gaussian) {
    const float target[4] = {tx, ty, tw, th};
    if (p.iou_loss == IouLoss::mse) {
      gaussian_box_delta(p, target, scale, c, nullptr);
    } else {
      const auto d = iou_box_deltas(box_iou_gradient(pred, truth, p.iou_loss), c.out, step);
      gaussian_box_delta(p, target, scale, c, &d);
    }
    return {iou, variant};
  }
  if (p.iou_loss == IouLoss::mse) {
    c.delta[0 * s] += scale * (tx - c.out[0 * s]) * p.iou_normalizer;
    c.delta[1 * s] += scale * (ty - c.out[1 * s]) * p.iou_normalizer;
    c.delta[2 * s] += scale * (tw - c.out[2 * s]) * p.iou_normalizer;
    c.delta[3 * s] += scale * (th - c.out[3 * s]) * p.iou_normalizer;
    return {iou, variant};
  }
  const auto d = iou_box_deltas(box_iou_gradient(pred, truth, p.iou_loss), c.out, s);
  for (int k = 0; k < 4; ++k) c.delta[k * s] += bounded_delta(d[size_t(k)], p.iou_normalizer, p.max_delta);
  return {iou, variant};
}

// darknet's delta_yolo_class (no focal loss, no per-class multipliers), on the cell's class entries.
void class_delta(const YoloLossParams& p, YoloCell c, int cls) {
  const size_t s = c.stride, class_index = size_t(box_coords(p) + 1) * s;
  const float* out = c.out;
  float* delta = c.delta;
  auto target = [&](bool positive) {
    float y = positive ? 1.f : 0.f;
    return p.label_smooth_eps != 0 ? y * (1 - p.label_smooth_eps) + 0.5f * p.label_smooth_eps : y;
  };
  if (delta[class_index + s * cls] != 0) {  // this cell already learns this class from another truth
    float r = target(true) - out[class_index + s * cls];
    if (!std::isnan(r) && !std::isinf(r)) delta[class_index + s * cls] = r;
    return;
  }
  for (int k = 0; k < p.classes; ++k) {
    float r = target(k == cls) - out[class_index + s * k];
    if (!std::isnan(r) && !std::isinf(r)) delta[class_index + s * k] = r;
  }
}

// Phase 2, one assignment: box, objectness and class deltas of truth t at the cell.
void assign(const YoloLossParams& p, const YoloHeadShape& g, const TruthBox& t, const YoloAssignment& a, YoloCell c,
            YoloLossReport& rep) {
  const size_t obj_index = size_t(box_coords(p)) * c.stride;
  auto [iou, variant] = box_delta(p, g, t, c, a.anchor, a.i, a.j);
  rep.count++;
  // A prediction whose exp(tw|th) overflowed has no IoU: its deltas were zeroed (fix_nan_inf), and it is
  // counted apart rather than turning the reported loss into NaN, which would stop the run as diverged.
  if (std::isfinite(iou) && std::isfinite(variant)) {
    rep.iou_sum += iou;
    if (p.iou_loss != IouLoss::mse) rep.box += p.iou_normalizer * (1.0 - variant);
  } else {
    rep.undefined_iou++;
  }
  if (p.objectness_smooth) {
    if (c.delta[obj_index] == 0) c.delta[obj_index] = p.obj_normalizer * (1 - c.out[obj_index]);
  } else {
    c.delta[obj_index] = p.obj_normalizer * (1 - c.out[obj_index]);
  }
  class_delta(p, c, t.cls);
}

// Phase 3 on one cell: a cell that took several truths gets the mean of their box deltas.
void average_box_deltas(const YoloLossParams& p, YoloCell c) {
  const int coords = box_coords(p);
  const size_t s = c.stride;
  if (c.delta[size_t(coords) * s] == 0) return;
  const size_t class_index = size_t(coords + 1) * s;
  int assigned = 0;
  for (int k = 0; k < p.classes; ++k) assigned += c.delta[class_index + s * k] > 0;
  if (assigned > 0)
    for (int k = 0; k < coords; ++k) c.delta[k * s] /= float(assigned);
}

// Phase 1 past truth_thresh: prediction c of anchor `anchor` at (i, j) becomes a positive of truth t.
void positive_deltas(const YoloLossParams& p, const YoloHeadShape& g, YoloCell c, const TruthBox& t, float best_iou,
                     int anchor, int i, int j) {
  const size_t s = c.stride, obj_index = size_t(box_coords(p)) * s, cls_index = obj_index + s + s * size_t(t.cls);
  const float iou_multiplier = best_iou * best_iou;
  c.delta[obj_index] = p.obj_normalizer * ((p.objectness_smooth ? iou_multiplier : 1.f) - c.out[obj_index]);
  class_delta(p, c, t.cls);
  if (p.objectness_smooth) c.delta[cls_index] = iou_multiplier - c.out[cls_index];
  box_delta(p, g, t, c, anchor, i, j);
}

}  // namespace

YoloHeadShape yolo_head(const YoloLossParams& p, const Shape& output, int net_w, int net_h) {
  YoloHeadShape g;
  g.batch = output.n;
  g.slots = int(p.mask.size());
  g.w = output.w, g.h = output.h;
  g.coords = box_coords(p);
  g.classes = p.classes;
  g.net_w = net_w, g.net_h = net_h;
  return g;
}

YoloObjectnessParams objectness_params(const YoloLossParams& p) {
  YoloObjectnessParams o;
  o.classes = p.classes;
  o.ignore_thresh = p.ignore_thresh;
  o.obj_normalizer = p.obj_normalizer;
  o.objectness_smooth = p.objectness_smooth;
  return o;
}

std::vector<YoloAssignment> yolo_assignments(const YoloLossParams& p, const YoloHeadShape& g,
                                             const std::vector<TruthBox>& truths) {
  const int total = int(p.anchors.size() / 2);
  std::vector<YoloAssignment> out;
  for (size_t k = 0; k < truths.size(); ++k) {
    const TruthBox& t = truths[k];
    YoloAssignment a;
    a.truth = k;
    a.i = std::min(g.w - 1, std::max(0, int(t.x * g.w)));
    a.j = std::min(g.h - 1, std::max(0, int(t.y * g.h)));
    a.loc = a.j * g.w + a.i;
    const Box shape{0, 0, t.w, t.h};
    float best_iou = 0;
    int best_n = 0;
    for (int n = 0; n < total; ++n) {
      float iou = box_iou(Box{0, 0, p.anchors[2 * n] / g.net_w, p.anchors[2 * n + 1] / g.net_h}, shape);
      if (iou > best_iou) {
        best_iou = iou;
        best_n = n;
      }
    }
    auto add = [&](int anchor, int slot) {
      a.anchor = anchor;
      a.slot = slot;
      out.push_back(a);
    };
    const int best_slot = index_in_mask(p.mask, best_n);
    if (best_slot >= 0) add(best_n, best_slot);
    if (p.iou_thresh < 1.f) {
      for (int n = 0; n < total; ++n) {
        const int slot = index_in_mask(p.mask, n);
        if (slot < 0 || n == best_n) continue;
        Box anchor{0, 0, p.anchors[2 * n] / g.net_w, p.anchors[2 * n + 1] / g.net_h};
        if (box_iou_kind(anchor, shape, p.iou_thresh_kind) > p.iou_thresh) add(n, slot);
      }
    }
  }
  return out;
}

YoloTouchedCells yolo_touched_cells(const YoloLossParams& p, const YoloHeadShape& g,
                                    const std::vector<std::vector<TruthBox>>& truths,
                                    const std::vector<YoloPositive>& positives) {
  YoloTouchedCells cells;
  for (const YoloPositive& q : positives) cells.bases.push_back((long long)g.base(size_t(q.prediction)));
  for (int b = 0; b < g.batch; ++b) {
    cells.assignments.push_back(yolo_assignments(p, g, truths.at(size_t(b))));
    for (const YoloAssignment& a : cells.assignments.back())
      cells.bases.push_back((long long)g.index(b, a.slot, a.loc, 0));
  }
  std::sort(cells.bases.begin(), cells.bases.end());
  cells.bases.erase(std::unique(cells.bases.begin(), cells.bases.end()), cells.bases.end());
  return cells;
}

void yolo_cell_deltas(const YoloLossParams& p, const YoloHeadShape& g, const std::vector<std::vector<TruthBox>>& truths,
                      const std::vector<YoloPositive>& positives, const YoloTouchedCells& cells, const float* out,
                      float* delta, YoloLossReport& rep) {
  const size_t entries = g.entries();
  auto cell = [&](size_t base) {
    const auto at = std::lower_bound(cells.bases.begin(), cells.bases.end(), (long long)base);
    if (at == cells.bases.end() || *at != (long long)base)
      throw std::logic_error("yolo_cell_deltas: a cell the deltas touch was not gathered");
    const size_t k = size_t(at - cells.bases.begin());
    return YoloCell{out + k * entries, delta + k * entries, 1};
  };
  // Cells of different images are disjoint, and a positive's cell is its own prediction: the positives of every
  // image, then each image's assignments in order, then the averaging, give yolo_deltas' image-by-image result.
  for (const YoloPositive& q : positives) {
    const size_t b_slot = size_t(q.prediction) / g.plane();
    const int b = int(b_slot / size_t(g.slots)), slot = int(b_slot % size_t(g.slots));
    const int loc = int(size_t(q.prediction) % g.plane());
    positive_deltas(p, g, cell(g.base(size_t(q.prediction))), truths.at(size_t(b)).at(size_t(q.truth)), q.iou,
                    p.mask[size_t(slot)], loc % g.w, loc / g.w);
  }
  for (int b = 0; b < g.batch; ++b)
    for (const YoloAssignment& a : cells.assignments.at(size_t(b)))
      assign(p, g, truths[size_t(b)].at(a.truth), a, cell(g.index(b, a.slot, a.loc, 0)), rep);
  // 3. IT (and always [Gaussian_yolo]): a cell that took several truths gets the mean of their box deltas (the
  // cells no truth trained have no positive class delta: averaging would leave them as they are).
  if (p.iou_thresh < 1.f || p.gaussian)
    for (size_t k = 0; k < cells.bases.size(); ++k)
      average_box_deltas(p, YoloCell{out + k * entries, delta + k * entries, 1});
}

YoloLossReport yolo_deltas(const YoloLossParams& p, Tensor output, int net_w, int net_h,
                           const std::vector<std::vector<TruthBox>>& truths, float* delta) {
  const YoloHeadShape g = yolo_head(p, output.shape, net_w, net_h);
  const YoloObjectnessParams op = objectness_params(p);
  const int coords = g.coords;
  const size_t s = g.plane(), entries = g.entries();
  const float* out = output.data;
  YoloLossReport rep;

  // 1. Objectness of every prediction: pushed to 0 unless it already overlaps a truth well; past truth_thresh
  // (< 1) a well-placed prediction becomes a positive.
  std::vector<YoloPositive> positives;
  for (int b = 0; b < g.batch; ++b) {
    const std::vector<TruthBox>& boxes = truths.at(size_t(b));
    for (int j = 0; j < g.h; ++j)
      for (int i = 0; i < g.w; ++i)
        for (int n = 0; n < g.slots; ++n) {
          const int loc = j * g.w + i, a = p.mask[size_t(n)];
          const Box pred = yolo_box(out, g.index(b, n, loc, 0), s * size_t(coords / 4), i, j, g.w, g.h,
                                    p.anchors[2 * a], p.anchors[2 * a + 1], net_w, net_h);
          const size_t obj_index = g.index(b, n, loc, coords);
          const YoloObjectness r = yolo_objectness(op, pred, out[obj_index], out + obj_index + s, s, boxes.data(),
                                                   int(boxes.size()));
          delta[obj_index] = r.delta;
          if (r.best_iou > p.truth_thresh)
            positives.push_back({(long long)((size_t(b) * size_t(g.slots) + size_t(n)) * s + size_t(loc)), r.best_truth,
                                 r.best_iou});
        }
  }

  // 2-3. Each truth trains the anchor(s) that fit its shape, at the cell holding its centre; on those cells and
  // the positives', gathered.
  const YoloTouchedCells cells = yolo_touched_cells(p, g, truths, positives);
  std::vector<float> cell_out(cells.bases.size() * entries), cell_delta(cell_out.size());
  for (size_t k = 0; k < cells.bases.size(); ++k)
    for (size_t e = 0; e < entries; ++e) {
      cell_out[k * entries + e] = out[size_t(cells.bases[k]) + e * s];
      cell_delta[k * entries + e] = delta[size_t(cells.bases[k]) + e * s];
    }
  yolo_cell_deltas(p, g, truths, positives, cells, cell_out.data(), cell_delta.data(), rep);
  for (size_t k = 0; k < cells.bases.size(); ++k)
    for (size_t e = 0; e < entries; ++e) delta[size_t(cells.bases[k]) + e * s] = cell_delta[k * entries + e];

  // 4. Loss terms from the final deltas.
  for (int b = 0; b < g.batch; ++b)
    for (int n = 0; n < g.slots; ++n)
      for (int e = 0; e < int(entries); ++e)
        for (size_t loc = 0; loc < s; ++loc) {
          const double d = delta[g.index(b, n, int(loc), e)];
          if (e < coords) {  // the σ deltas of [Gaussian_yolo] count as box loss with every iou_loss
            if (p.iou_loss == IouLoss::mse || (p.gaussian && e % 2 == 1)) rep.box += d * d;
          } else if (e == coords) {
            rep.obj += d * d;
          } else {
            rep.cls += d * d;
          }
        }
  return rep;
}

}  // namespace ds
