// The table every format draws: header and cells as text, computed once so md, tex and html agree.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "reports/report_model.h"

namespace ds {

struct GridHeader {
  std::string group;  // spans consecutive columns with the same group ("AP", "ΔAP"); empty for single columns
  std::string sub;    // "ours", "paper", or the column's own title
  char align = 'l';  // 'l', 'c' or 'r'
};

struct GridCell {
  enum class Kind { text, check, number, verdict, status };
  Kind kind = Kind::text;
  std::string text;        // "✓" for a ticked check, "" for an unticked one; "—" for no value
  std::optional<bool> good;  // verdict: agrees or not; status: done (true), failed (false)
};

struct Grid {
  std::vector<GridHeader> header;
  std::vector<std::vector<GridCell>> rows;
};

Grid report_grid(const Report& rep, int digits);
// The GA generations (rep.ga): stage, generation, individuals evaluated, the generation's best and median
// fitness, the best so far and its genes. No rows when the sweep has no GA stage.
Grid ga_grid(const Report& rep, int digits);

// Numbers as the reports print them; "−" is never used, so CSV and terminals see a plain "-".
std::string fixed(double v, int digits);
std::string signed_fixed(double v, int digits);  // "+1.1", "-0.3", "0.0"
std::string mean_std(const Summary& s, int digits);  // "38.1 ± 0.3", "38.1" (one run), "—" (none)

// "5 of 7 rows move AP the paper's way (71%); Spearman rho of our AP vs the paper's over 8 rows: 0.64"
std::string verdict_sentence(const Report& rep);
std::string verdict_word(const ReportRow& row, size_t index);  // "baseline", "yes", "no", "—"

}  // namespace ds
