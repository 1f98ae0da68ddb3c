// Data parallelism on GPUs (core/train/data_parallel.h over core/cuda/nccl_all_reduce.h; skips with fewer than 2
// CUDA devices or without NCCL): two processes, each on its own GPU, each training half of every batch's
// mini-batches and summing gradients and rolling statistics with NCCL on the device, follow one process that
// trains the whole batch alone — the trained parameters agree to float rounding (the order of additions differs)
// — and end with the same parameters, bit for bit. The smoke detector at 64x64, batch 8 in 4 mini-batches of 2,
// 3 iterations past a burn-in of 1 on fixed images and boxes.
// The two processes are this test binary run again (/proc/self/exe --gtest_filter=GpuDataParallelChild.*, with
// the rank, the NCCL unique id and an output file in the environment): a process must not fork once CUDA is
// initialised, so they are spawned (posix_spawn), never forked. The child test skips when run on its own.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/backend/device.h"
#include "core/cuda/cuda_network.h"
#include "core/cuda/process_device.h"
#include "core/nn/network.h"
#include "core/nn/sgd.h"
#include "core/train/data_parallel.h"
#include "tests/support/fixed_detector_data.h"
#include "tests/support/training_agreement.h"
#if DARKSWEEP_HAVE_NCCL
#include "core/cuda/nccl_all_reduce.h"
#endif

extern char** environ;

using namespace ds;

namespace {

constexpr int kProcesses = 2, kIterations = 3;
const char* const kRankVar = "DS_TEST_DP_RANK";
const char* const kIdVar = "DS_TEST_DP_NCCL_ID";
const char* const kOutVar = "DS_TEST_DP_OUT";

Cfg smoke_detector() {
  Cfg cfg = parse_cfg_file(std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg");
  apply_overrides(cfg, {"net.width=64", "net.height=64", "net.batch=8", "net.subdivisions=4", "net.burn_in=1",
                        "net.learning_rate=0.001"});
  return cfg;
}

// The detector from the same initialisation on the current GPU.
std::unique_ptr<Network> gpu_network() {
  auto net = std::make_unique<Network>(smoke_detector());
  Rng init(3);
  net->init_params(init);
  net->attach(std::make_unique<cuda::Network>(*net));
  return net;
}

// kIterations of the trainer's loop (core/train/trainer.cpp) on this process's share of the mini-batches; returns
// the trained parameters.
std::vector<float> train(Network& net, DataParallel& dp) {
  const test::DetectorData d = test::fixed_detector_data(net, net.options().subdivisions, 4);  // 4 classes
  const NetOptions& o = net.options();
  const DataParallel::Share share = dp.share(o.subdivisions, "test");
  for (int it = 0; it < kIterations; ++it) {
    dp.begin_iteration(net);
    for (int sub = share.first; sub < share.first + share.count; ++sub) {
      net.forward(d.x[size_t(sub)].data(), true, nullptr, it, &d.truths[size_t(sub)], 0.01f, sub - share.first);
      net.backward(d.x[size_t(sub)].data());
    }
    std::vector<double> no_sums;
    dp.end_iteration(net, no_sums);
    sgd_step(net, learning_rate_at(o, it));
  }
  net.sync_to_host();
  return std::vector<float>(net.params(), net.params() + net.num_params());
}

std::string to_hex(const std::string& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string h;
  for (unsigned char c : bytes) h += {digits[c >> 4], digits[c & 15]};
  return h;
}

std::string from_hex(const std::string& hex) {
  std::string b;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) b += char(std::stoi(hex.substr(i, 2), nullptr, 16));
  return b;
}

std::vector<float> read_floats(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<float> v;
  float x;
  while (f.read(reinterpret_cast<char*>(&x), sizeof x)) v.push_back(x);
  return v;
}

// This binary again, running only the child test, with `vars` added to the environment.
pid_t spawn_child(const std::vector<std::string>& vars) {
  std::vector<std::string> env(vars);
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe", filter = "--gtest_filter=GpuDataParallelChild.*";
  char* argv[] = {exe.data(), filter.data(), nullptr};
  pid_t pid = -1;
  if (posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, envp.data()) != 0) return -1;
  return pid;
}

// Waits for every child; when one fails, kills the others (which would wait for it in the all-reduce forever).
bool wait_for(std::vector<pid_t> children) {
  while (!children.empty()) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) return false;
    children.erase(std::remove(children.begin(), children.end(), pid), children.end());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      for (pid_t other : children) kill(other, SIGKILL);
      for (pid_t other : children) waitpid(other, &status, 0);
      return false;
    }
  }
  return true;
}

