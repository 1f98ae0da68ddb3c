// Trainer: darknet's train_detector loop for one run — mini-batches from the Loader, forward with truths,
// backward, SGD every `subdivisions` mini-batches, random training shapes and the dynamic mini-batch,
// checkpoints that resume bit-identically, periodic COCO evaluation, and JSON-lines progress.
#pragma once
#include <atomic>
#include <string>

#include "core/data/loader.h"
#include "core/nn/net_options.h"
#include "core/train/train_config.h"

namespace ds {

// Set by SIGTERM/SIGINT handlers: the trainer checkpoints and exits with kExitPreempted.
extern std::atomic<bool> g_stop_requested;

class AllReduce;

// The Loader's augmentation as darknet's detector reads it: [net] hue/saturation/exposure/flip/letter_box/
// mosaic/mixup/blur/mosaic_bound and `jitter`, the first [yolo] layer's.
AugmentOptions detector_augment_options(const NetOptions& net, float jitter);

// Runs the whole training; returns an ExitCode (0 done, 3 diverged, 4 preempted). Progress events go to
// stdout as JSON lines (docs/progress_protocol.md), a human progress line to stderr. With `processes` (one
// of several processes of a data-parallel run, data_parallel.h) this process trains its share of each batch.
int train_detector(const TrainConfig& config, AllReduce* processes = nullptr);

}  // namespace ds
