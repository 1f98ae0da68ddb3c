// COCO bbox evaluation reproducing pycocotools' COCOeval (evaluate, evaluateImg, accumulate, summarize), grouped
// per (category, image) so that large result sets cost O(N log N) rather than scans over all detections.
#include "core/eval/coco_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

#include "core/util/error.h"

namespace ds {

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();  // np.spacing(1)

// Sorted unique ids and the position of each (COCOeval.evaluate: p.imgIds = np.unique(p.imgIds)).
struct IdIndex {
  std::vector<int64_t> ids;
  std::unordered_map<int64_t, int> position;

  explicit IdIndex(std::vector<int64_t> values) : ids(std::move(values)) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    position.reserve(ids.size() * 2);
    for (size_t i = 0; i < ids.size(); ++i) position[ids[i]] = int(i);
  }
  int find(int64_t id) const {
    auto it = position.find(id);
    return it == position.end() ? -1 : it->second;
  }
};

// One (category, image) pair with ground truths or detections: COCOeval._gts[imgId, catId] / _dts[imgId, catId].
struct Group {
  int cat = 0;
  int img = 0;
  std::vector<int> gts;  // annotation indices, file order
  std::vector<int> dts;  // detection indices, sorted by score (stable), capped at maxDets[-1]
};

// evaluateImg's output for every group and area range, flattened: the detections of group g are positions
// first[g] .. first[g + 1] (in score order) of `scores` and of each area's masks, whose bit t is threshold t.
struct Evaluated {
  std::vector<size_t> first;                   // per group, plus the end
  std::vector<double> scores;                  // dtScores
  std::vector<std::vector<uint32_t>> matched;  // [area][position]: bit t set when dtMatches[t] != 0
  std::vector<std::vector<uint32_t>> ignored;  // [area][position]: bit t set when dtIgnore[t]
  std::vector<int> num_regular_gt;             // [group * areas + area]: count of gtIgnore == 0
};

// (category position, image position, original index), sorted to give the groups in (category, image) order.
struct Keyed {
  int cat, img, index;
  bool operator<(const Keyed& o) const {
    if (cat != o.cat) return cat < o.cat;
    if (img != o.img) return img < o.img;
    return index < o.index;
  }
};

// pycocotools maskApi bbIou: IoU of a detection and a ground truth box; for a crowd ground truth the union is
// the detection's area.
double coco_box_iou(const BBox& d, const BBox& g, bool crowd) {
  const double w = std::fmin(d.w + d.x, g.w + g.x) - std::fmax(d.x, g.x);
  if (w <= 0) return 0;
  const double h = std::fmin(d.h + d.y, g.h + g.y) - std::fmax(d.y, g.y);
  if (h <= 0) return 0;
  const double inter = w * h;
  const double da = d.w * d.h;
  const double ga = g.w * g.h;
  const double uni = crowd ? da : da + ga - inter;
  return inter / uni;
}

// COCOeval._prepare + the (imgId, catId) dictionaries: groups in (category, image) order.
std::vector<Group> make_groups(const CocoGroundTruth& gt, const std::vector<DtAnnotation>& dt, const IdIndex& images,
                               const IdIndex& cats, size_t max_det, size_t* skipped) {
  std::vector<Keyed> gk, dk;
  for (size_t i = 0; i < gt.annotations.size(); ++i) {
    const GtAnnotation& a = gt.annotations[i];
    const int c = cats.find(a.category_id), m = images.find(a.image_id);
    if (c >= 0 && m >= 0) gk.push_back({c, m, int(i)});  // getAnnIds(imgIds, catIds) drops the others
  }
  *skipped = 0;
  for (size_t i = 0; i < dt.size(); ++i) {
    const int m = images.find(dt[i].image_id);
    if (m < 0)  // COCO.loadRes: "Results do not correspond to current coco set"
      throw InputError("[" + std::to_string(i) + "].image_id: " + std::to_string(dt[i].image_id) +
                       " is not an image of the ground truth");
    const int c = cats.find(dt[i].category_id);
    if (c < 0) {
      ++*skipped;
      continue;
    }
    dk.push_back({c, m, int(i)});
  }
  std::sort(gk.begin(), gk.end());
  std::sort(dk.begin(), dk.end());

  std::vector<Group> groups;
  size_t a = 0, b = 0;
  while (a < gk.size() || b < dk.size()) {
    Keyed key = a < gk.size() && (b >= dk.size() || !(dk[b] < gk[a])) ? gk[a] : dk[b];
    Group g;
    g.cat = key.cat;
    g.img = key.img;
    for (; a < gk.size() && gk[a].cat == key.cat && gk[a].img == key.img; ++a) g.gts.push_back(gk[a].index);
    for (; b < dk.size() && dk[b].cat == key.cat && dk[b].img == key.img; ++b) g.dts.push_back(dk[b].index);
    // computeIoU / evaluateImg: np.argsort(-score, kind='mergesort'), then dt[0:maxDets[-1]]
    std::stable_sort(g.dts.begin(), g.dts.end(), [&](int x, int y) { return dt[x].score > dt[y].score; });
    if (g.dts.size() > max_det) g.dts.resize(max_det);
    groups.push_back(std::move(g));
  }
  return groups;
}

