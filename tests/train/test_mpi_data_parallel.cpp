// `mpirun -np 2 sweep train ... --data-parallel` (core/train/data_parallel.h): two processes that each train half
// of every batch's mini-batches and sum their gradients follow one process with the same batch — the trained
// parameters agree to float rounding (the order of additions differs) — while only process 0 reports and writes.
// Detectors and classifiers (whose processes each load the whole batch: core/train/classifier_trainer.h).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <unistd.h>

#include "core/cfg/cfg.h"
#include "core/nn/network.h"
#include "core/nn/weights_io.h"
#include "core/util/rng.h"
#include "tests/support/data_parallel_env.h"
#include "tests/support/run_command.h"
#include "tests/support/count_text.h"
#include "tests/support/training_agreement.h"

using ds::test::run_command;
namespace fs = std::filesystem;

namespace {

const std::string kSweep = DS_SWEEP_EXE;

// What a fixture trains: the cfg, how its data is made (into the given folder), the arguments after the command.
struct RunSetup {
  std::string cfg;
  std::function<ds::test::CommandResult(const std::string&)> synth;
  std::string arguments;  // lists beyond --train, and the cfg overrides
};

class DataParallelRun : public ::testing::Test {
 protected:
  explicit DataParallelRun(RunSetup setup) : setup_(std::move(setup)) {}
  void SetUp() override {
    ds::test::set_data_parallel_env();
    dir_ = fs::temp_directory_path() /
           ("ds_mpi_dp_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(getpid()));
    fs::remove_all(dir_);
    auto r = setup_.synth((dir_ / "data").string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  void TearDown() override { fs::remove_all(dir_); }
  // 3 iterations of batch 8 in 4 mini-batches of 2 (past the burn-in, so that the updates matter), by
  // `launcher` ("" or "mpirun ... -np K").
  ds::test::CommandResult train(const std::string& launcher, const std::string& out, const std::string& extra) {
    return run_command(launcher + " " + kSweep + " train --cfg " + setup_.cfg + " --train " +
                       (dir_ / "data/train.txt").string() + " --out " + (dir_ / out).string() +
                       " --max-batches 3 --threads 1 " + extra + " net.batch=8 net.subdivisions=4 net.burn_in=1 " +
                       setup_.arguments);
  }
  // Trains the run once alone and once on 2 processes (each with `extra`), and expects the two to agree; returns
  // what the 2 processes printed.
  std::string expect_two_processes_follow_one(const std::string& extra) {
    auto one = train("", "one", extra);
    EXPECT_EQ(one.exit_code, 0) << one.output;
    auto two = train("mpirun --oversubscribe -np 2", "two", "--data-parallel " + extra);
    EXPECT_EQ(two.exit_code, 0) << two.output;
    if (one.exit_code != 0 || two.exit_code != 0) return two.output;
    // Process 0 reports, process 1 does not.
    EXPECT_EQ(ds::test::count_occurrences(two.output, "\"event\":\"iter\""), 3u) << two.output;
    EXPECT_EQ(ds::test::count_occurrences(two.output, "\"event\":\"done\""), 1u) << two.output;
    if (two.output.find("this build has no NCCL") != std::string::npos)
      std::printf("(no NCCL in this build: the sums went through the host)\n");

    const ds::Cfg cfg = ds::parse_cfg_file(setup_.cfg);
    ds::Network a(cfg), b(cfg), start(cfg);
    ds::load_weights(a, (dir_ / "one/final.weights").string());
    ds::load_weights(b, (dir_ / "two/final.weights").string());
    ds::Rng rng(1);  // the trainer's initialisation with seed 1
    start.init_params(rng);
    // The parameters moved from their initialisation, and both runs moved them the same way.
    const ds::test::TrainingAgreement t = ds::test::training_agreement(start, a.params(), b.params());
    std::printf("trained parameters: moved %.3g (relative to their norm), the two runs differ by %.3g of that\n",
                t.moved, t.differ);
    EXPECT_GT(t.moved, 1e-4);
    // Measured: detector 4e-4 (0.63 without the all-reduce), classifier 1.7e-6 (0.93 without it).
    EXPECT_LT(t.differ, 5e-3) << "relative to how far training moved them";
    return two.output;
  }
  RunSetup setup_;
  fs::path dir_;
};

class MpiDataParallel : public DataParallelRun {
 protected:
  MpiDataParallel()
      : DataParallelRun({std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg",
                         ds::test::synth_data_parallel_data, "net.learning_rate=0.001"}) {}
};

TEST_F(MpiDataParallel, TwoProcessesFollowOneWithTheSameBatch) { expect_two_processes_follow_one(""); }

// The same on GPUs (skips with fewer than 2): each process on its own GPU (node-local rank modulo the GPUs it
// sees), the sums with NCCL on the device when the build has it.
TEST_F(MpiDataParallel, TwoProcessesOnTwoGpusFollowOneWithTheSameBatch) {
  const auto gpus = run_command("nvidia-smi -L 2>/dev/null | grep -c '^GPU'");
  if (std::atoi(gpus.output.c_str()) < 2) GTEST_SKIP() << "fewer than 2 GPUs (nvidia-smi -L)";
  expect_two_processes_follow_one("--device cuda");
}

// Two processes on one GPU (skips without one): NCCL refuses that, so they sum through the host, and still
// follow one process.
TEST_F(MpiDataParallel, TwoProcessesOnOneGpuSumThroughTheHost) {
  const auto gpus = run_command("nvidia-smi -L 2>/dev/null | grep -c '^GPU'");
  if (std::atoi(gpus.output.c_str()) < 1) GTEST_SKIP() << "no GPU (nvidia-smi -L)";
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  const std::string restore = visible ? visible : "";
  setenv("CUDA_VISIBLE_DEVICES", "0", 1);
  const std::string two = expect_two_processes_follow_one("--device cuda");
  if (visible) setenv("CUDA_VISIBLE_DEVICES", restore.c_str(), 1);
  else unsetenv("CUDA_VISIBLE_DEVICES");
  EXPECT_NE(two.find("the data-parallel sums on cuda go through the host"), std::string::npos) << two;
}

TEST_F(MpiDataParallel, ProcessesThatDoNotDivideTheSubdivisionsAreAnInputError) {
  auto r = train("mpirun --oversubscribe -np 3", "three", "--data-parallel");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("3 processes need subdivisions divisible by 3, got subdivisions=4"), std::string::npos)
      << r.output;
}

class MpiDataParallelClassifier : public DataParallelRun {
 protected:
  MpiDataParallelClassifier()
      : DataParallelRun({std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-classifier.cfg",
                         [](const std::string& out) {
                           return run_command(kSweep + " data synth --out " + out +
                                              " --train 24 --val 8 --size 64 --classes 8 --classify --threads 1");
                         },
                         ""}) {}
  void SetUp() override {
    DataParallelRun::SetUp();
    setup_.arguments = "--val " + (dir_ / "data/val.txt").string();
  }
};

TEST_F(MpiDataParallelClassifier, TwoProcessesFollowOneWithTheSameBatch) {
  const std::string two = expect_two_processes_follow_one("");
  EXPECT_NE(two.find("top-1"), std::string::npos) << "process 0 evaluates: " << two;
}

}  // namespace
