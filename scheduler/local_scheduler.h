// The local coordinator of `sweep run`: expands the spec, records its runs, and hands ready runs
// (dependencies done, longest estimated first) to N slots until every run is done, failed or cancelled.
#pragma once
#include <string>

namespace ds {

struct LocalRunOptions {
  std::string spec_path;
  std::string db_path = "darksweep.db";
  std::string runs_dir;        // default: DB_PATH without ".db" + "-runs"
  int slots = 1;
  std::string device;          // "" keeps the spec's base.device
  int retries = 2;
  bool force = false;
  std::string trainer;         // default: this executable
  double timeout_s = 0;
  double backoff_s = 5;        // first retry delay; doubles per failure, at most 300 s
  double kill_grace_s = 30;
  double progress_every_s = 5;
};

// Returns the exit code: 0 all done, 1 some run failed or cannot start, 4 interrupted (SIGINT/SIGTERM).
int run_local_sweep(const LocalRunOptions& options);

std::string default_runs_dir(const std::string& db_path);

}  // namespace ds
