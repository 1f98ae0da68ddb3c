// Lays a Report out as the paper's table: description columns, ours beside paper per metric, the change
// against the baseline row, the verdict, and how many runs are done.
#include "reports/report_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ds {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  std::string s = buf;
  // "-0.0" reads as a change where there is none
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string signed_fixed(double v, int digits) {
  std::string s = fixed(v, digits);
  if (s[0] != '-' && s.find_first_not_of("0.") != std::string::npos) s = "+" + s;
  return s;
}

std::string mean_std(const Summary& s, int digits) {
  if (s.n == 0) return "—";
  std::string out = fixed(s.mean, digits);
  if (s.stddev) out += " ± " + fixed(*s.stddev, digits);
  return out;
}

std::string verdict_word(const ReportRow& row, size_t index) {
  if (index == 0) return "baseline";
  if (!row.agrees) return "—";
  return *row.agrees ? "yes" : "no";
}

std::string verdict_sentence(const Report& rep) {
  std::string m = metric_title(rep.primary);
  std::string out;
  const auto& v = rep.verdict;
  if (v.compared == 0) {
    out = "No row can be compared with the baseline yet";
  } else {
    char pct[16];
    std::snprintf(pct, sizeof pct, "%.0f%%", 100.0 * v.agreeing / v.compared);
    out = std::to_string(v.agreeing) + " of " + std::to_string(v.compared) + " rows move " + m +
          " the paper's way (" + pct + ")";
  }
  out += "; Spearman rho of our " + m + " vs the paper's over " + std::to_string(v.spearman_n) + " rows: ";
  out += v.spearman ? fixed(*v.spearman, 2) : "n/a (needs 3 rows with distinct values)";
  return out + ".";
}

Grid report_grid(const Report& rep, int digits) {
  Grid g;
  const PaperTable& t = *rep.table;
  g.header.push_back({"", "#", 'r'});
  for (const auto& c : t.columns) g.header.push_back({"", c.title, c.checkmark ? 'c' : 'l'});
  for (const auto& m : t.metrics) {
    g.header.push_back({metric_title(m), "ours", 'r'});
    g.header.push_back({metric_title(m), "paper", 'r'});
  }
  std::string delta = "Δ" + metric_title(rep.primary);
  g.header.push_back({delta, "ours", 'r'});
  g.header.push_back({delta, "paper", 'r'});
  g.header.push_back({"", "agrees", 'c'});
  g.header.push_back({"", "n", 'r'});
  g.header.push_back({"", "status", 'l'});

  using K = GridCell::Kind;
  auto maybe = [&](const std::optional<double>& v, bool sign) {
    if (!v) return GridCell{K::number, "—", std::nullopt};
    return GridCell{K::number, sign ? signed_fixed(*v, digits) : fixed(*v, digits), std::nullopt};
  };
  for (size_t i = 0; i < rep.rows.size(); ++i) {
    const ReportRow& row = rep.rows[i];
    std::vector<GridCell> cells;
    cells.push_back({K::number, std::to_string(row.paper_row), std::nullopt});
    for (const auto& c : t.columns) {
      if (c.checkmark) {
        cells.push_back({K::check, row.paper->on.count(c.key) ? "✓" : "", std::nullopt});
      } else {
        auto it = row.paper->text.find(c.key);
        cells.push_back({K::text, it == row.paper->text.end() ? "" : it->second, std::nullopt});
      }
    }
    for (const auto& m : t.metrics) {
      cells.push_back({K::number, mean_std(row.ours.at(m), digits), std::nullopt});
      auto p = row.paper->metrics.find(m);
      cells.push_back(maybe(p == row.paper->metrics.end() ? std::nullopt : std::optional<double>(p->second), false));
    }
    cells.push_back(maybe(row.delta_ours.at(rep.primary), true));
    cells.push_back(maybe(row.delta_paper.at(rep.primary), true));
    cells.push_back({K::verdict, verdict_word(row, i), row.agrees});
    cells.push_back({K::number, std::to_string(row.status.done) + "/" + std::to_string(row.status.total), std::nullopt});
    std::optional<bool> ok;
    if (row.status.total > 0 && row.status.done == row.status.total) ok = true;
    if (row.status.failed > 0) ok = false;
    cells.push_back({K::status, row.status.text, ok});
    g.rows.push_back(std::move(cells));
  }
  return g;
}

Grid ga_grid(const Report& rep, int digits) {
  Grid g;
  g.header = {{"", "stage", 'l'},          {"", "generation", 'r'}, {"", "evaluated", 'r'},
              {"fitness", "best", 'r'},    {"fitness", "median", 'r'}, {"fitness", "best so far", 'r'},
              {"", "best so far: run", 'l'}, {"", "best so far: genes", 'l'}};
  auto number = [&](std::optional<double> v) {
    return GridCell{GridCell::Kind::number, v ? fixed(*v, digits) : "—", std::nullopt};
  };
  auto text = [](std::string s) { return GridCell{GridCell::Kind::text, std::move(s), std::nullopt}; };
  for (const auto& gen : rep.ga) {
    std::vector<double> known;
    for (const auto& f : gen.fitness)
      if (f) known.push_back(*f);
    std::optional<double> best;
    if (!known.empty()) best = *std::max_element(known.begin(), known.end());
    std::string genes;
    for (const auto& o : gen.best_genes) genes += (genes.empty() ? "" : " ") + o;
    g.rows.push_back({text(gen.stage), text(std::to_string(gen.generation)),
                      text(std::to_string(known.size()) + "/" + std::to_string(gen.fitness.size())), number(best),
                      number(median(known)), number(gen.best_so_far), text(gen.best_run.substr(0, 12)),
                      text(genes.empty() ? "—" : genes)});
  }
  return g;
}

}  // namespace ds
