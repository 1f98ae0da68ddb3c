// The HTML report's charts as inline SVG: per-row bars of ours vs the paper (values and changes against
// the baseline), the training-loss curves of each row's runs, and the fitness of a GA stage's generations.
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

// One GA stage's generations: a dot per evaluated individual's fitness, a line through the best so far.
// Empty string when no individual of the stage is evaluated yet.
std::string ga_fitness_svg(const Report& rep, const std::string& stage);

// Number of line colours (CSS classes c0 .. c{N-1}) the curves cycle through.
inline constexpr int kCurveColours = 6;

}  // namespace ds
