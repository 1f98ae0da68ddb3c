// Builds a Report from the store: groups a sweep's runs by the paper row they reproduce, averages their
// final metrics over seeds, and compares each row's change against the baseline with the paper's.
#include "reports/report_model.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "reports/row_status.h"
#include "sweep/store.h"

namespace ds {
namespace {

struct PaperRefText {
  std::string table;
  int row = -1;
};

// RunRecord::paper is what Store::add_runs wrote: {"row":N,"table":"tableK"}, or empty for no reference.
std::optional<PaperRefText> paper_ref_of(const RunRecord& r) {
  if (r.paper.empty()) return std::nullopt;
  auto j = nlohmann::json::parse(r.paper, nullptr, false);
  if (!j.is_object() || !j.contains("table") || !j["table"].is_string() || !j.contains("row") ||
      !j["row"].is_number_integer())
    return std::nullopt;
  return PaperRefText{j["table"].get<std::string>(), j["row"].get<int>()};
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

void add_unique(std::vector<std::string>& items, const std::string& s) {
  if (std::find(items.begin(), items.end(), s) == items.end()) items.push_back(s);
}

// Evenly spaced points, first and last kept, so a 500k-iteration curve stays a small SVG path.
std::vector<LossPoint> thin(std::vector<LossPoint> points, size_t max_points) {
  if (max_points < 2 || points.size() <= max_points) return points;
  std::vector<LossPoint> out;
  out.reserve(max_points);
  for (size_t k = 0; k < max_points; ++k) out.push_back(points[k * (points.size() - 1) / (max_points - 1)]);
  return out;
}

RunCurve curve_of(Store& store, const RunRecord& r, size_t max_points) {
  RunCurve c{r.id, r.seed, r.repeat, r.state, {}};
  for (const auto& m : store.metrics(r.id)) {
    if (m.kind != "iter") continue;
    auto j = nlohmann::json::parse(m.json, nullptr, false);
    if (!j.is_object() || !j.contains("loss") || !j["loss"].is_number()) continue;  // NaN is stored as null
    double loss = j["loss"].get<double>();
    if (std::isfinite(loss)) c.points.push_back({m.iteration, loss});
  }
  std::sort(c.points.begin(), c.points.end(), [](const LossPoint& a, const LossPoint& b) { return a.iteration < b.iteration; });
  c.points = thin(std::move(c.points), max_points);
  return c;
}

void fill_deltas(Report& rep) {
  const ReportRow& base = rep.rows.front();
  for (auto& row : rep.rows) {
    for (const auto& m : rep.table->metrics) {
      auto ours = row.ours.find(m);
      auto base_ours = base.ours.find(m);
      if (ours != row.ours.end() && ours->second.n > 0 && base_ours != base.ours.end() && base_ours->second.n > 0)
        row.delta_ours[m] = ours->second.mean - base_ours->second.mean;
      else
        row.delta_ours[m] = std::nullopt;
      auto paper = row.paper->metrics.find(m);
      auto base_paper = base.paper->metrics.find(m);
      if (paper != row.paper->metrics.end() && base_paper != base.paper->metrics.end())
        row.delta_paper[m] = paper->second - base_paper->second;
      else
        row.delta_paper[m] = std::nullopt;
    }
  }
}

// The paper prints one decimal: a difference below half of that is "no change", which no sign can match.
constexpr double kPaperNoChange = 0.05;

void fill_verdicts(Report& rep) {
  std::vector<double> ours, paper;
  for (size_t i = 0; i < rep.rows.size(); ++i) {
    ReportRow& row = rep.rows[i];
    auto d_ours = row.delta_ours[rep.primary], d_paper = row.delta_paper[rep.primary];
    if (i > 0 && d_ours && d_paper && std::abs(*d_paper) >= kPaperNoChange) {
      row.agrees = (*d_ours > 0 && *d_paper > 0) || (*d_ours < 0 && *d_paper < 0);
      ++rep.verdict.compared;
      rep.verdict.agreeing += *row.agrees ? 1 : 0;
    }
    auto o = row.ours.find(rep.primary);
    auto p = row.paper->metrics.find(rep.primary);
    if (o != row.ours.end() && o->second.n > 0 && p != row.paper->metrics.end()) {
      // Means that print alike are ties: rounding noise of the averaging must not order them.
      ours.push_back(std::round(o->second.mean * 1e6) / 1e6);
      paper.push_back(p->second);
    }
  }
  rep.verdict.spearman_n = int(ours.size());
  rep.verdict.spearman = spearman(ours, paper);
}

}  // namespace

std::optional<double> result_metric_percent(const std::string& result_json, const std::string& metric) {
  auto j = nlohmann::json::parse(result_json, nullptr, false);
  if (!j.is_object() || !j.contains(metric) || !j[metric].is_number()) return std::nullopt;
  double v = j[metric].get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return 100.0 * v;
}

std::optional<std::string> result_environment(const std::string& result_json) {
  auto j = nlohmann::json::parse(result_json, nullptr, false);
  if (!j.is_object() || !j.contains("environment") || !j["environment"].is_object()) return std::nullopt;
  const nlohmann::json& env = j["environment"];
  auto text = [&](const char* key) { return env.contains(key) && env[key].is_string() ? env[key].get<std::string>() : ""; };
  std::string out = text("device").empty() ? "cpu" : text("device");
  if (!text("gpu").empty()) out += ", " + text("gpu");
  if (!text("blas_kernels").empty()) out += ", OpenBLAS kernels " + text("blas_kernels");
  return out;
}

std::string choose_sweep(Store& store, const std::string& table, const std::string& requested) {
  auto known = store.sweeps();
  if (!requested.empty()) {
    if (std::find(known.begin(), known.end(), requested) == known.end())
      throw InputError("no sweep '" + requested + "' in " + store.db().path() + "; known: " + join(known));
    return requested;
  }
  std::vector<std::string> candidates;
  for (const auto& r : store.runs("")) {
    auto ref = paper_ref_of(r);
    if (ref && ref->table == table) add_unique(candidates, r.sweep);
  }
  if (candidates.empty())
    throw InputError("no sweep in " + store.db().path() + " has runs for " + table + "; sweeps: " + join(known) +
                     " (choose one with --sweep)");
  if (candidates.size() > 1)
    throw InputError("several sweeps in " + store.db().path() + " have runs for " + table + ": " + join(candidates) +
                     "; choose one with --sweep or --spec");
  return candidates.front();
}

std::vector<GaGenerationSummary> ga_generations(Store& store, const std::string& sweep) {
  std::vector<GaGenerationSummary> out;
  std::map<std::string, std::vector<std::string>> genes_of_run;
  const std::vector<GaRecord> records = store.ga(sweep);
  for (const auto& g : records) genes_of_run[g.run] = g.overrides;
  for (const auto& g : records) {
    if (out.empty() || out.back().stage != g.stage || out.back().generation != g.generation) {
      GaGenerationSummary gen;
      gen.stage = g.stage;
      gen.generation = g.generation;
      if (g.best_fitness) {
        gen.best_so_far = 100 * *g.best_fitness;
        gen.best_run = g.best_run;
        gen.best_genes = genes_of_run[g.best_run];
      }
      out.push_back(std::move(gen));
    }
    out.back().fitness.push_back(g.fitness ? std::optional<double>(100 * *g.fitness) : std::nullopt);
  }
  return out;
}

Report build_report(Store& store, const std::string& table, const std::string& sweep, const ReportOptions& options) {
  Report rep;
  rep.table = &paper_table(table);
  rep.sweep = sweep;
  rep.primary = rep.table->metrics.front();

  auto runs = store.runs(sweep);
  std::vector<std::vector<const RunRecord*>> by_row(rep.table->rows.size());
  std::vector<std::pair<std::string, std::vector<const RunRecord*>>> others;  // by "label\tstage", in order
  for (const auto& r : runs) {
    auto ref = paper_ref_of(r);
    if (ref && ref->table == table && ref->row >= 0 && size_t(ref->row) < by_row.size()) {
      by_row[ref->row].push_back(&r);
      continue;
    }
    if (ref && ref->table != table) continue;  // another table's row of the same sweep: its own report
    std::string key = r.row_label + "\t" + r.stage;
    auto it = std::find_if(others.begin(), others.end(), [&](const auto& o) { return o.first == key; });
    if (it == others.end()) it = others.insert(others.end(), {key, {}});
    it->second.push_back(&r);
  }

  for (size_t i = 0; i < by_row.size(); ++i) {
    ReportRow row;
    row.paper_row = int(i);
    row.paper = &rep.table->rows[i];
    std::map<std::string, std::vector<double>> values;
    for (const RunRecord* r : by_row[i]) {
      add_unique(row.labels, r->row_label);
      if (r->state == "done")
        if (auto result = store.result(r->id)) {
          for (const auto& m : rep.table->metrics)
            if (auto v = result_metric_percent(*result, m)) values[m].push_back(*v);
          if (auto env = result_environment(*result)) ++rep.environments[*env];
        }
      if (options.curves) row.curves.push_back(curve_of(store, *r, options.max_curve_points));
    }
    for (const auto& m : rep.table->metrics) row.ours[m] = summarize(values[m]);
    row.status = row_status(store, by_row[i]);
    rep.runs_total += row.status.total;
    rep.runs_done += row.status.done;
    rep.rows.push_back(std::move(row));
  }
  for (const auto& [key, rs] : others) {
    OtherRow o;
    o.label = rs.front()->row_label;
    o.stage = rs.front()->stage;
    o.status = row_status(store, rs);
    rep.others.push_back(o);
  }
  rep.ga = ga_generations(store, sweep);
  fill_deltas(rep);
  fill_verdicts(rep);
  return rep;
}

}  // namespace ds
