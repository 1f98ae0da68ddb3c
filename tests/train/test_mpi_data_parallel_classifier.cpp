// `mpirun -np 2 sweep train ... --data-parallel` on a classifier cfg (core/train/classifier_trainer.h): both
// processes load every mini-batch (the augmentation is one stream in order), each trains its half and they sum
// their gradients, so they follow one process with the same batch; only process 0 reports and writes.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "core/cfg/cfg.h"
#include "core/nn/network.h"
#include "core/nn/weights_io.h"
#include "core/util/rng.h"
#include "tests/support/count_text.h"
#include "tests/support/data_parallel_env.h"
#include "tests/support/run_command.h"
#include "tests/support/training_agreement.h"

using ds::test::run_command;
namespace fs = std::filesystem;

namespace {

const std::string kSweep = DS_SWEEP_EXE;
const std::string kCfg = std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-classifier.cfg";

class MpiDataParallelClassifier : public ::testing::Test {
 protected:
  void SetUp() override {
    ds::test::set_data_parallel_env();
    dir_ = fs::temp_directory_path() / ("ds_mpi_dp_cls_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    auto r = run_command(kSweep + " data synth --out " + (dir_ / "data").string() +
                         " --train 24 --val 8 --size 64 --classes 8 --classify --threads 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  void TearDown() override { fs::remove_all(dir_); }
  // 3 iterations of batch 8 in 4 mini-batches of 2, past the burn-in, by `launcher` ("" or "mpirun ... -np K").
  ds::test::CommandResult train(const std::string& launcher, const std::string& out, const std::string& extra) {
    return run_command(launcher + " " + kSweep + " train --cfg " + kCfg + " --train " +
                       (dir_ / "data/train.txt").string() + " --val " + (dir_ / "data/val.txt").string() +
                       " --out " + (dir_ / out).string() + " --max-batches 3 --threads 1 " + extra +
                       " net.batch=8 net.subdivisions=4 net.burn_in=1");
  }
  fs::path dir_;
};

}  // namespace

TEST_F(MpiDataParallelClassifier, TwoProcessesFollowOneWithTheSameBatch) {
  auto one = train("", "one", "");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  auto two = train("mpirun --oversubscribe -np 2", "two", "--data-parallel");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_EQ(ds::test::count_occurrences(two.output, "\"event\":\"iter\""), 3u) << two.output;  // process 0 only
  EXPECT_EQ(ds::test::count_occurrences(two.output, "\"event\":\"done\""), 1u) << two.output;
  EXPECT_NE(two.output.find("top-1"), std::string::npos) << "process 0 evaluates: " << two.output;

  const ds::Cfg cfg = ds::parse_cfg_file(kCfg);
  ds::Network a(cfg), b(cfg), start(cfg);
  ds::load_weights(a, (dir_ / "one/final.weights").string());
  ds::load_weights(b, (dir_ / "two/final.weights").string());
  ds::Rng rng(1);  // the trainer's initialisation with seed 1
  start.init_params(rng);
  const ds::test::TrainingAgreement t = ds::test::training_agreement(start, a.params(), b.params());
  std::printf("classifier: trained parameters moved %.3g of their norm; the two runs differ by %.3g of that\n",
              t.moved, t.differ);
  EXPECT_GT(t.moved, 1e-4);
  EXPECT_LT(t.differ, 5e-3) << "relative to how far training moved them";
}
