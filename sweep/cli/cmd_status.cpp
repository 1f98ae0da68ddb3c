// `sweep status`: every run of a sweep (or of all sweeps) and each of its attempts, read-only.
#include <cstdio>
#include <ctime>

#include "core/util/error.h"
#include "scheduler/status_line.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"
#include "sweep/store.h"

namespace ds {
namespace {

std::string clock_time(double t) {
  std::time_t s = std::time_t(t);
  std::tm tm {};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string fitness_text(const std::optional<double>& f) {
  if (!f) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", *f);
  return buf;
}

// The generations of the sweep's GA stages: each individual's run and fitness, and the best so far.
void print_ga(Store& store, const std::string& sweep) {
  std::string stage;
  int generation = -1;
  for (const auto& g : store.ga(sweep)) {
    if (g.stage != stage || g.generation != generation) {
      stage = g.stage;
      generation = g.generation;
      std::string best = g.best_fitness ? fitness_text(g.best_fitness) + " (run " + g.best_run.substr(0, 12) + ")"
                                        : "- (not all evaluated)";
      std::printf("  GA %s generation %d (fitness 0.1 AP50 + 0.9 AP): best so far %s\n", stage.c_str(), generation, best.c_str());
    }
    std::string fitness = fitness_text(g.fitness);
    std::string genes;
    for (const auto& o : g.overrides) genes += " " + o;
    std::string carried = g.carried_from >= 0 ? "  (elite #" + std::to_string(g.carried_from) + ")" : "";
    std::printf("      #%d %.12s fitness %s %s%s\n", g.individual, g.run.c_str(), fitness.c_str(), genes.c_str(),
                carried.c_str());
  }
}

}  // namespace

int cmd_status(const Argv& argv) {
  Args args("status", argv, {"db", "sweep"});
  if (!args.positional().empty()) throw InputError("sweep status: unexpected argument '" + args.positional()[0] + "'");
  Store store(args.get("db", "darksweep.db"), Store::Mode::read_only);
  std::string sweep = args.get("sweep", "");
  auto runs = store.runs(sweep);
  if (!sweep.empty() && runs.empty()) {
    std::string known;
    for (const auto& s : store.sweeps()) known += (known.empty() ? "" : ", ") + s;
    throw InputError("sweep status: no sweep '" + sweep + "' in the database; known: " + (known.empty() ? "(none)" : known));
  }
  std::string current;
  for (const auto& r : runs) {
    if (r.sweep != current) {
      if (!current.empty()) print_ga(store, current);
      current = r.sweep;
      int done = 0;
      for (const auto& x : runs) done += x.sweep == current && x.state == "done";
      int total = 0;
      for (const auto& x : runs) total += x.sweep == current;
      std::printf("sweep %s: %d/%d done\n", current.c_str(), done, total);
    }
    std::string paper = r.paper.empty() ? "-" : r.paper;
    std::printf("  %.12s  %-9s stage %-10s row %-3d %-20s seed %d repeat %d  paper %s\n", r.id.c_str(),
                r.state.c_str(), r.stage.c_str(), r.row_index, r.row_label.c_str(), r.seed, r.repeat, paper.c_str());
    for (const auto& a : store.attempts(r.id)) {
      std::string how = a.exit_code ? "exit " + std::to_string(*a.exit_code)
                        : a.signal  ? "signal " + std::to_string(*a.signal)
                                    : "-";
      std::string progress = a.iteration ? std::to_string(*a.iteration) + "/" + std::to_string(a.max_iterations.value_or(0))
                                         : "-";
      double end = a.end.value_or(now_seconds());
      // A data-parallel attempt: its first slot and how many it held.
      std::string processes = a.processes > 1 ? " (" + std::to_string(a.processes) + " processes)" : "";
      std::printf("      #%d %-9s %-11s %s %s pid %lld rank %d slot %d%s%s%s  %s  it %s  %s  %s\n", a.number,
                  a.purpose.c_str(), a.state.c_str(), a.host.c_str(), clock_time(a.start).c_str(), (long long)a.pid,
                  a.rank, a.slot, processes.c_str(),
                  a.gpu.empty() ? "" : " gpu ", a.gpu.c_str(), format_duration(end - a.start).c_str(),
                  progress.c_str(), how.c_str(), a.reason.c_str());
      if (!a.log_path.empty()) std::printf("         log %s\n", a.log_path.c_str());
    }
    if (auto result = store.result(r.id)) std::printf("      result %s\n", result->c_str());
  }
  if (!current.empty()) print_ga(store, current);
  if (runs.empty()) std::printf("no runs\n");
  return kExitOk;
}

}  // namespace ds
