// Draws the HTML report's SVG charts from a Report; positions in a fixed viewBox that scales with the page.
#include "reports/html_charts.h"

#include <algorithm>
#include <cmath>

#include "reports/report_grid.h"
#include "reports/report_notes.h"
#include "reports/svg.h"

namespace ds {
namespace {

struct Bar {
  std::optional<double> value;
  std::optional<double> spread;  // ± whisker
  std::string cls;               // CSS class of the bar
  std::string missing;           // drawn instead when there is no value
  std::string tooltip;
};

struct Panel {
  std::string title;
  std::vector<Bar> bars;  // one per row
  bool symmetric = false;  // changes: zero in the middle
};

std::string shorten(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  size_t cut = n - 1;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // never split a UTF-8 character
  return s.substr(0, cut) + "…";
}

void draw_panel(Svg& svg, const Panel& p, double x0, double width, double top, double row_h, int digits) {
  double lo = 0, hi = 0;
  for (const auto& b : p.bars) {
    if (!b.value) continue;
    double s = b.spread.value_or(0);
    lo = std::min(lo, *b.value - s);
    hi = std::max(hi, *b.value + s);
  }
  // Room beyond the longest bar for its value label, so no label runs into the next panel.
  if (p.symmetric) {
    double a = 1.3 * std::max(std::abs(lo), std::abs(hi));
    if (a <= 0) a = 1;  // every change is zero: keep zero in the middle
    lo = -a;
    hi = a;
  } else {
    hi *= 1.15;
    lo *= 1.15;
  }
  if (hi - lo <= 0) hi = lo + 1;
  // Ticks inside the padded range only: stretching the range to the next round tick would waste width.
  std::vector<double> ticks;
  for (double t : nice_ticks(lo, hi, 4))
    if (t >= lo - 1e-9 && t <= hi + 1e-9) ticks.push_back(t);
  double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  auto x = [&](double v) { return x0 + (v - lo) / (hi - lo) * width; };
  double bottom = top + row_h * p.bars.size();

  svg.text(x0 + width / 2, top - 12, p.title, "ptitle", "middle");
  for (double t : ticks) {
    svg.line(x(t), top, x(t), bottom, t == 0 ? "zero" : "grid");
    svg.text(x(t), bottom + 14, tick_label(t, step), "tick", "middle");
  }
  for (size_t i = 0; i < p.bars.size(); ++i) {
    const Bar& b = p.bars[i];
    double cy = top + row_h * (i + 0.5);
    if (!b.value) {
      if (!b.missing.empty()) svg.text(x(std::max(lo, 0.0)) + 4, cy + 4, shorten(b.missing, 28), "missing");
      continue;
    }
    double a = x(std::max(lo, 0.0)), e = x(*b.value);
    svg.rect(std::min(a, e), cy - 6, std::abs(e - a), 12, b.cls, b.tooltip);
    if (b.spread && *b.spread > 0) {
      svg.line(x(*b.value - *b.spread), cy, x(*b.value + *b.spread), cy, "whisker");
      svg.line(x(*b.value - *b.spread), cy - 4, x(*b.value - *b.spread), cy + 4, "whisker");
      svg.line(x(*b.value + *b.spread), cy - 4, x(*b.value + *b.spread), cy + 4, "whisker");
    }
    std::string label = p.symmetric ? signed_fixed(*b.value, digits) : fixed(*b.value, digits);
    bool left = *b.value < 0;
    double tip = left ? std::min(e, x(*b.value - b.spread.value_or(0))) : std::max(e, x(*b.value + b.spread.value_or(0)));
    svg.text(tip + (left ? -3 : 3), cy + 4, label, "val", left ? "end" : "start");
  }
}

std::string missing_text(const ReportRow& row) { return row.status.text; }

}  // namespace

std::string row_bars_svg(const Report& rep, int digits) {
  const std::string m = metric_title(rep.primary);
  Panel ours{m + " ours", {}, false}, paper{m + " paper", {}, false};
  Panel d_ours{"Δ" + m + " ours", {}, true}, d_paper{"Δ" + m + " paper", {}, true};
  for (size_t i = 0; i < rep.rows.size(); ++i) {
    const ReportRow& row = rep.rows[i];
    const Summary& s = row.ours.at(rep.primary);
    Bar b{std::nullopt, s.stddev, "ours", missing_text(row), ""};
    if (s.n > 0) {
      b.value = s.mean;
      b.tooltip = "row " + std::to_string(row.paper_row) + ": " + mean_std(s, digits) + " (n=" + std::to_string(s.n) + ")";
    }
    ours.bars.push_back(b);
    auto p = row.paper->metrics.find(rep.primary);
    Bar pb{std::nullopt, std::nullopt, "paper", "—", ""};
    if (p != row.paper->metrics.end()) pb.value = p->second;
    paper.bars.push_back(pb);
    std::string verdict_cls = !row.agrees ? "neutral" : *row.agrees ? "agree" : "disagree";
    Bar db{i == 0 ? std::nullopt : row.delta_ours.at(rep.primary), std::nullopt, verdict_cls,
           i == 0 ? "baseline" : "—", "verdict: " + verdict_word(row, i)};  // the state is in the first panel
    d_ours.bars.push_back(db);
    d_paper.bars.push_back({i == 0 ? std::nullopt : row.delta_paper.at(rep.primary), std::nullopt, "paper",
                            i == 0 ? "baseline" : "—", ""});
  }

  const double label_w = 262, panel_w = 178, gap = 32, top = 44, row_h = 24;
  const double width = label_w + 10 + 4 * panel_w + 3 * gap + 20;
  const double height = top + row_h * rep.rows.size() + 30;
  Svg svg(width, height, table_display_name(rep.table->id) + ": " + m + " per row, ours beside the paper's");
  for (size_t i = 0; i < rep.rows.size(); ++i) {
    const ReportRow& row = rep.rows[i];
    double cy = top + row_h * (i + 0.5);
    if (i % 2 == 1) svg.rect(0, cy - row_h / 2, width, row_h, "stripe");
    std::string label = std::to_string(row.paper_row) + "  " + row_caption(*rep.table, *row.paper);
    svg.text(label_w, cy + 4, shorten(label, 36), "rowlabel", "end");  // about 7 px a character at 12 px
  }
  double x0 = label_w + 10;
  for (const Panel* p : {&ours, &paper, &d_ours, &d_paper}) {
    draw_panel(svg, *p, x0, panel_w, top, row_h, digits);
    x0 += panel_w + gap;
  }
  return svg.str();
}

std::string loss_curves_svg(const Report& rep, const ReportRow& row) {
  double lo = INFINITY, hi = -INFINITY;
  int64_t last = 0;
  for (const auto& c : row.curves)
    for (const auto& p : c.points) {
      lo = std::min(lo, p.loss);
      hi = std::max(hi, p.loss);
      last = std::max(last, p.iteration);
    }
  if (!(hi >= lo)) return "";
  const double w = 520, h = 250, left = 58, right = 22, top = 24, bottom = 36;
  bool log_scale = lo > 0 && hi / lo > 20;
  double ylo = log_scale ? std::log10(lo) : std::min(0.0, lo);
  double yhi = log_scale ? std::log10(hi) : hi;
  if (yhi - ylo <= 0) yhi = ylo + 1;
  std::vector<double> yticks;
  if (log_scale) {
    ylo = std::floor(ylo);
    yhi = std::ceil(yhi);
    for (double e = ylo; e <= yhi + 1e-9; ++e) yticks.push_back(e);
  } else {
    yticks = nice_ticks(ylo, yhi, 5);
    ylo = std::min(ylo, yticks.front());
    yhi = std::max(yhi, yticks.back());
  }
  auto xt = nice_ticks(0, double(std::max<int64_t>(last, 1)), 5);
  double xhi = xt.back();
  auto px = [&](double it) { return left + it / xhi * (w - left - right); };
  auto py = [&](double loss) {
    double v = log_scale ? std::log10(loss) : loss;
    return top + (yhi - v) / (yhi - ylo) * (h - top - bottom);
  };

  std::string title = "row " + std::to_string(row.paper_row) + " (" + row_caption(*rep.table, *row.paper) + "): training loss";
  Svg svg(w, h, title);
  double ystep = yticks.size() > 1 ? yticks[1] - yticks[0] : 1;
  for (double t : yticks) {
    double y = top + (yhi - t) / (yhi - ylo) * (h - top - bottom);
    svg.line(left, y, w - right, y, "grid");
    std::string label = log_scale ? tick_label(std::pow(10.0, t), std::min(1.0, std::pow(10.0, t))) : tick_label(t, ystep);
    svg.text(left - 5, y + 4, label, "tick", "end");
  }
  double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1;
  for (double t : xt) {
    svg.line(px(t), top, px(t), h - bottom, "grid");
    svg.text(px(t), h - bottom + 15, tick_label(t, xstep), "tick", "middle");
  }
  svg.line(left, h - bottom, w - right, h - bottom, "axis");
  svg.line(left, top, left, h - bottom, "axis");
  svg.text((left + w - right) / 2, h - 4, "iteration", "tick", "middle");
  svg.text(4, 12, log_scale ? "loss (log scale)" : "loss", "tick");
  for (size_t i = 0; i < row.curves.size(); ++i) {
    const RunCurve& c = row.curves[i];
    std::vector<std::pair<double, double>> pts;
    for (const auto& p : c.points) pts.push_back({px(double(p.iteration)), py(p.loss)});
    if (pts.size() == 1) pts.push_back({pts[0].first + 1, pts[0].second});  // a single point still shows
    if (pts.empty()) continue;
    std::string tip = "seed " + std::to_string(c.seed) + (c.repeat ? " repeat " + std::to_string(c.repeat) : "") + ", " +
                      c.state + ", run " + c.run.substr(0, 12);
    svg.polyline(pts, "curve c" + std::to_string(i % kCurveColours), tip);
  }
  return svg.str();
}

}  // namespace ds

