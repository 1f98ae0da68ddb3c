// darknet's box measures and their gradient (box.c: box_iou, box_giou, box_diou, box_ciou,
// box_diounms, dx_box_iou). The arithmetic follows darknet's float order so that deltas match its dumps.
#include "core/nn/box.h"

#include <algorithm>
#include <cmath>

namespace ds {
namespace {

struct Edges {
  float top, bot, left, right;
};

Edges edges(const Box& a) { return {a.y - a.h / 2, a.y + a.h / 2, a.x - a.w / 2, a.x + a.w / 2}; }

// Smallest box enclosing both (darknet's box_c).
Edges enclosing(const Box& a, const Box& b) {
  Edges ea = edges(a), eb = edges(b);
  return {std::fmin(ea.top, eb.top), std::fmax(ea.bot, eb.bot), std::fmin(ea.left, eb.left),
          std::fmax(ea.right, eb.right)};
}

using box_detail::intersection;
using box_detail::union_area;

// CIoU's aspect-ratio consistency term v = 4/π² (atan(w_gt/h_gt) − atan(w/h))².
// The aspect ratios are float divisions and the rest double arithmetic, as in darknet's C.
double atan_difference(const Box& pred, const Box& truth) {
  const float ar_truth = truth.w / truth.h, ar_pred = pred.w / pred.h;
  return std::atan(double(ar_truth)) - std::atan(double(ar_pred));
}

double aspect_term(const Box& pred, const Box& truth) {
  const double d = atan_difference(pred, truth);
  return 4.0 / (M_PI * M_PI) * d * d;
}

}  // namespace

float box_giou(const Box& a, const Box& b) {
  Edges c = enclosing(a, b);
  float area = (c.right - c.left) * (c.bot - c.top);
  float iou = box_iou(a, b);
  if (area == 0) return iou;
  return iou - (area - union_area(a, b)) / area;
}

float box_diou_nms(const Box& a, const Box& b, float beta) {
  Edges c = enclosing(a, b);
  float w = c.right - c.left, h = c.bot - c.top;
  float diag = w * w + h * h;
  float iou = box_iou(a, b);
  if (diag == 0) return iou;
  float d = (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y);
  return iou - float(std::pow(d / diag, beta));
}

float box_diou(const Box& a, const Box& b) { return box_diou_nms(a, b, 0.6f); }

float box_ciou(const Box& a, const Box& b) {
  Edges c = enclosing(a, b);
  float w = c.right - c.left, h = c.bot - c.top;
  float diag = w * w + h * h;
  float iou = box_iou(a, b);
  if (diag == 0) return iou;
  float d = ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)) / diag;
  float v = float(aspect_term(a, b));
  float alpha = float(v / (1 - iou + v + 0.000001));
  return iou - (d + alpha * v);
}

float box_iou_kind(const Box& a, const Box& b, IouLoss kind) {
  switch (kind) {
    case IouLoss::giou: return box_giou(a, b);
    case IouLoss::diou: return box_diou(a, b);
    case IouLoss::ciou: return box_ciou(a, b);
    default: return box_iou(a, b);
  }
}

