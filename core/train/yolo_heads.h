// The [yolo] heads of a network (and of a cfg), as the trainer, the evaluator and the data tools see them.
#pragma once
#include <vector>

#include "core/layers/yolo.h"
#include "core/nn/network.h"

namespace ds {

struct YoloHead {
  size_t layer = 0;
  YoloLayer* yolo = nullptr;
};

std::vector<YoloHead> yolo_heads(Network& net);

// The cfg's first [yolo] or [Gaussian_yolo] section (whose jitter and classes the detector's data use), or null.
const CfgSection* first_yolo_section(const Cfg& cfg);

}  // namespace ds
