// End-to-end tests of `mpirun -np 4 sweep run` (OpenMPI, --oversubscribe) with the stand-in trainer:
// every run exactly once and equal to a local run, children killed by SIGKILL/SIGSEGV or hung are
// retried, a job killed whole resumes on relaunch, and SIGUSR1 (what mpirun forwards) preempts cleanly.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "e2e_support.h"
#include "standin/standin_loss.h"
#include "sweep/store.h"

namespace ds {
namespace {

using test::ScratchDir;

const std::string kStandin = DS_STANDIN_EXE;

// mpirun as a session leader, so that a test can kill the whole job (mpirun, ranks, trainers) at once.
pid_t start_mpirun(int ranks, const std::vector<std::string>& sweep_args, const std::string& log) {
  std::vector<std::string> all = {"mpirun", "--oversubscribe", "-np", std::to_string(ranks),
                                  // The test machines may forbid cross-process memory attach (ptrace).
                                  "--mca", "btl_vader_single_copy_mechanism", "none", DS_SWEEP_EXE};
  all.insert(all.end(), sweep_args.begin(), sweep_args.end());
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);  // CI runs as root
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  return test::start_logged(all, log, /*new_session=*/true);
}

std::vector<std::string> sweep_args(const std::string& spec, const std::string& db, std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"run", spec, "--db", db, "--trainer", kStandin, "--progress-every", "1", "--backoff", "0.1"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// Ten rows of different lengths (iterations of sleep_ms + 3 i ms), so that dispatch is uneven.
std::string ten_row_spec(const ScratchDir& dir, const std::string& name, int iterations, int sleep_ms = 5) {
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < 10; ++i)
    rows.push_back({{"name", "r" + std::to_string(i)},
                    {"overrides", {"schedule.sleep_ms=" + std::to_string(sleep_ms + 3 * i)}}});
  return test::write_standin_spec(dir / (name + ".json"), name, rows, iterations, 5);
}

struct Summary {
  int runs = 0, done = 0, ok_attempts = 0, running_attempts = 0;
  std::set<int> ranks;
  std::map<std::string, std::string> results;  // run id -> result JSON
};

Summary summarize(const std::string& db, const std::string& sweep) {
  Store store(db, Store::Mode::read_only);
  EXPECT_EQ(store.integrity_check(), "ok");
  Summary s;
  for (const auto& r : store.runs(sweep)) {
    ++s.runs;
    s.done += r.state == "done";
    int ok = 0;
    for (const auto& a : store.attempts(r.id)) {
      ok += a.state == "ok";
      s.running_attempts += a.state == "running";
      s.ranks.insert(a.rank);
    }
    EXPECT_LE(ok, 1) << r.id << " was trained to the end twice";
    s.ok_attempts += ok;
    if (auto res = store.result(r.id)) s.results[r.id] = *res;
  }
  return s;
}

// Polls the store of a running sweep for up to 20 s until `ready` holds.
template <class Ready>
bool wait_until(const std::string& db, const std::string& sweep, Ready ready) {
  for (int i = 0; i < 400; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!std::filesystem::exists(db)) continue;
    try {
      if (ready(summarize(db, sweep))) return true;
    } catch (const std::exception&) {
      // the coordinator may still be creating the schema
    }
  }
  return false;
}

TEST(MpiSweep, EveryRunExactlyOnceAndEqualToALocalRun) {
  ScratchDir dir;
  std::string spec = ten_row_spec(dir, "equal", 12);
  pid_t mpi = start_mpirun(4, sweep_args(spec, dir / "mpi.db"), dir / "mpi.log");
  ASSERT_EQ(test::exit_code_of(test::wait_for(mpi, 120)), 0) << test::read_text(dir / "mpi.log");
  pid_t local = test::start_sweep(sweep_args(spec, dir / "local.db", {"--slots", "2"}), dir / "local.log");
  ASSERT_EQ(test::exit_code_of(test::wait_for(local, 120)), 0) << test::read_text(dir / "local.log");

  Summary m = summarize(dir / "mpi.db", "equal"), l = summarize(dir / "local.db", "equal");
  EXPECT_EQ(m.runs, 10);
  EXPECT_EQ(m.done, 10);
  EXPECT_EQ(m.ok_attempts, 10);
  EXPECT_EQ(m.running_attempts, 0);
  EXPECT_GE(m.ranks.size(), 3u) << "runs should spread over the ranks";
  EXPECT_EQ(m.results, l.results);  // same run ids, same metrics
  std::string log = test::read_text(dir / "mpi.log");
  EXPECT_NE(log.find("MPI job of 4 rank(s), 4 slot(s)"), std::string::npos) << log;
}

