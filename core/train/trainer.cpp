// darknet's train_detector loop (detector.c) on darksweep's pieces; see trainer.h.
#include "core/train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/data/loader.h"
#include "core/nn/checkpoint.h"
#include "core/nn/sgd.h"
#include "core/nn/weights_io.h"
#include "core/train/evaluate.h"
#include "core/train/precise_bn.h"
#include "core/train/random_shape.h"
#include "core/train/yolo_heads.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace ds {

std::atomic<bool> g_stop_requested{false};

namespace {

namespace fs = std::filesystem;

void emit(const nlohmann::json& event) {
  std::printf("%s\n", event.dump().c_str());
  std::fflush(stdout);
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string format_duration(double s) {
  char buf[32];
  int t = int(s);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", t / 3600, t / 60 % 60);
  else std::snprintf(buf, sizeof buf, "%dm%02ds", t / 60, t % 60);
  return buf;
}

// The network at input size w x h and mini-batch b, with the parameters (and optimiser state) of `from`.
std::unique_ptr<Network> build_network(const Cfg& cfg, int w, int h, int mini_batch, const Network* from) {
  Cfg sized = cfg;
  apply_override(sized, "net.width=" + std::to_string(w));
  apply_override(sized, "net.height=" + std::to_string(h));
  auto net = std::make_unique<Network>(sized, mini_batch);
  net->options().mini_batch = mini_batch;  // DM: the SGD step divides by the current batch, as darknet
  if (from) {
    std::copy(from->params(), from->params() + from->num_params(), net->params());
    std::copy(from->grads(), from->grads() + from->num_params(), net->grads());
  }
  return net;
}

AugmentOptions augment_options(const NetOptions& n, const YoloOptions* yolo) {
  AugmentOptions a;
  a.jitter = yolo ? yolo->jitter : 0.f;
  a.hue = n.hue;
  a.saturation = n.saturation;
  a.exposure = n.exposure;
  a.flip = n.flip != 0;
  a.letter_box = n.letter_box != 0;
  a.mosaic = n.mosaic != 0;
  a.mixup = n.mixup != 0;
  a.blur = n.blur != 0;
  a.mosaic_bound = n.mosaic_bound;
  return a;
}

}  // namespace

int train_detector(const TrainConfig& c) {
  fs::create_directories(c.out_dir);
  Cfg cfg = parse_cfg_text(c.cfg_text, c.cfg_path);
  apply_overrides(cfg, c.overrides);
  if (c.max_batches > 0) apply_override(cfg, "net.max_batches=" + std::to_string(c.max_batches));

  auto net = std::make_unique<Network>(cfg);
  NetOptions base = net->options();
  std::vector<YoloHead> heads = yolo_heads(*net);
  if (heads.empty()) throw InputError(c.cfg_path + ": a detector needs at least one [yolo] layer");
  const YoloOptions first_yolo = heads.front().yolo->options;
  const int classes = c.classes > 0 ? c.classes : first_yolo.classes;
  const int max_batches = base.max_batches;
  if (max_batches <= 0) throw InputError(c.cfg_path + ": [net] max_batches must be > 0 for training");

  Dataset train = read_darknet_list(c.train_list, classes);
  Dataset val = c.val_list.empty() ? Dataset{} : read_darknet_list(c.val_list, classes);
  if (train.images.empty()) throw InputError(c.train_list + ": no training images");
  Loader loader(train, augment_options(base, &first_yolo), c.seed, c.loader_threads);
  Rng rng(c.seed);

  // Start: a checkpoint in the run folder (resume), else the init weights, else darknet's initialisation.
  const std::string ckpt_path = c.out_dir + "/checkpoint.ckpt";
  TrainState st;
  ShapeChoice shape{base.width, base.height, base.mini_batch};
  double avg_loss = -1;
  if (fs::exists(ckpt_path)) {
    Network probe(cfg);
    TrainState saved = load_checkpoint(ckpt_path, probe);
    shape = {saved.extra.value("w", base.width), saved.extra.value("h", base.height),
             saved.extra.value("mini_batch", base.mini_batch)};
    net = build_network(cfg, shape.w, shape.h, shape.mini_batch, &probe);
    st = saved;
    rng.set_state(st.rng.at("train"));
    loader.seek(st.extra.value("loader", uint64_t(0)));
    avg_loss = st.extra.value("avg_loss", -1.0);
    emit({{"event", "resume"}, {"iteration", st.iteration}, {"path", ckpt_path}});
  } else {
    Rng init(c.seed);
    net->init_params(init);
    if (!c.init_weights.empty()) load_weights(*net, c.init_weights, c.init_partial);
  }
  emit({{"event", "start"}, {"iteration", st.iteration}, {"max_iterations", max_batches},
        {"train_images", train.images.size()}, {"val_images", val.images.size()}});

  auto checkpoint = [&]() {
    st.rng["train"] = rng.state();
    st.extra = {{"loader", loader.position()}, {"w", shape.w}, {"h", shape.h}, {"mini_batch", shape.mini_batch},
                {"avg_loss", avg_loss}};
    save_checkpoint(ckpt_path, *net, st);
    emit({{"event", "checkpoint"}, {"iteration", st.iteration}, {"path", ckpt_path}});
  };
  // The evaluation network: the current weights at the cfg's size, with re-estimated batch-norm statistics
  // when the run asks for them (the training network's own statistics stay untouched, so resuming is exact).
  auto inference_network = [&]() {
    auto eval_net = build_network(cfg, base.width, base.height, 8, net.get());
    if (c.precise_bn_batches > 0) reestimate_batchnorm(*eval_net, train, c.precise_bn_batches, c.seed);
    return eval_net;
  };
  auto evaluate = [&](Network& eval_net) -> nlohmann::json {
    if (val.images.empty()) return nlohmann::json::object();
    EvalOptions eo{c.eval_thresh, c.nms_thresh, c.max_val_images, base.letter_box != 0};
    nlohmann::json m = evaluate_detector(eval_net, val, eo).metrics;
    emit({{"event", "eval"}, {"iteration", st.iteration}, {"metrics", m}});
    std::fprintf(stderr, "[eval %lld] AP %.4f  AP50 %.4f  AP75 %.4f\n", (long long)st.iteration, m["AP"].get<double>(),
                 m["AP50"].get<double>(), m["AP75"].get<double>());
    return m;
  };

  const float random = first_yolo.random;
  const double t_start = now_seconds();
  const int64_t it_start = st.iteration;
  while (st.iteration < max_batches) {
    if (g_stop_requested) {
      checkpoint();
      std::fprintf(stderr, "stopped by signal at iteration %lld: checkpointed, exiting as preempted\n",
                   (long long)st.iteration);
      return kExitPreempted;
    }
    if (random != 0 && st.iteration % 10 == 0) {
      ShapeChoice next = random_shape(base, random, int(st.iteration), c.seed);
      if (next.w != shape.w || next.h != shape.h || next.mini_batch != shape.mini_batch) {
        net = build_network(cfg, next.w, next.h, next.mini_batch, net.get());
        shape = next;
      }
    }
    const double t0 = now_seconds();
    double loss_sum = 0;
    int images = 0;
    std::vector<YoloHead> now_heads = yolo_heads(*net);
    std::vector<YoloLossReport> terms(now_heads.size());  // per head, summed over the mini-batches
    for (int sub = 0; sub < base.subdivisions; ++sub) {
      Batch b = loader.next(shape.mini_batch, shape.w, shape.h);
      net->forward(b.x.data(), /*train=*/true, &rng, int(st.iteration), &b.truths, 0.01f, sub);
      for (size_t k = 0; k < now_heads.size(); ++k) {
        const YoloLossReport& r = now_heads[k].yolo->last_loss;
        terms[k].box += r.box;
        terms[k].obj += r.obj;
        terms[k].cls += r.cls;
        terms[k].count += r.count;
        terms[k].iou_sum += r.iou_sum;
        terms[k].undefined_iou += r.undefined_iou;
        loss_sum += r.total();
      }
      net->backward(b.x.data());
      images += b.n;
    }
    nlohmann::json head_terms = nlohmann::json::array();
    for (size_t k = 0; k < terms.size(); ++k)
      head_terms.push_back({{"layer", now_heads[k].layer}, {"box", terms[k].box / images},
                            {"obj", terms[k].obj / images}, {"cls", terms[k].cls / images},
                            {"count", terms[k].count}, {"undefined_iou", terms[k].undefined_iou},
                            {"avg_iou", terms[k].count > terms[k].undefined_iou
                                            ? terms[k].iou_sum / (terms[k].count - terms[k].undefined_iou)
                                            : 0.0}});
    const float lr = learning_rate_at(net->options(), int(st.iteration));
    sgd_step(*net, lr);
    st.iteration++;
    st.seen += uint64_t(images);
    const double loss = loss_sum / images;
    if (!std::isfinite(loss)) {
      emit({{"event", "diverged"}, {"iteration", st.iteration}, {"loss", nullptr}});
      std::fprintf(stderr, "loss became %s at iteration %lld: stopping (diverged)\n", std::isnan(loss) ? "NaN" : "Inf",
                   (long long)st.iteration);
      return kExitDiverged;
    }
    avg_loss = avg_loss < 0 ? loss : avg_loss * 0.9 + loss * 0.1;
    const double dt = now_seconds() - t0;
    const double elapsed = now_seconds() - t_start;
    const double eta = elapsed / double(st.iteration - it_start) * double(max_batches - st.iteration);
    emit({{"event", "iter"}, {"iteration", st.iteration}, {"max_iterations", max_batches}, {"loss", loss},
          {"avg_loss", avg_loss}, {"lr", lr}, {"images_per_s", images / dt}, {"width", shape.w},
          {"height", shape.h}, {"mini_batch", shape.mini_batch}, {"heads", head_terms}});
    std::fprintf(stderr, "[%lld/%d] loss %.3f avg %.3f lr %.6f %dx%d %.1f img/s ETA %s\n", (long long)st.iteration,
                 max_batches, loss, avg_loss, lr, shape.w, shape.h, images / dt, format_duration(eta).c_str());
    if (c.checkpoint_every > 0 && st.iteration % c.checkpoint_every == 0 && st.iteration < max_batches) checkpoint();
    if (c.eval_every > 0 && st.iteration % c.eval_every == 0 && st.iteration < max_batches)
      evaluate(*inference_network());
  }

  std::unique_ptr<Network> final_net = inference_network();
  nlohmann::json metrics = evaluate(*final_net);
  metrics["iterations"] = st.iteration;
  metrics["seen"] = st.seen;
  metrics["final_avg_loss"] = avg_loss;
  save_weights(*final_net, c.out_dir + "/final.weights", st.seen);  // with the statistics it was evaluated with
  emit({{"event", "artifact"}, {"kind", "weights"}, {"path", c.out_dir + "/final.weights"}});
  write_file_atomically(c.out_dir + "/metrics.json", metrics.dump(2) + "\n");
  emit({{"event", "done"}, {"iteration", st.iteration}, {"metrics", metrics}});
  return kExitOk;
}

}  // namespace ds
