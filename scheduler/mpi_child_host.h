// The ChildHost of an MPI coordinator (rank 0): slots of rank 0 itself run as its own children, the other
// slots are the worker ranks' (scheduler/mpi_worker.h), reached through launch/signal messages and heard
// from through their events messages (scheduler/mpi_protocol.h).
#pragma once
#include <map>
#include <vector>

#include "scheduler/child_host.h"
#include "scheduler/mpi_link.h"

namespace ds {

class MpiChildHost final : public ChildHost {
 public:
  // `slots`: every slot of the job, rank 0's first, as global slot order.
  MpiChildHost(MpiLink& link, std::vector<Placement> slots);
  const std::vector<Placement>& slots() const override { return slots_; }
  void launch(const LaunchRequest& request) override;
  void signal(int64_t attempt_id, int sig) override;
  std::vector<HostEvent> poll(int wait_ms) override;

 private:
  MpiLink& link_;
  std::vector<Placement> slots_;
  LocalChildHost local_;               // rank 0's own slots
  std::map<int64_t, int> rank_of_;     // live attempt -> rank
};

}  // namespace ds
