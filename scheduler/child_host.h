// Where trainer children run. The Supervisor decides what to start and what an ending means; a ChildHost
// only prepares run directories, starts, signals and watches processes: in this process (LocalChildHost)
// or on the worker ranks of an MPI job (MpiChildHost, scheduler/mpi_child_host.h).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "scheduler/child_process.h"
#include "scheduler/gpu_binding.h"

namespace ds {

// One slot: a place where one trainer runs at a time. `slot` is its index in ChildHost::slots().
struct Placement {
  std::string host;
  int rank = 0;        // MPI rank (0 in a local sweep)
  int slot = 0;        // global slot index
  int local_slot = 0;  // index among the slots of its rank
  std::string gpu;     // the GPU it owns when the sweep runs on cuda (CUDA_VISIBLE_DEVICES of its trainers)
  std::string gpu_error;  // why no GPU could be bound (an error only for a cuda sweep)
};

struct LaunchRequest {
  int64_t attempt_id = 0;  // the handle of later signals and events
  int slot = 0;
  std::string run_dir;     // created if missing
  std::string run_json;    // written atomically to RUN_DIR/run.json before the start
  std::string marker;      // appended to spawn.progress_path before the start (it opens the attempt's section)
  SpawnSpec spawn;
};

struct HostEvent {
  enum class Kind { started, output, ended, launch_failed };
  Kind kind = Kind::output;
  int64_t attempt_id = 0;
  int64_t pid = 0;       // started
  std::string text;      // output: new progress bytes, in order; launch_failed: the error
  int wait_status = 0;   // ended: as from waitpid (every output event of the attempt came before)
};

class ChildHost {
 public:
  virtual ~ChildHost() = default;
  virtual const std::vector<Placement>& slots() const = 0;
  // Never throws for a failed start: that arrives as a launch_failed event.
  virtual void launch(const LaunchRequest& request) = 0;
  // Signals the attempt's whole process group (a group already gone is not an error).
  virtual void signal(int64_t attempt_id, int sig) = 0;
  // Events since the last call; waits up to `wait_ms` for the first one (a signal to this process ends
  // the wait early).
  virtual std::vector<HostEvent> poll(int wait_ms) = 0;
};

// Children of this process, one per slot.
class LocalChildHost final : public ChildHost {
 public:
  explicit LocalChildHost(std::vector<Placement> slots);
  const std::vector<Placement>& slots() const override { return slots_; }
  void launch(const LaunchRequest& request) override;
  void signal(int64_t attempt_id, int sig) override;
  std::vector<HostEvent> poll(int wait_ms) override;
  // Events ready now, without waiting (MPI workers call this between message checks).
  void collect(std::vector<HostEvent>& events);

 private:
  struct Running {
    pid_t pid = -1;
    std::string progress_path;
    long long offset = 0;  // read position: from 0, so earlier attempts' lines are seen again (idempotent)
  };
  std::vector<Placement> slots_;
  std::map<int64_t, Running> children_;
  std::vector<HostEvent> queued_;  // started / launch_failed events of launch()
};

// The body of ChildHost::poll: calls `collect` until it has gathered an event or `wait_ms` have passed,
// napping `nap_ms` between calls; a signal to this process cuts a nap short (handlers without SA_RESTART).
std::vector<HostEvent> poll_with_naps(int wait_ms, int nap_ms, const std::function<void(std::vector<HostEvent>&)>& collect);

// `count` slots of rank `rank` on this host, numbered from `first_slot`; its node slots start at
// `first_node_slot` (node-local rank × slots per rank) and own GPUs through `gpus`.
std::vector<Placement> host_placements(int count, int rank, int first_slot, int first_node_slot,
                                       const GpuBinding& gpus);
// The slots of a local sweep: `count` slots of rank 0.
std::vector<Placement> local_placements(int count, const GpuBinding& gpus);

}  // namespace ds