// A child SIGKILLed (as by the OOM killer), one that segfaults and one that hangs (heartbeat) fail one
// attempt each and are retried on whatever rank is free; the sweep finishes.
TEST(MpiSweep, KilledCrashedAndHungChildrenAreRetried) {
  ScratchDir dir;
  nlohmann::json rows = {
      {{"name", "ok"}},
      {{"name", "sigkill"}, {"test_hooks", {{"crash_on_attempts", {1}}, {"crash_signal", "KILL"}}}},
      {{"name", "segv"}, {"test_hooks", {{"crash_on_attempts", {1}}}}},
      {{"name", "hang"}, {"test_hooks", {{"hang_on_attempts", {1}}}}},
  };
  std::string spec = test::write_standin_spec(dir / "faults.json", "faults", rows, 10, 5);
  std::string db = dir / "f.db";
  pid_t mpi = start_mpirun(4, sweep_args(spec, db, {"--heartbeat", "3", "--kill-grace", "0.5"}), dir / "f.log");
  ASSERT_EQ(test::exit_code_of(test::wait_for(mpi, 120)), 0) << test::read_text(dir / "f.log");

  Store store(db, Store::Mode::read_only);
  std::map<std::string, std::vector<AttemptRecord>> by_row;
  for (const auto& r : store.runs("faults")) {
    EXPECT_EQ(r.state, "done") << r.row_label;
    by_row[r.row_label] = store.attempts(r.id);
  }
  ASSERT_EQ(by_row["ok"].size(), 1u);
  ASSERT_EQ(by_row["sigkill"].size(), 2u);
  EXPECT_EQ(by_row["sigkill"][0].signal, SIGKILL);
  EXPECT_EQ(by_row["sigkill"][0].reason, "crashed: killed by SIGKILL");
  ASSERT_EQ(by_row["segv"].size(), 2u);
  EXPECT_EQ(by_row["segv"][0].signal, SIGSEGV);
  ASSERT_EQ(by_row["hang"].size(), 2u);
  EXPECT_NE(by_row["hang"][0].reason.find("hung: no progress"), std::string::npos) << by_row["hang"][0].reason;
  for (const auto& [row, attempts] : by_row) EXPECT_EQ(attempts.back().state, "ok") << row;
}

