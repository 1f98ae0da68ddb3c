// darknet's train_detector loop (detector.c) on darksweep's pieces; see trainer.h.
#include "core/train/trainer.h"

#include <cstdio>
#include <filesystem>

#include "core/data/loader.h"
#include "core/train/data_parallel.h"
#include "core/backend/device.h"
#include "core/train/evaluate.h"
#include "core/train/random_shape.h"
#include "core/train/self_adversarial.h"
#include "core/train/train_loop.h"
#include "core/train/yolo_heads.h"
#include "core/util/error.h"

namespace ds {

std::atomic<bool> g_stop_requested{false};

namespace {

namespace fs = std::filesystem;

}  // namespace

AugmentOptions detector_augment_options(const NetOptions& n, float jitter) {
  AugmentOptions a;
  a.jitter = jitter;
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

int train_detector(const TrainConfig& c, AllReduce* processes) {
  fs::create_directories(c.out_dir);
  const Cfg cfg = run_cfg(c);

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
  Loader loader(train, detector_augment_options(base, first_yolo.jitter), c.seed, c.loader_threads);
  Rng rng(c.seed);
  DataParallel dp(processes);
  const DataParallel::Share share = dp.share(base.subdivisions, c.cfg_path + ": [net] subdivisions");
  if (!dp.leader()) set_reporting(false);

  // Start: a checkpoint in the run folder (resume), else the init weights, else darknet's initialisation.
  ShapeChoice shape{base.width, base.height, base.mini_batch};
  TrainState st = start_or_resume(c, cfg, net, [&](const TrainState& saved, const Network& probe) {
    shape = {saved.extra.value("w", base.width), saved.extra.value("h", base.height),
             saved.extra.value("mini_batch", base.mini_batch)};
    return build_network(cfg, shape.w, shape.h, shape.mini_batch, &probe);
  });
  use_device(*net, c.device, c.precision);
  double avg_loss = -1;
  if (st.rng.count("train")) {  // resumed
    rng.set_state(st.rng.at("train"));
    loader.seek(st.extra.value("loader", uint64_t(0)));
    avg_loss = st.extra.value("avg_loss", -1.0);
  }
  emit({{"event", "start"}, {"iteration", st.iteration}, {"max_iterations", max_batches},
        {"train_images", train.images.size()}, {"val_images", val.images.size()}});

  auto checkpoint = [&]() {
    st.rng["train"] = rng.state();
    st.extra = {{"loader", loader.position()}, {"w", shape.w}, {"h", shape.h}, {"mini_batch", shape.mini_batch},
                {"avg_loss", avg_loss}};
    write_checkpoint(c, *net, st);
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
  const LoopClock clock{monotonic_seconds(), st.iteration};
  while (st.iteration < max_batches) {
    if (stop_if_preempted(st.iteration, checkpoint, dp)) return kExitPreempted;
    if (random != 0 && st.iteration % 10 == 0) {
      ShapeChoice next = random_shape(base, random, int(st.iteration), c.seed);
      if (next.w != shape.w || next.h != shape.h || next.mini_batch != shape.mini_batch) {
        net = build_network(cfg, next.w, next.h, next.mini_batch, net.get());
        use_device(*net, c.device, c.precision);
        shape = next;
      }
    }
    const double t0 = monotonic_seconds();
    double loss_sum = 0;
    int images = 0;
    std::vector<YoloHead> now_heads = yolo_heads(*net);
    std::vector<YoloLossReport> terms(now_heads.size());  // per head, summed over the mini-batches
    int sat_batches = 0;
    // This process's mini-batches of the batch: the images the single process would load for them.
    const uint64_t batch_start = loader.position();
    if (dp.size() > 1) loader.seek(batch_start + uint64_t(share.first) * uint64_t(shape.mini_batch));
    dp.begin_iteration(*net);
    double data_wait = 0;  // seconds this iteration waited for the Loader
    for (int sub = share.first; sub < share.first + share.count; ++sub) {
      const double wait_start = monotonic_seconds();
      Batch b = loader.next(shape.mini_batch, shape.w, shape.h);
      data_wait += monotonic_seconds() - wait_start;
      const int cmbn_index = sub - share.first;  // CmBN pools this process's mini-batches of the batch
      if (self_adversarial_due(base, st.iteration, rng)) {  // SAT: the image changed to show no objects
        const std::vector<std::vector<TruthBox>> no_objects(b.truths.size());
        self_adversarial_pass(*net, b.x.data(), self_adversarial_step(base, st.iteration), [&](const float* x) {
          net->forward(x, /*train=*/true, &rng, int(st.iteration), &no_objects, 0.01f, cmbn_index);
        });
        ++sat_batches;
      }
      net->forward(b.x.data(), /*train=*/true, &rng, int(st.iteration), &b.truths, 0.01f, cmbn_index);
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
    if (dp.size() > 1) loader.seek(batch_start + uint64_t(base.subdivisions) * uint64_t(shape.mini_batch));
    // The iteration's counts, summed over the processes with the gradients (as they are with one process).
    std::vector<double> totals = {loss_sum, double(images), double(sat_batches)};
    for (const YoloLossReport& t : terms)
      totals.insert(totals.end(), {t.box, t.obj, t.cls, double(t.count), t.iou_sum, double(t.undefined_iou)});
    dp.end_iteration(*net, totals);
    loss_sum = totals[0], images = int(totals[1]), sat_batches = int(totals[2]);
    for (size_t k = 0; k < terms.size(); ++k) {
      const double* v = &totals[3 + 6 * k];
      terms[k].box = v[0], terms[k].obj = v[1], terms[k].cls = v[2], terms[k].count = int(v[3]);
      terms[k].iou_sum = v[4], terms[k].undefined_iou = int(v[5]);
    }
    nlohmann::json head_terms = nlohmann::json::array();
    for (size_t k = 0; k < terms.size(); ++k)
      head_terms.push_back({{"layer", now_heads[k].layer}, {"box", terms[k].box / images},
                            {"obj", terms[k].obj / images}, {"cls", terms[k].cls / images},
                            {"count", terms[k].count}, {"undefined_iou", terms[k].undefined_iou},
                            {"avg_iou", terms[k].count > terms[k].undefined_iou
                                            ? terms[k].iou_sum / (terms[k].count - terms[k].undefined_iou)
                                            : 0.0}});
    const IterationSums sums{loss_sum, images, t0, shape.w, shape.h, shape.mini_batch};
    nlohmann::json extra = {{"heads", head_terms}, {"data_wait", data_wait / (monotonic_seconds() - t0)}};
    if (base.adversarial_lr != 0) extra["sat"] = sat_batches;
    if (!finish_iteration(*net, st, avg_loss, clock, sums, extra)) return kExitDiverged;
    if (dp.leader())
      periodic_work(c, st.iteration, max_batches, checkpoint,
                    [&]() { evaluate(*inference_network(c, cfg, base, *net, train)); });
  }

  if (dp.leader()) finish_run(c, cfg, base, *net, train, st, avg_loss, evaluate);
  return kExitOk;
}

}  // namespace ds
