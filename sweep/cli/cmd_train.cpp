// `sweep train`: trains one detector run, or one classifier run when the cfg ends in [softmax] (classifier_trainer.h),
// from a resolved run JSON (what the scheduler's children get) or from flags, and prints JSON-lines progress
// (docs/progress_protocol.md).
#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "core/train/classifier_trainer.h"
#include "core/backend/device.h"
#include "core/train/train_loop.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "core/util/json_file.h"
#include "scheduler/mpi_all_reduce.h"
#include "sweep/cli/args.h"
#include "sweep/cli/commands.h"

namespace ds {
namespace {

void request_stop(int) { g_stop_requested = true; }

TrainConfig config_from_run_file(const std::string& path) {
  return TrainConfig::from_json(read_json_file(path), path, std::filesystem::path(path).parent_path().string());
}

TrainConfig config_from_flags(const Args& args) {
  TrainConfig c;
  c.cfg_path = args.require("cfg");
  std::ifstream f(c.cfg_path);
  if (!f) throw InputError(c.cfg_path + ": cannot open cfg file");
  c.cfg_text.assign(std::istreambuf_iterator<char>(f), {});
  c.train_list = args.require("train");
  c.val_list = args.get("val", "");
  for (const std::string& o : args.positional()) c.overrides.push_back(o);
  c.max_batches = args.get_int("max-batches", 0);
  c.eval_every = args.get_int("eval-every", 0);
  c.checkpoint_every = args.get_int("checkpoint-every", c.checkpoint_every);
  c.max_val_images = args.get_int("max-val-images", 0);
  c.precise_bn_batches = args.get_int("precise-bn", 0);
  c.seed = uint64_t(args.get_int("seed", 1));
  c.loader_threads = args.get_int("threads", c.loader_threads);
  c.init_weights = args.get("weights", "");
  c.init_partial = args.get_int("partial", -1);
  return c;
}

// A data-parallel process on a GPU computes on its own GPU and sums device memory with the device all-reduce
// (NCCL: rank 0 makes its id, MPI hands it to the others) when this build has one and no two processes share a
// GPU (more processes than GPUs on a node); nullptr: the run sums through `host` (MPI), as on CPUs.
std::unique_ptr<AllReduce> device_all_reduce(const std::string& device, const MpiSession& session,
                                             MpiAllReduce& host) {
  if (device == "cpu") return nullptr;
  select_process_device(device, session.node_local_rank());
  const char* why = !has_device_all_reduce(device)        ? "this build has no NCCL"
                    : processes_share_a_gpu(device, host) ? "some processes share a GPU, which NCCL does not take"
                                                          : nullptr;
  if (why) {
    if (session.rank() == 0)
      std::fprintf(stderr, "sweep train: %s: the data-parallel sums on %s go through the host (MPI), with the "
                   "parameters and gradients copied there and back every iteration\n", why, device.c_str());
    return nullptr;
  }
  const std::string id = mpi_broadcast(session.rank() == 0 ? new_device_all_reduce_id(device) : "", 0);
  return make_device_all_reduce(device, session.rank(), session.size(), id, host);
}

}  // namespace

int cmd_train(const Argv& argv) {
  Args args("train", argv,
            {"run", "out", "cfg", "train", "val", "max-batches", "eval-every", "checkpoint-every", "max-val-images",
             "precise-bn", "seed", "threads", "weights", "partial", "device", "precision"},
            {"data-parallel"});
  TrainConfig c = args.has("run") ? config_from_run_file(args.get("run", "")) : config_from_flags(args);
  c.out_dir = args.require("out");
  if (args.has("device")) c.device = args.get("device", "cpu");  // else the run file's (default cpu)
  if (args.has("precision")) c.precision = args.get("precision", "fp32");
  check_device(c.device, args.has("device") ? "--device" : "device", c.precision);
  // SIGTERM (Slurm preemption, `sweep run` stopping) and SIGINT: checkpoint at the next iteration, exit 4.
  std::signal(SIGTERM, request_stop);
  std::signal(SIGINT, request_stop);
  const bool classifier = is_classifier_cfg(run_cfg(c));
  if (!args.has("data-parallel")) return classifier ? train_classifier(c) : train_detector(c);
  // `mpirun -np K sweep train ... --data-parallel`: the K processes train one run (core/train/data_parallel.h).
  // An explicit flag, not the MPI environment: the trainers that `mpirun ... sweep run` starts inherit it.
  // SIGUSR1 too: mpirun forwards it to every process, while on SIGTERM it kills them at once. `sweep run`
  // stops its data-parallel runs with it (scheduler/supervisor.cpp).
  std::signal(SIGUSR1, request_stop);
  // A process whose mpirun died (killed with its sweep) stops too, instead of training on as an orphan.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  MpiSession session;
  MpiAllReduce processes(session);
  const std::unique_ptr<AllReduce> on_device = device_all_reduce(c.device, session, processes);
  AllReduce* sums = on_device ? on_device.get() : &processes;
  return classifier ? train_classifier(c, sums) : train_detector(c, sums);
}

}  // namespace ds
