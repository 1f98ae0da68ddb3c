// Fixture stores for the report tests, built with the store's own API: sweeps whose runs are done (with
// result JSON and loss curves), failed, running, pending, cancelled or absent, for every paper table.
#pragma once
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/store.h"

namespace ds::test {

// A fresh directory under $TMPDIR (or /tmp), removed when the object goes away.
class ReportScratch {
 public:
  ReportScratch() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/ds_report_test_XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~ReportScratch() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string expected_path(const std::string& name) {
  return std::string(DS_SOURCE_DIR) + "/tests/reports/expected/" + name;
}

// One planned run of a fixture sweep.
struct FixtureRun {
  std::string table;     // paper table; empty: no paper reference
  int paper_row = -1;
  std::string label;
  int seed = 0;
  std::string outcome;   // done | failed | running | pending | cancelled
  nlohmann::json result = nlohmann::json::object();  // for done runs: final metrics (fractions)
  std::string reason;    // for failed runs; empty: only the signal or exit code is recorded
  std::optional<int> signal;
  int exit_code = 1;
  int64_t last_iteration = 2000;  // how far the loss curve goes (failed and running runs stop early)
  double loss_scale = 1.0;        // makes curves of different rows distinguishable
  std::string stage = "main";
};

// Adds the runs to `sweep` in `store` and drives each through its attempts to the planned outcome.
inline void add_fixture_sweep(Store& store, const std::string& sweep, const std::vector<FixtureRun>& runs,
                              const std::string& log_dir) {
  store.save_sweep(sweep, "experiments/" + sweep + ".json", "{\"name\":\"" + sweep + "\"}");
  std::vector<ResolvedRun> resolved;
  std::vector<std::string> labels;
  for (const auto& f : runs) {
    auto it = std::find(labels.begin(), labels.end(), f.label);
    int row_index = int(it - labels.begin());
    if (it == labels.end()) labels.push_back(f.label);
    ResolvedRun r;
    r.config = {{"sweep", sweep}, {"row", f.label}, {"seed", f.seed}};
    r.canonical = r.config.dump();
    r.id = "run-" + sweep + "-" + f.label + "-" + std::to_string(f.seed);
    r.stage = f.stage;
    r.row_index = row_index;
    r.row_label = f.label;
    if (!f.table.empty()) r.paper = PaperRef{f.table, f.paper_row};
    r.seed = f.seed;
    resolved.push_back(r);
  }
  store.add_runs(sweep, resolved);
  for (size_t i = 0; i < runs.size(); ++i) {
    const FixtureRun& f = runs[i];
    const std::string& id = resolved[i].id;
    if (f.outcome == "pending") continue;
    if (f.outcome == "cancelled") {
      store.cancel({id});
      continue;
    }
    auto attempt = store.begin_attempt(id, "train", {"fixture-host", 0, 0, ""}, log_dir);
    // A decaying loss every 100 iterations, with a NaN (stored as null) the report must skip.
    std::vector<MetricRow> rows;
    for (int64_t it = 0; it <= f.last_iteration; it += 100) {
      nlohmann::json j = {{"event", "iter"}, {"iteration", it}, {"max_iterations", 2000}};
      j["loss"] = f.loss_scale * (600.0 * std::exp(-double(it) / 300.0) + 4.0 + 0.5 * f.seed);
      rows.push_back({id, attempt.id, it, "iter", j.dump()});
    }
    if (f.outcome == "failed" && f.reason.find("NaN") != std::string::npos)
      rows.push_back({id, attempt.id, f.last_iteration + 1, "iter", R"({"event":"iter","loss":null})"});
    if (f.outcome == "done")
      rows.push_back({id, attempt.id, f.last_iteration, "eval", nlohmann::json{{"metrics", f.result}}.dump()});
    store.record_progress(rows, {{attempt.id, f.last_iteration, 2000, 5.0}});
    AttemptEnd end;
    if (f.outcome == "running") continue;
    if (f.outcome == "done") {
      end.state = "ok";
      end.exit_code = 0;
      end.run_state = "done";
      end.result_json = f.result.dump();
    } else {
      end.state = "failed";
      if (f.signal) end.signal = f.signal;
      else end.exit_code = f.exit_code;
      end.reason = f.reason;
      end.run_state = "failed";
      end.count_failure = true;
    }
    store.finish_attempt(attempt.id, end, {});
  }
}

// COCO-style result JSON from percentages, the way the trainer writes it (fractions).
inline nlohmann::json detector_result(double ap) {
  return {{"AP", ap / 100}, {"AP50", (ap + 20.1) / 100}, {"AP75", (ap + 2.3) / 100}, {"APs", ap / 300},
          {"AR100", (ap + 10) / 100}, {"iterations", 2000}};
}

inline nlohmann::json classifier_result(double top1) { return {{"top1", top1 / 100}, {"top5", (top1 + 17.2) / 100}}; }

inline FixtureRun done(const std::string& table, int row, const std::string& label, int seed, const nlohmann::json& result) {
  FixtureRun f;
  f.table = table;
  f.paper_row = row;
  f.label = label;
  f.seed = seed;
  f.outcome = "done";
  f.result = result;
  f.loss_scale = 1.0 + 0.08 * row;
  return f;
}

inline FixtureRun other(const std::string& table, int row, const std::string& label, int seed, const std::string& outcome) {
  FixtureRun f;
  f.table = table;
  f.paper_row = row;
  f.label = label;
  f.seed = seed;
  f.outcome = outcome;
  f.loss_scale = 1.0 + 0.08 * row;
  if (outcome == "running") f.last_iteration = 1200;
  return f;
}

// Table 4 at a smaller scale than the paper's: some rows agree with the paper's direction, one does not
// (IT), and every kind of unfinished row is there (failed, half done, running, pending, cancelled,
// not in the sweep), plus a row of no table and a row of another table.
inline std::vector<FixtureRun> table4_fixture() {
  const std::string t = "table4";
  std::vector<FixtureRun> runs = {
      done(t, 0, "baseline", 1, detector_result(30.2)), done(t, 0, "baseline", 2, detector_result(30.6)),
      done(t, 1, "S", 1, detector_result(30.0)),        done(t, 1, "S", 2, detector_result(30.2)),
      done(t, 2, "M", 1, detector_result(31.5)),        done(t, 2, "M", 2, detector_result(31.9)),
      done(t, 3, "IT", 1, detector_result(30.9)),       done(t, 3, "IT", 2, detector_result(31.1)),
      done(t, 4, "GA", 1, detector_result(31.0)),       done(t, 4, "GA", 2, detector_result(31.4)),
      other(t, 5, "LS", 1, "failed"),                   other(t, 5, "LS", 2, "failed"),
      done(t, 6, "CBN", 1, detector_result(30.8)),      other(t, 6, "CBN", 2, "pending"),
      done(t, 7, "CA", 1, detector_result(31.0)),       other(t, 7, "CA", 2, "running"),
      other(t, 8, "DM", 1, "pending"),                  other(t, 8, "DM", 2, "pending"),
      other(t, 9, "S+GIoU", 1, "cancelled"),            other(t, 9, "S+GIoU", 2, "failed"),
      done(t, 10, "S+DIoU", 1, detector_result(31.3)),  done(t, 10, "S+DIoU", 2, detector_result(31.5)),
      done(t, 11, "S+CIoU", 1, detector_result(31.6)),  done(t, 11, "S+CIoU", 2, detector_result(31.8)),
      other("", -1, "anchors-kmeans", 1, "done"),
      done("table5", 0, "bos-baseline", 1, detector_result(33.0)),
  };
  for (auto& f : runs) {
    if (f.label == "LS") {
      f.reason = "diverged: loss NaN at iteration 212";
      f.exit_code = 3;
      f.last_iteration = 200;
    }
    if (f.label == "S+GIoU" && f.outcome == "failed") {
      f.signal = 9;  // killed without a reason: the report shows the signal
      f.last_iteration = 700;
    }
    if (f.label == "anchors-kmeans") f.result = {{"mean_iou", 0.61}};
  }
  return runs;
}

inline std::vector<FixtureRun> table2_fixture() {
  const std::string t = "table2";
  const char* labels[] = {"leaky", "MixUp", "CutMix", "Mosaic", "Blur", "LS", "Swish", "Mish", "BoF", "BoF+Mish"};
  const double top1[] = {70.1, 69.5, 70.3, 70.6, 69.8, 70.4, 0, 71.2, 70.9, 0};
  std::vector<FixtureRun> runs;
  for (int row = 0; row < 10; ++row) {
    if (row == 6) {
      FixtureRun f = other(t, row, labels[row], 0, "failed");
      f.reason = "timeout after 3600 s";
      runs.push_back(f);
    } else if (row == 9) {
      runs.push_back(other(t, row, labels[row], 0, "pending"));
    } else {
      runs.push_back(done(t, row, labels[row], 0, classifier_result(top1[row])));
    }
  }
  return runs;
}

inline std::vector<FixtureRun> table3_fixture() {
  const std::string t = "table3";
  return {done(t, 0, "leaky", 1, classifier_result(71.0)),     done(t, 0, "leaky", 2, classifier_result(71.4)),
          done(t, 1, "BoF", 1, classifier_result(71.9)),       done(t, 1, "BoF", 2, classifier_result(72.3)),
          done(t, 2, "BoF+Mish", 1, classifier_result(72.4)),  done(t, 2, "BoF+Mish", 2, classifier_result(72.0))};
}

inline std::vector<FixtureRun> table5_fixture() {
  const std::string t = "table5";
  return {done(t, 0, "SPP", 1, detector_result(35.1)), done(t, 1, "RFB", 1, detector_result(34.2)),
          done(t, 2, "SAM", 1, detector_result(35.6)), done(t, 3, "SAM-G", 1, detector_result(35.3)),
          other(t, 4, "ASFF-RFB", 1, "running")};
}

// Table 6 needs classifier pre-training: those rows refer to no row of table 6.
inline std::vector<FixtureRun> table6_fixture() {
  const std::string t = "table6";
  FixtureRun pre_x = other("", -1, "cls-resnext-bof", 1, "done"), pre_d = other("", -1, "cls-darknet-bof-mish", 1, "running");
  pre_x.stage = pre_d.stage = "pretrain";
  pre_x.result = classifier_result(70.0);
  std::vector<FixtureRun> runs = {pre_x, pre_d,
                                  done(t, 0, "resnext-baseline", 1, detector_result(34.0)),
                                  done(t, 1, "resnext-bof", 1, detector_result(34.3)),
                                  done(t, 2, "resnext-bof-mish", 1, detector_result(34.1)),
                                  done(t, 3, "darknet-bof", 1, detector_result(34.6)),
                                  other(t, 4, "darknet-bof-mish", 1, "pending")};
  for (auto& f : runs)
    if (f.paper_row >= 0) f.stage = "detector";
  return runs;
}

inline std::vector<FixtureRun> table7_fixture() {
  const std::string t = "table7";
  return {done(t, 0, "resnext-mb4", 1, detector_result(30.5)), done(t, 1, "resnext-mb8", 1, detector_result(31.2)),
          done(t, 2, "darknet-mb4", 1, detector_result(33.9)), done(t, 3, "darknet-mb8", 1, detector_result(33.7))};
}

// One database with a sweep per table ("table4-fixture", ...), as `sweep run` would leave it mid-way.
inline void build_all_fixtures(const std::string& db_path, const std::string& log_dir) {
  Store store(db_path, Store::Mode::read_write);
  add_fixture_sweep(store, "table2-fixture", table2_fixture(), log_dir);
  add_fixture_sweep(store, "table3-fixture", table3_fixture(), log_dir);
  add_fixture_sweep(store, "table4-fixture", table4_fixture(), log_dir);
  add_fixture_sweep(store, "table5-fixture", table5_fixture(), log_dir);
  add_fixture_sweep(store, "table6-fixture", table6_fixture(), log_dir);
  add_fixture_sweep(store, "table7-fixture", table7_fixture(), log_dir);
}

}  // namespace ds::test
