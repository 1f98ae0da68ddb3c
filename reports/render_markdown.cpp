// Markdown rendering of a report: a heading, the table (GitHub pipe syntax), the verdict and notes, and the
// generations of the sweep's GA stages when it has any.
#include "reports/render.h"
#include "reports/report_grid.h"
#include "reports/report_notes.h"

namespace ds {
namespace {

// A pipe inside a cell would end the cell; a newline would end the table.
std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string md_table(const Grid& g) {
  std::string head = "|", rule = "|";
  for (const auto& h : g.header) {
    head += " " + md_cell(h.group.empty() ? h.sub : h.group + " " + h.sub) + " |";
    rule += h.align == 'r' ? " --: |" : h.align == 'c' ? " :-: |" : " --- |";
  }
  std::string out = head + "\n" + rule + "\n";
  for (const auto& row : g.rows) {
    out += "|";
    for (const auto& c : row) out += " " + md_cell(c.text) + " |";
    out += "\n";
  }
  return out;
}

}  // namespace

std::string render_markdown(const Report& rep, const RenderOptions& options) {
  const PaperTable& t = *rep.table;
  std::string out = "## " + table_display_name(t.id) + ": " + t.title + "\n\n";
  out += report_summary_line(rep) + "\n\n";
  out += md_table(report_grid(rep, options.digits));
  out += "\n**Verdict:** " + verdict_sentence(rep) + "\n\n";
  for (const auto& n : report_notes(rep)) out += "- " + md_cell(n) + "\n";
  if (!rep.ga.empty())
    out += "\n### GA search (fitness 0.1 AP50 + 0.9 AP, percent)\n\n" + md_table(ga_grid(rep, options.digits));
  return out;
}

}  // namespace ds
