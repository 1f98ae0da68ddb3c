// The pieces of darknet's training loops that the detector (trainer.cpp) and the classifier
// (classifier_trainer.cpp) share: the run's cfg, networks at a size, JSON-lines events, the progress
// line, divergence and preemption stops, checkpoint/resume bookkeeping and the final artifacts.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/cfg/cfg.h"
#include "core/data/dataset.h"
#include "core/nn/checkpoint.h"
#include "core/nn/network.h"
#include "core/train/data_parallel.h"
#include "core/train/train_config.h"

namespace ds {

// One progress event on stdout (docs/progress_protocol.md), flushed.
void emit(const nlohmann::json& event);
// Off: emit() and the progress line of finish_iteration print nothing (the processes of a data-parallel run
// other than process 0, data_parallel.h).
void set_reporting(bool on);
double monotonic_seconds();

// The run's cfg: its text, the run's overrides, then max_batches when the run sets it.
Cfg run_cfg(const TrainConfig& c);
// The network at input size w x h and mini-batch b, with the parameters (and optimiser state) of `from`.
std::unique_ptr<Network> build_network(const Cfg& cfg, int w, int h, int mini_batch, const Network* from);

// Starts a run: from DIR/checkpoint.ckpt when it exists (returns its state, `net` rebuilt by `rebuild` from
// the loaded parameters, and emits "resume"), else initialises `net` as darknet does (or from the init weights).
TrainState start_or_resume(const TrainConfig& c, const Cfg& cfg, std::unique_ptr<Network>& net,
                           const std::function<std::unique_ptr<Network>(const TrainState&, const Network&)>& rebuild);
std::string checkpoint_path(const TrainConfig& c);
void write_checkpoint(const TrainConfig& c, const Network& net, const TrainState& st);

// Throughput and ETA of the loop since it (re)started.
struct LoopClock {
  double t_start = monotonic_seconds();
  int64_t it_start = 0;
  double eta(int64_t iteration, int max_batches) const;
};

// SIGTERM/SIGINT was seen (g_stop_requested) by this process or, data-parallel, by any of `dp`'s (then every
// process stops at this iteration): process 0 runs `checkpoint`; says so on stderr and returns true.
bool stop_if_preempted(int64_t iteration, const std::function<void()>& checkpoint, DataParallel& dp);

// What one iteration's mini-batches gave: the loss summed over `images`, at this size, started at t0.
struct IterationSums {
  double loss_sum = 0;
  int images = 0;
  double t0 = 0;
  int w = 0, h = 0, mini_batch = 0;
};
// The end of darknet's iteration: SGD at the policy's rate, iteration and seen images counted, the NaN/Inf
// stop (emits "diverged", returns false), the running average loss, the "iter" event (plus `extra` keys)
// and the progress line on stderr.
bool finish_iteration(Network& net, TrainState& st, double& avg_loss, const LoopClock& clock, const IterationSums& s,
                      const nlohmann::json& extra = nlohmann::json::object());
// After an iteration: `checkpoint` every checkpoint_every and `evaluate` every eval_every iterations, except
// at the last one (which finish_run covers).
void periodic_work(const TrainConfig& c, int64_t iteration, int max_batches, const std::function<void()>& checkpoint,
                   const std::function<void()>& evaluate);

// The evaluation network: the current weights at the cfg's size (base, mini-batch 8), with batch-norm statistics
// re-estimated on `train` when the run asks (precise_bn.h); the training network's own statistics stay
// untouched, so resuming is exact.
std::unique_ptr<Network> inference_network(const TrainConfig& c, const Cfg& cfg, const NetOptions& base,
                                           const Network& net, const Dataset& train);

// The end of a run: the inference network evaluated by `evaluate` (its metrics plus final_avg_loss, iterations,
// seen and the compute environment (core/backend/device.h) go to DIR/metrics.json), DIR/final.weights of that network (seen images in the header), "artifact"
// and "done".
void finish_run(const TrainConfig& c, const Cfg& cfg, const NetOptions& base, const Network& net,
                const Dataset& train, const TrainState& st, double avg_loss,
                const std::function<nlohmann::json(Network&)>& evaluate);

}  // namespace ds
