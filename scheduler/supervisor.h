// Supervision of running trainer attempts: start one per slot on a ChildHost, read their progress,
// enforce timeouts and heartbeats, stop them on request, and record every attempt's start, progress and
// end in the store. The same code supervises local children and the children of MPI worker ranks.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/child_host.h"
#include "sweep/store.h"

namespace ds {

struct SupervisorOptions {
  std::string trainer;        // executable run as `TRAINER train --run RUN_DIR/run.json --out RUN_DIR`
  double timeout_s = 0;       // per attempt; 0: none
  double heartbeat_s = 0;     // no progress output for this long: the attempt is stopped as hung; 0: off
  double kill_grace_s = 30;   // SIGTERM -> SIGKILL delay
  int retries = 2;            // failed attempts allowed beyond the first
  std::string device = "cpu";
  std::string mpirun;         // starts attempts on several slots (find_mpirun); needed only for those
};

struct LiveAttempt {
  RunRecord run;
  std::string purpose;  // train | reproduce
  int64_t attempt_id = 0;
  int number = 0;
  Placement place;         // of its first slot
  std::vector<int> slots;  // every slot it holds: one, or K of one rank for a data-parallel run
  std::string run_dir, log_path;
  int64_t pid = 0;            // 0 until the host reports the start
  std::string buffer;         // progress bytes not yet split into lines
  int64_t line_attempt = 0;   // attempt id of the section being read (set by the coordinator's marker lines)
  double started = 0, last_output = 0;
  double kill_at = 0;  // when SIGKILL follows an earlier SIGTERM; 0: none pending
  bool timed_out = false, hung = false, preempting = false, cancelling = false;
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
  Placement place;
  std::vector<int> slots;
  AttemptEnd end;
  nlohmann::json metrics;  // the done event's metrics ({} when none)
  double seconds = 0;
};

class Supervisor {
 public:
  Supervisor(Store& store, ChildHost& host, SupervisorOptions options);

  // Records a new attempt on `slots` of the host and has the host write RUN_DIR/run.json (`run_json`, see
  // trainer_run_file.h) and start the trainer: on one slot `sweep train`; on K slots (of one rank) the K
  // processes of `mpirun -np K sweep train --data-parallel`, each with its slot's GPU.
  void start(const RunRecord& run, const std::string& run_dir, const nlohmann::json& run_json,
             const std::string& purpose, const std::vector<int>& slots);
  // Handles the host's events for up to `wait_ms`, enforces timeouts, heartbeats and kill deadlines, and
  // records ended attempts. Returns the attempts that ended.
  std::vector<FinishedAttempt> poll(int wait_ms);
  // Writes buffered metric rows and latest progress in one transaction.
  void flush_progress();
  // SIGTERM to every child (they checkpoint and exit 4); SIGKILL after the grace period.
  void preempt_all();
  // SIGKILL to every child now (a second interrupt).
  void kill_all();
  void cancel(const std::string& run_id);

  const std::map<int64_t, LiveAttempt>& live() const { return live_; }  // by attempt id
  bool running(const std::string& run_id) const;
  const std::vector<Placement>& slots() const { return host_.slots(); }

 private:
  Store& store_;
  ChildHost& host_;
  SupervisorOptions options_;
  std::map<int64_t, LiveAttempt> live_;
  std::vector<MetricRow> rows_;

  void consume_lines(LiveAttempt& a);
  FinishedAttempt finish(LiveAttempt& a, int status);
  FinishedAttempt finish_unstarted(LiveAttempt& a, const std::string& error);
  FinishedAttempt finished_record(const LiveAttempt& a, const AttemptEnd& end) const;
  void stop(LiveAttempt& a);
};

}  // namespace ds