// COCOeval.computeIoU for one group: ious[d * G + g], detections in score order, ground truths in file order.
std::vector<double> group_ious(const Group& g, const CocoGroundTruth& gt, const std::vector<DtAnnotation>& dt) {
  std::vector<double> ious(g.dts.size() * g.gts.size());
  for (size_t d = 0; d < g.dts.size(); ++d)
    for (size_t j = 0; j < g.gts.size(); ++j) {
      const GtAnnotation& a = gt.annotations[size_t(g.gts[j])];
      ious[d * g.gts.size() + j] = coco_box_iou(dt[size_t(g.dts[d])].bbox, a.bbox, a.iscrowd);
    }
  return ious;
}

bool outside(double area, const std::array<double, 2>& range) { return area < range[0] || area > range[1]; }

// COCOeval.evaluateImg for one group and area range (maxDet = maxDets[-1]; smaller caps are prefixes): sets
// the group's detection masks and returns the number of regular (not ignored) ground truths.
int evaluate_image(const Group& g, const std::vector<double>& ious, const CocoGroundTruth& gt,
                   const std::vector<DtAnnotation>& dt, const std::array<double, 2>& range,
                   const std::vector<double>& thresholds, uint32_t* matched, uint32_t* ignored) {
  const size_t G = g.gts.size(), D = g.dts.size(), T = thresholds.size();
  // gt['_ignore'], then np.argsort(_ignore, kind='mergesort'): regular ground truths first, file order kept.
  std::vector<uint8_t> gt_ignore(G);
  for (size_t j = 0; j < G; ++j) {
    const GtAnnotation& a = gt.annotations[size_t(g.gts[j])];
    gt_ignore[j] = a.iscrowd || outside(a.area, range);
  }
  std::vector<size_t> order(G);
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return gt_ignore[x] < gt_ignore[y]; });

  std::fill(matched, matched + D, 0u);
  std::fill(ignored, ignored + D, 0u);
  std::vector<uint8_t> gt_taken(G);  // gtm[tind, gind] > 0 (detection ids are >= 1)
  for (size_t t = 0; t < T; ++t) {
    const uint32_t bit = 1u << t;
    std::fill(gt_taken.begin(), gt_taken.end(), 0);
    for (size_t d = 0; d < D; ++d) {
      double best = std::min(thresholds[t], 1 - 1e-10);
      long m = -1;
      for (size_t o = 0; o < G; ++o) {
        const size_t j = order[o];
        if (gt_taken[j] && !gt.annotations[size_t(g.gts[j])].iscrowd) continue;
        if (m > -1 && !gt_ignore[size_t(m)] && gt_ignore[j]) break;
        const double iou = ious[d * G + j];
        if (iou < best) continue;
        best = iou;
        m = long(j);
      }
      if (m == -1) continue;
      if (gt_ignore[size_t(m)]) ignored[d] |= bit;
      if (gt.annotations[size_t(g.gts[size_t(m)])].id != 0) matched[d] |= bit;
      gt_taken[size_t(m)] = 1;
    }
  }
  // dtIg |= (dtm == 0) & (detection area outside the range); a detection's area is w * h (COCO.loadRes).
  for (size_t d = 0; d < D; ++d) {
    const BBox& b = dt[size_t(g.dts[d])].bbox;
    if (outside(b.w * b.h, range)) ignored[d] |= ~matched[d] & ((T < 32 ? (1u << T) : 0u) - 1u);
  }
  return int(std::count(gt_ignore.begin(), gt_ignore.end(), uint8_t(0)));
}

