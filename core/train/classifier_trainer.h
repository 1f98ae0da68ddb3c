// Classifier training: darknet's train_classifier loop (classifier.c) on darksweep's pieces — random
// augmented mini-batches with soft targets (core/data/classify.h), softmax cross-entropy (+ a [cost] layer's
// sse), SGD every `subdivisions` mini-batches, checkpoints that resume bit-identically, and top-1 / top-5
// on the validation list every eval_every iterations and at the end (metrics.json keys top1, top5).
#pragma once
#include "core/cfg/cfg.h"
#include "core/nn/network.h"
#include "core/train/data_parallel.h"
#include "core/train/train_config.h"

namespace ds {

// The loss layers of a classifier cfg (layer indices; -1 when absent).
struct ClassifierHead {
  int softmax = -1;
  int cost = -1;
  bool softmax_loss = true;  // [softmax] noloss=0
};
// softmax >= 0 for a classifier cfg: no [yolo] layer, the last layer (before an optional [cost]) a [softmax].
ClassifierHead classifier_head(const Cfg& cfg);
bool is_classifier_cfg(const Cfg& cfg);

// After a training-mode forward pass of n images: writes the loss deltas as darknet's forward_softmax_layer
// and forward_cost_layer do (classifier_loss.h) for the targets (n x K) and returns the loss summed over images.
double classifier_loss_deltas(Network& net, const ClassifierHead& head, const float* targets, int n);

// Runs the whole training; returns an ExitCode (0 done, 3 diverged, 4 preempted). Progress as train_detector.
// With `processes` (data parallelism, core/train/data_parallel.h) each process trains its share of every batch's
// mini-batches; all of them load the whole batch, since the augmentation draws from one stream in order.
int train_classifier(const TrainConfig& config, AllReduce* processes = nullptr);

}  // namespace ds