int device_count() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

}  // namespace

TEST(GpuDataParallel, TwoProcessesOnTwoGpusFollowOneWithTheSameBatch) {
#if !DARKSWEEP_HAVE_NCCL
  GTEST_SKIP() << "this build has no NCCL";
#else
  if (!cuda::device_available() || device_count() < kProcesses) GTEST_SKIP() << "fewer than 2 CUDA devices";
  const std::string id = to_hex(cuda::nccl_unique_id());
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ds_gpu_dp_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::vector<pid_t> children;
  for (int r = 0; r < kProcesses; ++r) {
    children.push_back(spawn_child({std::string(kRankVar) + "=" + std::to_string(r), std::string(kIdVar) + "=" + id,
                                    std::string(kOutVar) + "=" + (dir / std::to_string(r)).string()}));
    ASSERT_GT(children.back(), 0) << "posix_spawn failed";
  }
  // Meanwhile, one process trains the whole batch.
  auto net = gpu_network();
  DataParallel alone;
  const std::vector<float> one = train(*net, alone);
  ASSERT_TRUE(wait_for(children)) << "a child process failed (its output is above)";
  const std::vector<float> a = read_floats(dir / "0"), b = read_floats(dir / "1");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(a.size(), one.size());
  ASSERT_EQ(b.size(), one.size());
  EXPECT_TRUE(a == b) << "the two processes ended with different parameters";

  Network start(smoke_detector());
  Rng init(3);
  start.init_params(init);
  const test::TrainingAgreement t = test::training_agreement(start, one.data(), a.data());
  std::printf("trained parameters: moved %.3g (relative to their norm), two processes and one differ by %.3g of that\n",
              t.moved, t.differ);
  EXPECT_GT(t.moved, 1e-4);
  EXPECT_LT(t.differ, 5e-3) << "relative to how far training moved them";  // measured 5.5e-6; 0.71 without the all-reduce
#endif
}

// One process of the test above (skips unless that test started it).
TEST(GpuDataParallelChild, TrainsItsShareAndWritesItsParameters) {
  const char* rank = std::getenv(kRankVar);
  if (!rank) GTEST_SKIP() << "run by GpuDataParallel.TwoProcessesOnTwoGpusFollowOneWithTheSameBatch only";
#if DARKSWEEP_HAVE_NCCL
  const int r = std::atoi(rank);
  cuda::select_process_device(r);  // each process its own GPU, before any other CUDA call
  cuda::NcclAllReduce processes(r, kProcesses, from_hex(std::getenv(kIdVar)), nullptr);
  auto net = gpu_network();
  DataParallel dp(&processes);
  const std::vector<float> p = train(*net, dp);
  std::ofstream out(std::getenv(kOutVar), std::ios::binary);
  out.write(reinterpret_cast<const char*>(p.data()), std::streamsize(p.size() * sizeof(float)));
  ASSERT_TRUE(out.good());
#endif
}

// Process 0 of 2, whose partner computes on device `partner_gpu`: a sum adds what the partner contributes (its
// GPU's identity in slot 1, 0 elsewhere) to this process's values.
class PartnerOn : public AllReduce {
 public:
  explicit PartnerOn(int partner_gpu) : partner_gpu_(partner_gpu) {}
  int rank() const override { return 0; }
  int size() const override { return 2; }
  void sum(float*, size_t) override { FAIL() << "not used"; }
  void sum(double* data, size_t n) override {
    ASSERT_EQ(n, 2u);
    data[1] += double(cuda::device_identity(partner_gpu_));
  }

 private:
  int partner_gpu_;
};

// NCCL takes one process per GPU, so a run whose processes share one sums through the host: the processes tell
// it by their GPUs' UUIDs (an index would not do: CUDA_VISIBLE_DEVICES renumbers them per process).
TEST(GpuDataParallel, ProcessesOnOneGpuAreToldApart) {
  int gpus = 0;
  if (cudaGetDeviceCount(&gpus) != cudaSuccess || gpus < 1) GTEST_SKIP() << "no CUDA device";
  ASSERT_EQ(cuda::select_process_device(0), 0);
  PartnerOn same(0);
  EXPECT_TRUE(processes_share_a_gpu("cuda", same));
  EXPECT_NE(cuda::device_identity(0), 0u);
  EXPECT_LT(cuda::device_identity(0), uint64_t(1) << 52) << "must travel exactly as a double";
  if (gpus < 2) return;
  PartnerOn other(1);
  EXPECT_FALSE(processes_share_a_gpu("cuda", other));
  EXPECT_NE(cuda::device_identity(0), cuda::device_identity(1));
}