// evaluateImg for every group and area range.
Evaluated evaluate_groups(const std::vector<Group>& groups, const CocoGroundTruth& gt,
                          const std::vector<DtAnnotation>& dt, const CocoEvalParams& p) {
  const size_t A = p.area_ranges.size();
  Evaluated e;
  e.first.push_back(0);
  for (const Group& g : groups) e.first.push_back(e.first.back() + g.dts.size());
  e.scores.resize(e.first.back());
  e.matched.assign(A, std::vector<uint32_t>(e.first.back()));
  e.ignored.assign(A, std::vector<uint32_t>(e.first.back()));
  e.num_regular_gt.resize(groups.size() * A);
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t d = 0; d < groups[g].dts.size(); ++d) e.scores[e.first[g] + d] = dt[size_t(groups[g].dts[d])].score;
    const std::vector<double> ious = group_ious(groups[g], gt, dt);
    for (size_t a = 0; a < A; ++a)
      e.num_regular_gt[g * A + a] = evaluate_image(groups[g], ious, gt, dt, p.area_ranges[a], p.iou_thresholds,
                                                   e.matched[a].data() + e.first[g], e.ignored[a].data() + e.first[g]);
  }
  return e;
}

// The flattened positions of COCOeval.eval['precision'] (T,R,K,A,M) and ['recall'] (T,K,A,M).
struct Shape {
  size_t T, R, K, A, M;
  size_t precision(size_t t, size_t r, size_t k, size_t a, size_t m) const {
    return (((t * R + r) * K + k) * A + a) * M + m;
  }
  size_t recall(size_t t, size_t k, size_t a, size_t m) const { return ((t * K + k) * A + a) * M + m; }
};

// The detections of one category's groups [begin, end), at most max_det per group, concatenated in image order
// and stably sorted by score: the positions (in Evaluated) of accumulate's inds.
std::vector<size_t> ranked_detections(const Evaluated& e, size_t begin, size_t end, size_t max_det) {
  std::vector<std::pair<double, size_t>> ranked;
  for (size_t g = begin; g < end; ++g)
    for (size_t i = e.first[g]; i < std::min(e.first[g + 1], e.first[g] + max_det); ++i)
      ranked.push_back({e.scores[i], i});
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::vector<size_t> positions(ranked.size());
  for (size_t i = 0; i < ranked.size(); ++i) positions[i] = ranked[i].second;
  return positions;
}

// COCOeval.accumulate for one (category k, area a, maxDet m) given its ranked detections and the number of
// regular ground truths: fills precision[:, :, k, a, m] and recall[:, k, a, m].
void accumulate_one(const Evaluated& e, const std::vector<size_t>& ranked, int npig, size_t k, size_t a, size_t m,
                    const Shape& s, const CocoEvalParams& p, CocoEvalResult& out) {
  if (npig == 0) return;  // stays -1
  const size_t nd = ranked.size();
  std::vector<uint32_t> matched(nd), ignored(nd);
  for (size_t i = 0; i < nd; ++i) {
    matched[i] = e.matched[a][ranked[i]];
    ignored[i] = e.ignored[a][ranked[i]];
  }
  std::vector<double> rc(nd), pr(nd);
  for (size_t t = 0; t < s.T; ++t) {
    const uint32_t bit = 1u << t;
    double tp = 0, fp = 0;
    for (size_t i = 0; i < nd; ++i) {
      if (!(ignored[i] & bit)) (matched[i] & bit ? tp : fp) += 1;
      rc[i] = tp / npig;
      pr[i] = tp / (fp + tp + kEps);
    }
    out.recall[s.recall(t, k, a, m)] = nd ? rc[nd - 1] : 0;
    for (size_t i = nd; i-- > 1;)  // the precision envelope, from the end backwards
      if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
    for (size_t r = 0; r < s.R; ++r) {  // np.searchsorted(rc, recThrs, side='left'); 0 past the end
      const size_t at = size_t(std::lower_bound(rc.begin(), rc.end(), p.recall_thresholds[r]) - rc.begin());
      out.precision[s.precision(t, r, k, a, m)] = at < nd ? pr[at] : 0;
    }
  }
}

