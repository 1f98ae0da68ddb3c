// The [yolo] heads of a network, as the trainer and the evaluator see them.
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

}  // namespace ds
