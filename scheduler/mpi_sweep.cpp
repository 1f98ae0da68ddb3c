// The MPI entry of `sweep run`: slot discovery (hello messages), the worker loop, and orderly shutdown.
#include "scheduler/mpi_sweep.h"

#include <poll.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "core/util/error.h"
#include "scheduler/mpi_child_host.h"
#include "scheduler/mpi_link.h"
#include "scheduler/mpi_protocol.h"

namespace ds {
namespace {

// Workers leave interrupts to rank 0, which gets the same signal from mpirun (or srun) and stops every
// trainer of the job through signal messages; a worker that acted alone would race it.
void ignore_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGUSR1}) sigaction(sig, &sa, nullptr);
}

int run_worker(MpiLink& link, const std::vector<Placement>& slots) {
  ignore_interrupts();
  nlohmann::json hello = {{"slots", nlohmann::json::array()}};
  for (const auto& p : slots) hello["slots"].push_back(to_json(p));
  link.send(0, kTagHello, hello);
  LocalChildHost host(slots);
  for (;;) {
    bool busy = false;
    link.progress();
    while (auto m = link.try_receive()) {
      busy = true;
      if (m->tag == kTagLaunch) {
        host.launch(launch_from_json(m->body));
      } else if (m->tag == kTagSignal) {
        host.signal(m->body.at("attempt_id").get<int64_t>(), m->body.at("sig").get<int>());
      } else if (m->tag == kTagShutdown) {
        // Rank 0 shuts down only when no attempt is alive; a child left over dies with this process
        // (PR_SET_PDEATHSIG, scheduler/child_process.cpp).
        link.flush();
        return m->body.at("exit_code").get<int>();
      } else {
        throw std::runtime_error("MPI worker: unexpected message tag " + std::to_string(m->tag));
      }
    }
    std::vector<HostEvent> events;
    host.collect(events);
    if (!events.empty()) {
      busy = true;
      link.send(0, kTagEvents, to_json(events));
    }
    if (!busy) ::poll(nullptr, 0, 2);
  }
}

// Rank 0 waits for every worker's hello: the job's slots in rank order, rank 0's own first.
std::vector<Placement> gather_slots(MpiLink& link, int ranks, std::vector<Placement> own) {
  std::vector<std::vector<Placement>> by_rank(static_cast<size_t>(ranks));
  by_rank[0] = std::move(own);
  for (int heard = 1; heard < ranks;) {
    auto m = link.try_receive();
    if (!m) {
      ::poll(nullptr, 0, 1);
      continue;
    }
    if (m->tag != kTagHello) throw std::runtime_error("MPI coordinator: expected hello, got tag " + std::to_string(m->tag));
    for (const auto& p : m->body.at("slots")) by_rank[size_t(m->source)].push_back(placement_from_json(p));
    ++heard;
  }
  std::vector<Placement> all;
  for (auto& slots : by_rank)
    for (auto& p : slots) {
      p.slot = int(all.size());
      all.push_back(std::move(p));
    }
  return all;
}

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (const char* v = std::getenv(name); v && *v) return true;
  return false;
}

int run_mpi_sweep(const SweepOptions& o) {
  MpiSession mpi;
  MpiLink link;
  int local_rank = node_local_rank_from_env();
  if (local_rank < 0) local_rank = mpi.node_local_rank();
  GpuBinding gpus = make_gpu_binding(o.gpu_map, o.gpus_per_node, std::getenv("CUDA_VISIBLE_DEVICES"));
  int own = mpi.rank() == 0 && o.coordinator_only ? 0 : o.slots;
  std::vector<Placement> slots = host_placements(own, mpi.rank(), 0, local_rank * o.slots, gpus);
  if (mpi.rank() != 0) return run_worker(link, slots);

  auto shutdown = [&](int code) {
    for (int r = 1; r < mpi.size(); ++r) link.send(r, kTagShutdown, {{"exit_code", code}});
    link.flush();
  };
  try {
    std::vector<Placement> all = gather_slots(link, mpi.size(), std::move(slots));
    if (all.empty()) throw InputError("sweep run: --coordinator-only with a single rank leaves no slot to train on");
    std::fprintf(stderr, "sweep run: MPI job of %d rank(s), %zu slot(s)%s\n", mpi.size(), all.size(),
                 o.coordinator_only ? " (rank 0 coordinates only)" : "");
    MpiChildHost host(link, std::move(all));
    int code = run_sweep(o, host);
    shutdown(code);
    return code;
  } catch (const InputError&) {
    shutdown(kExitBadInput);
    throw;
  } catch (...) {
    shutdown(kExitRunFailed);
    throw;
  }
}

}  // namespace ds
