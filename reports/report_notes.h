// The prose around a report table: how to read it, the paper's own notes and alternative numbers, and
// the sweep's runs that belong to no row of the table. Plain text; each renderer escapes it.
#pragma once
#include <string>
#include <vector>

#include "reports/report_model.h"

namespace ds {

// "Sweep `x`: 14 of 20 runs done. Paper numbers: MS COCO test-dev 2017."
std::string report_summary_line(const Report& rep);

// One sentence each.
std::vector<std::string> report_notes(const Report& rep);

// A row in a few words, for chart labels: ticked switches joined by "+" ("none" when nothing is ticked),
// then the text columns: "S+M+IT+GA, CIoU", "none, MSE", "CSPResNeXt50-PANet-SPP-SAM".
std::string row_caption(const PaperTable& table, const PaperRow& row);

}  // namespace ds
