// Renderers of a Report: Markdown (README-ready), LaTeX (booktabs), CSV (one line per row) and a
// self-contained HTML page (inline CSS and SVG, no external resources).
#pragma once
#include <optional>
#include <string>

#include "reports/report_model.h"

namespace ds {

enum class ReportFormat { markdown, latex, csv, html };

// "md" | "tex" | "csv" | "html" (also "markdown", "latex"); InputError otherwise.
ReportFormat parse_report_format(const std::string& name);
// From an output file's extension; none when it is not one of the formats'.
std::optional<ReportFormat> report_format_of_path(const std::string& path);

struct RenderOptions {
  int digits = 1;  // decimals of percentages, as the paper prints them
};

std::string render_markdown(const Report& rep, const RenderOptions& options = {});
std::string render_latex(const Report& rep, const RenderOptions& options = {});
std::string render_csv(const Report& rep, const RenderOptions& options = {});
std::string render_html(const Report& rep, const RenderOptions& options = {});
std::string render_report(const Report& rep, ReportFormat format, const RenderOptions& options = {});

}  // namespace ds
