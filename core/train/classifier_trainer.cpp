// darknet's train_classifier loop (classifier.c) on darksweep's pieces; see classifier_trainer.h.
#include "core/train/classifier_trainer.h"

#include <cstdio>
#include <filesystem>

#include "core/data/classify.h"
#include "core/nn/classifier_loss.h"
#include "core/backend/device.h"
#include "core/train/evaluate_classifier.h"
#include "core/train/self_adversarial.h"
#include "core/train/train_loop.h"
#include "core/train/trainer.h"
#include "core/util/error.h"

namespace ds {

ClassifierHead classifier_head(const Cfg& cfg) {
  ClassifierHead h;
  for (const CfgSection& s : cfg.sections)
    if (s.type == "yolo") return h;
  int last = int(cfg.num_layers()) - 1;
  if (last > 0 && cfg.layer(size_t(last)).type == "cost") h.cost = last--;
  if (last < 0 || cfg.layer(size_t(last)).type != "softmax") return ClassifierHead{};
  h.softmax = last;
  h.softmax_loss = cfg.layer(size_t(last)).get_int("noloss", 0) == 0;
  return h;
}

bool is_classifier_cfg(const Cfg& cfg) { return classifier_head(cfg).softmax >= 0; }

double classifier_loss_deltas(Network& net, const ClassifierHead& head, const float* targets, int n) {
  net.sync_output_to_host(size_t(head.softmax));
  if (head.cost >= 0) net.sync_output_to_host(size_t(head.cost));
  const Tensor probs = net.output(size_t(head.softmax));
  const size_t classes = probs.size() / size_t(net.mini_batch());
  double loss = 0;
  if (head.softmax_loss)
    loss += softmax_cross_entropy(probs.data, targets, net.delta(size_t(head.softmax)).data, size_t(n), classes);
  if (head.cost >= 0)
    loss += sum_squared_error(net.output(size_t(head.cost)).data, targets, net.delta(size_t(head.cost)).data, size_t(n),
                              classes);
  net.sync_delta_to_device(size_t(head.softmax));
  if (head.cost >= 0) net.sync_delta_to_device(size_t(head.cost));
  return loss;
}

int train_classifier(const TrainConfig& c, AllReduce* processes) {
  std::filesystem::create_directories(c.out_dir);
  const Cfg cfg = run_cfg(c);
  const ClassifierHead head = classifier_head(cfg);
  const int softmax = head.softmax;
  if (softmax < 0) throw InputError(c.cfg_path + ": a classifier ends in [softmax] (optionally [cost]) and has no [yolo]");
  const CfgSection& softmax_section = cfg.layer(size_t(softmax));
  if (softmax_section.get_int("groups", 1) != 1)
    softmax_section.fail("groups", "a classifier's softmax has groups=1 (one distribution per image)");

  auto net = std::make_unique<Network>(cfg);
  const NetOptions base = net->options();
  const int classes = int(net->layer(size_t(softmax)).out_shape.size());
  if (c.classes > 0 && c.classes != classes)
    throw InputError(c.cfg_path + ": data.classes is " + std::to_string(c.classes) + " but the [softmax] has " +
                     std::to_string(classes) + " outputs");
  const int max_batches = base.max_batches;
  if (max_batches <= 0) throw InputError(c.cfg_path + ": [net] max_batches must be > 0 for training");
  const ClassifierAugment aug = classifier_augment(base, c.cfg_path);

  const Dataset train = read_darknet_list(c.train_list, classes);
  const Dataset val = c.val_list.empty() ? Dataset{} : read_darknet_list(c.val_list, classes);
  if (train.images.empty()) throw InputError(c.train_list + ": no training images");
  const std::vector<int> train_classes = image_classes(train), val_classes = image_classes(val);

  Rng rng(c.seed);                              // the network's draws (dropout)
  Rng data_rng(c.seed ^ 0x9e3779b97f4a7c15ULL);  // image choice and augmentation
  DataParallel dp(processes);
  const DataParallel::Share share = dp.share(base.subdivisions, c.cfg_path + ": [net] subdivisions");
  if (!dp.leader()) set_reporting(false);
  TrainState st = start_or_resume(c, cfg, net, [&](const TrainState&, const Network& probe) {
    return build_network(cfg, base.width, base.height, base.mini_batch, &probe);
  });
  use_device(*net, c.device, c.precision);
  double avg_loss = -1;
  if (st.rng.count("train")) {  // resumed
    rng.set_state(st.rng.at("train"));
    data_rng.set_state(st.rng.at("data"));
    avg_loss = st.extra.value("avg_loss", -1.0);
  }
  emit({{"event", "start"}, {"iteration", st.iteration}, {"max_iterations", max_batches},
        {"train_images", train.images.size()}, {"val_images", val.images.size()}, {"classes", classes}});

  auto checkpoint = [&]() {
    st.rng["train"] = rng.state();
    st.rng["data"] = data_rng.state();
    st.extra = {{"avg_loss", avg_loss}};
    write_checkpoint(c, *net, st);
  };
  auto evaluate = [&](Network& eval_net) -> nlohmann::json {
    if (val.images.empty()) return nlohmann::json::object();
    const ClassifierEval e = evaluate_classifier(eval_net, size_t(softmax), val, val_classes, c.max_val_images);
    nlohmann::json m = {{"top1", e.top1}, {"top5", e.top5}, {"images", e.images}};
    emit({{"event", "eval"}, {"iteration", st.iteration}, {"metrics", m}});
    std::fprintf(stderr, "[eval %lld] top-1 %.4f  top-5 %.4f  (%zu images)\n", (long long)st.iteration, e.top1, e.top5,
                 e.images);
    return m;
  };

  const LoopClock clock{monotonic_seconds(), st.iteration};
  while (st.iteration < max_batches) {
    if (stop_if_preempted(st.iteration, checkpoint, dp)) return kExitPreempted;
    const double t0 = monotonic_seconds();
    double loss_sum = 0;
    int images = 0;
    int sat_batches = 0;
    dp.begin_iteration(*net);
    for (int sub = 0; sub < base.subdivisions; ++sub) {
      // darknet's augmentation draws from one stream in order, so each process loads every mini-batch of the
      // batch (the images the single process loads) and trains its share: loading is not divided.
      ClassBatch b = load_classifier_batch(train, train_classes, classes, aug, base.mini_batch, base.width,
                                           base.height, data_rng);
      if (sub < share.first || sub >= share.first + share.count) continue;
      if (self_adversarial_due(base, st.iteration, rng)) {  // SAT: the image changed to show no class
        const std::vector<float> no_class(b.targets.size(), 0.f);
        self_adversarial_pass(*net, b.x.data(), self_adversarial_step(base, st.iteration), [&](const float* x) {
          net->forward(x, /*train=*/true, &rng, int(st.iteration), nullptr, 0.01f, sub - share.first);
          classifier_loss_deltas(*net, head, no_class.data(), b.n);
        });
        ++sat_batches;
      }
      // CmBN pools this process's mini-batches of the batch, as the detector's.
      net->forward(b.x.data(), /*train=*/true, &rng, int(st.iteration), nullptr, 0.01f, sub - share.first);
      loss_sum += classifier_loss_deltas(*net, head, b.targets.data(), b.n);
      net->backward(b.x.data());
      images += b.n;
    }
    std::vector<double> totals = {loss_sum, double(images), double(sat_batches)};  // over the processes
    dp.end_iteration(*net, totals);
    loss_sum = totals[0], images = int(totals[1]), sat_batches = int(totals[2]);
    const IterationSums sums{loss_sum, images, t0, base.width, base.height, base.mini_batch};
    nlohmann::json extra = nlohmann::json::object();
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