// numpy's pairwise_sum for float64 (blocks of 8 accumulators up to 128 elements, halves above).
double pairwise_sum(const double* v, size_t n) {
  if (n < 8) {
    double res = 0.;
    for (size_t i = 0; i < n; ++i) res += v[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (size_t j = 0; j < 8; ++j) r[j] = v[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (size_t j = 0; j < 8; ++j) r[j] += v[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += v[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(v, n2) + pairwise_sum(v + n2, n - n2);
}

int index_of(const std::vector<std::string>& labels, const std::string& label) {
  return int(std::find(labels.begin(), labels.end(), label) - labels.begin());
}

int index_of(const std::vector<int>& values, int value) {
  return int(std::find(values.begin(), values.end(), value) - values.begin());
}

// COCOeval.summarize's _summarize: the mean over valid entries of precision (ap) or recall at the chosen
// IoU threshold (all when iou < 0), area range and maxDets. An IoU not among the thresholds gives -1, as there.
double summarize_one(const CocoEvalResult& r, const Shape& s, bool ap, double iou, const std::string& area,
                     int max_det) {
  const size_t a = size_t(index_of(r.params.area_labels, area)), m = size_t(index_of(r.params.max_dets, max_det));
  std::vector<double> picked;
  for (size_t t = 0; t < s.T; ++t) {
    if (iou >= 0 && r.params.iou_thresholds[t] != iou) continue;
    if (ap) {
      for (size_t q = 0; q < s.R; ++q)
        for (size_t k = 0; k < s.K; ++k) picked.push_back(r.precision[s.precision(t, q, k, a, m)]);
    } else {
      for (size_t k = 0; k < s.K; ++k) picked.push_back(r.recall[s.recall(t, k, a, m)]);
    }
  }
  return mean_of_valid(picked);
}

// One line of COCOeval.summarize's _summarizeDets: AP or AR, IoU (-1: all), area label, maxDets.
struct SummaryRow {
  bool ap;
  double iou;
  const char* area;
  int max_det;
};

std::vector<SummaryRow> summary_rows(const CocoEvalParams& p) {
  const int last = p.max_dets.back();
  return {{true, -1, "all", last},         {true, .5, "all", last},          {true, .75, "all", last},
          {true, -1, "small", last},       {true, -1, "medium", last},       {true, -1, "large", last},
          {false, -1, "all", p.max_dets[0]}, {false, -1, "all", p.max_dets[1]}, {false, -1, "all", last},
          {false, -1, "small", last},      {false, -1, "medium", last},      {false, -1, "large", last}};
}

// The per-category AP (area all, maxDets 100) at all thresholds (iou < 0) or at one.
double category_ap(const CocoEvalResult& r, const Shape& s, size_t k, double iou) {
  const size_t a = size_t(index_of(r.params.area_labels, "all")), m = s.M - 1;
  std::vector<double> picked;
  for (size_t t = 0; t < s.T; ++t) {
    if (iou >= 0 && r.params.iou_thresholds[t] != iou) continue;
    for (size_t q = 0; q < s.R; ++q) picked.push_back(r.precision[s.precision(t, q, k, a, m)]);
  }
  return mean_of_valid(picked);
}

}  // namespace

std::vector<double> numpy_linspace(double start, double stop, int num) {
  std::vector<double> y(size_t(std::max(num, 0)));
  if (num <= 0) return y;
  const double step = (stop - start) / double(num - 1 > 0 ? num - 1 : 1);
  for (int i = 0; i < num; ++i) y[size_t(i)] = double(i) * step + start;
  if (num > 1) y.back() = stop;
  return y;
}

double mean_of_valid(const std::vector<double>& values) {
  std::vector<double> valid;
  valid.reserve(values.size());
  for (double v : values)
    if (v > -1) valid.push_back(v);
  if (valid.empty()) return -1;
  return (0. + pairwise_sum(valid.data(), valid.size())) / double(valid.size());
}

CocoEvalParams CocoEvalParams::bbox_defaults() {
  CocoEvalParams p;
  p.iou_thresholds = numpy_linspace(.5, 0.95, int(std::round((0.95 - .5) / .05)) + 1);
  p.recall_thresholds = numpy_linspace(.0, 1.00, int(std::round((1.00 - .0) / .01)) + 1);
  p.area_ranges = {{0, 1e10}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e10}};
  return p;
}

CocoEvalResult evaluate_coco(const CocoGroundTruth& gt, const std::vector<DtAnnotation>& dt,
                             const CocoEvalParams& params) {
  CocoEvalResult out;
  out.params = params;
  const IdIndex images(gt.image_ids), cats(gt.category_ids);
  out.category_ids = cats.ids;
  const size_t max_det = size_t(*std::max_element(params.max_dets.begin(), params.max_dets.end()));
  const std::vector<Group> groups = make_groups(gt, dt, images, cats, max_det, &out.num_detections_skipped);
  out.num_detections_used = dt.size() - out.num_detections_skipped;

  const Shape s{params.iou_thresholds.size(), params.recall_thresholds.size(), cats.ids.size(),
                params.area_ranges.size(), params.max_dets.size()};
  if (s.T > 32) throw std::invalid_argument("evaluate_coco: at most 32 IoU thresholds");
  const Evaluated e = evaluate_groups(groups, gt, dt, params);
  // accumulate: groups of one category are contiguous and in image order, as accumulate concatenates them.
  out.precision.assign(s.T * s.R * s.K * s.A * s.M, -1);
  out.recall.assign(s.T * s.K * s.A * s.M, -1);
  for (size_t begin = 0, end = 0; begin < groups.size(); begin = end) {
    while (end < groups.size() && groups[end].cat == groups[begin].cat) ++end;
    for (size_t m = 0; m < s.M; ++m) {
      const std::vector<size_t> ranked = ranked_detections(e, begin, end, size_t(params.max_dets[m]));
      for (size_t a = 0; a < s.A; ++a) {
        int npig = 0;
        for (size_t g = begin; g < end; ++g) npig += e.num_regular_gt[g * s.A + a];
        accumulate_one(e, ranked, npig, size_t(groups[begin].cat), a, m, s, params, out);
      }
    }
  }
  // summarize (COCOeval.summarize's _summarizeDets).
  const std::vector<SummaryRow> rows = summary_rows(params);
  for (size_t i = 0; i < rows.size(); ++i)
    out.stats[i] = summarize_one(out, s, rows[i].ap, rows[i].iou, rows[i].area, rows[i].max_det);
  for (size_t k = 0; k < s.K; ++k) {
    out.per_category_ap.push_back(category_ap(out, s, k, -1));
    out.per_category_ap50.push_back(category_ap(out, s, k, .5));
  }
  return out;
}

std::string format_coco_summary(const CocoEvalResult& r) {
  const auto& p = r.params;
  const std::vector<SummaryRow> rows = summary_rows(p);
  std::string text;
  char line[160];
  for (size_t i = 0; i < rows.size(); ++i) {
    const SummaryRow& row = rows[i];
    char iou[32];
    if (row.iou < 0)
      std::snprintf(iou, sizeof iou, "%0.2f:%0.2f", p.iou_thresholds.front(), p.iou_thresholds.back());
    else
      std::snprintf(iou, sizeof iou, "%0.2f", row.iou);
    std::snprintf(line, sizeof line, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
                  row.ap ? "Average Precision" : "Average Recall", row.ap ? "(AP)" : "(AR)", iou, row.area,
                  row.max_det, r.stats[i]);
    text += line;
  }
  return text;
}

}  // namespace ds