namespace ds {

std::string ga_fitness_svg(const Report& rep, const std::string& stage) {
  double hi = 0;
  int last = 0;
  bool any = false;
  for (const auto& g : rep.ga) {
    if (g.stage != stage) continue;
    last = std::max(last, g.generation);
    for (const auto& f : g.fitness)
      if (f) hi = std::max(hi, *f), any = true;
  }
  if (!any) return "";
  const double w = 520, h = 250, left = 58, right = 22, top = 24, bottom = 36;
  auto yt = nice_ticks(0, hi > 0 ? hi : 1, 5);
  const double yhi = yt.back();
  const double xspan = std::max(last, 1);
  auto px = [&](double gen) { return left + 20 + gen / xspan * (w - left - right - 40); };
  auto py = [&](double f) { return top + (yhi - f) / yhi * (h - top - bottom); };
  Svg svg(w, h, "GA stage " + stage + ": fitness (0.1 AP50 + 0.9 AP) per generation");
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double t : yt) {
    svg.line(left, py(t), w - right, py(t), "grid");
    svg.text(left - 5, py(t) + 4, tick_label(t, ystep), "tick", "end");
  }
  svg.line(left, h - bottom, w - right, h - bottom, "axis");
  svg.line(left, top, left, h - bottom, "axis");
  svg.text((left + w - right) / 2, h - 4, "generation", "tick", "middle");
  svg.text(4, 12, "fitness (%)", "tick");
  std::vector<std::pair<double, double>> best;
  for (const auto& g : rep.ga) {
    if (g.stage != stage) continue;
    svg.text(px(g.generation), h - bottom + 15, std::to_string(g.generation), "tick", "middle");
    for (size_t i = 0; i < g.fitness.size(); ++i)
      if (g.fitness[i])
        svg.rect(px(g.generation) - 3, py(*g.fitness[i]) - 3, 6, 6, "ours",
                 "generation " + std::to_string(g.generation) + " #" + std::to_string(i) + ": " +
                     tick_label(*g.fitness[i], 0.001));
    if (g.best_so_far) best.push_back({px(g.generation), py(*g.best_so_far)});
  }
  if (best.size() == 1) best.push_back({best[0].first + 1, best[0].second});
  if (!best.empty()) svg.polyline(best, "curve c1", "best so far");
  return svg.str();
}

}  // namespace ds