// The whole job (mpirun, every rank, every trainer) is SIGKILLed mid-way, as by a node failure; the
// relaunch closes the attempts it left running and finishes every run exactly once, resuming each
// interrupted run from its checkpoint (the loss sum is the uninterrupted one).
TEST(MpiSweep, AJobKilledWholeResumesOnRelaunch) {
  ScratchDir dir;
  const int iterations = 40;
  std::string spec = ten_row_spec(dir, "killed", iterations);
  std::string db = dir / "k.db";
  pid_t mpi = start_mpirun(4, sweep_args(spec, db), dir / "k1.log");
  // Mid-way: some runs done, others still running.
  ASSERT_TRUE(wait_until(db, "killed", [](const Summary& s) { return s.done >= 2 && s.running_attempts > 0; }))
      << test::read_text(dir / "k1.log");
  kill(-mpi, SIGKILL);  // the session: mpirun and its ranks; trainers die with their rank (PDEATHSIG)
  int status = 0;
  waitpid(mpi, &status, 0);
  // Ranks and trainers die with the session (the trainers through PR_SET_PDEATHSIG): none is left.
  int left = 0;
  for (int i = 0; i < 100 && (left = test::processes_mentioning(dir.path() + "/k-runs")) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(left, 0);
  Summary before = summarize(db, "killed");
  EXPECT_LT(before.done, 10);
  EXPECT_GT(before.running_attempts, 0);

  pid_t again = start_mpirun(4, sweep_args(spec, db), dir / "k2.log");
  ASSERT_EQ(test::exit_code_of(test::wait_for(again, 120)), 0) << test::read_text(dir / "k2.log");
  Summary after = summarize(db, "killed");
  EXPECT_EQ(after.done, 10);
  EXPECT_EQ(after.ok_attempts, 10);
  EXPECT_EQ(after.running_attempts, 0);
  Store store(db, Store::Mode::read_only);
  int interrupted = 0;
  for (const auto& r : store.runs("killed")) {
    for (const auto& a : store.attempts(r.id)) interrupted += a.state == "interrupted";
    auto metrics = nlohmann::json::parse(store.result(r.id).value_or("{}"));
    EXPECT_EQ(metrics.value("loss_sum", 0.0), test::standin_loss_sum(r.seed, iterations)) << r.id;
  }
  EXPECT_GT(interrupted, 0);
  EXPECT_EQ(test::processes_mentioning(dir.path() + "/k-runs"), 0);  // no trainer outlived its job
  EXPECT_NE(test::read_text(dir / "k2.log").find("left running by a previous coordinator closed"), std::string::npos);
}

// SIGUSR1 to mpirun (forwarded to every rank; what cluster/slurm-sweep.sh sends before the time limit):
// every trainer checkpoints and exits 4, their runs go back to pending without a failure, every rank
// exits 4, and a relaunch finishes the sweep.
TEST(MpiSweep, Sigusr1PreemptsEveryTrainerAndTheRelaunchFinishes) {
  ScratchDir dir;
  std::string spec = ten_row_spec(dir, "preempt", 60, 20);  // every run >= 1.2 s: still running at the signal
  std::string db = dir / "p.db";
  pid_t mpi = start_mpirun(4, sweep_args(spec, db), dir / "p1.log");
  ASSERT_TRUE(wait_until(db, "preempt", [](const Summary& s) { return s.running_attempts >= 4; }))
      << test::read_text(dir / "p1.log");
  kill(mpi, SIGUSR1);
  ASSERT_EQ(test::exit_code_of(test::wait_for(mpi, 60)), 4) << test::read_text(dir / "p1.log");
  {
    Store store(db, Store::Mode::read_only);
    int preempted = 0;
    for (const auto& r : store.runs("preempt")) {
      EXPECT_NE(r.state, "failed");
      EXPECT_EQ(r.failures, 0);
      for (const auto& a : store.attempts(r.id)) {
        EXPECT_NE(a.state, "running");
        preempted += a.state == "preempted";
      }
    }
    EXPECT_GE(preempted, 4);
  }
  pid_t again = start_mpirun(4, sweep_args(spec, db), dir / "p2.log");
  ASSERT_EQ(test::exit_code_of(test::wait_for(again, 120)), 0) << test::read_text(dir / "p2.log");
  EXPECT_EQ(summarize(db, "preempt").done, 10);
}

// A bad spec under mpirun: exit 2 from every rank, the message names the JSON path, no database.
TEST(MpiSweep, ABadSpecExitsTwoOnEveryRank) {
  ScratchDir dir;
  pid_t mpi = start_mpirun(3, sweep_args(test::sweep_fixture("bad_specs/unknown_switch.json"), dir / "b.db"),
                           dir / "b.log");
  std::string log;
  EXPECT_EQ(test::exit_code_of(test::wait_for(mpi, 60)), 2) << test::read_text(dir / "b.log");
  log = test::read_text(dir / "b.log");
  EXPECT_NE(log.find("rows[1].switches[1]: unknown switch 'XX'"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(dir / "b.db"));
}

}  // namespace
}  // namespace ds
