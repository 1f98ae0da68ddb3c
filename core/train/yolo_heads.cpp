// Finding the [yolo] layers of a network or cfg.
#include "core/train/yolo_heads.h"

namespace ds {

std::vector<YoloHead> yolo_heads(Network& net) {
  std::vector<YoloHead> heads;
  for (size_t i = 0; i < net.num_layers(); ++i)
    if (auto* y = dynamic_cast<YoloLayer*>(&net.layer(i))) heads.push_back({i, y});
  return heads;
}

const CfgSection* first_yolo_section(const Cfg& cfg) {
  for (size_t i = 0; i < cfg.num_layers(); ++i)
    if (cfg.layer(i).type == "yolo" || cfg.layer(i).type == "Gaussian_yolo") return &cfg.layer(i);
  return nullptr;
}

}  // namespace ds
