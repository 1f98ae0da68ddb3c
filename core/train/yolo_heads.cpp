// Finding the [yolo] layers of a network.
#include "core/train/yolo_heads.h"

namespace ds {

std::vector<YoloHead> yolo_heads(Network& net) {
  std::vector<YoloHead> heads;
  for (size_t i = 0; i < net.num_layers(); ++i)
    if (auto* y = dynamic_cast<YoloLayer*>(&net.layer(i))) heads.push_back({i, y});
  return heads;
}

}  // namespace ds
