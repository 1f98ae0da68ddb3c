// LocalChildHost: trainer children of this process; progress is read from their progress files.
#include "scheduler/child_host.h"

#include <poll.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "core/util/atomic_file.h"

namespace ds {
namespace {

void append_to(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "a");
  bool ok = f && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f && std::fclose(f) != 0) ok = false;
  if (!ok) throw std::runtime_error("cannot append to " + path);
}

}  // namespace

LocalChildHost::LocalChildHost(std::vector<Placement> slots) : slots_(std::move(slots)) {}

void LocalChildHost::launch(const LaunchRequest& r) {
  try {
    std::filesystem::create_directories(r.run_dir);
    write_file_atomically(r.run_dir + "/run.json", r.run_json);
    append_to(r.spawn.progress_path, r.marker);
    Child child = spawn_child(r.spawn);
    children_[r.attempt_id] = {child.pid, r.spawn.progress_path, 0};
    queued_.push_back({HostEvent::Kind::started, r.attempt_id, child.pid, "", 0});
  } catch (const std::exception& e) {
    queued_.push_back({HostEvent::Kind::launch_failed, r.attempt_id, 0, e.what(), 0});
  }
}

void LocalChildHost::signal(int64_t attempt_id, int sig) {
  auto it = children_.find(attempt_id);
  if (it != children_.end()) signal_group(it->second.pid, sig);
}

void LocalChildHost::collect(std::vector<HostEvent>& events) {
  for (auto& e : queued_) events.push_back(std::move(e));
  queued_.clear();
  for (auto it = children_.begin(); it != children_.end();) {
    Running& c = it->second;
    int status = 0;
    bool ended = reap_child(c.pid, status);
    if (ended) signal_group(c.pid, SIGKILL);  // anything the trainer left behind in its group
    std::string bytes;
    read_new_bytes(c.progress_path, c.offset, bytes);  // after the reap: the last lines before exit too
    if (!bytes.empty()) events.push_back({HostEvent::Kind::output, it->first, 0, std::move(bytes), 0});
    if (ended) {
      events.push_back({HostEvent::Kind::ended, it->first, 0, "", status});
      it = children_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<HostEvent> poll_with_naps(int wait_ms, int nap_ms,
                                      const std::function<void(std::vector<HostEvent>&)>& collect) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  std::vector<HostEvent> events;
  for (;;) {
    collect(events);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!events.empty() || left.count() <= 0) return events;
    if (::poll(nullptr, 0, int(std::min<long long>(left.count(), nap_ms))) < 0) return events;
  }
}

std::vector<HostEvent> LocalChildHost::poll(int wait_ms) {
  // 10 ms naps keep the dispatch latency low when a child ends.
  return poll_with_naps(wait_ms, 10, [this](std::vector<HostEvent>& events) { collect(events); });
}

std::vector<Placement> host_placements(int count, int rank, int first_slot, int first_node_slot,
                                       const GpuBinding& gpus) {
  std::vector<Placement> out;
  std::string host = host_name();
  for (int i = 0; i < count; ++i) {
    Placement p{host, rank, first_slot + i, i, "", ""};
    try {
      p.gpu = gpu_for_node_slot(gpus, first_node_slot + i);
    } catch (const std::exception& e) {
      p.gpu_error = e.what();
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Placement> local_placements(int count, const GpuBinding& gpus) {
  return host_placements(count, 0, 0, 0, gpus);
}

}  // namespace ds
