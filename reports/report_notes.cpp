// Writes the sentences that go under every rendered table.
#include "reports/report_notes.h"

#include "reports/report_grid.h"

namespace ds {

std::string report_summary_line(const Report& rep) {
  std::string out = "Sweep `" + rep.sweep + "`: " + std::to_string(rep.runs_done) + " of " +
                    std::to_string(rep.runs_total) + " runs done.";
  if (!rep.table->dataset.empty()) out += " Paper numbers: " + rep.table->dataset + ".";
  return out;
}

std::vector<std::string> report_notes(const Report& rep) {
  const PaperTable& t = *rep.table;
  std::vector<std::string> notes;
  notes.push_back("Ours: mean ± sample standard deviation over the done runs of a row (seeds × repeats), in "
                  "percent like the paper's; n: done runs / runs the sweep lists for the row. Δ: change against row 0. agrees: our Δ" +
                  metric_title(rep.primary) + " has the paper's sign (— where either side is missing or the paper shows no change).");
  if (!t.note.empty()) notes.push_back("Paper's note: " + t.note);
  for (const auto& row : rep.rows) {
    for (const auto& alt : row.paper->alt) {
      std::string values;
      for (const auto& m : t.metrics) {
        auto it = alt.metrics.find(m);
        if (it != alt.metrics.end()) values += (values.empty() ? "" : ", ") + metric_title(m) + " " + fixed(it->second, 1);
      }
      notes.push_back("Row " + std::to_string(row.paper_row) + ": the authors also published " + values +
                      (alt.from.empty() ? "" : " (" + alt.from + ")") + ".");
    }
  }
  if (!rep.environments.empty()) {
    std::string list;
    for (const auto& [env, runs] : rep.environments)
      list += (list.empty() ? "" : "; ") + env + " (" + std::to_string(runs) + (runs == 1 ? " run)" : " runs)");
    if (rep.environments.size() == 1)
      notes.push_back("Computed on " + list + ".");
    else
      notes.push_back("Computed on " + std::to_string(rep.environments.size()) + " environments: " + list +
                      ". Float sums round differently on each and training amplifies that, so rows computed on "
                      "different ones differ by more than their seeds alone would make them.");
  }
  for (const auto& o : rep.others)
    notes.push_back("Also in the sweep, in no row of this table: " + o.label + " (stage " + o.stage + "): " +
                    o.status.text + ".");
  return notes;
}

std::string row_caption(const PaperTable& table, const PaperRow& row) {
  std::string ticks, texts;
  bool has_checks = false;
  for (const auto& c : table.columns) {
    if (c.checkmark) {
      has_checks = true;
      if (row.on.count(c.key)) ticks += (ticks.empty() ? "" : "+") + c.title;
    } else if (auto it = row.text.find(c.key); it != row.text.end()) {
      texts += (texts.empty() ? "" : ", ") + it->second;
    }
  }
  if (has_checks && ticks.empty()) ticks = "none";
  if (ticks.empty()) return texts;
  return texts.empty() ? ticks : ticks + ", " + texts;
}

}  // namespace ds
