// The coordinator of `sweep run`: expands the spec, records its runs, and hands ready runs (dependencies
// done, longest estimated first) to the slots of a ChildHost until every run is done, failed or
// cancelled. Locally the slots are children of this process; under mpirun they are the worker ranks'.
#pragma once
#include <map>
#include <string>

#include "scheduler/child_host.h"

namespace ds {

struct SweepOptions {
  std::string spec_path;
  std::map<std::string, std::string> params;  // --param NAME=VALUE: the spec's "params" replaced
  std::string db_path = "darksweep.db";
  std::string runs_dir;        // default: DB_PATH without ".db" + "-runs"
  int slots = 1;               // locally: slots in all; under MPI: slots per worker rank
  std::string device;          // "" keeps the spec's base.device
  std::string precision;       // "" keeps the spec's base.precision
  std::string gpu_map;         // --gpu-map: GPU of each slot on a node
  int gpus_per_node = 0;       // --gpus-per-node: node slot i gets GPU i mod G
  bool coordinator_only = false;  // MPI: rank 0 runs no trainers itself
  int retries = 2;
  bool force = false;
  std::string trainer;         // default: this executable
  double timeout_s = 0;
  double heartbeat_s = 0;      // an attempt silent this long is stopped as hung; 0: off
  double backoff_s = 5;        // first retry delay; doubles per failure, at most 300 s
  double kill_grace_s = 30;
  double progress_every_s = 5;
};

// Returns the exit code: 0 all done, 1 some run failed or cannot start, 4 interrupted (SIGINT/SIGTERM/SIGUSR1).
int run_sweep(const SweepOptions& options, ChildHost& host);

// `sweep run` without MPI: options.slots children of this process.
int run_local_sweep(const SweepOptions& options);

std::string default_runs_dir(const std::string& db_path);

}  // namespace ds
