// `sweep reproduce RUN`: re-train a stored run from its stored config into a fresh directory, as a new
// attempt of that run, and print the stored metrics and compute environment next to the new ones.
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <set>

#include "core/util/error.h"
#include "scheduler/coordinator_lock.h"
#include "scheduler/coordinator.h"
#include "scheduler/supervisor.h"
#include "scheduler/trainer_run_file.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"
#include "sweep/store.h"

namespace ds {
namespace {

// One line per key of either object: the stored value, the reproduced one, and for numbers their difference.
void print_side_by_side(const char* title, const nlohmann::json& before, const nlohmann::json& after) {
  std::set<std::string> keys;
  for (const auto& [k, v] : before.items()) keys.insert(k);
  for (const auto& [k, v] : after.items()) keys.insert(k);
  std::printf("%-20s %16s %16s %12s\n", title, "stored", "reproduced", "delta");
  for (const auto& k : keys) {
    auto show = [](const nlohmann::json& j, const std::string& key) {
      if (!j.contains(key)) return std::string("-");
      return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
    };
    std::string delta = "-";
    if (before.contains(k) && after.contains(k) && before[k].is_number() && after[k].is_number()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%+.6g", after[k].get<double>() - before[k].get<double>());
      delta = buf;
    }
    std::printf("%-20s %16s %16s %12s\n", k.c_str(), show(before, k).c_str(), show(after, k).c_str(), delta.c_str());
  }
}

// A reproduction computes bit for bit what the stored run did only on the same kernels (core/backend/device.h,
// compute_environment): elsewhere float sums round differently, training amplifies that, and the metrics differ
// without a bug. Says so on stderr, with how to run the stored run's OpenBLAS kernels where they differ.
void warn_of_other_environment(const nlohmann::json& before, const nlohmann::json& after) {
  if (before.empty()) {
    std::fprintf(stderr, "sweep reproduce: the stored result does not record what it computed on (it predates that "
                         "record), so a difference may come from other hardware or BLAS kernels\n");
    return;
  }
  std::string differs;
  for (const auto& [k, v] : before.items())
    if (!after.contains(k) || after[k] != v) differs += (differs.empty() ? "" : ", ") + k;
  if (differs.empty()) return;
  std::fprintf(stderr, "sweep reproduce: warning: the reproduction computed on another environment (%s differ: see "
                       "the table), so its metrics may differ from the stored ones without a bug\n", differs.c_str());
  auto kernels = [](const nlohmann::json& env) {
    return env.contains("blas_kernels") && env["blas_kernels"].is_string() ? env["blas_kernels"].get<std::string>()
                                                                           : std::string();
  };
  const std::string stored_kernels = kernels(before);
  if (!stored_kernels.empty() && kernels(after) != stored_kernels)
    std::fprintf(stderr, "sweep reproduce: OPENBLAS_CORETYPE=%s sweep reproduce ... runs the stored run's OpenBLAS "
                         "kernels, if this CPU has their instructions\n",
                 stored_kernels.c_str());
}

}  // namespace

int cmd_reproduce(const Argv& argv) {
  Args args("reproduce", argv, {"db", "trainer", "timeout", "runs-dir", "kill-grace"});
  if (args.positional().size() != 1) throw InputError("sweep reproduce: name exactly one run (id or unique prefix)");
  std::string db_path = args.get("db", "darksweep.db");
  CoordinatorLock lock(db_path);
  Store store(db_path, Store::Mode::read_write);
  RunRecord run = store.find_run(args.positional()[0]);
  std::optional<std::string> old = store.result(run.id);
  if (!old) throw InputError("sweep reproduce: run " + run.id + " is " + run.state + " and has no stored result to compare");

  SupervisorOptions so;
  so.trainer = args.get("trainer", "");
  if (so.trainer.empty()) so.trainer = self_executable();
  so.timeout_s = args.get_double("timeout", 0);
  so.kill_grace_s = args.get_double("kill-grace", 30);
  so.retries = 0;
  nlohmann::json config = nlohmann::json::parse(run.config);
  so.device = config.value("device", "cpu");
  std::string runs_dir = args.get("runs-dir", default_runs_dir(db_path));
  std::string dir = std::filesystem::absolute(runs_dir + "/" + run.id + ".reproduce-" +
                                              std::to_string((long long)now_seconds())).string();
  std::string spec_dir = ".";
  if (auto spec = store.sweep_spec_path(run.sweep)) spec_dir = std::filesystem::path(*spec).parent_path().string();
  spec_dir = std::filesystem::absolute(spec_dir.empty() ? "." : spec_dir).lexically_normal().string();
  std::optional<std::string> init;
  if (config["inputs"].contains("init_from")) init = store.artifact(config["inputs"]["init_from"]["run"], "weights");
  nlohmann::json run_json = trainer_run_file(config, "run.cfg", spec_dir, init);

  LocalChildHost host(local_placements(1, make_gpu_binding("", 0, std::getenv("CUDA_VISIBLE_DEVICES"))));
  Supervisor sup(store, host, so);
  sup.start(run, dir, run_json, "reproduce", {0});
  std::fprintf(stderr, "sweep reproduce: re-training %s in %s\n", run.id.c_str(), dir.c_str());
  std::vector<FinishedAttempt> finished;
  while (finished.empty()) finished = sup.poll(500);
  const FinishedAttempt& f = finished.front();
  if (f.end.state != "ok") {
    std::fprintf(stderr, "sweep reproduce: attempt %d %s: %s\n", f.number, f.end.state.c_str(), f.end.reason.c_str());
    return kExitRunFailed;
  }
  nlohmann::json before = nlohmann::json::parse(*old), after = f.metrics;
  const nlohmann::json env_before = before.value("environment", nlohmann::json::object());
  const nlohmann::json env_after = after.value("environment", nlohmann::json::object());
  before.erase("environment");
  after.erase("environment");
  std::printf("run %s: stored result vs reproduction (attempt %d)\n", run.id.c_str(), f.number);
  print_side_by_side("metric", before, after);
  print_side_by_side("environment", env_before, env_after);
  warn_of_other_environment(env_before, env_after);
  return kExitOk;
}

}  // namespace ds
