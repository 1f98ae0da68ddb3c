// Classifier training: darknet's train_classifier loop (classifier.c) on darksweep's pieces — random
// augmented mini-batches with soft targets (core/data/classify.h), softmax cross-entropy (+ a [cost] layer's
// sse), SGD every `subdivisions` mini-batches, checkpoints that resume bit-identically, and top-1 / top-5
// on the validation list every eval_every iterations and at the end (metrics.json keys top1, top5).
#pragma once
#include "core/cfg/cfg.h"
#include "core/train/train_config.h"

namespace ds {

// A classifier cfg: no [yolo] layer, and its last layer (before an optional [cost]) is a [softmax].
bool is_classifier_cfg(const Cfg& cfg);

// Runs the whole training; returns an ExitCode (0 done, 3 diverged, 4 preempted). Progress as train_detector.
int train_classifier(const TrainConfig& config);

}  // namespace ds
