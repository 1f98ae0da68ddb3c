// The coordinator loop of `sweep run`: the only writer of the store while it runs; it resumes whatever a
// previous coordinator left behind, dispatches ready runs to slots and turns ended attempts into run states.
#include "scheduler/coordinator.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "core/util/error.h"
#include "scheduler/coordinator_lock.h"
#include "scheduler/data_parallel_launch.h"
#include "scheduler/status_line.h"
#include "scheduler/supervisor.h"
#include "scheduler/trainer_run_file.h"
#include "sweep/ga.h"
#include "sweep/plan.h"
#include "sweep/spec.h"
#include "sweep/store.h"

namespace ds {
namespace {

volatile sig_atomic_t g_interrupts = 0;

void on_interrupt(int) { g_interrupts = g_interrupts + 1; }

// Handlers without SA_RESTART, so that poll() returns early on a signal.
class InterruptHandlers {
 public:
  InterruptHandlers() {
    g_interrupts = 0;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    // SIGUSR1 too: mpirun forwards it to every rank, while its own SIGTERM kills the job after 1 s.
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
    sigaction(SIGUSR1, &sa, &old_usr1_);
  }
  ~InterruptHandlers() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGUSR1, &old_usr1_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {}, old_usr1_ {};
};

std::string absolute_dir(const std::string& dir) { return std::filesystem::absolute(dir).lexically_normal().string(); }

SweepCounts count(const std::vector<RunRecord>& runs) {
  SweepCounts c;
  c.total = int(runs.size());
  for (const auto& r : runs) {
    if (r.state == "done") ++c.done;
    else if (r.state == "running") ++c.running;
    else if (r.state == "failed") ++c.failed;
    else if (r.state == "cancelled") ++c.cancelled;
    else ++c.pending;
  }
  return c;
}

void check_gpu_binding(const ChildHost& host) {
  for (const auto& p : host.slots())
    if (!p.gpu_error.empty()) throw InputError(p.gpu_error + " (rank " + std::to_string(p.rank) + ", " + p.host + ")");
}

// The image lists `sweep train` will read must exist before anything is stored. (Another --trainer gives
// `data` its own meaning, so its paths are its own to check.)
void check_data_files(const Spec& spec, const Plan& plan, const std::string& spec_dir) {
  for (const auto& r : plan.runs)
    for (const char* key : kTrainerDataFiles) {
      const nlohmann::json& data = r.config["data"];
      if (!data.contains(key) || !data[key].is_string()) continue;
      std::string path = resolve_data_path(data[key], spec_dir);
      if (!std::filesystem::exists(path))
        spec.fail(r.where, std::string("data.") + key + ": file not found: " + path +
                                                               " (relative paths are relative to the spec's folder)");
    }
}

// A run on K processes holds K slots of one rank at once: a K beyond the slots of every rank would wait
// forever. Returns whether any run needs more than one slot.
bool check_processes(const Spec& spec, const ChildHost& host) {
  std::map<int, int> per_rank;
  for (const auto& p : host.slots()) ++per_rank[p.rank];
  int most = 0;
  for (const auto& [rank, n] : per_rank) most = std::max(most, n);
  const bool mpi = std::any_of(host.slots().begin(), host.slots().end(), [](const Placement& p) { return p.rank != 0; });
  bool any = false;
  auto check = [&](int k, const std::string& where) {
    if (k <= 1) return;
    any = true;
    const std::string need = "processes " + std::to_string(k) + " needs " + std::to_string(k) + " slots at once";
    if (k > most && mpi)
      spec.fail(where, need + " on one MPI rank, and no rank has more than " + std::to_string(most) +
                           " (give each rank enough: `mpirun ... sweep run --slots " + std::to_string(k) + "`)");
    if (k > most) spec.fail(where, need + ", and the sweep has " + std::to_string(most) + " (`sweep run --slots " +
                                       std::to_string(k) + "` or more)");
  };
  for (const auto& st : spec.stages) check(st.processes, st.processes_where);
  for (const auto& row : spec.rows) check(row.processes, row.processes_where);
  return any;
}

// `k` free slots of one rank (the first such rank), or none.
std::vector<int> free_slots(const ChildHost& host, const Supervisor& sup, int k) {
  std::set<int> used;
  for (const auto& [id, a] : sup.live()) used.insert(a.slots.begin(), a.slots.end());
  std::map<int, std::vector<int>> of_rank;
  for (const auto& p : host.slots()) {
    if (used.count(p.slot)) continue;
    auto& free = of_rank[p.rank];
    free.push_back(p.slot);
    if (int(free.size()) == k) return free;
  }
  return {};
}

}  // namespace

std::string default_runs_dir(const std::string& db_path) {
  std::string base = db_path;
  if (base.size() > 3 && base.ends_with(".db")) base.resize(base.size() - 3);
  return base + "-runs";
}

int run_local_sweep(const SweepOptions& o) {
  LocalChildHost host(local_placements(o.slots, make_gpu_binding(o.gpu_map, o.gpus_per_node,
                                                                 std::getenv("CUDA_VISIBLE_DEVICES"))));
  return run_sweep(o, host);
}

int run_sweep(const SweepOptions& o, ChildHost& host) {
  // Everything that can be wrong with the input is found before the database is touched.
  Spec spec = load_spec(o.spec_path, o.params);
  if (!o.precision.empty()) spec.precision = o.precision;
  Plan plan = expand_spec(spec, o.device);  // what can be known without the store: validation
  std::string device = o.device.empty() ? spec.device : o.device;
  std::string runs_dir = absolute_dir(o.runs_dir.empty() ? default_runs_dir(o.db_path) : o.runs_dir);
  std::string spec_dir = absolute_dir(spec.dir);
  auto cfg_name_of = [&](const std::string& stage) {  // names the cfg in the trainer's messages
    std::string p = spec.base.cfg_path;
    for (const auto& st : spec.stages)
      if (st.name == stage) p = st.base.cfg_path;
    return p.starts_with("/") ? p : spec_dir + "/" + p;
  };

  if (device == "cuda") check_gpu_binding(host);
  const bool data_parallel = check_processes(spec, host);
  if (o.trainer.empty()) check_data_files(spec, plan, spec_dir);
  std::string trainer = o.trainer.empty() ? self_executable() : o.trainer;
  if (::access(trainer.c_str(), X_OK) != 0) throw InputError("sweep run: --trainer '" + trainer + "' is not an executable");

  CoordinatorLock lock(o.db_path);
  Store store(o.db_path, Store::Mode::read_write);
  int recovered = store.recover_interrupted("coordinator died");
  if (recovered)
    std::fprintf(stderr, "sweep run: %d attempt(s) left running by a previous coordinator closed; their runs resume\n",
                 recovered);
  store.save_sweep(spec.name, o.spec_path, spec.raw_text);
  // GA stages get as far as the fitnesses of finished runs go; the plan is expanded again whenever a run
  // finishes while something still waits on a GA (Plan::complete), which adds the next generation or
  // the rows that use the GA's best individual.
  FitnessOf fitness_of = [&](const std::string& id) -> std::optional<double> {
    auto r = store.run(id);
    if (!r || r->state == "pending" || r->state == "running") return std::nullopt;
    if (r->state != "done") return 0.0;  // failed or cancelled: the worst fitness, and the GA goes on
    auto result = store.result(id);
    return result ? ga_fitness(nlohmann::json::parse(*result, nullptr, false)) : 0.0;
  };
  // The sweep's runs that the spec lists now: runs an earlier version of the spec listed stay in the
  // store with their results but are neither trained nor the sweep's any more (reports, status).
  std::set<std::string> planned;
  std::map<std::string, double> estimate_of;
  // Processes per run come from the spec as expanded now (not the store: they are no part of a run's
  // identity), so a resumed sweep gives a run the slots its spec asks for today.
  std::map<std::string, int> processes_of;
  auto expand = [&]() {
    plan = expand_spec(spec, o.device, fitness_of);
    int n = store.add_runs(spec.name, plan.runs,
                           planned.empty() ? Store::Membership::replace : Store::Membership::add);
    if (!plan.ga.empty()) store.save_ga(spec.name, plan.ga);
    for (const auto& r : plan.runs) {
      planned.insert(r.id);
      estimate_of[r.id] = r.estimate;
      processes_of[r.id] = r.processes;
    }
    return n;
  };
  int added = expand();
  auto current_runs = [&]() {
    std::vector<RunRecord> out;
    for (auto& r : store.runs(spec.name))
      if (planned.count(r.id)) out.push_back(std::move(r));
    return out;
  };
  if (o.force) {
    std::vector<std::string> ids;
    for (const auto& r : plan.runs) ids.push_back(r.id);
    // A forced re-run starts from scratch: the previous run directory (and its final checkpoint) moves aside.
    for (const auto& r : current_runs()) {
      if (r.state == "pending") continue;
      std::string dir = runs_dir + "/" + r.id;
      if (std::filesystem::exists(dir))
        std::filesystem::rename(dir, dir + ".prev-" + std::to_string((long long)now_seconds()));
    }
    store.requeue(ids);
  }
  const int slots = int(host.slots().size());
  std::fprintf(stderr, "sweep run: %s: %zu runs (%d new), %d slot(s), db %s\n", spec.name.c_str(), plan.runs.size(),
               added, slots, o.db_path.c_str());

  SupervisorOptions so;
  so.trainer = trainer;
  so.timeout_s = o.timeout_s;
  so.heartbeat_s = o.heartbeat_s;
  so.kill_grace_s = o.kill_grace_s;
  so.retries = o.retries;
  so.device = device;
  if (data_parallel) so.mpirun = find_mpirun("sweep run: a spec whose \"processes\" is above 1");
  Supervisor sup(store, host, so);
  InterruptHandlers handlers;

  std::map<std::string, double> not_before;  // retry backoff, per run
  const double started = now_seconds();
  double work_done = 0;  // estimate units finished in this session, for the ETA
  double last_flush = 0, last_line = started, last_cancel_check = 0, last_read = now_seconds();
  bool stopping = false, killed = false;
  // Run states are read again after this coordinator changed them (runs_changed) and at least once a
  // second for `sweep cancel` and `sweep retry`, which change them from other processes; not every
  // round, which for a sweep of a thousand runs would cost more than the dispatch itself.
  bool runs_changed = false;
  std::vector<RunRecord> runs = current_runs();

  auto print_line = [&]() {
    std::vector<RunningView> views;
    double running_left = 0, running_done = 0;
    for (const auto& [id, a] : sup.live()) {
      views.push_back({a.run.id, a.iteration, a.max_iterations, a.loss.value_or(0), a.loss.has_value()});
      double frac = a.max_iterations > 0 ? double(a.iteration) / double(a.max_iterations) : 0;
      running_done += frac * estimate_of[a.run.id];
      running_left += (1 - frac) * estimate_of[a.run.id];
    }
    double pending_left = 0;
    for (const auto& r : runs)
      if (r.state == "pending") pending_left += estimate_of[r.id];
    double elapsed = now_seconds() - started;
    double rate = elapsed > 0 ? (work_done + running_done) / elapsed : 0;
    double eta = rate > 0 ? (pending_left + running_left) / rate : -1;
    std::fprintf(stderr, "%s\n", format_status_line(spec.name, count(runs), views, eta).c_str());
  };

  for (;;) {
    double now = now_seconds();
    if (g_interrupts > 0 && !stopping) {
      stopping = true;
      std::fprintf(stderr, "sweep run: interrupted; asking %zu trainer(s) to checkpoint and stop\n", sup.live().size());
      sup.preempt_all();
    }
    if (g_interrupts > 1 && !killed) {
      killed = true;
      std::fprintf(stderr, "sweep run: interrupted again; killing the trainers\n");
      sup.kill_all();
    }
    if (!stopping && now - last_cancel_check > 1) {
      last_cancel_check = now;
      for (const auto& id : store.cancel_requests()) sup.cancel(id);
    }
    if (!stopping && (runs_changed || now - last_read > 1)) {
      runs = current_runs();
      runs_changed = false;
      last_read = now;
    }
    if (!stopping && !free_slots(host, sup, 1).empty()) {
      std::map<std::string, std::string> state_of;
      for (const auto& r : runs) state_of[r.id] = r.state;
      auto dep_done = [&](const std::string& id) {
        auto it = state_of.find(id);
        if (it != state_of.end()) return it->second == "done";
        auto r = store.run(id);
        return r && r->state == "done";
      };
      std::vector<const RunRecord*> ready;
      for (const auto& r : runs) {
        if (r.state != "pending" || sup.running(r.id) || not_before[r.id] > now) continue;
        if (std::all_of(r.deps.begin(), r.deps.end(), dep_done)) ready.push_back(&r);
      }
      // Longest first: the sweep's makespan is bounded below by its longest run, so start those early.
      std::stable_sort(ready.begin(), ready.end(),
                       [](const RunRecord* a, const RunRecord* b) { return a->estimate > b->estimate; });
      // A run on K slots that do not fit yet stops the runs after it from starting, so that the slots
      // freed meanwhile gather for it instead of going to smaller runs again and again.
      for (const RunRecord* r : ready) {
        std::vector<int> chosen = free_slots(host, sup, std::max(1, processes_of[r->id]));
        if (chosen.empty()) break;
        nlohmann::json config = nlohmann::json::parse(r->config);
        std::optional<std::string> init;
        if (config["inputs"].contains("init_from")) init = store.artifact(config["inputs"]["init_from"]["run"], "weights");
        sup.start(*r, runs_dir + "/" + r->id, trainer_run_file(config, cfg_name_of(r->stage), spec_dir, init), "train",
                  chosen);
      }
    }
    for (const auto& f : sup.poll(200)) {
      std::string what = f.end.state == "ok"                    ? "done"
                         : f.end.reason.starts_with(f.end.state) ? f.end.reason
                                                                  : f.end.state + ": " + f.end.reason;
      if (f.end.state == "failed" && f.end.run_state == "pending") {
        auto r = store.run(f.run_id);
        double delay = std::min(300.0, o.backoff_s * std::pow(2.0, std::max(0, (r ? r->failures : 1) - 1)));
        not_before[f.run_id] = now_seconds() + delay;
        what += "; retry in " + format_duration(delay);
      }
      if (f.end.state == "ok") work_done += estimate_of[f.run_id];
      std::string where = "slot";
      for (size_t i = 0; i < f.slots.size(); ++i) where += (i ? "," : f.slots.size() > 1 ? "s " : " ") + std::to_string(f.slots[i]);
      std::fprintf(stderr, "sweep run: %.8s attempt %d (rank %d %s, %s): %s\n", f.run_id.c_str(), f.number,
                   f.place.rank, where.c_str(), format_duration(f.seconds).c_str(), what.c_str());
      runs_changed = true;
      if (!plan.complete()) {
        int n = expand();
        if (n) std::fprintf(stderr, "sweep run: %d new run(s) from GA results\n", n);
      }
    }
    now = now_seconds();
    if (now - last_flush > 0.5) {
      sup.flush_progress();
      last_flush = now;
    }
    if (now - last_line >= o.progress_every_s) {
      print_line();
      last_line = now;
    }
    if (!sup.live().empty()) continue;
    if (stopping) break;
    // A pending run can still start unless a dependency failed or was cancelled, directly or through
    // another pending run that cannot start (computed to a fixpoint).
    runs = current_runs();
    std::map<std::string, std::string> state_of;
    for (const auto& r : runs) state_of[r.id] = r.state;
    for (bool changed = true; changed;) {
      changed = false;
      for (const auto& r : runs) {
        if (state_of[r.id] != "pending") continue;
        bool blocked = std::any_of(r.deps.begin(), r.deps.end(), [&](const std::string& d) {
          auto it = state_of.find(d);
          return it != state_of.end() && (it->second == "failed" || it->second == "cancelled" ||
                                          it->second == "blocked");
        });
        if (blocked) {
          state_of[r.id] = "blocked";
          changed = true;
        }
      }
    }
    bool waiting = std::any_of(runs.begin(), runs.end(), [&](const RunRecord& r) { return state_of[r.id] == "pending"; });
    if (!waiting) break;
  }
  sup.flush_progress();
  runs = current_runs();
  print_line();
  SweepCounts c = count(runs);
  if (stopping) {
    std::fprintf(stderr, "sweep run: stopped; run it again to resume\n");
    return 4;
  }
  if (!plan.complete()) {
    std::fprintf(stderr, "sweep run: %zu row(s) wait on a GA stage that cannot finish\n", plan.waiting_rows.size());
    return 1;
  }
  if (c.done + c.cancelled == c.total) return 0;
  std::fprintf(stderr, "sweep run: %d run(s) failed, %d cannot start (a dependency failed or was cancelled)\n",
               c.failed, c.pending);
  return 1;
}

}  // namespace ds
