// `sweep report TABLE`: a paper table regenerated from the store (read-only) beside the paper's numbers,
// as Markdown, LaTeX, CSV or a self-contained HTML page.
#include <cstdio>
#include <fstream>

#include "core/util/error.h"
#include "reports/render.h"
#include "reports/report_model.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"
#include "sweep/spec.h"
#include "sweep/store.h"

namespace ds {

int cmd_report(const Argv& argv) {
  Args args("report", argv, {"db", "sweep", "spec", "format", "out", "digits"});
  if (args.positional().size() != 1) {
    std::string known;
    for (const auto& id : paper_table_ids()) known += (known.empty() ? "" : ", ") + id;
    throw InputError("sweep report: expected one TABLE (" + known + ")");
  }
  const std::string table = args.positional()[0];
  paper_table(table);  // an unknown table fails before the database is opened
  if (args.has("sweep") && args.has("spec")) throw InputError("sweep report: give --sweep or --spec, not both");
  std::string out_path = args.get("out", "");
  ReportFormat format = ReportFormat::markdown;
  if (args.has("format")) format = parse_report_format(args.get("format", ""));
  else if (auto by_ext = report_format_of_path(out_path)) format = *by_ext;
  RenderOptions options;
  options.digits = args.get_int("digits", 1);
  if (options.digits < 0 || options.digits > 6) throw InputError("sweep report: --digits must be 0..6");

  std::string requested = args.get("sweep", "");
  if (args.has("spec")) requested = load_spec(args.get("spec", "")).name;
  Store store(args.get("db", "darksweep.db"), Store::Mode::read_only);
  std::string sweep = choose_sweep(store, table, requested);
  ReportOptions report_options;
  report_options.curves = format == ReportFormat::html;
  std::string text = render_report(build_report(store, table, sweep, report_options), format, options);

  if (out_path.empty() || out_path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  std::ofstream out(out_path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw InputError("sweep report: cannot write '" + out_path + "'");
  std::fprintf(stderr, "sweep report: wrote %s (%s, sweep %s)\n", out_path.c_str(), table.c_str(), sweep.c_str());
  return kExitOk;
}

}  // namespace ds
