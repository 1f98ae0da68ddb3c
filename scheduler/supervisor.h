// Supervision of running trainer attempts: start one per slot, read their progress, enforce timeouts,
// stop them on request, and record every attempt's start, progress and end in the store.
#pragma once
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/child_process.h"
#include "sweep/store.h"

namespace ds {

struct SupervisorOptions {
  std::string trainer;        // executable run as `TRAINER train --run RUN_DIR/run.json --out RUN_DIR`
  double timeout_s = 0;       // per attempt; 0: none
  double kill_grace_s = 30;   // SIGTERM -> SIGKILL delay
  int retries = 2;            // failed attempts allowed beyond the first
  std::string device = "cpu";
};

struct LiveAttempt {
  RunRecord run;
  std::string purpose;  // train | reproduce
  int64_t attempt_id = 0;
  int number = 0;
  int slot = -1;
  std::string run_dir, log_path;
  Child child;
  std::string progress_path;  // RUN_DIR/progress.jsonl, shared by all attempts of the run
  long long offset = 0;       // read position in it (from 0: earlier attempts' lines re-import idempotently)
  std::string buffer;
  int64_t line_attempt = 0;   // attempt id of the section being read (set by the coordinator's marker lines)
  double started = 0;
  double kill_at = 0;  // when SIGKILL follows an earlier SIGTERM; 0: none pending
  bool timed_out = false, preempting = false, cancelling = false;
  // Progress.
  int64_t iteration = 0, max_iterations = 0;
  std::optional<double> loss;
  bool saw_done = false;
  nlohmann::json done_metrics = nlohmann::json::object();
  std::vector<Artifact> artifacts;
  bool progress_dirty = false;
};

struct FinishedAttempt {
  std::string run_id;
  int64_t attempt_id = 0;
  int number = 0;
  int slot = -1;
  AttemptEnd end;
  nlohmann::json metrics;  // the done event's metrics ({} when none)
  double seconds = 0;
};

class Supervisor {
 public:
  Supervisor(Store& store, SupervisorOptions options);

  // Records a new attempt, writes RUN_DIR/run.json (`run_json`, see trainer_run_file.h) and starts the trainer.
  void start(const RunRecord& run, const std::string& run_dir, const nlohmann::json& run_json,
             const std::string& purpose, int slot);
  // Reads progress for up to `wait_ms`, enforces timeouts and kill deadlines, reaps ended children and
  // records their attempts. Returns the attempts that ended.
  std::vector<FinishedAttempt> poll(int wait_ms);
  // Writes buffered metric rows and latest progress in one transaction.
  void flush_progress();
  // SIGTERM to every child (they checkpoint and exit 4); SIGKILL after the grace period.
  void preempt_all();
  // SIGKILL to every child now (a second interrupt).
  void kill_all();
  void cancel(const std::string& run_id);

  const std::map<pid_t, LiveAttempt>& live() const { return live_; }
  bool running(const std::string& run_id) const;

 private:
  Store& store_;
  SupervisorOptions options_;
  std::string host_;
  std::map<pid_t, LiveAttempt> live_;
  std::vector<MetricRow> rows_;

  void consume_lines(LiveAttempt& a);
  FinishedAttempt finish(LiveAttempt& a, int status);
  void stop(LiveAttempt& a);
};

std::string host_name();
std::string self_executable();

}  // namespace ds
