// Child supervision for the local and MPI schedulers and `sweep reproduce`.
#include "scheduler/supervisor.h"

#include <signal.h>

#include <cstdio>

#include "scheduler/attempt_outcome.h"
#include "scheduler/data_parallel_launch.h"
#include "scheduler/progress_event.h"

namespace ds {

Supervisor::Supervisor(Store& store, ChildHost& host, SupervisorOptions options)
    : store_(store), host_(host), options_(std::move(options)) {}

bool Supervisor::running(const std::string& run_id) const {
  for (const auto& [id, a] : live_)
    if (a.run.id == run_id) return true;
  return false;
}

void Supervisor::start(const RunRecord& run, const std::string& run_dir, const nlohmann::json& run_json,
                       const std::string& purpose, const std::vector<int>& slots) {
  const int slot = slots.at(0);
  const Placement& place = host_.slots().at(size_t(slot));
  std::vector<std::string> gpus;  // one per process on cuda
  std::string gpu;
  for (int s : slots) {
    if (options_.device != "cuda") break;
    gpus.push_back(host_.slots().at(size_t(s)).gpu);
    gpu += (gpu.empty() ? "" : ",") + gpus.back();
  }
  const int processes = int(slots.size());
  auto attempt = store_.begin_attempt(run.id, purpose, {place.host, place.rank, place.slot, gpu, processes}, run_dir);
  LaunchRequest request;
  request.attempt_id = attempt.id;
  request.slot = slot;
  request.run_dir = run_dir;
  request.run_json = run_json.dump(2) + "\n";
  // A marker opens this attempt's section of the progress file; the leading newline ends any line a
  // killed trainer left unfinished.
  request.marker = "\n" + nlohmann::json{{"event", "attempt"}, {"attempt", attempt.number},
                                         {"attempt_id", attempt.id}}.dump() + "\n";
  request.spawn.argv = {options_.trainer, "train", "--run", run_dir + "/run.json", "--out", run_dir};
  request.spawn.env = {"DS_PROGRESS_FD=" + std::to_string(kProgressFd), "DS_RUN_ID=" + run.id,
                       "DS_ATTEMPT=" + std::to_string(attempt.number), "DS_SLOT=" + std::to_string(slot),
                       "CUDA_VISIBLE_DEVICES=" + gpu};
  if (processes > 1) {
    // Only process 0 reports: its stdout reaches the progress file through mpirun's.
    request.spawn.argv = data_parallel_argv(options_.mpirun, processes, gpus, request.spawn.argv);
    request.spawn.without_mpi_launch_env = true;
  }
  request.spawn.log_path = attempt.log_path;
  request.spawn.progress_path = run_dir + "/progress.jsonl";
  LiveAttempt a;
  a.run = run;
  a.purpose = purpose;
  a.attempt_id = attempt.id;
  a.number = attempt.number;
  a.place = place;
  a.slots = slots;
  a.run_dir = run_dir;
  a.log_path = attempt.log_path;
  a.started = a.last_output = now_seconds();
  live_[attempt.id] = std::move(a);
  host_.launch(request);
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
  for (auto& [id, a] : live_) {
    if (!a.progress_dirty) continue;
    latest.push_back({a.attempt_id, a.iteration, a.max_iterations, a.loss});
    a.progress_dirty = false;
  }
  store_.record_progress(rows_, latest);
  rows_.clear();
}

FinishedAttempt Supervisor::finished_record(const LiveAttempt& a, const AttemptEnd& end) const {
  FinishedAttempt f;
  f.run_id = a.run.id;
  f.attempt_id = a.attempt_id;
  f.number = a.number;
  f.place = a.place;
  f.slots = a.slots;
  f.end = end;
  f.metrics = a.done_metrics;
  f.seconds = now_seconds() - a.started;
  return f;
}

FinishedAttempt Supervisor::finish(LiveAttempt& a, int status) {
  a.buffer += "\n";  // a last line without its newline still counts
  consume_lines(a);
  // Metrics first: the attempt's end must never be visible without the progress that preceded it.
  flush_progress();
  ExitFacts facts;
  facts.wait_status = status;
  facts.saw_done = a.saw_done;
  facts.timed_out = a.timed_out;
  facts.timeout_s = options_.timeout_s;
  facts.hung = a.hung;
  facts.heartbeat_s = options_.heartbeat_s;
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
  return finished_record(a, end);
}

FinishedAttempt Supervisor::finish_unstarted(LiveAttempt& a, const std::string& error) {
  AttemptEnd end;
  end.state = "failed";
  end.reason = "could not start the trainer: " + error;
  // Retried like a crash: the usual causes (a full disk, too many processes) pass.
  end.run_state = a.purpose != "train" ? "" : a.run.failures + 1 <= options_.retries ? "pending" : "failed";
  end.count_failure = a.purpose == "train";
  store_.finish_attempt(a.attempt_id, end, {});
  return finished_record(a, end);
}

std::vector<FinishedAttempt> Supervisor::poll(int wait_ms) {
  std::vector<FinishedAttempt> done;
  double now = now_seconds();
  for (auto& ev : host_.poll(wait_ms)) {
    auto it = live_.find(ev.attempt_id);
    if (it == live_.end()) continue;
    LiveAttempt& a = it->second;
    switch (ev.kind) {
      case HostEvent::Kind::started:
        a.pid = ev.pid;
        store_.set_attempt_pid(a.attempt_id, ev.pid);
        break;
      case HostEvent::Kind::output:
        a.buffer += ev.text;
        a.last_output = now;
        consume_lines(a);
        break;
      case HostEvent::Kind::ended:
        done.push_back(finish(a, ev.wait_status));
        live_.erase(it);
        break;
      case HostEvent::Kind::launch_failed:
        done.push_back(finish_unstarted(a, ev.text));
        live_.erase(it);
        break;
    }
  }
  now = now_seconds();
  for (auto& [id, a] : live_) {
    bool stopping = a.timed_out || a.hung || a.preempting || a.cancelling;
    if (!stopping && options_.timeout_s > 0 && now - a.started > options_.timeout_s) {
      a.timed_out = true;
      stop(a);
    } else if (!stopping && options_.heartbeat_s > 0 && now - a.last_output > options_.heartbeat_s) {
      a.hung = true;
      stop(a);
    }
    if (a.kill_at > 0 && now >= a.kill_at) {
      host_.signal(id, SIGKILL);
      a.kill_at = 0;
    }
  }
  return done;
}

void Supervisor::stop(LiveAttempt& a) {
  // mpirun answers SIGTERM by killing its processes at once (exit 1), while it forwards SIGUSR1 to each,
  // which `sweep train --data-parallel` takes as SIGTERM: checkpoint, exit 4.
  host_.signal(a.attempt_id, a.slots.size() > 1 ? SIGUSR1 : SIGTERM);
  if (a.kill_at == 0) a.kill_at = now_seconds() + options_.kill_grace_s;
}

void Supervisor::preempt_all() {
  for (auto& [id, a] : live_) {
    if (a.preempting) continue;
    a.preempting = true;
    stop(a);
  }
}

void Supervisor::kill_all() {
  for (auto& [id, a] : live_) {
    a.preempting = true;
    host_.signal(id, SIGKILL);
  }
}

void Supervisor::cancel(const std::string& run_id) {
  for (auto& [id, a] : live_) {
    if (a.run.id != run_id || a.cancelling) continue;
    a.cancelling = true;
    stop(a);
  }
}

}  // namespace ds
