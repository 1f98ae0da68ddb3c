// A stand-in for `sweep train` that speaks the progress protocol (docs/progress_protocol.md) in
// milliseconds: fake loss from the seed, atomic checkpoints it resumes from, and test hooks in run.json
// that make a given attempt crash, hang, diverge or fail, so the scheduler can be tested without core.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/nn/blas.h"
#include "core/util/atomic_file.h"
#include "standin_loss.h"

namespace {

using nlohmann::json;

volatile std::sig_atomic_t g_stop = 0;
FILE* g_progress = stdout;

void on_term(int) { g_stop = 1; }

void emit(const json& j) {
  std::fprintf(g_progress, "%s\n", j.dump().c_str());
  std::fflush(g_progress);
}

// The real trainer's atomic writer (temp file, fsync, rename): a full disk fails the attempt (exit 1)
// and leaves the previous file whole, which the chaos test (tests/chaos) checks.
void write_atomically(const std::string& path, const std::string& bytes) { ds::write_file_atomically(path, bytes); }

// True when hooks[key] (a list of attempt numbers) contains `attempt`.
bool hooked(const json& hooks, const char* key, int attempt) {
  if (!hooks.contains(key)) return false;
  for (const auto& a : hooks[key])
    if (a.get<int>() == attempt) return true;
  return false;
}

}  // namespace

int run_standin(int argc, char** argv);

int main(int argc, char** argv) {
  try {
    return run_standin(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "standin: %s\n", e.what());
    return 1;
  }
}

int run_standin(int argc, char** argv) {
  std::string run_path, out_dir;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--run") run_path = argv[i + 1];
    if (k == "--out") out_dir = argv[i + 1];
  }
  if (argc < 2 || std::string(argv[1]) != "train" || run_path.empty() || out_dir.empty()) {
    std::fprintf(stderr, "usage: standin train --run RUN.json --out DIR\n");
    return 2;
  }
  if (const char* fd = std::getenv("DS_PROGRESS_FD")) {
    if (FILE* f = fdopen(std::atoi(fd), "w")) g_progress = f;
  }
  std::signal(SIGTERM, on_term);
  std::ifstream in(run_path);
  json run = json::parse(in, nullptr, false);
  if (run.is_discarded()) {
    std::fprintf(stderr, "standin: cannot parse %s\n", run_path.c_str());
    return 2;
  }
  const json& schedule = run["schedule"];
  long long iterations = schedule.value("max_batches", 20LL);
  int sleep_ms = schedule.value("sleep_ms", 10);
  long long checkpoint_every = schedule.value("checkpoint_every", 5LL);
  long long seed = run.value("seed", 0LL);
  json hooks = run.value("test_hooks", json::object());
  int attempt = std::getenv("DS_ATTEMPT") ? std::atoi(std::getenv("DS_ATTEMPT")) : 1;
  long long hook_at = hooks.value("at_iteration", 3LL);
  if (hooked(hooks, "bad_input_on_attempts", attempt)) {
    std::fprintf(stderr, "standin: bad input (test hook)\n");
    return 2;
  }

  // test_hooks.ap_peak {"key": K, "at": X, "diverge_above": D}: AP is highest where the override K=value
  // has value X, so that a GA stage has something to find; above D the run diverges (NaN, exit 3).
  double gene = 0;
  if (hooks.contains("ap_peak")) {
    std::string key = hooks["ap_peak"]["key"].get<std::string>() + "=";
    for (const auto& o : run.value("overrides", json::array()))
      if (o.get<std::string>().starts_with(key)) gene = std::stod(o.get<std::string>().substr(key.size()));
    if (gene > hooks["ap_peak"].value("diverge_above", 1e300)) {
      emit({{"event", "iter"}, {"iteration", 1}, {"max_iterations", iterations}, {"loss", nullptr}});
      std::fprintf(stderr, "standin: loss is NaN (%s%g, test hook)\n", key.c_str(), gene);
      return 3;
    }
  }

  std::string checkpoint = out_dir + "/checkpoint.json";
  long long start = 0;
  double loss_sum = 0;
  {
    std::ifstream ck(checkpoint);
    json c = json::parse(ck, nullptr, false);
    if (!c.is_discarded() && c.is_object()) {
      start = c["iteration"].get<long long>();
      loss_sum = c["loss_sum"].get<double>();
    }
  }
  const char* run_id = std::getenv("DS_RUN_ID") ? std::getenv("DS_RUN_ID") : "?";
  std::string init_weights = run.value("init", json::object()).value("weights", "");
  std::fprintf(stderr, "standin: run %s attempt %d resuming at %lld/%lld\n", run_id, attempt, start, iterations);
  emit({{"event", "start"}, {"iteration", start}, {"max_iterations", iterations}});
  auto save = [&](long long it) {
    write_atomically(checkpoint, json{{"iteration", it}, {"loss_sum", loss_sum}}.dump());
    emit({{"event", "checkpoint"}, {"iteration", it}, {"path", "checkpoint.json"}});
  };
  for (long long it = start + 1; it <= iterations; ++it) {
    if (it == hook_at) {
      if (hooked(hooks, "crash_on_attempts", attempt)) {
        std::string how = hooks.value("crash_signal", "SEGV");
        if (how == "ABRT") std::abort();
        if (how == "KILL") std::raise(SIGKILL);  // as the OOM killer would
        std::raise(SIGSEGV);
      }
      if (hooked(hooks, "hang_on_attempts", attempt))
        for (;;) pause();  // ignores SIGTERM's flag, like a trainer stuck in a kernel
      if (hooked(hooks, "nan_on_attempts", attempt)) {
        emit({{"event", "iter"}, {"iteration", it}, {"max_iterations", iterations}, {"loss", nullptr}});
        std::fprintf(stderr, "standin: loss is NaN at iteration %lld\n", it);
        return 3;
      }
      if (hooked(hooks, "fail_on_attempts", attempt)) return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    double loss = ds::test::standin_loss(seed, it);
    loss_sum += loss;
    emit({{"event", "iter"},
          {"iteration", it},
          {"max_iterations", iterations},
          {"loss", loss},
          {"avg_loss", loss_sum / double(it)},
          {"lr", 0.001},
          {"images_per_s", 1000.0 / (sleep_ms + 1)}});
    if (it % checkpoint_every == 0 || it == iterations) save(it);
    if (g_stop) {
      save(it);
      return 4;
    }
  }
  if (g_stop) return 4;
  std::string weights = out_dir + "/final.weights";
  // schedule.weights_bytes: the file's exact size (a header line, then padding), so that a test can
  // tell a whole file from a truncated one.
  std::string bytes = std::string("standin weights of ") + run_id + "\n";
  bytes.resize(std::max<size_t>(bytes.size(), schedule.value("weights_bytes", size_t(0))), '.');
  write_atomically(weights, bytes);
  emit({{"event", "artifact"}, {"kind", "weights"}, {"path", weights}});
  double ap = 0.30 + 0.01 * double(seed % 10);  // fractions in [0, 1], as the real trainer reports
  if (hooks.contains("ap_peak")) ap = std::max(0.0, 0.6 - std::abs(gene - hooks["ap_peak"]["at"].get<double>()));
  emit({{"event", "done"},
        {"metrics",
         {{"AP", ap},
          {"AP50", std::min(1.0, ap + 0.2)},
          {"loss_sum", loss_sum},
          {"iterations", iterations},
          {"init_weights", init_weights},
          {"environment", {{"device", "cpu"}, {"blas_kernels", ds::blas_kernels()}}}}}});
  return 0;
}
