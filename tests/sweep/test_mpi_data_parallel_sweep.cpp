// `sweep run` giving one run K slots (a spec's "processes", scheduler/data_parallel_launch.h) with the real
// trainer: a stage on 2 processes beside a normal stage in a sweep of 2 slots, the 2-process run equal to the
// same run (the same id) trained on one process, its attempt holding both slots; and SIGTERM to the
// coordinator reaching both processes through the nested mpirun (exit 4, resumed by the next `sweep run`);
// and the same under MPI dispatch.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "e2e_support.h"
#include "sweep/store.h"
#include "tests/support/data_parallel_env.h"
#include "tests/support/run_command.h"

namespace ds {
namespace {

using test::ScratchDir;

class MpiDataParallelSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    test::set_data_parallel_env();  // one OpenBLAS thread in every trainer, as in one process
    auto r = test::synth_data_parallel_data(dir_ / "data");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  // The smoke detector for `batches` iterations of batch 8 in 4 mini-batches of 2: stage "dp" (its row
  // "k") on `processes`, and with `plain` stage "plain", two rows on one process each.
  std::string write_spec(const std::string& name, int processes, int batches, bool plain) {
    nlohmann::json spec = {
        {"name", "dp"},
        {"base",
         {{"cfg", std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg"},
          {"overrides", {"net.batch=8", "net.subdivisions=4", "net.burn_in=1", "net.learning_rate=0.001"}},
          {"data", {{"train", "data/train.txt"}, {"val", "data/val.txt"}, {"classes", 4}}},
          {"schedule", {{"max_batches", batches}, {"checkpoint_every", 1}}}}},
        {"stages", {{{"name", "dp"}, {"processes", processes}}, {{"name", "plain"}}}},
        {"rows", {{{"name", "k"}, {"stage", "dp"}}}},
    };
    if (plain)
      for (const char* lr : {"0.002", "0.003"})
        spec["rows"].push_back({{"name", lr}, {"stage", "plain"}, {"overrides", {std::string("net.learning_rate=") + lr}}});
    test::write_text(dir_ / name, spec.dump(2));
    return dir_ / name;
  }
  test::CommandResult sweep_run(const std::string& spec, const std::string& db) {
    return test::run_command(std::string(DS_SWEEP_EXE) + " run " + spec + " --db " + db + " --slots 2");
  }
  static RunRecord run_named(Store& store, const std::string& label) {
    for (auto& r : store.runs("dp"))
      if (r.row_label == label) return r;
    throw std::runtime_error("no run " + label);
  }
  ScratchDir dir_;
};

TEST_F(MpiDataParallelSweep, AStageOnTwoSlotsTrainsLikeOneProcessBesideANormalStage) {
  auto two = sweep_run(write_spec("two.json", 2, 3, true), dir_ / "two.db");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("attempt 1 (rank 0 slots 0,1, "), std::string::npos) << two.output;
  auto one = sweep_run(write_spec("one.json", 1, 3, false), dir_ / "one.db");
  ASSERT_EQ(one.exit_code, 0) << one.output;

  Store store2(dir_ / "two.db", Store::Mode::read_only), store1(dir_ / "one.db", Store::Mode::read_only);
  RunRecord k = run_named(store2, "k"), k1 = run_named(store1, "k");
  EXPECT_EQ(k.id, k1.id) << "processes are no part of a run's identity";
  // Every run done; the 2-process attempt held both slots, so nothing else ran beside it.
  auto attempts = store2.attempts(k.id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].state, "ok");
  EXPECT_EQ(attempts[0].processes, 2);
  EXPECT_EQ(store1.attempts(k.id).at(0).processes, 1);
  auto status = test::run_command(std::string(DS_SWEEP_EXE) + " status --db " + dir_ / "two.db");
  EXPECT_NE(status.output.find("slot 0 (2 processes)"), std::string::npos) << status.output;
  ASSERT_EQ(store2.runs("dp").size(), 3u);
  for (const auto& r : store2.runs("dp")) {
    EXPECT_EQ(r.state, "done") << r.row_label;
    if (r.id == k.id) continue;
    auto a = store2.attempts(r.id).at(0);
    EXPECT_EQ(a.processes, 1);
    EXPECT_TRUE(a.start >= *attempts[0].end || *a.end <= attempts[0].start) << r.row_label << " overlapped the 2-slot run";
  }
  // The same losses at every iteration (the processes' loss terms are summed) and the same final metrics.
  auto losses = [](Store& s, const std::string& id) {
    std::vector<double> out;
    for (const auto& m : s.metrics(id))
      if (m.kind == "iter") out.push_back(nlohmann::json::parse(m.json).at("loss").get<double>());
    return out;
  };
  auto l2 = losses(store2, k.id), l1 = losses(store1, k.id);
  ASSERT_EQ(l2.size(), 3u);
  ASSERT_EQ(l1.size(), 3u);
  for (size_t i = 0; i < l1.size(); ++i) {
    std::printf("iteration %zu: loss %.6f on 1 process, %.6f on 2\n", i + 1, l1[i], l2[i]);
    EXPECT_NEAR(l2[i], l1[i], 1e-3 * std::abs(l1[i])) << "iteration " << i + 1;
  }
  auto m2 = nlohmann::json::parse(*store2.result(k.id)), m1 = nlohmann::json::parse(*store1.result(k.id));
  for (const auto& [key, value] : m1.items()) {
    if (!value.is_number()) continue;
    EXPECT_NEAR(m2.at(key).get<double>(), value.get<double>(), 1e-3) << key;
  }
}

