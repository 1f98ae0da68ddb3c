// One paper table with our numbers beside the paper's: what every renderer (md, tex, csv, html) draws.
// Built from the store alone (read-only); rows that are pending, running, failed or absent stay in it.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/paper_tables.h"
#include "reports/stats.h"

namespace ds {

class Store;

// Run states of the runs listed for one row.
struct RowStatus {
  int total = 0, done = 0, running = 0, pending = 0, failed = 0, cancelled = 0;
  std::vector<std::string> failure_reasons;  // distinct, in run order
  std::string running_progress;              // "it 300/2000" of the first running run that reported
  std::string text;                          // "done", "pending", "failed (NaN loss)", "2 done, 1 running (...)"
};

struct LossPoint {
  int64_t iteration = 0;
  double loss = 0;
};

struct RunCurve {
  std::string run;  // id
  int seed = 0, repeat = 0;
  std::string state;
  std::vector<LossPoint> points;  // iterations with a finite loss, ascending
};

struct ReportRow {
  int paper_row = -1;                 // index in the paper's table
  const PaperRow* paper = nullptr;    // its layout and numbers
  std::vector<std::string> labels;    // our spec rows' names for it (usually one)
  std::map<std::string, Summary> ours;                      // per metric, percent, over done runs
  std::map<std::string, std::optional<double>> delta_ours;  // mean minus the baseline's mean
  std::map<std::string, std::optional<double>> delta_paper;
  // Does the primary metric move the paper's way (same sign of delta)? None for the baseline, rows with
  // no done run, and rows where the paper shows no change.
  std::optional<bool> agrees;
  RowStatus status;
  std::vector<RunCurve> curves;  // filled when asked for (HTML)
};

// A sweep row that names no paper row of this table (e.g. a pre-training stage).
struct OtherRow {
  std::string label, stage;
  RowStatus status;
};

// One generation of a GA stage of the sweep (sweep/ga.h): its individuals' fitnesses and the best so far.
// Fitness = 0.1 AP50 + 0.9 AP, in percent like the table's numbers.
struct GaGenerationSummary {
  std::string stage;
  int generation = 0;
  std::vector<std::optional<double>> fitness;  // per individual; none until its run is evaluated
  std::optional<double> best_so_far;           // none until every individual of the generation is evaluated
  std::string best_run;                        // the best so far's run id
  std::vector<std::string> best_genes;         // its gene overrides
};

struct TableVerdict {
  int agreeing = 0, compared = 0;   // rows with a verdict, and how many agree
  std::optional<double> spearman;   // our primary metric vs the paper's over rows with a done run
  int spearman_n = 0;
};

struct Report {
  const PaperTable* table = nullptr;
  std::string sweep;
  std::string primary;  // the metric verdicts use: the table's first ("AP", "top1")
  std::vector<ReportRow> rows;  // one per paper row, in the paper's order
  std::vector<OtherRow> others;
  TableVerdict verdict;
  int runs_total = 0, runs_done = 0;
  // What the done runs of the table's rows computed on (result_environment), with how many runs each; runs whose
  // results predate that record are not counted.
  std::map<std::string, int> environments;
  std::vector<GaGenerationSummary> ga;  // the sweep's GA stages, by stage then generation
};

struct ReportOptions {
  bool curves = false;      // read per-iteration losses for the loss charts
  size_t max_curve_points = 400;  // per run; longer curves are thinned evenly (last point kept)
};

// The sweep to report for `table`: `requested` when given (InputError listing the known sweeps when it is
// not in the store), else the one sweep whose runs refer to the table (InputError when none or several).
std::string choose_sweep(Store& store, const std::string& table, const std::string& requested);

Report build_report(Store& store, const std::string& table, const std::string& sweep, const ReportOptions& options = {});

// The generations of the sweep's GA stages as the store holds them (empty when it has none).
std::vector<GaGenerationSummary> ga_generations(Store& store, const std::string& sweep);

// What a run's result says it computed on (its "environment", core/backend/device.h) in a few words:
// "cpu, OpenBLAS kernels Zen", "cuda, NVIDIA H200 (sm_90), cuDNN 90300"; none when the result does not say.
std::optional<std::string> result_environment(const std::string& result_json);

// A metric of a run's result JSON in percent (ours are fractions in [0, 1]); none when absent or not finite.
std::optional<double> result_metric_percent(const std::string& result_json, const std::string& metric);

}  // namespace ds
