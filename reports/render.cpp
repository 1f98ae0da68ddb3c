// Picks a renderer by format name or file extension.
#include "reports/render.h"

#include "core/util/error.h"

namespace ds {

ReportFormat parse_report_format(const std::string& name) {
  if (name == "md" || name == "markdown") return ReportFormat::markdown;
  if (name == "tex" || name == "latex") return ReportFormat::latex;
  if (name == "csv") return ReportFormat::csv;
  if (name == "html") return ReportFormat::html;
  throw InputError("unknown report format '" + name + "'; known: md, tex, csv, html");
}

std::optional<ReportFormat> report_format_of_path(const std::string& path) {
  auto dot = path.rfind('.');
  auto slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return std::nullopt;
  std::string ext = path.substr(dot + 1);
  if (ext == "md" || ext == "tex" || ext == "csv" || ext == "html") return parse_report_format(ext);
  if (ext == "htm") return ReportFormat::html;
  return std::nullopt;
}

std::string render_report(const Report& rep, ReportFormat format, const RenderOptions& options) {
  switch (format) {
    case ReportFormat::markdown: return render_markdown(rep, options);
    case ReportFormat::latex: return render_latex(rep, options);
    case ReportFormat::csv: return render_csv(rep, options);
    case ReportFormat::html: return render_html(rep, options);
  }
  return "";
}

}  // namespace ds
