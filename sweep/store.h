// The sweep store: one SQLite database holding sweeps, runs, attempts, metrics, results and artifacts
// (schema in store.cpp). Only the coordinator writes during a sweep; readers open it read-only and,
// thanks to WAL mode, never block it nor get blocked.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sweep/plan.h"
#include "sweep/sqlite_db.h"

namespace ds {

inline constexpr int kStoreSchemaVersion = 5;

struct RunRecord {
  std::string id;
  std::string config;  // canonical resolved config JSON
  std::string state;   // pending | running | done | failed | cancelled
  double estimate = 0;
  std::vector<std::string> deps;
  int failures = 0;  // failed attempts since the run was (re)queued
  bool cancel_requested = false;
  // Membership of the sweep it was listed with (empty when queried by id alone).
  std::string sweep, stage, row_label, paper;
  int row_index = -1, seed = 0, repeat = 0;
};

struct AttemptRecord {
  int64_t id = 0;
  std::string run;
  int number = 0;        // 1, 2, ... per run
  std::string purpose;   // train | reproduce
  std::string state;     // running | ok | failed | preempted | interrupted | cancelled
  std::string host, gpu, reason, log_path;
  int64_t pid = 0;
  int rank = 0, slot = -1;
  int processes = 1;  // > 1: a data-parallel attempt on that many slots of its rank, `slot` the first
  double start = 0;
  std::optional<double> end;
  std::optional<int> exit_code, signal;
  std::optional<int64_t> iteration, max_iterations;
  std::optional<double> loss, last_seen;
};

struct MetricRow {
  std::string run;
  int64_t attempt = 0;
  int64_t iteration = 0;
  std::string kind;  // iter | eval
  std::string json;
};

// How an attempt ended and what that means for its run.
struct AttemptEnd {
  std::string state;   // ok | failed | preempted | cancelled | interrupted
  std::optional<int> exit_code, signal;
  std::string reason;
  std::string run_state;  // the run's new state; empty: leave it (reproduce attempts)
  bool count_failure = false;
  std::optional<std::string> result_json;  // stored as the run's result when set
};

// Where an attempt runs.
struct AttemptPlace {
  std::string host;
  int rank = 0;   // MPI rank (0 in a local sweep)
  int slot = -1;    // the first of its slots
  std::string gpu;  // CUDA_VISIBLE_DEVICES of the trainer ("" on the CPU; one GPU per process, comma-separated)
  int processes = 1;
};

// One individual of one GA generation as stored, with its generation's best so far (empty until the
// generation is evaluated).
struct GaRecord {
  std::string stage;
  int generation = 0, individual = 0;
  std::string run;
  std::vector<std::string> overrides;
  std::optional<double> fitness;
  int carried_from = -1;
  std::string best_run;
  std::optional<double> best_fitness;
};

struct Artifact {
  std::string kind, path;
};

class Store {
 public:
  enum class Mode { read_write, read_only };
  // read_write creates and migrates the database; read_only requires it to exist at the current schema.
  Store(const std::string& path, Mode mode);

  int schema_version();
  SqliteDb& db() { return *db_; }

  void save_sweep(const std::string& name, const std::string& spec_path, const std::string& spec_text);
  std::vector<std::string> sweeps();
  std::optional<std::string> sweep_spec_path(const std::string& name);
  // Adds the plan's runs that are new and lists all of them under the sweep; returns how many were new.
  // `replace` (a fresh expansion of the whole spec): the sweep's other runs stop being its members — they
  // stay in the store with their results, but runs() no longer lists them. `add`: a later expansion of the
  // same spec (a GA's next generation) only adds.
  enum class Membership { add, replace };
  int add_runs(const std::string& sweep, const std::vector<ResolvedRun>& runs, Membership membership = Membership::add);
  // The current runs of one sweep (all sweeps when empty), ordered by row, seed, repeat.
  std::vector<RunRecord> runs(const std::string& sweep);
  std::optional<RunRecord> run(const std::string& id);
  // A full id or an unambiguous prefix; InputError otherwise.
  RunRecord find_run(const std::string& id_or_prefix);
  std::vector<AttemptRecord> attempts(const std::string& run);
  std::optional<std::string> result(const std::string& run);
  std::optional<std::string> artifact(const std::string& run, const std::string& kind);
  std::vector<MetricRow> metrics(const std::string& run);

  // Closes attempts left running by a coordinator that died; their runs go back to pending.
  int recover_interrupted(const std::string& reason);
  // --force: done/failed/cancelled runs of these ids go back to pending with a clean failure count.
  int requeue(const std::vector<std::string>& ids);
  // Creates attempt number max+1 with log LOG_DIR/attempt-NUMBER.log; a train attempt marks the run running.
  struct NewAttempt {
    int64_t id = 0;
    int number = 0;
    std::string log_path;
  };
  NewAttempt begin_attempt(const std::string& run, const std::string& purpose, const AttemptPlace& place,
                           const std::string& log_dir);
  void set_attempt_pid(int64_t attempt, int64_t pid);
  void finish_attempt(int64_t attempt, const AttemptEnd& end, const std::vector<Artifact>& artifacts);
  // One transaction for a batch of progress: metric rows (a re-done iteration replaces the earlier one,
  // so a resumed run's curve counts each iteration once) and the attempts' latest iteration and loss.
  struct Progress {
    int64_t attempt = 0;
    int64_t iteration = 0, max_iterations = 0;
    std::optional<double> loss;
  };
  void record_progress(const std::vector<MetricRow>& rows, const std::vector<Progress>& latest);

  struct CancelCount {
    int cancelled = 0, requested = 0;
  };
  CancelCount cancel(const std::vector<std::string>& ids);
  std::vector<std::string> cancel_requests();
  // A failed or cancelled run back to pending; InputError for other states.
  void retry(const std::string& run);

  // Replaces what is stored of these GA stages of the sweep with their progress now.
  void save_ga(const std::string& sweep, const std::vector<GaProgress>& stages);
  // Every stored GA individual of the sweep, by stage, generation, individual.
  std::vector<GaRecord> ga(const std::string& sweep);

  std::string integrity_check();

 private:
  std::unique_ptr<SqliteDb> db_;
  void migrate();
};

// Brings a read-write database from its user_version up to `target` (tests use it to build old schemas).
void migrate_store(SqliteDb& db, int target);

double now_seconds();

}  // namespace ds
