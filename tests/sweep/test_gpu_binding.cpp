// GPU binding of slots (explicit map, modulo GPUs per node, inherited CUDA_VISIBLE_DEVICES), the nested
// mpirun of a run on several slots, and the JSON round trip of the coordinator-worker messages.
#include <gtest/gtest.h>

#include "core/util/error.h"
#include "scheduler/data_parallel_launch.h"
#include "scheduler/gpu_binding.h"
#include "scheduler/mpi_protocol.h"

namespace ds {
namespace {

TEST(SlotGpus, NodeSlotsMapThroughTheMapOrModuloAndTheVisibleList) {
  EXPECT_EQ(gpu_for_node_slot(make_gpu_binding("", 0, nullptr), 5), "5");
  EXPECT_EQ(gpu_for_node_slot(make_gpu_binding("", 4, nullptr), 5), "1");  // 2 ranks x 4 slots on 4 GPUs
  EXPECT_EQ(gpu_for_node_slot(make_gpu_binding("3,2,1,0", 0, nullptr), 1), "2");
  // Slurm gave this job GPUs 6 and 7: slot 0 sees 6, slot 1 sees 7, slot 2 wraps with --gpus-per-node 2.
  EXPECT_EQ(gpu_for_node_slot(make_gpu_binding("", 0, "6,7"), 1), "7");
  EXPECT_EQ(gpu_for_node_slot(make_gpu_binding("", 2, "6,7"), 2), "6");
}

TEST(SlotGpus, ImpossibleBindingsAreInputErrors) {
  EXPECT_THROW(make_gpu_binding("0,x", 0, nullptr), InputError);
  EXPECT_THROW(make_gpu_binding("0,,1", 0, nullptr), InputError);
  EXPECT_THROW(make_gpu_binding("", -1, nullptr), InputError);
  EXPECT_THROW(gpu_for_node_slot(make_gpu_binding("0,1", 0, nullptr), 2), InputError);
  EXPECT_THROW(gpu_for_node_slot(make_gpu_binding("", 0, "0,1"), 2), InputError);
}

TEST(SlotGpus, PlacementsKeepTheErrorForCudaSweepsOnly) {
  auto slots = host_placements(3, 2, 6, 3, make_gpu_binding("", 0, "4,5,6,7"));
  ASSERT_EQ(slots.size(), 3u);
  EXPECT_EQ(slots[0].rank, 2);
  EXPECT_EQ(slots[0].slot, 6);
  EXPECT_EQ(slots[2].local_slot, 2);
  EXPECT_EQ(slots[0].gpu, "7");
  EXPECT_TRUE(slots[0].gpu_error.empty());
  EXPECT_NE(slots[1].gpu_error.find("not among CUDA_VISIBLE_DEVICES"), std::string::npos);
}

// A run on K slots: one `-np K` job on CPUs; on GPUs one app context per process, each seeing its slot's GPU.
TEST(DataParallelLaunch, CpuJobOrOneAppContextPerGpu) {
  const std::vector<std::string> trainer = {"/bin/sweep", "train", "--run", "R/run.json", "--out", "R"};
  const std::vector<std::string> head = {"/usr/bin/mpirun", "--oversubscribe", "--bind-to", "none", "--stdin", "none"};
  auto expect = [&](std::vector<std::string> tail) {
    std::vector<std::string> out = head;
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
  };
  EXPECT_EQ(data_parallel_argv("/usr/bin/mpirun", 2, {}, trainer),
            expect({"-np", "2", "/bin/sweep", "train", "--run", "R/run.json", "--out", "R", "--data-parallel"}));
  EXPECT_EQ(data_parallel_argv("/usr/bin/mpirun", 2, {"3", "5"}, trainer),
            expect({"-np", "1", "-x", "CUDA_VISIBLE_DEVICES=3", "/bin/sweep", "train", "--run", "R/run.json", "--out",
                    "R", "--data-parallel", ":", "-np", "1", "-x", "CUDA_VISIBLE_DEVICES=5", "/bin/sweep", "train",
                    "--run", "R/run.json", "--out", "R", "--data-parallel"}));
  // What an enclosing mpirun gave the coordinator stays out of the nested job; running as root stays allowed.
  for (const char* kv : {"OMPI_COMM_WORLD_RANK=0", "OMPI_MCA_orte_hnp_uri=1.0;tcp://x", "PMIX_RANK=0", "PMI_SIZE=2"})
    EXPECT_TRUE(is_mpi_launch_variable(kv)) << kv;
  for (const char* kv : {"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", "PATH=/bin", "DS_RUN_ID=x"})
    EXPECT_FALSE(is_mpi_launch_variable(kv)) << kv;
}

TEST(WorkerMessages, RoundTripAsJson) {
  Placement p{"node7", 3, 9, 1, "2", ""};
  Placement q = placement_from_json(to_json(p));
  EXPECT_EQ(q.host, "node7");
  EXPECT_EQ(q.rank, 3);
  EXPECT_EQ(q.slot, 9);
  EXPECT_EQ(q.local_slot, 1);
  EXPECT_EQ(q.gpu, "2");

  LaunchRequest r;
  r.attempt_id = 42;
  r.slot = 1;
  r.run_dir = "/runs/abc";
  r.run_json = "{\"cfg_text\": \"[net]\\n\"}\n";
  r.marker = "\n{\"event\":\"attempt\"}\n";
  r.spawn.argv = {"/bin/sweep", "train", "--run", "/runs/abc/run.json"};
  r.spawn.env = {"DS_ATTEMPT=2", "CUDA_VISIBLE_DEVICES="};
  r.spawn.log_path = "/runs/abc/attempt-2.log";
  r.spawn.progress_path = "/runs/abc/progress.jsonl";
  r.spawn.without_mpi_launch_env = true;
  LaunchRequest s = launch_from_json(to_json(r));
  EXPECT_EQ(s.attempt_id, 42);
  EXPECT_EQ(s.run_json, r.run_json);
  EXPECT_EQ(s.marker, r.marker);
  EXPECT_EQ(s.spawn.argv, r.spawn.argv);
  EXPECT_EQ(s.spawn.env, r.spawn.env);
  EXPECT_EQ(s.spawn.progress_path, r.spawn.progress_path);
  EXPECT_TRUE(s.spawn.without_mpi_launch_env);

  std::vector<HostEvent> events = {{HostEvent::Kind::started, 42, 1234, "", 0},
                                   {HostEvent::Kind::output, 42, 0, "{\"event\":\"iter\"}\n", 0},
                                   {HostEvent::Kind::ended, 42, 0, "", 139}};
  auto back = events_from_json(to_json(events));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].kind, HostEvent::Kind::started);
  EXPECT_EQ(back[0].pid, 1234);
  EXPECT_EQ(back[1].text, events[1].text);
  EXPECT_EQ(back[2].kind, HostEvent::Kind::ended);
  EXPECT_EQ(back[2].wait_status, 139);
}

}  // namespace
}  // namespace ds
