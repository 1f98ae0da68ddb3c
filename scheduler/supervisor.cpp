// Child supervision for the local scheduler and `sweep reproduce`.
#include "scheduler/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <filesystem>

#include "core/util/atomic_file.h"
#include "scheduler/attempt_outcome.h"
#include "scheduler/progress_event.h"

namespace ds {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string self_executable() {
  char buf[PATH_MAX] = {};
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("readlink /proc/self/exe failed");
  return std::string(buf, size_t(n));
}

Supervisor::Supervisor(Store& store, SupervisorOptions options)
    : store_(store), options_(std::move(options)), host_(host_name()) {}

bool Supervisor::running(const std::string& run_id) const {
  for (const auto& [pid, a] : live_)
    if (a.run.id == run_id) return true;
  return false;
}

void Supervisor::start(const RunRecord& run, const std::string& run_dir, const nlohmann::json& run_json,
                       const std::string& purpose, int slot) {
  std::filesystem::create_directories(run_dir);
  std::string gpu = options_.device == "cuda" ? std::to_string(slot) : "";
  auto attempt = store_.begin_attempt(run.id, purpose, host_, slot, gpu, run_dir);
  write_file_atomically(run_dir + "/run.json", run_json.dump(2) + "\n");
  // A marker opens this attempt's section of the progress file; the leading newline ends any line a
  // killed trainer left unfinished.
  std::string progress_path = run_dir + "/progress.jsonl";
  {
    std::string marker = "\n" + nlohmann::json{{"event", "attempt"}, {"attempt", attempt.number},
                                               {"attempt_id", attempt.id}}.dump() + "\n";
    FILE* f = std::fopen(progress_path.c_str(), "a");
    if (!f || std::fwrite(marker.data(), 1, marker.size(), f) != marker.size() || std::fclose(f) != 0)
      throw std::runtime_error("cannot append to " + progress_path);
  }
  SpawnSpec spec;
  spec.argv = {options_.trainer, "train", "--run", run_dir + "/run.json", "--out", run_dir};
  spec.env = {"DS_PROGRESS_FD=" + std::to_string(kProgressFd), "DS_RUN_ID=" + run.id,
              "DS_ATTEMPT=" + std::to_string(attempt.number), "DS_SLOT=" + std::to_string(slot),
              "CUDA_VISIBLE_DEVICES=" + gpu};
  spec.log_path = attempt.log_path;
  spec.progress_path = progress_path;
  Child child;
  try {
    child = spawn_child(spec);
  } catch (const std::exception& e) {
    AttemptEnd end;
    end.state = "failed";
    end.reason = std::string("could not start the trainer: ") + e.what();
    end.run_state = purpose == "train" ? "failed" : "";
    store_.finish_attempt(attempt.id, end, {});
    throw;
  }
  store_.set_attempt_pid(attempt.id, child.pid);
  LiveAttempt a;
  a.run = run;
  a.purpose = purpose;
  a.attempt_id = attempt.id;
  a.number = attempt.number;
  a.slot = slot;
  a.run_dir = run_dir;
  a.log_path = attempt.log_path;
  a.child = child;
  a.progress_path = progress_path;
  a.started = now_seconds();
  live_[child.pid] = std::move(a);
}

void Supervisor::consume_lines(LiveAttempt& a) {
  size_t start = 0, nl;
  while ((nl = a.buffer.find('\n', start)) != std::string::npos) {
    ProgressEvent ev = parse_progress_line(a.buffer.substr(start, nl - start));
    start = nl + 1;
    if (ev.event.empty()) continue;
    if (ev.event == "attempt") {
      a.line_attempt = ev.body.value("attempt_id", int64_t(0));
      continue;
    }
    // Lines of earlier attempts only restore metric rows a killed coordinator may not have stored.
    bool own = a.line_attempt == a.attempt_id;
    if (!own) {
      if ((ev.event == "iter" || ev.event == "eval") && ev.iteration >= 0 && a.purpose == "train")
        rows_.push_back({a.run.id, a.line_attempt, ev.iteration, ev.event, ev.body.dump()});
      continue;
    }
    auto absolute = [&](const std::string& p) { return p.empty() || p[0] == '/' ? p : a.run_dir + "/" + p; };
    if (ev.event == "iter" || ev.event == "eval") {
      if (ev.iteration >= 0) a.iteration = ev.iteration;
      if (ev.max_iterations > 0) a.max_iterations = ev.max_iterations;
      if (ev.event == "iter") a.loss = ev.loss;
      a.progress_dirty = true;
      // A reproduction must not replace the stored curve of the run it re-trains.
      if (a.purpose == "train" && ev.iteration >= 0)
        rows_.push_back({a.run.id, a.attempt_id, ev.iteration, ev.event, ev.body.dump()});
    } else if (ev.event == "checkpoint") {
      a.artifacts.push_back({"checkpoint", absolute(ev.path)});
    } else if (ev.event == "artifact" && !ev.kind.empty()) {
      a.artifacts.push_back({ev.kind, absolute(ev.path)});
    } else if (ev.event == "done") {
      a.saw_done = true;
      if (ev.body.contains("metrics") && ev.body["metrics"].is_object()) a.done_metrics = ev.body["metrics"];
    }
  }
  a.buffer.erase(0, start);
}

void Supervisor::flush_progress() {
  std::vector<Store::Progress> latest;
  for (auto& [pid, a] : live_) {
    if (!a.progress_dirty) continue;
    latest.push_back({a.attempt_id, a.iteration, a.max_iterations, a.loss});
    a.progress_dirty = false;
  }
  store_.record_progress(rows_, latest);
  rows_.clear();
}

FinishedAttempt Supervisor::finish(LiveAttempt& a, int status) {
  read_new_bytes(a.progress_path, a.offset, a.buffer);  // the last lines before exit
  a.buffer += "\n";
  consume_lines(a);
  // Metrics first: the attempt's end must never be visible without the progress that preceded it.
  flush_progress();
  ExitFacts facts;
  facts.wait_status = status;
  facts.saw_done = a.saw_done;
  facts.timed_out = a.timed_out;
  facts.timeout_s = options_.timeout_s;
  facts.preempting = a.preempting;
  facts.cancelling = a.cancelling;
  facts.failures_before = a.run.failures;
  facts.retries = options_.retries;
  AttemptEnd end = classify_attempt(facts);
  if (end.state == "ok") end.result_json = a.done_metrics.dump();
  if (a.purpose != "train") {
    end.run_state.clear();
    end.count_failure = false;
    end.result_json.reset();
  }
  std::vector<Artifact> artifacts = a.purpose == "train" ? a.artifacts : std::vector<Artifact>{};
  store_.finish_attempt(a.attempt_id, end, artifacts);
  FinishedAttempt f;
  f.run_id = a.run.id;
  f.attempt_id = a.attempt_id;
  f.number = a.number;
  f.slot = a.slot;
  f.end = end;
  f.metrics = a.done_metrics;
  f.seconds = now_seconds() - a.started;
  return f;
}

std::vector<FinishedAttempt> Supervisor::poll(int wait_ms) {
  // A plain sleep that a signal to the coordinator cuts short (no SA_RESTART).
  if (wait_ms > 0) ::poll(nullptr, 0, wait_ms);
  for (auto& [pid, a] : live_) {
    read_new_bytes(a.progress_path, a.offset, a.buffer);
    consume_lines(a);
  }
  double now = now_seconds();
  std::vector<FinishedAttempt> done;
  for (auto it = live_.begin(); it != live_.end();) {
    LiveAttempt& a = it->second;
    if (options_.timeout_s > 0 && !a.timed_out && !a.preempting && !a.cancelling &&
        now - a.started > options_.timeout_s) {
      a.timed_out = true;
      stop(a);
    }
    if (a.kill_at > 0 && now >= a.kill_at) {
      signal_group(a.child.pid, SIGKILL);
      a.kill_at = 0;
    }
    int status = 0;
    if (reap_child(a.child.pid, status)) {
      signal_group(a.child.pid, SIGKILL);  // anything the trainer left behind in its group
      done.push_back(finish(a, status));
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
  return done;
}

void Supervisor::stop(LiveAttempt& a) {
  signal_group(a.child.pid, SIGTERM);
  if (a.kill_at == 0) a.kill_at = now_seconds() + options_.kill_grace_s;
}

void Supervisor::preempt_all() {
  for (auto& [pid, a] : live_) {
    if (a.preempting) continue;
    a.preempting = true;
    stop(a);
  }
}

void Supervisor::kill_all() {
  for (auto& [pid, a] : live_) {
    a.preempting = true;
    signal_group(pid, SIGKILL);
  }
}

void Supervisor::cancel(const std::string& run_id) {
  for (auto& [pid, a] : live_) {
    if (a.run.id != run_id || a.cancelling) continue;
    a.cancelling = true;
    stop(a);
  }
}

}  // namespace ds