// Under `mpirun -np 2 sweep run --slots 2` the 2-process run takes both slots of one rank; its nested mpirun
// works because the job's OMPI_*/PMIX_* variables are left out (with them: "mpirun does not support
// recursive calls").
TEST_F(MpiDataParallelSweep, UnderMpiDispatchARunTakesTwoSlotsOfOneRank) {
  auto r = test::run_command("mpirun --oversubscribe -np 2 " + std::string(DS_SWEEP_EXE) + " run " +
                             write_spec("mpi.json", 2, 2, true) + " --db " + dir_ / "mpi.db" + " --slots 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Store store(dir_ / "mpi.db", Store::Mode::read_only);
  for (const auto& run : store.runs("dp")) EXPECT_EQ(run.state, "done") << run.row_label;
  auto a = store.attempts(run_named(store, "k").id).at(0);
  EXPECT_EQ(a.processes, 2);
  EXPECT_EQ(a.slot % 2, 0) << "slots 0,1 of rank 0 or 2,3 of rank 1";
  EXPECT_NE(r.output.find("attempt 1 (rank " + std::to_string(a.rank) + " slots " + std::to_string(a.slot) + "," +
                          std::to_string(a.slot + 1) + ", "),
            std::string::npos)
      << r.output;
}

TEST_F(MpiDataParallelSweep, SigtermReachesEveryProcessAndTheRestartResumes) {
  const std::string spec = write_spec("long.json", 2, 6, false), db = dir_ / "long.db";
  pid_t pid = test::start_sweep({"run", spec, "--db", db, "--slots", "2"}, dir_ / "out.log");
  // SIGTERM once the 2-process run has checkpointed an iteration.
  auto checkpointed = [&] {
    if (!std::filesystem::exists(dir_ / "long-runs")) return false;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "long-runs"))
      if (std::filesystem::exists(e.path() / "checkpoint.ckpt")) return true;
    return false;
  };
  for (int i = 0; i < 1200 && !checkpointed(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_TRUE(checkpointed()) << test::read_text(dir_ / "out.log");
  kill(pid, SIGTERM);
  EXPECT_EQ(test::exit_code_of(test::wait_for(pid, 60)), 4) << test::read_text(dir_ / "out.log");
  EXPECT_EQ(test::processes_mentioning(dir_ / "long-runs"), 0) << "a trainer process outlived the preemption";
  std::string id;
  {
    Store store(db, Store::Mode::read_only);
    RunRecord k = run_named(store, "k");
    id = k.id;
    EXPECT_EQ(k.state, "pending");
    auto attempts = store.attempts(k.id);
    ASSERT_EQ(attempts.size(), 1u);
    EXPECT_EQ(attempts[0].state, "preempted") << attempts[0].reason;
    EXPECT_EQ(attempts[0].exit_code, 4);
    EXPECT_EQ(attempts[0].processes, 2);
  }
  auto again = sweep_run(spec, db);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  Store store(db, Store::Mode::read_only);
  EXPECT_EQ(run_named(store, "k").state, "done");
  EXPECT_NE(test::read_text(dir_ / ("long-runs/" + id + "/progress.jsonl")).find("\"event\":\"resume\""),
            std::string::npos)
      << "the second attempt resumed from the checkpoint";
}

}  // namespace
}  // namespace ds
