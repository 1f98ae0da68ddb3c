// Shared training-loop pieces (see train_loop.h).
#include "core/train/train_loop.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/nn/sgd.h"
#include "core/nn/weights_io.h"
#include "core/backend/device.h"
#include "core/train/precise_bn.h"
#include "core/train/trainer.h"
#include "core/util/atomic_file.h"

namespace ds {

namespace {
bool g_reporting = true;
}  // namespace

void set_reporting(bool on) { g_reporting = on; }

void emit(const nlohmann::json& event) {
  if (!g_reporting) return;
  std::printf("%s\n", event.dump().c_str());
  std::fflush(stdout);
}

double monotonic_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

namespace {

std::string format_duration(double s) {
  char buf[32];
  int t = int(s);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", t / 3600, t / 60 % 60);
  else std::snprintf(buf, sizeof buf, "%dm%02ds", t / 60, t % 60);
  return buf;
}

}  // namespace

Cfg run_cfg(const TrainConfig& c) {
  Cfg cfg = parse_cfg_text(c.cfg_text, c.cfg_path);
  apply_overrides(cfg, c.overrides);
  if (c.max_batches > 0) apply_override(cfg, "net.max_batches=" + std::to_string(c.max_batches));
  return cfg;
}

std::unique_ptr<Network> build_network(const Cfg& cfg, int w, int h, int mini_batch, const Network* from) {
  Cfg sized = cfg;
  apply_override(sized, "net.width=" + std::to_string(w));
  apply_override(sized, "net.height=" + std::to_string(h));
  auto net = std::make_unique<Network>(sized, mini_batch);
  net->options().mini_batch = mini_batch;  // DM: the SGD step divides by the current batch, as darknet
  if (from) {
    from->sync_to_host();
    std::copy(from->params(), from->params() + from->num_params(), net->params());
    std::copy(from->grads(), from->grads() + from->num_params(), net->grads());
  }
  return net;
}

std::string checkpoint_path(const TrainConfig& c) { return c.out_dir + "/checkpoint.ckpt"; }

TrainState start_or_resume(const TrainConfig& c, const Cfg& cfg, std::unique_ptr<Network>& net,
                           const std::function<std::unique_ptr<Network>(const TrainState&, const Network&)>& rebuild) {
  TrainState st;
  const std::string path = checkpoint_path(c);
  if (std::filesystem::exists(path)) {
    Network probe(cfg);
    st = load_checkpoint(path, probe);
    net = rebuild(st, probe);
    emit({{"event", "resume"}, {"iteration", st.iteration}, {"path", path}});
  } else {
    Rng init(c.seed);
    net->init_params(init);
    if (!c.init_weights.empty()) load_weights(*net, c.init_weights, c.init_partial);
  }
  return st;
}

void write_checkpoint(const TrainConfig& c, const Network& net, const TrainState& st) {
  save_checkpoint(checkpoint_path(c), net, st);
  emit({{"event", "checkpoint"}, {"iteration", st.iteration}, {"path", checkpoint_path(c)}});
}

double LoopClock::eta(int64_t iteration, int max_batches) const {
  const double elapsed = monotonic_seconds() - t_start;
  return elapsed / double(std::max<int64_t>(1, iteration - it_start)) * double(max_batches - iteration);
}

bool stop_if_preempted(int64_t iteration, const std::function<void()>& checkpoint, DataParallel& dp) {
  if (!dp.any(g_stop_requested)) return false;
  g_stop_requested = true;
  if (dp.leader()) checkpoint();
  std::fprintf(stderr, "stopped by signal at iteration %lld: checkpointed, exiting as preempted\n", (long long)iteration);
  return true;
}

bool finish_iteration(Network& net, TrainState& st, double& avg_loss, const LoopClock& clock, const IterationSums& s,
                      const nlohmann::json& extra) {
  const int max_batches = net.options().max_batches;
  const float lr = learning_rate_at(net.options(), int(st.iteration));
  sgd_step(net, lr);
  st.iteration++;
  st.seen += uint64_t(s.images);
  const double loss = s.loss_sum / s.images;
  if (!std::isfinite(loss)) {
    emit({{"event", "diverged"}, {"iteration", st.iteration}, {"loss", nullptr}});
    std::fprintf(stderr, "loss became %s at iteration %lld: stopping (diverged)\n", std::isnan(loss) ? "NaN" : "Inf",
                 (long long)st.iteration);
    return false;
  }
  avg_loss = avg_loss < 0 ? loss : avg_loss * 0.9 + loss * 0.1;
  const double images_per_s = s.images / (monotonic_seconds() - s.t0);
  const double eta = clock.eta(st.iteration, max_batches);
  nlohmann::json event = {{"event", "iter"}, {"iteration", st.iteration}, {"max_iterations", max_batches},
                          {"loss", loss},    {"avg_loss", avg_loss},      {"lr", lr},
                          {"images_per_s", images_per_s}, {"width", s.w}, {"height", s.h},
                          {"mini_batch", s.mini_batch}};
  event.update(extra);
  emit(event);
  if (g_reporting)
    std::fprintf(stderr, "[%lld/%d] loss %.3f avg %.3f lr %.6f %dx%d %.1f img/s ETA %s\n", (long long)st.iteration,
               max_batches, loss, avg_loss, lr, s.w, s.h, images_per_s, format_duration(eta).c_str());
  return true;
}

void periodic_work(const TrainConfig& c, int64_t iteration, int max_batches, const std::function<void()>& checkpoint,
                   const std::function<void()>& evaluate) {
  auto due = [&](int every) { return every > 0 && iteration % every == 0 && iteration < max_batches; };
  if (due(c.checkpoint_every)) checkpoint();
  if (due(c.eval_every)) evaluate();
}

std::unique_ptr<Network> inference_network(const TrainConfig& c, const Cfg& cfg, const NetOptions& base,
                                           const Network& net, const Dataset& train) {
  auto eval_net = build_network(cfg, base.width, base.height, 8, &net);
  use_device(*eval_net, device_of(net));
  if (c.precise_bn_batches > 0) reestimate_batchnorm(*eval_net, train, c.precise_bn_batches, c.seed);
  return eval_net;
}

void finish_run(const TrainConfig& c, const Cfg& cfg, const NetOptions& base, const Network& net,
                const Dataset& train, const TrainState& st, double avg_loss,
                const std::function<nlohmann::json(Network&)>& evaluate) {
  const std::unique_ptr<Network> final_net = inference_network(c, cfg, base, net, train);
  nlohmann::json metrics = evaluate(*final_net);
  metrics["final_avg_loss"] = avg_loss;
  metrics["iterations"] = st.iteration;
  metrics["seen"] = st.seen;
  metrics["environment"] = compute_environment(net);
  save_weights(*final_net, c.out_dir + "/final.weights", st.seen);  // with the statistics it was evaluated with
  emit({{"event", "artifact"}, {"kind", "weights"}, {"path", c.out_dir + "/final.weights"}});
  write_file_atomically(c.out_dir + "/metrics.json", metrics.dump(2) + "\n");
  emit({{"event", "done"}, {"iteration", st.iteration}, {"metrics", metrics}});
}

}  // namespace ds
