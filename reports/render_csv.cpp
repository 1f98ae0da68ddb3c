// CSV rendering of a report: a header line, then one line per paper row with every number in its own
// field (4 decimals, no "±" strings), so a script can recompute anything the other formats show.
#include <cstdio>

#include "reports/render.h"

namespace ds {
namespace {

// RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string number(const std::optional<double>& v) { return v ? number(*v) : ""; }

void add_line(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
  out += "\n";
}

}  // namespace

std::string render_csv(const Report& rep, const RenderOptions&) {
  const PaperTable& t = *rep.table;
  std::vector<std::string> header = {"table", "sweep", "row", "labels"};
  for (const auto& c : t.columns) header.push_back(c.key);
  for (const auto& m : t.metrics)
    for (const char* part : {"_mean", "_std", "_n", "_paper", "_delta", "_paper_delta"}) header.push_back(m + part);
  for (const char* h : {"agrees", "runs_done", "runs_total", "runs_running", "runs_pending", "runs_failed",
                        "runs_cancelled", "status"})
    header.push_back(h);
  std::string out;
  add_line(out, header);
  for (const auto& row : rep.rows) {
    std::string labels;
    for (const auto& l : row.labels) labels += (labels.empty() ? "" : ";") + l;
    std::vector<std::string> f = {t.id, rep.sweep, std::to_string(row.paper_row), labels};
    for (const auto& c : t.columns) {
      if (c.checkmark) {
        f.push_back(row.paper->on.count(c.key) ? "1" : "0");
      } else {
        auto it = row.paper->text.find(c.key);
        f.push_back(it == row.paper->text.end() ? "" : it->second);
      }
    }
    for (const auto& m : t.metrics) {
      const Summary& s = row.ours.at(m);
      f.push_back(s.n ? number(s.mean) : "");
      f.push_back(number(s.stddev));
      f.push_back(std::to_string(s.n));
      auto p = row.paper->metrics.find(m);
      f.push_back(p == row.paper->metrics.end() ? "" : number(p->second));
      f.push_back(number(row.delta_ours.at(m)));
      f.push_back(number(row.delta_paper.at(m)));
    }
    f.push_back(row.paper_row == 0 ? "baseline" : row.agrees ? (*row.agrees ? "yes" : "no") : "");
    const RowStatus& st = row.status;
    for (int v : {st.done, st.total, st.running, st.pending, st.failed, st.cancelled}) f.push_back(std::to_string(v));
    f.push_back(st.text);
    add_line(out, f);
  }
  return out;
}

}  // namespace ds
