// The pieces of darknet's training loops that the detector (trainer.cpp) and the classifier
// (classifier_trainer.cpp) share: the run's cfg, networks at a size, JSON-lines events, the progress
// line, divergence and preemption stops, checkpoint/resume bookkeeping and the final artifacts.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/cfg/cfg.h"
#include "core/nn/checkpoint.h"
#include "core/nn/network.h"
#include "core/train/train_config.h"

namespace ds {

// One progress event on stdout (docs/progress_protocol.md), flushed.
void emit(const nlohmann::json& event);
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

// darknet stops on a NaN/Inf loss: emits "diverged", says so on stderr and returns true.
bool diverged(double loss, int64_t iteration);
// The human progress line on stderr.
void print_progress(int64_t iteration, int max_batches, double loss, double avg_loss, float lr, int w, int h,
                    double images_per_s, double eta_s);

// The end of a run: DIR/final.weights (seen images in the header), DIR/metrics.json, "artifact" and "done".
void finish_run(const TrainConfig& c, const Network& final_net, const TrainState& st, nlohmann::json metrics);

}  // namespace ds
