// MpiChildHost: routes launches and signals to the rank that owns the slot and gathers every rank's events.
#include "scheduler/mpi_child_host.h"

#include <stdexcept>

#include "scheduler/mpi_protocol.h"

namespace ds {
namespace {

std::vector<Placement> rank0_slots(const std::vector<Placement>& all) {
  std::vector<Placement> own;
  for (const auto& p : all)
    if (p.rank == 0) own.push_back(p);
  return own;
}

}  // namespace

MpiChildHost::MpiChildHost(MpiLink& link, std::vector<Placement> slots)
    : link_(link), slots_(std::move(slots)), local_(rank0_slots(slots_)) {}

void MpiChildHost::launch(const LaunchRequest& request) {
  const Placement& place = slots_.at(size_t(request.slot));
  rank_of_[request.attempt_id] = place.rank;
  if (place.rank == 0) {
    local_.launch(request);
    return;
  }
  LaunchRequest remote = request;
  remote.slot = place.local_slot;
  link_.send(place.rank, kTagLaunch, to_json(remote));
}

void MpiChildHost::signal(int64_t attempt_id, int sig) {
  auto it = rank_of_.find(attempt_id);
  if (it == rank_of_.end()) return;
  if (it->second == 0) local_.signal(attempt_id, sig);
  else link_.send(it->second, kTagSignal, {{"attempt_id", attempt_id}, {"sig", sig}});
}

std::vector<HostEvent> MpiChildHost::poll(int wait_ms) {
  // 1 ms naps: MPI has no descriptor to wait on.
  return poll_with_naps(wait_ms, 1, [this](std::vector<HostEvent>& events) {
    link_.progress();
    while (auto m = link_.try_receive()) {
      if (m->tag != kTagEvents)
        throw std::runtime_error("MPI coordinator: unexpected message tag " + std::to_string(m->tag) + " from rank " +
                                 std::to_string(m->source));
      for (auto& e : events_from_json(m->body)) events.push_back(std::move(e));
    }
    local_.collect(events);
    for (const auto& e : events)
      if (e.kind == HostEvent::Kind::ended || e.kind == HostEvent::Kind::launch_failed) rank_of_.erase(e.attempt_id);
  });
}

}  // namespace ds
