// HTML rendering of a report: one self-contained page (inline CSS, inline SVG, no script, no external
// resource) with the table, the verdict, per-row bars of ours vs the paper and the runs' loss curves.
#include "reports/html_charts.h"
#include "reports/render.h"
#include "reports/report_grid.h"
#include "reports/report_notes.h"
#include "reports/svg.h"

namespace ds {
namespace {

const char* kStyle = R"css(
:root { --ours: #2563eb; --paper: #d97706; --agree: #15803d; --disagree: #dc2626; --muted: #6b7280; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; margin: 24px auto;
       max-width: 1320px; padding: 0 16px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e5e7eb; }
p.summary { color: var(--muted); margin: 0 0 8px; }
p.verdict { background: #f3f4f6; border-left: 4px solid var(--ours); padding: 8px 12px; margin: 8px 0; }
div.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; white-space: nowrap; }
th, td { padding: 3px 6px; border-bottom: 1px solid #e5e7eb; }
thead th { border-bottom: 2px solid #9ca3af; background: #f9fafb; }
thead tr.groups th { border-bottom: 1px solid #d1d5db; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; } td.c, th.c { text-align: center; } td.l, th.l { text-align: left; }
td.ours { color: var(--ours); font-weight: 600; } td.paper { color: #92400e; }
td.yes { color: var(--agree); font-weight: 600; } td.no { color: var(--disagree); font-weight: 600; }
td.status { white-space: normal; min-width: 11em; }
td.ok { color: var(--agree); } td.bad { color: var(--disagree); } td.wait { color: var(--muted); font-style: italic; }
tbody tr:nth-child(even) { background: #fafafa; }
ul.notes { color: #374151; font-size: 13px; padding-left: 20px; }
svg { width: 100%; height: auto; font: 12px system-ui, sans-serif; }
svg .stripe { fill: #f6f7f9; } svg .grid { stroke: #e5e7eb; } svg .zero, svg .axis { stroke: #6b7280; }
svg .ours { fill: var(--ours); } svg .paper { fill: var(--paper); } svg .agree { fill: var(--agree); }
svg .disagree { fill: var(--disagree); } svg .neutral { fill: #9ca3af; } svg .whisker { stroke: #111827; stroke-width: 1.2; }
svg .ptitle { font-weight: 600; font-size: 13px; } svg .tick { fill: var(--muted); font-size: 11px; }
svg .val { font-size: 10px; fill: #374151; } svg .missing { fill: var(--muted); font-style: italic; font-size: 11px; }
svg .rowlabel { font-size: 12px; }
svg .curve { fill: none; stroke-width: 1.6; stroke-linejoin: round; }
.c0 { stroke: #2563eb; color: #2563eb; } .c1 { stroke: #dc2626; color: #dc2626; } .c2 { stroke: #059669; color: #059669; }
.c3 { stroke: #7c3aed; color: #7c3aed; } .c4 { stroke: #d97706; color: #d97706; } .c5 { stroke: #0891b2; color: #0891b2; }
div.legend { font-size: 12px; } div.legend span { margin-right: 12px; white-space: nowrap; }
div.legend span::before { content: ""; display: inline-block; width: 14px; height: 3px; margin: 0 4px 3px 0;
                          background: currentColor; }
div.legend span.empty { color: var(--muted); } div.legend span.empty::before { background: none; }
div.key span { margin-right: 14px; } div.key i { display: inline-block; width: 12px; height: 12px; margin: 0 4px -2px 0; }
div.curves { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 18px; }
figure { margin: 0; } figcaption { font-size: 13px; font-weight: 600; margin-bottom: 2px; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; border-top: 1px solid #e5e7eb; padding-top: 8px; }
)css";

std::string h(const std::string& s) { return xml_escape(s); }

std::string cell_class(const GridCell& c, size_t column, const Grid& g) {
  std::string cls(1, g.header[column].align);
  const std::string& sub = g.header[column].sub;
  if (c.kind == GridCell::Kind::number && !g.header[column].group.empty() && (sub == "ours" || sub == "paper"))
    cls += " " + sub;
  if (c.kind == GridCell::Kind::verdict && c.good) cls += *c.good ? " yes" : " no";
  if (c.kind == GridCell::Kind::status) cls += std::string(" status") + (!c.good ? " wait" : *c.good ? " ok" : " bad");
  return cls;
}

std::string table_html(const Grid& g) {
  std::string out = "<div class=\"scroll\"><table>\n<thead><tr class=\"groups\">";
  // Group row: "AP" spanning its "ours | paper" columns; single columns span both header rows.
  for (size_t i = 0; i < g.header.size();) {
    size_t j = i;
    while (j + 1 < g.header.size() && !g.header[i].group.empty() && g.header[j + 1].group == g.header[i].group) ++j;
    if (g.header[i].group.empty())
      out += "<th rowspan=\"2\" class=\"" + std::string(1, g.header[i].align) + "\">" + h(g.header[i].sub) + "</th>";
    else
      out += "<th colspan=\"" + std::to_string(j - i + 1) + "\" class=\"c\">" + h(g.header[i].group) + "</th>";
    i = j + 1;
  }
  out += "</tr>\n<tr>";
  for (const auto& hd : g.header)
    if (!hd.group.empty()) out += "<th class=\"r\">" + h(hd.sub) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : g.rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) out += "<td class=\"" + cell_class(row[i], i, g) + "\">" + h(row[i].text) + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody></table></div>\n";
}

std::string curves_html(const Report& rep) {
  std::string figures, without;
  int without_n = 0;
  for (const auto& row : rep.rows) {
    std::string svg = loss_curves_svg(rep, row);
    if (svg.empty()) {
      if (row.status.total > 0) {
        without += (without.empty() ? "" : ", ") + std::to_string(row.paper_row);
        ++without_n;
      }
      continue;
    }
    figures += "<figure><figcaption>" + h("Row " + std::to_string(row.paper_row) + ": " + row_caption(*rep.table, *row.paper)) +
               "</figcaption>" + svg + "<div class=\"legend\">";
    for (size_t i = 0; i < row.curves.size(); ++i) {
      const RunCurve& c = row.curves[i];
      // A run without a loss (pending, cancelled) keeps its place in the legend but draws no line.
      std::string cls = c.points.empty() ? "empty" : "c" + std::to_string(i % kCurveColours);
      figures += "<span class=\"" + cls + "\">seed " + std::to_string(c.seed) +
                 (c.repeat ? " repeat " + std::to_string(c.repeat) : "") + " · " + h(c.state) +
                 (c.points.empty() ? " (no loss yet)" : "") + "</span>";
    }
    figures += "</div></figure>\n";
  }
  std::string out;
  if (!figures.empty()) out += "<div class=\"curves\">\n" + figures + "</div>\n";
  else out += "<p class=\"summary\">No run has recorded a training loss yet.</p>\n";
  if (!without.empty()) out += "<p class=\"summary\">No loss recorded yet for " + std::string(without_n > 1 ? "rows " : "row ") + h(without) + ".</p>\n";
  return out;
}

// The GA stages' generations: the table, then a fitness chart per stage.
std::string ga_html(const Report& rep, int digits) {
  std::string out = "<section><h2>GA search: fitness 0.1 AP50 + 0.9 AP per generation</h2>\n" +
                    table_html(ga_grid(rep, digits)) + "<div class=\"curves\">\n";
  std::string stage;
  for (const auto& g : rep.ga) {
    if (g.stage == stage) continue;
    stage = g.stage;
    std::string svg = ga_fitness_svg(rep, stage);
    if (!svg.empty()) out += "<figure><figcaption>" + h("GA stage " + stage) + "</figcaption>" + svg + "</figure>\n";
  }
  return out + "</div></section>\n";
}

}  // namespace

std::string render_html(const Report& rep, const RenderOptions& options) {
  const PaperTable& t = *rep.table;
  std::string name = table_display_name(t.id);
  std::string m = metric_title(rep.primary);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + h(name + ": " + t.title + " (darksweep)") + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  out += "<header><h1>" + h(name + ": " + t.title) + "</h1>\n";
  out += "<p class=\"summary\">" + h(report_summary_line(rep)) + "</p>\n";
  out += "<p class=\"verdict\"><strong>Verdict:</strong> " + h(verdict_sentence(rep)) + "</p></header>\n";
  out += "<section><h2>Table</h2>\n" + table_html(report_grid(rep, options.digits)) + "<ul class=\"notes\">\n";
  for (const auto& n : report_notes(rep)) out += "<li>" + h(n) + "</li>\n";
  out += "</ul></section>\n";
  out += "<section><h2>" + h(m + " per row: ours beside the paper's") + "</h2>\n";
  out += "<div class=\"key\"><span><i style=\"background:var(--ours)\"></i>ours (mean, whisker ± std)</span>"
         "<span><i style=\"background:var(--paper)\"></i>paper</span>"
         "<span><i style=\"background:var(--agree)\"></i>our change has the paper's sign</span>"
         "<span><i style=\"background:var(--disagree)\"></i>opposite sign</span>"
         "<span><i style=\"background:#9ca3af\"></i>no verdict</span></div>\n";
  out += row_bars_svg(rep, options.digits) + "\n</section>\n";
  out += "<section><h2>Training loss per run</h2>\n" + curves_html(rep) + "</section>\n";
  if (!rep.ga.empty()) out += ga_html(rep, options.digits);
  out += "<footer>" + h("Paper numbers: " + paper_source()) + "<br>" +
         h("Generated by darksweep `sweep report " + t.id + " --sweep " + rep.sweep + " --format html`.") + "</footer>\n";
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace ds
