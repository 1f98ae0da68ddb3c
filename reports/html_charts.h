// The HTML report's charts as inline SVG: per-row bars of ours vs the paper (values and changes against
// the baseline), and the training-loss curves of each row's runs.
#pragma once
#include <string>

#include "reports/report_model.h"

namespace ds {

// Four aligned panels, one line per paper row: our metric, the paper's, our Δ, the paper's Δ. Each panel
// has its own axis: runs at smoke scale give numbers far below the paper's, and the pattern is what counts.
std::string row_bars_svg(const Report& rep, int digits);

// One chart per row: a line per run (seed, repeat) of loss against iteration, log-scaled when the loss
// spans more than a factor of 20. Empty string when no run of the row recorded a loss.
std::string loss_curves_svg(const Report& rep, const ReportRow& row);

// Number of line colours (CSS classes c0 .. c{N-1}) the curves cycle through.
inline constexpr int kCurveColours = 6;

}  // namespace ds