Box box_iou_gradient(const Box& pred, const Box& truth, IouLoss kind) {
  const Edges pe = edges(pred), te = edges(truth);
  // Corners ordered even for negative sizes (darknet's fmin/fmax on top/bot, left/right).
  const float pt = std::fmin(pe.top, pe.bot), pb = std::fmax(pe.top, pe.bot);
  const float pl = std::fmin(pe.left, pe.right), pr = std::fmax(pe.left, pe.right);

  const float X = (pb - pt) * (pr - pl);
  const float Xhat = (te.bot - te.top) * (te.right - te.left);
  const float Ih = std::fmin(pb, te.bot) - std::fmax(pt, te.top);
  const float Iw = std::fmin(pr, te.right) - std::fmax(pl, te.left);
  const float I = Iw * Ih;
  const float U = X + Xhat - I;
  const float S = (pred.x - truth.x) * (pred.x - truth.x) + (pred.y - truth.y) * (pred.y - truth.y);
  const float giou_cw = std::fmax(pr, te.right) - std::fmin(pl, te.left);
  const float giou_ch = std::fmax(pb, te.bot) - std::fmin(pt, te.top);
  const float giou_c = giou_cw * giou_ch;

  // d(area of pred)/d(edge), d(intersection)/d(edge), d(union)/d(edge), d(enclosing area)/d(edge)
  const float dX_t = -(pr - pl), dX_b = pr - pl, dX_l = -(pb - pt), dX_r = pb - pt;
  const float dI_t = pt > te.top ? -Iw : 0, dI_b = pb < te.bot ? Iw : 0;
  const float dI_l = pl > te.left ? -Ih : 0, dI_r = pr < te.right ? Ih : 0;
  const float dU_t = dX_t - dI_t, dU_b = dX_b - dI_b, dU_l = dX_l - dI_l, dU_r = dX_r - dI_r;
  const float dC_t = pt < te.top ? -giou_cw : 0, dC_b = pb > te.bot ? giou_cw : 0;
  const float dC_l = pl < te.left ? -giou_ch : 0, dC_r = pr > te.right ? giou_ch : 0;

  // d(IoU)/d(edge) by the quotient rule.
  float g_t = 0, g_b = 0, g_l = 0, g_r = 0;
  if (U > 0) {
    g_t = (U * dI_t - I * dU_t) / (U * U);
    g_b = (U * dI_b - I * dU_b) / (U * U);
    g_l = (U * dI_l - I * dU_l) / (U * U);
    g_r = (U * dI_r - I * dU_r) / (U * U);
  }
  if (!(pe.top < pe.bot)) g_t = g_b;
  if (!(pe.top < pe.bot)) g_b = g_t;
  if (!(pe.left < pe.right)) g_l = g_r;
  if (!(pe.left < pe.right)) g_r = g_l;

  if (kind == IouLoss::giou) {
    auto c_term = [&](float dU, float dC) { return (giou_c * dU - U * dC) / (giou_c * giou_c); };
    const bool disjoint = Iw <= 0 || Ih <= 0;
    if (giou_c > 0 || disjoint) {
      // With no overlap only the enclosing-box term remains (darknet replaces, not adds).
      g_t = (disjoint ? 0 : g_t) + c_term(dU_t, dC_t);
      g_b = (disjoint ? 0 : g_b) + c_term(dU_b, dC_b);
      g_l = (disjoint ? 0 : g_l) + c_term(dU_l, dC_l);
      g_r = (disjoint ? 0 : g_r) + c_term(dU_r, dC_r);
    }
  }

  Box d;
  d.x = g_l + g_r;
  d.y = g_t + g_b;
  d.w = g_r - g_l;  // darknet does not halve these
  d.h = g_b - g_t;

  if (kind == IouLoss::diou || kind == IouLoss::ciou) {
    // Enclosing box of the (unordered) boxes and its derivatives w.r.t. x, y, w, h of pred.
    const float ct = std::fmin(pred.y - pred.h / 2, truth.y - truth.h / 2);
    const float cb = std::fmax(pred.y + pred.h / 2, truth.y + truth.h / 2);
    const float cl = std::fmin(pred.x - pred.w / 2, truth.x - truth.w / 2);
    const float cr = std::fmax(pred.x + pred.w / 2, truth.x + truth.w / 2);
    const float cw = cr - cl, ch = cb - ct;
    const float C = cw * cw + ch * ch;
    const float dct_dy = pt < te.top ? 1 : 0, dct_dh = pt < te.top ? -0.5f : 0;
    const float dcb_dy = pb > te.bot ? 1 : 0, dcb_dh = pb > te.bot ? 0.5f : 0;
    const float dcl_dx = pl < te.left ? 1 : 0, dcl_dw = pl < te.left ? -0.5f : 0;
    const float dcr_dx = pr > te.right ? 1 : 0, dcr_dw = pr > te.right ? 0.5f : 0;
    const float dcw_dx = dcr_dx - dcl_dx, dcw_dw = dcr_dw - dcl_dw;
    const float dch_dy = dcb_dy - dct_dy, dch_dh = dcb_dh - dct_dh;

    float ar_dw = 0, ar_dh = 0, alpha = 0;
    if (kind == IouLoss::ciou) {
      const double atan_diff = atan_difference(pred, truth);
      const float v = float(aspect_term(pred, truth));
      alpha = float(v / (1 - I / U + v + 0.000001));
      ar_dw = float(8 / (M_PI * M_PI) * atan_diff * pred.h);
      ar_dh = float(-8 / (M_PI * M_PI) * atan_diff * pred.w);
    }
    const bool disjoint = Iw <= 0 || Ih <= 0;
    if (C > 0 || disjoint) {
      const float px = (2 * (truth.x - pred.x) * C - (2 * cw * dcw_dx) * S) / (C * C);
      const float py = (2 * (truth.y - pred.y) * C - (2 * ch * dch_dy) * S) / (C * C);
      const float pw = (2 * cw * dcw_dw) * S / (C * C) + alpha * ar_dw;
      const float ph = (2 * ch * dch_dh) * S / (C * C) + alpha * ar_dh;
      d.x = (disjoint ? 0 : d.x) + px;
      d.y = (disjoint ? 0 : d.y) + py;
      d.w = (disjoint ? 0 : d.w) + pw;
      d.h = (disjoint ? 0 : d.h) + ph;
    }
  }
  return d;
}

}  // namespace ds
