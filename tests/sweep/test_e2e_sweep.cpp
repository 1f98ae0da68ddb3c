// End-to-end tests of `sweep run/status/cancel/retry/reproduce` with the stand-in trainer: bad specs,
// a coordinator SIGKILLed over and over, crash/NaN/timeout retries, preemption, concurrent status readers.
#include <gtest/gtest.h>

#include <dirent.h>

#include <filesystem>
#include <map>
#include <random>

#include "e2e_support.h"
#include "standin/standin_loss.h"
#include "sweep/sqlite_db.h"
#include "sweep/store.h"
#include "tests/support/run_command.h"

namespace ds {
namespace {

using test::ScratchDir;

const std::string kStandin = DS_STANDIN_EXE;

std::vector<std::string> run_args(const std::string& spec, const std::string& db, std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"run", spec, "--db", db, "--trainer", kStandin, "--progress-every", "1"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

std::string quoted(const std::vector<std::string>& args) {
  std::string cmd = std::string("'") + DS_SWEEP_EXE + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  return cmd;
}

// The fast Table 4 spec from experiments/, moved into `dir` with a longer schedule.
std::string fast_spec(const ScratchDir& dir, int iterations, int sleep_ms) {
  auto spec = nlohmann::json::parse(test::read_text(std::string(DS_SOURCE_DIR) + "/experiments/smoke/sweep_fast.json"));
  spec["base"]["cfg"] = std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg";
  spec["base"]["schedule"]["max_batches"] = iterations;
  spec["base"]["schedule"]["sleep_ms"] = sleep_ms;
  test::write_text(dir / "fast.json", spec.dump(2));
  return dir / "fast.json";
}

struct BadSpec {
  const char* file;
  const char* expected;
};

// Every error kind exits 2 through the real binary, names the JSON path, and leaves the database as it was.
TEST(E2eBadSpecs, ExitTwoNameThePathAndLeaveTheDatabaseUntouched) {
  const BadSpec cases[] = {
      {"unknown_switch", ":7:24: rows[1].switches[1]: unknown switch 'XX'; known: M, S"},
      {"unknown_key", ":4:10: row: unknown key 'row'; known: name, description, params, base"},
      {"wrong_type", ":4:12: seeds: expected a non-empty array of integers"},
      {"unknown_stage", ":5:22: rows[0].stage: unknown stage 'detectr'; known: pretrain, detector"},
      {"dangling_init_from", "rows[1].init_from.row: row 7 does not exist (the spec has 2 rows)"},
      {"malformed_override", "base.overrides[0]: override 'yolo.scale_x_y' must look like"},
      {"missing_section", "switches.G[0]: "},
      {"stage_cycle", "stages: stage dependencies form a cycle"},
      {"not_json", ":4:15: not valid JSON"},
      {"missing_cfg", "base.cfg: cannot read the cfg"},
      {"duplicate_key", ":5:11: rows: duplicate key"},
      {"grid_unknown_switch", "grids[0].groups[1][1]: unknown switch 'M'; known: S"},
      {"row_cycle", "is part of a dependency cycle"},
  };
  ScratchDir dir;
  std::string db = dir / "keep.db";
  {
    Store store(db, Store::Mode::read_write);
    store.save_sweep("earlier", "x.json", "{}");
  }
  const std::string before = test::read_text(db);
  ASSERT_FALSE(before.empty());
  for (const auto& c : cases) {
    std::string spec = test::sweep_fixture(std::string("bad_specs/") + c.file + ".json");
    auto r = test::run_command(quoted(run_args(spec, db)));
    EXPECT_EQ(r.exit_code, 2) << c.file << ": " << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << c.file << ": " << r.output;
    EXPECT_NE(r.output.find(std::string(c.file) + ".json:"), std::string::npos) << r.output;
    EXPECT_EQ(test::read_text(db), before) << c.file;
    EXPECT_FALSE(std::filesystem::exists(db + ".lock")) << c.file;
    EXPECT_FALSE(std::filesystem::exists(dir / "keep-runs")) << c.file;
  }
  auto status = test::run_command(quoted({"status", "--db", dir / "missing.db"}));
  EXPECT_EQ(status.exit_code, 2) << status.output;
  auto args = test::run_command(quoted({"run", "--slots", "0", test::sweep_fixture("specs/features.json")}));
  EXPECT_EQ(args.exit_code, 2) << args.output;
}

// The coordinator is SIGKILLed at least 20 times, every other time at a random moment and otherwise while a
// trainer runs (so some kills interrupt trainers even when a loaded machine starts them late), and restarted
// each time; in the end
// every run is done once: one successful attempt, one result equal to an uninterrupted run's, each
// iteration's metrics once, nothing left running, no trainer left behind, an intact database.
TEST(E2eKillLoop, EveryRunDoneExactlyOnceDespiteRepeatedSigkill) {
  ScratchDir dir;
  const int iterations = 60;  // enough work that 20 rounds of kills do not finish it
  std::string spec = fast_spec(dir, iterations, 20);
  std::string db = dir / "kill.db";
  std::mt19937 rng(20240607);
  std::uniform_int_distribution<int> delay_ms(150, 600);  // `sweep` itself takes ~0.3 s to start here
  std::uniform_int_distribution<int> after_start_ms(0, 100);
  int kills = 0;
  for (int round = 0; kills < 20 && round < 60; ++round) {
    pid_t pid = test::start_sweep(run_args(spec, db, {"--slots", "2", "--backoff", "0.1"}), dir / "coordinator.log");
    if (round % 2 == 0) {  // at a random moment: often while the coordinator starts or resumes
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    } else {  // while a trainer runs, however long the coordinator took to start one on a loaded machine
      for (int waited = 0; waited < 5000 && test::processes_mentioning(dir.path() + "/kill-runs") == 0; waited += 10)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::this_thread::sleep_for(std::chrono::milliseconds(after_start_ms(rng)));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ++kills;
  }
  EXPECT_GE(kills, 20);
  pid_t pid = test::start_sweep(run_args(spec, db, {"--slots", "2", "--backoff", "0.1"}), dir / "coordinator.log");
  int status = test::wait_for(pid, 90);
  ASSERT_EQ(test::exit_code_of(status), 0) << test::read_text(dir / "coordinator.log");

  Store store(db, Store::Mode::read_only);
  EXPECT_EQ(store.integrity_check(), "ok");
  auto runs = store.runs("table4-standin");
  ASSERT_EQ(runs.size(), 8u);
  int interrupted = 0;
  for (const auto& r : runs) {
    EXPECT_EQ(r.state, "done") << r.id;
    int ok = 0;
    for (const auto& a : store.attempts(r.id)) {
      EXPECT_NE(a.state, "running") << r.id;
      ok += a.state == "ok";
      interrupted += a.state == "interrupted";
      if (a.state == "interrupted") {
        EXPECT_EQ(a.reason, "coordinator died");
      }
    }
    EXPECT_EQ(ok, 1) << r.id;
    auto result = store.result(r.id);
    ASSERT_TRUE(result) << r.id;
    auto metrics = nlohmann::json::parse(*result);
    // Bit-exact: the checkpointed sum resumed, never an iteration added twice or skipped.
    EXPECT_EQ(metrics["loss_sum"].get<double>(), test::standin_loss_sum(r.seed, iterations)) << r.id;
    int iter_rows = 0;
    for (const auto& m : store.metrics(r.id)) iter_rows += m.kind == "iter";
    EXPECT_EQ(iter_rows, iterations) << r.id;
  }
  EXPECT_GT(interrupted, 0);  // the kills did interrupt trainers, and those attempts were closed
  EXPECT_EQ(test::processes_mentioning(dir.path() + "/kill-runs"), 0);
  std::printf("kill loop: %d SIGKILLs, %d interrupted attempts closed, 8/8 runs done once\n", kills, interrupted);
  // Running the spec again trains nothing.
  auto again = test::run_command(quoted(run_args(spec, db)));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("8 runs (0 new)"), std::string::npos) << again.output;
  Store after(db, Store::Mode::read_only);
  for (const auto& r : after.runs("table4-standin")) EXPECT_EQ(after.attempts(r.id).size(), store.attempts(r.id).size());
}

std::map<std::string, RunRecord> by_label(Store& store, const std::string& sweep) {
  std::map<std::string, RunRecord> out;
  for (const auto& r : store.runs(sweep)) out[r.row_label] = r;
  return out;
}

// Crashes (SIGSEGV, SIGABRT), a NaN exit and a hang (timeout) fail one attempt each and are retried;
// a run that keeps failing is failed after 1 + --retries attempts; bad input is not retried; and
// `sweep retry` puts a failed run back so the next `sweep run` finishes it.
TEST(E2eRetries, CrashNanTimeoutAndRetryCommand) {
  ScratchDir dir;
  nlohmann::json rows = {
      {{"name", "ok"}},
      {{"name", "segv"}, {"test_hooks", {{"crash_on_attempts", {1}}}}},
      {{"name", "abort"}, {"test_hooks", {{"crash_on_attempts", {1}}, {"crash_signal", "ABRT"}}}},
      {{"name", "nan"}, {"test_hooks", {{"nan_on_attempts", {1}}}}},
      {{"name", "hang"}, {"test_hooks", {{"hang_on_attempts", {1}}}}},
      {{"name", "stubborn"}, {"test_hooks", {{"fail_on_attempts", {1, 2, 3}}}}},
      {{"name", "bad"}, {"test_hooks", {{"bad_input_on_attempts", {1, 2, 3}}}}},
  };
  std::string spec = test::write_standin_spec(dir / "retries.json", "retries", rows, 10, 5);
  std::string db = dir / "r.db";
  auto args = run_args(spec, db, {"--slots", "2", "--retries", "2", "--backoff", "0.1", "--timeout", "2",
                                  "--kill-grace", "0.5"});
  pid_t pid = test::start_sweep(args, dir / "out.log");
  EXPECT_EQ(test::exit_code_of(test::wait_for(pid, 60)), 1) << test::read_text(dir / "out.log");
  {
    Store store(db, Store::Mode::read_only);
    auto runs = by_label(store, "retries");
    auto attempts = [&](const std::string& label) { return store.attempts(runs[label].id); };
    EXPECT_EQ(runs["ok"].state, "done");
    ASSERT_EQ(attempts("segv").size(), 2u);
    EXPECT_EQ(attempts("segv")[0].signal, SIGSEGV);
    EXPECT_EQ(attempts("segv")[1].state, "ok");
    EXPECT_EQ(attempts("abort")[0].signal, SIGABRT);
    EXPECT_EQ(runs["abort"].state, "done");
    EXPECT_EQ(attempts("nan")[0].exit_code, 3);
    EXPECT_NE(attempts("nan")[0].reason.find("NaN"), std::string::npos);
    EXPECT_EQ(runs["nan"].state, "done");
    EXPECT_EQ(attempts("hang")[0].reason, "timeout after 2 s");
    EXPECT_EQ(runs["hang"].state, "done");
    EXPECT_EQ(runs["stubborn"].state, "failed");
    EXPECT_EQ(attempts("stubborn").size(), 3u);
    EXPECT_EQ(runs["bad"].state, "failed");
    EXPECT_EQ(attempts("bad").size(), 1u);
    // Resumed runs still add up to the uninterrupted loss.
    for (const char* label : {"segv", "abort", "nan", "hang"})
      EXPECT_EQ(nlohmann::json::parse(*store.result(runs[label].id))["loss_sum"].get<double>(),
                test::standin_loss_sum(7, 10))
          << label;
  }
  std::string stubborn_id;
  {
    Store store(db, Store::Mode::read_only);
    stubborn_id = by_label(store, "retries")["stubborn"].id;
  }
  auto retry = test::run_command(quoted({"retry", stubborn_id.substr(0, 10), "--db", db}));
  EXPECT_EQ(retry.exit_code, 0) << retry.output;
  auto again = test::run_command(quoted(run_args(spec, db, {"--backoff", "0.1"})));
  EXPECT_EQ(again.exit_code, 1) << again.output;  // "bad" is still failed
  Store store(db, Store::Mode::read_only);
  auto runs = by_label(store, "retries");
  EXPECT_EQ(runs["stubborn"].state, "done");
  EXPECT_EQ(store.attempts(runs["stubborn"].id).size(), 4u);
  EXPECT_EQ(test::run_command(quoted({"retry", runs["ok"].id, "--db", db})).exit_code, 2);  // done: nothing to retry
}

// SIGTERM to `sweep run`: trainers checkpoint and exit 4, their runs go back to pending without counting
// a failure, the coordinator exits 4; the next `sweep run` resumes them from the checkpoint.
TEST(E2ePreempt, SigtermCheckpointsAndResumes) {
  ScratchDir dir;
  std::string spec = test::write_standin_spec(dir / "p.json", "preempt", {{{"name", "a"}}, {{"name", "b"}}}, 150, 10,
                                              nlohmann::json::object());
  // Two distinct runs: give "b" a different seed-independent override.
  auto j = nlohmann::json::parse(test::read_text(spec));
  j["rows"][1]["overrides"] = {"net.momentum=0.95"};
  test::write_text(spec, j.dump());
  std::string db = dir / "p.db";
  pid_t pid = test::start_sweep(run_args(spec, db, {"--slots", "2"}), dir / "out.log");
  // SIGTERM once both trainers are under way (each has written a checkpoint), however loaded the machine.
  auto checkpoints = [&] {
    int n = 0;
    if (std::filesystem::exists(dir / "p-runs"))
      for (const auto& e : std::filesystem::directory_iterator(dir / "p-runs"))
        n += std::filesystem::exists(e.path() / "checkpoint.json");
    return n;
  };
  for (int i = 0; i < 400 && checkpoints() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_EQ(checkpoints(), 2) << test::read_text(dir / "out.log");
  kill(pid, SIGTERM);
  EXPECT_EQ(test::exit_code_of(test::wait_for(pid, 30)), 4) << test::read_text(dir / "out.log");
  {
    Store store(db, Store::Mode::read_only);
    for (const auto& r : store.runs("preempt")) {
      EXPECT_EQ(r.state, "pending");
      EXPECT_EQ(r.failures, 0);
      auto attempts = store.attempts(r.id);
      ASSERT_EQ(attempts.size(), 1u);
      EXPECT_EQ(attempts[0].state, "preempted");
      EXPECT_EQ(attempts[0].exit_code, 4);
      EXPECT_TRUE(std::filesystem::exists(dir / ("p-runs/" + r.id + "/checkpoint.json")));
    }
  }
  auto again = test::run_command(quoted(run_args(spec, db, {"--slots", "2"})));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  Store store(db, Store::Mode::read_only);
  for (const auto& r : store.runs("preempt")) {
    EXPECT_EQ(r.state, "done");
    EXPECT_EQ(nlohmann::json::parse(*store.result(r.id))["loss_sum"].get<double>(), test::standin_loss_sum(7, 150));
    auto log = test::read_text(store.attempts(r.id)[1].log_path);
    EXPECT_EQ(log.find("resuming at 0/"), std::string::npos) << log;  // it resumed, not restarted
  }
}

// `sweep status` readers polling while the coordinator writes never see "database is locked".
TEST(E2eStatus, ConcurrentReadersNeverSeeALockedDatabase) {
  ScratchDir dir;
  std::string spec = fast_spec(dir, 60, 10);
  std::string db = dir / "s.db";
  pid_t pid = test::start_sweep(run_args(spec, db, {"--slots", "2"}), dir / "out.log");
  int polls = 0, status = 0;
  bool finished = false;
  while (!finished) {
    finished = waitpid(pid, &status, WNOHANG) == pid;
    if (!std::filesystem::exists(db)) continue;
    auto r = test::run_command(quoted({"status", "--db", db}));
    ++polls;
    if (r.exit_code == 2 && r.output.find("schema version 0") != std::string::npos) continue;  // not yet created
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("locked"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("busy"), std::string::npos) << r.output;
  }
  EXPECT_EQ(test::exit_code_of(status), 0);
  EXPECT_GE(polls, 3);
  auto r = test::run_command(quoted({"status", "--db", db, "--sweep", "table4-standin"}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("8/8 done"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("{\"row\":8,\"table\":\"table4\"}"), std::string::npos) << r.output;
  EXPECT_EQ(test::run_command(quoted({"status", "--db", db, "--sweep", "nope"})).exit_code, 2);
}

// `sweep reproduce` re-trains a stored run into a new attempt, leaves the stored result alone, and
// prints both with the environments they computed on, warning when those differ; `sweep cancel` stops a
// sweep's remaining runs.
TEST(E2eReproduceCancel, ReproduceComparesAndCancelStops) {
  ScratchDir dir;
  std::string spec = fast_spec(dir, 10, 2);
  std::string db = dir / "c.db";
  ASSERT_EQ(test::run_command(quoted(run_args(spec, db, {"--slots", "2"}))).exit_code, 0);
  std::string id, stored;
  {
    Store store(db, Store::Mode::read_only);
    id = store.runs("table4-standin")[3].id;
    stored = *store.result(id);
  }
  auto r = test::run_command(quoted({"reproduce", id.substr(0, 12), "--db", db, "--trainer", kStandin}));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("loss_sum"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("+0"), std::string::npos) << r.output;  // deterministic stand-in: no change
  EXPECT_NE(r.output.find("blas_kernels"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("another environment"), std::string::npos) << r.output;  // same machine: no warning
  {
    Store store(db, Store::Mode::read_only);
    auto attempts = store.attempts(id);
    ASSERT_EQ(attempts.size(), 2u);
    EXPECT_EQ(attempts[1].purpose, "reproduce");
    EXPECT_EQ(attempts[1].state, "ok");
    EXPECT_EQ(*store.result(id), stored);
    EXPECT_EQ(store.run(id)->state, "done");
  }
  // As if the run had been stored on a CPU whose OpenBLAS kernels are another set: the reproduction warns and
  // says how to run those kernels.
  nlohmann::json elsewhere = nlohmann::json::parse(stored);
  ASSERT_TRUE(elsewhere.contains("environment")) << stored;
  elsewhere["environment"]["blas_kernels"] = "Prescott";
  {
    SqliteDb raw(db, false, 5000);
    Stmt update(raw, "UPDATE results SET json = ? WHERE run = ?");
    update.bind(1, elsewhere.dump());
    update.bind(2, id);
    update.step();
  }
  r = test::run_command(quoted({"reproduce", id, "--db", db, "--trainer", kStandin}));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("another environment (blas_kernels differ"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OPENBLAS_CORETYPE=Prescott"), std::string::npos) << r.output;
  // A slow sweep with one slot, cancelled while its first run trains.
  std::string slow = test::write_standin_spec(dir / "slow.json", "slow",
                                              {{{"name", "a"}}, {{"name", "b"}, {"overrides", {"net.momentum=0.8"}}},
                                               {{"name", "c"}, {"overrides", {"net.momentum=0.7"}}}},
                                              400, 10);
  pid_t pid = test::start_sweep(run_args(slow, db, {"--slots", "1", "--kill-grace", "1"}), dir / "slow.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto c = test::run_command(quoted({"cancel", "--db", db, "--sweep", "slow"}));
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("cancelled 2 pending run(s)"), std::string::npos) << c.output;
  EXPECT_EQ(test::exit_code_of(test::wait_for(pid, 30)), 0) << test::read_text(dir / "slow.log");
  Store store(db, Store::Mode::read_only);
  for (const auto& run : store.runs("slow")) EXPECT_EQ(run.state, "cancelled") << run.row_label;
}

}  // namespace
}  // namespace ds

namespace ds {
namespace {

// A stage starts only when the stages it comes after are done, and a row with init_from receives the
// final weights of the run it starts from.
TEST(E2eStages, DependentStageWaitsAndGetsInitWeights) {
  ScratchDir dir;
  nlohmann::json spec = {
      {"name", "stages"},
      {"base",
       {{"cfg", std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg"},
        {"schedule", {{"max_batches", 10}, {"sleep_ms", 5}}}}},
      {"stages", {{{"name", "pretrain"}}, {{"name", "detector"}, {"after", {"pretrain"}}}}},
      {"rows",
       {{{"name", "cls"}, {"stage", "pretrain"}, {"overrides", {"net.width=96"}}},
        {{"name", "det"}, {"stage", "detector"}, {"init_from", {{"stage", "pretrain"}, {"row", 0}, {"partial", 5}}}},
        {{"name", "det2"}, {"stage", "detector"}, {"overrides", {"net.momentum=0.8"}}}}},
  };
  test::write_text(dir / "stages.json", spec.dump());
  std::string db = dir / "st.db";
  auto r = test::run_command(quoted(run_args(dir / "stages.json", db, {"--slots", "3"})));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Store store(db, Store::Mode::read_only);
  std::map<std::string, RunRecord> runs;
  for (const auto& run : store.runs("stages")) runs[run.row_label] = run;
  double cls_end = *store.attempts(runs["cls"].id).at(0).end;
  for (const char* label : {"det", "det2"}) EXPECT_GE(store.attempts(runs[label].id).at(0).start, cls_end) << label;
  std::string weights = *store.artifact(runs["cls"].id, "weights");
  EXPECT_EQ(nlohmann::json::parse(*store.result(runs["det"].id))["init_weights"], weights);
  EXPECT_EQ(nlohmann::json::parse(*store.result(runs["det2"].id))["init_weights"], "");
}

}  // namespace
}  // namespace ds

namespace ds {
namespace {

// --force trains done runs again from scratch (the old run directory moves aside); a second coordinator
// on the same database is refused while the first one runs.
TEST(E2eForceAndLock, ForceRetrainsAndASecondCoordinatorIsRefused) {
  ScratchDir dir;
  std::string spec = test::write_standin_spec(dir / "f.json", "force", {{{"name", "a"}}}, 60, 10);
  std::string db = dir / "f.db";
  ASSERT_EQ(test::run_command(quoted(run_args(spec, db))).exit_code, 0);
  pid_t pid = test::start_sweep(run_args(spec, db, {"--force"}), dir / "force.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto second = test::run_command(quoted(run_args(spec, db)));
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(second.output.find("only one coordinator"), std::string::npos) << second.output;
  EXPECT_EQ(test::exit_code_of(test::wait_for(pid, 30)), 0) << test::read_text(dir / "force.log");
  Store store(db, Store::Mode::read_only);
  auto run = store.runs("force").at(0);
  auto attempts = store.attempts(run.id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[1].state, "ok");
  // Trained from iteration 0 again, not "resumed" from the finished checkpoint.
  EXPECT_NE(test::read_text(attempts[1].log_path).find("resuming at 0/60"), std::string::npos);
  int moved = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "f-runs"))
    moved += e.path().filename().string().find(".prev-") != std::string::npos;
  EXPECT_EQ(moved, 1);
}

}  // namespace
}  // namespace ds

namespace ds {
namespace {

// Runs that an earlier version of a spec listed stay in the store but are not trained any more, and are no
// longer the sweep's (its reports and status count the runs the spec lists now).
TEST(E2eSpecEdit, RunsNoLongerInTheSpecAreNotTrained) {
  ScratchDir dir;
  std::string spec = test::write_standin_spec(dir / "e.json", "edit", {{{"name", "a"}}}, 5, 1);
  std::string db = dir / "e.db";
  {
    Store store(db, Store::Mode::read_write);
    store.save_sweep("edit", spec, "{}");
    ResolvedRun stale;
    stale.id = "stale0000";
    stale.canonical = "{}";
    stale.stage = "main";
    stale.row_label = "from an older spec";
    store.add_runs("edit", {stale});
  }
  auto r = test::run_command(quoted(run_args(spec, db)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  Store store(db, Store::Mode::read_only);
  EXPECT_EQ(store.run("stale0000")->state, "pending");
  EXPECT_TRUE(store.attempts("stale0000").empty());
  ASSERT_EQ(store.runs("edit").size(), 1u);
  EXPECT_NE(store.runs("edit")[0].id, "stale0000");
}

}  // namespace
}  // namespace ds
