// darknet's [yolo] deltas (process_batch, delta_yolo_box, delta_yolo_class, averages_yolo_deltas) and
// [Gaussian_yolo]'s (forward_gaussian_yolo_layer, delta_gaussian_yolo_box, averages_gaussian_yolo_deltas).
#include "core/nn/yolo_loss.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace ds {
namespace {

float finite_or_zero(float v) { return std::isnan(v) || std::isinf(v) ? 0.f : v; }
float clip(float v, float m) { return std::max(-m, std::min(m, v)); }

int index_in_mask(const std::vector<int>& mask, int n) {
  auto it = std::find(mask.begin(), mask.end(), n);
  return it == mask.end() ? -1 : int(it - mask.begin());
}

// One head's layout: entry e of anchor slot n at cell loc of image b; objectness follows the `coords` box entries.
struct Layout {
  int w, h, n, classes, coords;
  size_t stride() const { return size_t(w) * h; }
  size_t box_step() const { return stride() * size_t(coords / 4); }  // between the x, y, w, h means
  size_t entries() const { return size_t(coords + 1 + classes); }
  size_t per_image() const { return stride() * n * entries(); }
  size_t index(int b, int slot, int loc, int entry) const {
    return b * per_image() + size_t(slot) * stride() * entries() + entry * stride() + size_t(loc);
  }
};

// An IoU variant's gradient as deltas on the raw box entries (darknet's delta_yolo_box): x and y as they are,
// w and h through exp(tw|th). `step`: between the x, y, w, h entries.
std::array<float, 4> iou_box_deltas(const Box& g, const float* out, size_t box_index, size_t step) {
  return {g.x, g.y, g.w * std::exp(out[box_index + 2 * step]), g.h * std::exp(out[box_index + 3 * step])};
}

// A box delta scaled by its normalizer, NaN/Inf set to 0 (darknet's fix_nan_inf), clipped to ±max_delta when set.
float bounded_delta(float d, float normalizer, float max_delta) {
  d = finite_or_zero(d * normalizer);
  return max_delta != FLT_MAX ? clip(d, max_delta) : d;
}

// darknet's delta_gaussian_yolo_box past the IoU computation: the μ and σ deltas of the 4 coordinates.
void gaussian_box_delta(const YoloLossParams& p, const Layout& L, const float target[4], float scale,
                        const float* out, size_t box_index, const std::array<float, 4>* iou_deltas, float* delta) {
  const size_t s = L.stride();
  const double sigma_const = 0.3, epsi = 1e-9, sqrt_2pi = std::sqrt(2.0 * 3.141592);  // darknet's M_PI
  for (int k = 0; k < 4; ++k) {
    const float mu = out[box_index + 2 * k * s], sigma = out[box_index + (2 * k + 1) * s];
    const float z = (target[k] - mu) / sigma, z2 = z * z;
    const float density = float(std::exp(z2 * -0.5) / (sqrt_2pi * (sigma + sigma_const)));
    const float temp = float(0.5 / (density + epsi) * density * scale);
    const float d_mu = iou_deltas ? (*iou_deltas)[size_t(k)] : float(temp * z * (1. / sigma));
    const float d_sigma = float(temp * (z2 / sigma - 1. / (sigma + sigma_const)));
    delta[box_index + 2 * k * s] += bounded_delta(d_mu, p.iou_normalizer, p.max_delta);
    delta[box_index + (2 * k + 1) * s] += bounded_delta(d_sigma, p.uc_normalizer, p.max_delta);
  }
}

// darknet's delta_yolo_box; returns the plain IoU and the IoU variant of the prediction.
std::pair<float, float> box_delta(const YoloLossParams& p, const Layout& L, const TruthBox& t, const float* out,
                                  int anchor, size_t box_index, int i, int j, int net_w, int net_h, float* delta) {
  const size_t s = L.stride();
  const float aw = p.anchors[2 * anchor], ah = p.anchors[2 * anchor + 1];
  Box pred = yolo_box(out, box_index, L.box_step(), i, j, L.w, L.h, aw, ah, net_w, net_h);
  Box truth{t.x, t.y, t.w, t.h};
  const float iou = box_iou(pred, truth);
  const float variant = box_iou_kind(pred, truth, p.iou_loss == IouLoss::mse ? IouLoss::iou : p.iou_loss);
  if (pred.w == 0) pred.w = 1.0f;
  if (pred.h == 0) pred.h = 1.0f;
  const float scale = 2 - t.w * t.h;
  const float tx = t.x * L.w - i, ty = t.y * L.h - j;
  const float tw = std::log(t.w * net_w / aw), th = std::log(t.h * net_h / ah);
  if (p.gaussian) {
    const float target[4] = {tx, ty, tw, th};
    if (p.iou_loss == IouLoss::mse) {
      gaussian_box_delta(p, L, target, scale, out, box_index, nullptr, delta);
    } else {
      const auto d = iou_box_deltas(box_iou_gradient(pred, truth, p.iou_loss), out, box_index, L.box_step());
      gaussian_box_delta(p, L, target, scale, out, box_index, &d, delta);
    }
    return {iou, variant};
  }
  if (p.iou_loss == IouLoss::mse) {
    delta[box_index + 0 * s] += scale * (tx - out[box_index + 0 * s]) * p.iou_normalizer;
    delta[box_index + 1 * s] += scale * (ty - out[box_index + 1 * s]) * p.iou_normalizer;
    delta[box_index + 2 * s] += scale * (tw - out[box_index + 2 * s]) * p.iou_normalizer;
    delta[box_index + 3 * s] += scale * (th - out[box_index + 3 * s]) * p.iou_normalizer;
    return {iou, variant};
  }
  const auto d = iou_box_deltas(box_iou_gradient(pred, truth, p.iou_loss), out, box_index, s);
  for (int k = 0; k < 4; ++k) delta[box_index + k * s] += bounded_delta(d[size_t(k)], p.iou_normalizer, p.max_delta);
  return {iou, variant};
}

// darknet's delta_yolo_class (no focal loss, no per-class multipliers).
void class_delta(const YoloLossParams& p, const float* out, float* delta, size_t class_index, size_t s, int cls) {
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

}  // namespace

Box yolo_box(const float* out, size_t box_index, size_t stride, int i, int j, int lw, int lh, float anchor_w,
             float anchor_h, int net_w, int net_h) {
  Box b;
  b.x = (i + out[box_index + 0 * stride]) / lw;
  b.y = (j + out[box_index + 1 * stride]) / lh;
  b.w = std::exp(out[box_index + 2 * stride]) * anchor_w / net_w;
  b.h = std::exp(out[box_index + 3 * stride]) * anchor_h / net_h;
  return b;
}

YoloLossReport yolo_deltas(const YoloLossParams& p, Tensor output, int net_w, int net_h,
                           const std::vector<std::vector<TruthBox>>& truths, float* delta) {
  const int coords = box_coords(p);
  const Layout L{output.shape.w, output.shape.h, int(p.mask.size()), p.classes, coords};
  const size_t s = L.stride();
  const int total = int(p.anchors.size() / 2);
  const float* out = output.data;
  YoloLossReport rep;

  for (int b = 0; b < output.shape.n; ++b) {
    const std::vector<TruthBox>& boxes = truths.at(size_t(b));
    // 1. Objectness of every prediction: pushed to 0 unless it already overlaps a truth well.
    for (int j = 0; j < L.h; ++j)
      for (int i = 0; i < L.w; ++i)
        for (int n = 0; n < L.n; ++n) {
          const int loc = j * L.w + i;
          const size_t box_index = L.index(b, n, loc, 0), obj_index = L.index(b, n, loc, coords);
          const size_t class_index = L.index(b, n, loc, coords + 1);
          const int a = p.mask[size_t(n)];
          Box pred = yolo_box(out, box_index, L.box_step(), i, j, L.w, L.h, p.anchors[2 * a], p.anchors[2 * a + 1], net_w, net_h);
          bool class_match = false;  // darknet's compare_yolo_class: ANY class above 0.25
          for (int k = 0; k < p.classes && !class_match; ++k) class_match = out[class_index + s * k] > 0.25f;
          float best_match_iou = 0, best_iou = 0;
          int best_t = 0;
          for (size_t t = 0; t < boxes.size(); ++t) {
            float iou = box_iou(pred, Box{boxes[t].x, boxes[t].y, boxes[t].w, boxes[t].h});
            if (iou > best_match_iou && class_match) best_match_iou = iou;
            if (iou > best_iou) {
              best_iou = iou;
              best_t = int(t);
            }
          }
          delta[obj_index] = p.obj_normalizer * (0 - out[obj_index]);
          if (best_match_iou > p.ignore_thresh) {
            if (p.objectness_smooth)
              delta[obj_index] = std::max(delta[obj_index], p.obj_normalizer * (best_match_iou - out[obj_index]));
            else
              delta[obj_index] = 0;
          }
          if (best_iou > p.truth_thresh) {  // truth_thresh < 1: a well-placed prediction becomes a positive
            const TruthBox& t = boxes[size_t(best_t)];
            const float iou_multiplier = best_iou * best_iou;
            delta[obj_index] = p.obj_normalizer * ((p.objectness_smooth ? iou_multiplier : 1.f) - out[obj_index]);
            class_delta(p, out, delta, class_index, s, t.cls);
            if (p.objectness_smooth) delta[class_index + s * t.cls] = iou_multiplier - out[class_index + s * t.cls];
            box_delta(p, L, t, out, a, box_index, i, j, net_w, net_h, delta);
          }
        }

    // 2. Each truth trains the anchor(s) that fit its shape, at the cell holding its centre.
    for (const TruthBox& t : boxes) {
      const int i = std::min(L.w - 1, std::max(0, int(t.x * L.w)));
      const int j = std::min(L.h - 1, std::max(0, int(t.y * L.h)));
      const Box shape{0, 0, t.w, t.h};
      float best_iou = 0;
      int best_n = 0;
      for (int n = 0; n < total; ++n) {
        float iou = box_iou(Box{0, 0, p.anchors[2 * n] / net_w, p.anchors[2 * n + 1] / net_h}, shape);
        if (iou > best_iou) {
          best_iou = iou;
          best_n = n;
        }
      }
      auto assign = [&](int anchor, int slot) {
        const int loc = j * L.w + i;
        const size_t box_index = L.index(b, slot, loc, 0), obj_index = L.index(b, slot, loc, coords);
        auto [iou, variant] = box_delta(p, L, t, out, anchor, box_index, i, j, net_w, net_h, delta);
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
          if (delta[obj_index] == 0) delta[obj_index] = p.obj_normalizer * (1 - out[obj_index]);
        } else {
          delta[obj_index] = p.obj_normalizer * (1 - out[obj_index]);
        }
        class_delta(p, out, delta, L.index(b, slot, loc, coords + 1), s, t.cls);
      };
      const int best_slot = index_in_mask(p.mask, best_n);
      if (best_slot >= 0) assign(best_n, best_slot);
      if (p.iou_thresh < 1.f) {
        for (int n = 0; n < total; ++n) {
          const int slot = index_in_mask(p.mask, n);
          if (slot < 0 || n == best_n) continue;
          Box anchor{0, 0, p.anchors[2 * n] / net_w, p.anchors[2 * n + 1] / net_h};
          if (box_iou_kind(anchor, shape, p.iou_thresh_kind) > p.iou_thresh) assign(n, slot);
        }
      }
    }

    // 3. IT (and always for [Gaussian_yolo]): a cell that took several truths gets the mean of their box deltas.
    if (p.iou_thresh < 1.f || p.gaussian) {
      for (int loc = 0; loc < L.w * L.h; ++loc)
        for (int n = 0; n < L.n; ++n) {
          if (delta[L.index(b, n, loc, coords)] == 0) continue;
          const size_t class_index = L.index(b, n, loc, coords + 1), box_index = L.index(b, n, loc, 0);
          int assigned = 0;
          for (int k = 0; k < p.classes; ++k) assigned += delta[class_index + s * k] > 0;
          if (assigned > 0)
            for (int k = 0; k < coords; ++k) delta[box_index + k * s] /= float(assigned);
        }
    }
  }

  // Loss terms from the final deltas.
  for (int b = 0; b < output.shape.n; ++b)
    for (int n = 0; n < L.n; ++n)
      for (int e = 0; e < int(L.entries()); ++e)
        for (size_t loc = 0; loc < s; ++loc) {
          const double d = delta[L.index(b, n, int(loc), e)];
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
