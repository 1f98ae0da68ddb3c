// The state of one report row summed over its runs, with why runs failed and how far a running one is.
#pragma once
#include <vector>

#include "reports/report_model.h"
#include "sweep/store.h"

namespace ds {

// Reads the attempts of failed and running runs; `runs` may be empty (a paper row not in the sweep).
RowStatus row_status(Store& store, const std::vector<const RunRecord*>& runs);

// Why a failed run failed: its last failed attempt's reason, else its exit code or signal.
std::string failure_reason(const std::vector<AttemptRecord>& attempts);

}  // namespace ds
